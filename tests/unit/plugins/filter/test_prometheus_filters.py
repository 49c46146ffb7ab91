"""The prometheus filters are thin adapters: wiring and errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.filter import prometheus as prometheus_filters


def test_filters_are_registered():
    assert set(prometheus_filters.FilterModule().filters()) == {"prometheus_config", "prometheus_secret_files"}


def test_prometheus_config_errors_name_the_filter():
    with pytest.raises(AnsibleFilterError, match="prometheus_config expects a dict"):
        prometheus_filters.prometheus_config([])
    with pytest.raises(AnsibleFilterError, match="prometheus_config: missing setting 'ca_file'"):
        prometheus_filters.prometheus_config({"self": {}})


def test_prometheus_secret_files_refuses_a_user_without_password():
    with pytest.raises(AnsibleFilterError, match="prometheus_secret_files: malformed entry"):
        prometheus_filters.prometheus_secret_files([{"name": "admin"}], "", [], [])

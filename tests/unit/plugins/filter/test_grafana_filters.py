"""The grafana_ini_problems filter is a thin adapter: wiring and errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.filter import grafana_ini_problems as grafana_filters


def test_filter_is_registered_and_errors_name_it():
    problems = grafana_filters.FilterModule().filters()["grafana_ini_problems"]
    with pytest.raises(AnsibleFilterError, match="grafana_ini_problems expects dicts"):
        problems([], {}, {})
    with pytest.raises(AnsibleFilterError, match="grafana_ini_problems: the role's data lacks 'owned'"):
        problems({"smtp": {"host": "x"}}, {}, {})

"""The systemd_hardening filter is a thin adapter: wiring and errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.filter import systemd_hardening as systemd_filters


def test_filter_is_registered_and_renders():
    render = systemd_filters.FilterModule().filters()["systemd_hardening"]
    assert "ReadWritePaths=/srv" in render({}, {"ReadWritePaths": "/srv"}).splitlines()


def test_errors_name_the_filter():
    render = systemd_filters.FilterModule().filters()["systemd_hardening"]
    with pytest.raises(AnsibleFilterError, match="systemd_hardening expects a dict"):
        render(["NoNewPrivileges"])
    with pytest.raises(AnsibleFilterError, match="systemd_hardening: UMask: an exception needs"):
        render({"UMask": {"value": "0027"}})

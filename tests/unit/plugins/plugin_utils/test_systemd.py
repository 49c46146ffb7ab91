"""Unit tests of plugin_utils/_systemd.py: the sandbox baseline as data, and each unit's exceptions."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _systemd


def directives(text):
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_the_baseline_is_dated_data_with_its_source():
    with open(_systemd.BASELINE_FILE, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert data["source"].startswith("https://www.freedesktop.org/")
    assert data["checked"]
    assert data["directives"]["ProtectSystem"] == "strict"


def test_no_exception_gives_the_baseline_in_its_order():
    lines = directives(_systemd.render())
    expected = []
    for name, value in _systemd.baseline().items():
        expected += ["%s=%s" % (name, v) for v in (value if isinstance(value, list) else [value])]
    assert lines == expected
    assert "SystemCallFilter=@system-service" in lines and "SystemCallFilter=~@privileged" in lines
    assert "CapabilityBoundingSet=" in lines  # empty: no capabilities


def test_an_exception_replaces_the_value_and_says_why():
    text = _systemd.render(
        {"RestrictAddressFamilies": {"value": "AF_UNIX AF_NETLINK", "why": "reads interfaces\nover netlink"}}
    )
    lines = text.splitlines()
    at = lines.index("RestrictAddressFamilies=AF_UNIX AF_NETLINK")
    assert lines[at - 1] == "# RestrictAddressFamilies changed: reads interfaces over netlink"
    assert "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" not in lines


def test_an_exception_without_value_leaves_the_directive_unset_with_its_reason():
    text = _systemd.render({"ProtectProc": {"value": None, "why": "PID 1 must stay visible"}})
    assert "# ProtectProc left unset: PID 1 must stay visible" in text.splitlines()
    assert not [line for line in directives(text) if line.startswith("ProtectProc=")]


def test_a_list_value_is_one_line_each_and_additions_come_last():
    text = _systemd.render(
        {"SystemCallFilter": {"value": ["@system-service", "~@privileged @resources"], "why": "stricter"}},
        {"ReadWritePaths": "/var/lib/x", "PrivateNetwork": "yes", "ReadOnlyPaths": None},
    )
    lines = directives(text)
    assert lines[-2:] == ["ReadWritePaths=/var/lib/x", "PrivateNetwork=yes"]
    assert [line for line in lines if line.startswith("SystemCallFilter=")] == [
        "SystemCallFilter=@system-service",
        "SystemCallFilter=~@privileged @resources",
    ]


@pytest.mark.parametrize(
    ("exceptions", "additions", "message"),
    [
        ({"ProtectProcs": {"value": None, "why": "typo"}}, {}, "ProtectProcs: not a directive of the baseline"),
        ({"ReadWritePaths": {"value": "/x", "why": "w"}}, {}, "ReadWritePaths: not a directive of the baseline"),
        ({"UMask": {"value": "0027"}}, {}, "UMask: an exception needs {value, why}"),
        ({"UMask": {"value": "0027", "why": "  "}}, {}, "UMask: an exception needs {value, why}"),
        ({"UMask": "0027"}, {}, "UMask: an exception needs {value, why}"),
        ({}, {"MemoryDenyWriteExecute": "no"}, "MemoryDenyWriteExecute: in the baseline; give a changed value"),
    ],
)
def test_refuses_what_would_hide_an_exception(exceptions, additions, message):
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        _systemd.render(exceptions, additions)

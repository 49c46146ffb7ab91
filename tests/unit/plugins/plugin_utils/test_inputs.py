"""Strings bound for a unit's command line: what systemd would misread is refused, by name."""

from __future__ import annotations

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _inputs


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("https://prometheus.home.arpa:9090/", ""),
        ("/var/lib/prometheus/metrics2", ""),
        ("30d", ""),
        (9090, ""),
        ("https://a\nExecStartPre=/bin/sh -c evil", "a line break"),
        ("https://a\rb", "a line break"),
        ("/var/lib/x\x00", "a control character"),
        ("/var/lib/my data", "white space"),
        ('https://a"b', "a double quote"),
        ("/var/%h/data", "a %"),
        ("$HOME/data", "a $"),
        ("a\\b", "a backslash"),
        (True, "not a string"),
    ],
)
def test_unit_argument_problem(value, reason):
    assert _inputs.unit_argument_problem(value) == reason


def test_unit_argument_problems_names_variables_and_skips_empty_values():
    problems = _inputs.unit_argument_problems(
        {"prometheus_external_url": "https://a\nb", "prometheus_data_dir": "/var/lib/p", "unset": ""}
    )
    assert problems == [{"name": "prometheus_external_url", "reason": "a line break"}]


def test_characters_the_template_escapes_are_accepted():
    flag = "--collector.filesystem.mount-points-exclude=^/(dev|proc)($|/)"
    assert _inputs.unit_argument_problem(flag) == "a $"
    assert _inputs.unit_argument_problem(flag, escaped="%$") == ""
    assert _inputs.unit_argument_problem("--a b", escaped="%$") == "white space"

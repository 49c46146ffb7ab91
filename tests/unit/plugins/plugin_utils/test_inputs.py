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


AGE_KEY = "age1" + "q" * 58


def test_backup_target_problems_name_variables_never_secrets():
    assert _inputs.backup_target_problems([AGE_KEY, "ssh-ed25519 AAAAC3Nza admin@example"], {}, "r", "s") == []
    assert _inputs.backup_target_problems([], {}, "r", "s") == [
        "r must list the age or SSH public keys the archives are encrypted to"
    ]
    problems = _inputs.backup_target_problems(
        [AGE_KEY, "AGE-SECRET-KEY-1PLANTED"],
        {"endpoint": "http://s3.fr-par.scw.cloud", "bucket": "b", "secret_access_key": "planted-s3-secret", "x": 1},
        "gitlab_backup_age_recipients",
        "gitlab_backup_s3",
    )
    assert problems == [
        "gitlab_backup_age_recipients[1] is not an age public key (age1...) or an ssh-ed25519 / ssh-rsa public key",
        "gitlab_backup_s3: x not known (endpoint, bucket, region, access_key_id, secret_access_key, provider, prefix)",
        "gitlab_backup_s3.endpoint must be an https:// URL",
        "gitlab_backup_s3 needs access_key_id",
    ]
    assert "PLANTED" not in " ".join(problems) and "planted-s3-secret" not in " ".join(problems)

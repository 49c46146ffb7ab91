"""Password rules: each refusal names its rule, never the password."""

from __future__ import annotations

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _passwords


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "shorter than 16 characters"),
        (" " * 16, "only white space"),
        ("\t" * 20, "holds a line break or another control character"),
        ("aaaaaaaaaaaaaaaa", "fewer than 6 different characters"),
        ("abcabcabcabcabca", "fewer than 6 different characters"),
        ("good-password-1\n", "holds a line break or another control character"),
        ("adminadminadmin!!", "a known default or first guess, padded"),
        ("Password11111111", "a known default or first guess, padded"),
        # GitLab's old root password, doubled to pass the length rule.
        ("5iveL!fe5iveL!fe", "a known default or first guess, padded"),
        ("é" * 10 + "abcdefghij", ""),
        ("correct-horse-battery", ""),
    ],
)
def test_password_problem_names_the_first_rule_broken(password, reason):
    assert _passwords.password_problem(password) == reason


def test_bytes_not_characters_count_for_bcrypt():
    # 40 characters but 80 bytes: bcrypt would ignore the second half.
    password = "é" * 35 + "abcde"
    assert len(password) == 40
    assert (
        _passwords.password_problem(password, maximum_bytes=72)
        == "longer than 72 bytes in UTF-8 (bcrypt ignores the rest)"
    )
    assert _passwords.password_problem("x1y2z3" * 12, maximum_bytes=72) == ""


def test_password_problems_names_users_never_passwords():
    users = [
        {"name": "prometheus", "password": "a-good-long-password-1"},
        {"name": "grafana", "password": "planted-but-short"[:10]},
        {"name": "ghost"},
    ]
    problems = _passwords.password_problems(users)
    assert problems == [
        {"name": "grafana", "reason": "shorter than 16 characters"},
        {"name": "ghost", "reason": "has no password"},
    ]
    assert "planted" not in repr(problems)

"""The password and unit-argument filters are thin adapters: check the wiring and errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.filter import inputs, passwords


def test_password_filters():
    filters = passwords.FilterModule().filters()
    assert filters["password_problem"]("a-long-enough-password-1") == ""
    assert filters["password_problem"]("short", minimum="12") == "shorter than 12 characters"
    assert filters["password_problems"]([{"name": "u", "password": "x" * 80}], 16, 72) == [
        {"name": "u", "reason": "longer than 72 bytes in UTF-8 (bcrypt ignores the rest)"}
    ]


def test_unit_argument_problems_filter():
    check = inputs.FilterModule().filters()["unit_argument_problems"]
    assert check({"a": "x y"}) == [{"name": "a", "reason": "white space"}]
    assert check({"a": "^(x|$)"}, escaped="$") == []
    with pytest.raises(AnsibleFilterError, match="expects a dictionary"):
        check(["x"])

"""Mosquitto password entries: format, verification, idempotence."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _mosquitto

# Written by mosquitto_passwd 2.0.21 (Debian 13) for alice / "correct horse battery".
REFERENCE = (
    "alice:$7$101$ya02Rk9Axfnom+JJ$2unpM2oTFsGQ4IJALk+pRKVopENJojzVLsmpNNnSBGGeVDfYg"
    "DfQuHv/mk3eNaIy8Azd1nHSUge6vjt9Yhf3hA=="
)


def test_same_hash_as_mosquitto_passwd():
    salt = base64.b64decode("ya02Rk9Axfnom+JJ")
    assert _mosquitto.hash_entry("alice", "correct horse battery", salt, iterations=101) == REFERENCE


def test_existing_entry_kept_when_password_unchanged():
    users = [{"name": "alice", "password": "correct horse battery"}]
    current = _mosquitto.hash_entry("alice", "correct horse battery", b"\x02" * 12) + "\n"
    assert _mosquitto.password_file(users, current) == current


def test_entries_made_with_mosquitto_passwd_101_iterations_are_hashed_again():
    users = [{"name": "alice", "password": "correct horse battery"}]
    text = _mosquitto.password_file(users, REFERENCE + "\n", random_bytes=lambda n: b"\x03" * n)
    assert text.startswith("alice:$7$1000$")
    assert _mosquitto.verifies(_mosquitto.parse_entries(text)["alice"], "correct horse battery")


def test_changed_password_gets_new_salt():
    users = [{"name": "alice", "password": "another secret"}]
    text = _mosquitto.password_file(users, REFERENCE, random_bytes=lambda n: b"\x01" * n)
    entry = _mosquitto.parse_entries(text)["alice"]
    assert entry[1] == b"\x01" * 12
    assert _mosquitto.verifies(entry, "another secret")
    assert not _mosquitto.verifies(entry, "correct horse battery")


def test_new_users_and_removed_users():
    users = [{"name": "bob", "password": "pw-bob-1234567"}]
    text = _mosquitto.password_file(users, REFERENCE)
    assert text.startswith("bob:$7$1000$") and "alice" not in text


def test_garbage_lines_ignored_and_bad_names_refused():
    assert _mosquitto.parse_entries("junk\nalice:plain\n#comment\n") == {}
    with pytest.raises(ValueError, match="cannot be empty or contain ':'"):
        _mosquitto.password_file([{"name": "a:b", "password": "x"}])

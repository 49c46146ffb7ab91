"""bcrypt basic_auth_users for exporter-toolkit web configs: verification and idempotence."""

from __future__ import annotations

import bcrypt
import pytest
import yaml

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _web_config

USERS = [{"name": "prometheus", "password": "a-scraper-password-of-24"}]


def test_new_hash_verifies_with_bcrypt():
    hashes = _web_config.basic_auth_users(USERS, "", rounds=4)
    assert bcrypt.checkpw(b"a-scraper-password-of-24", hashes["prometheus"].encode())


def test_existing_hash_is_kept_while_the_password_is_unchanged():
    first = _web_config.basic_auth_users(USERS, "", rounds=4)
    text = yaml.safe_dump({"tls_server_config": {"cert_file": "x"}, "basic_auth_users": first})
    assert _web_config.basic_auth_users(USERS, text, rounds=4) == first


def test_changed_password_gets_a_new_hash():
    first = _web_config.basic_auth_users(USERS, "", rounds=4)
    text = yaml.safe_dump({"basic_auth_users": first})
    changed = _web_config.basic_auth_users([{"name": "prometheus", "password": "another-password-of-24ch"}], text, 4)
    assert changed["prometheus"] != first["prometheus"]
    assert bcrypt.checkpw(b"another-password-of-24ch", changed["prometheus"].encode())


def test_removed_users_disappear_and_garbage_is_replaced():
    text = yaml.safe_dump({"basic_auth_users": {"old": "$2b$04$abc", "prometheus": "not-a-hash"}})
    result = _web_config.basic_auth_users(USERS, text, rounds=4)
    assert list(result) == ["prometheus"]
    assert result["prometheus"].startswith("$2b$04$")


@pytest.mark.parametrize("text", ["", "::: not yaml", "- a list", "basic_auth_users: [1, 2]"])
def test_unreadable_current_configs_are_ignored(text):
    assert _web_config.existing_hashes(text) == {}


def test_passwords_beyond_bcrypt_limit_are_refused():
    with pytest.raises(ValueError, match="72 bytes"):
        _web_config.basic_auth_users([{"name": "u", "password": "x" * 73}], "", rounds=4)

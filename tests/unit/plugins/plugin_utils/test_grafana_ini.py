"""Unit tests of plugin_utils/_grafana_ini.py: what the grafana role refuses in grafana_ini."""

from __future__ import annotations

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _grafana_ini

ROLE = {
    "defaults": {"analytics": {"reporting_enabled": False}, "server": {"http_addr": "127.0.0.1"}},
    "protected": {"analytics": ["reporting_enabled"]},
    "owned": {"server.http_addr": "grafana_listen_address"},
    "allow_telemetry": False,
}


def test_accepted_settings_give_nothing():
    settings = {
        "smtp": {"enabled": True, "host": "smtp.example.eu:587", "password": "$__file{/etc/x}"},
        "analytics": {"reporting_enabled": "false"},  # the protected value, as a string
        "auth.generic_oauth": {"client_secret": "$__env{OIDC_SECRET}"},
    }
    assert _grafana_ini.problems(settings, {"smtp.password": "s", "auth.generic_oauth.client_secret": "c"}, ROLE) == []


@pytest.mark.parametrize(
    ("settings", "secrets", "message"),
    [
        ({"smtp": "on"}, {}, "smtp must be a mapping of settings"),
        ({"smtp": {"host": "a\n[auth.anonymous]"}}, {}, "smtp.host must be a single-line value"),
        ({"smtp": {"host": ["a", "b"]}}, {}, "smtp.host must be a single-line value"),
        ({"server": {"http_addr": "10.0.0.5"}}, {}, "server.http_addr is set by grafana_listen_address"),
        (
            {"analytics": {"reporting_enabled": True}},
            {},
            "analytics.reporting_enabled would make Grafana talk to a third party; set grafana_allow_telemetry: true",
        ),
        ({"smtp": {"password": "hunter2"}}, {}, "smtp.password is a secret: give it in grafana_ini_secrets"),
        ({"auth.x": {"api_key": "k"}}, {}, "auth.x.api_key is a secret"),
        ({}, {"password": "x"}, "grafana_ini_secrets: password is not section.key"),
        ({}, {"server.http_addr": "x"}, "grafana_ini_secrets: server.http_addr is set by grafana_listen_address"),
    ],
)
def test_refused(settings, secrets, message):
    found = _grafana_ini.problems(settings, secrets, ROLE)
    assert len(found) == 1 and found[0].startswith(message), found


def test_telemetry_back_on_when_allowed():
    allowed = {**ROLE, "allow_telemetry": True}
    assert _grafana_ini.problems({"analytics": {"reporting_enabled": True}}, {}, allowed) == []


def test_a_secret_never_appears_in_a_message():
    found = _grafana_ini.problems({"smtp": {"password": "hunter2-smtp-secret"}}, {}, ROLE)
    assert found and not [message for message in found if "hunter2" in message]

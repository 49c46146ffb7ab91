"""Parsers of host configuration for the sovereignty audit, on sample files."""

from __future__ import annotations

import json

import pytest

from ansible_collections.sovereign.cloud.plugins.module_utils import _sovereignty_facts as parse


def test_resolv_conf():
    text = "# generated\nsearch home.arpa\nnameserver 192.168.1.1\n nameserver 8.8.8.8\noptions edns0\n"
    assert parse.resolv_conf_resolvers(text) == ["192.168.1.1", "8.8.8.8"]


def test_chrony_sources_deduplicated_across_files():
    main = "pool 2.debian.pool.ntp.org iburst\nserver ptbtime1.ptb.de iburst nts\n# server commented.example\n"
    dropin = "server ptbtime1.ptb.de\npeer 10.0.0.2\n"
    assert parse.chrony_sources([main, dropin]) == ["2.debian.pool.ntp.org", "ptbtime1.ptb.de", "10.0.0.2"]


def test_timesyncd():
    text = "[Time]\nNTP=ptbtime1.ptb.de ptbtime2.ptb.de\nFallbackNTP=0.debian.pool.ntp.org\n"
    assert parse.timesyncd_servers(text) == ["ptbtime1.ptb.de", "ptbtime2.ptb.de", "0.debian.pool.ntp.org"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {"reporting_enabled": True, "check_for_updates": True, "check_for_plugin_updates": True}),
        (
            "[analytics]\nreporting_enabled = false\ncheck_for_updates = false\ncheck_for_plugin_updates = false\n",
            {"reporting_enabled": False, "check_for_updates": False, "check_for_plugin_updates": False},
        ),
        (
            "[analytics]\nreporting_enabled = false\n",
            {"reporting_enabled": False, "check_for_updates": True, "check_for_plugin_updates": True},
        ),
    ],
)
def test_grafana(text, expected):
    assert parse.grafana_reports(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("auth_enabled: true\n", True),
        ("analytics:\n  reporting_enabled: false\nserver:\n  http_listen_port: 3100\n", False),
        ("analytics:\n  usage_stats_url: x\n  reporting_enabled: true # keep\n", True),
        ("server:\n  reporting_enabled: false\n", True),  # not under analytics
    ],
)
def test_loki(text, expected):
    assert parse.loki_reports(text) is expected


def test_alloy():
    assert parse.alloy_reports(['CUSTOM_ARGS="--disable-reporting"']) is False
    assert parse.alloy_reports(['CUSTOM_ARGS=""']) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("external_url 'https://git.example.eu'\n", True),
        ("gitlab_rails['usage_ping_enabled'] = false\n", False),
        ('gitlab_rails["usage_ping_enabled"] = true\n', True),
        ("# gitlab_rails['usage_ping_enabled'] = false\n", True),
    ],
)
def test_gitlab(text, expected):
    assert parse.gitlab_usage_ping(text) is expected


def test_home_assistant():
    opted_in = json.dumps({"data": {"preferences": {"base": True, "usage": False}}})
    opted_out = json.dumps({"data": {"preferences": {"base": False}}})
    assert parse.home_assistant("default_config:\nhttp:\n", opted_in) == {"cloud": True, "analytics": True}
    assert parse.home_assistant("default_config:\n", opted_out) == {"cloud": True, "analytics": False}
    explicit = "frontend:\nhistory:\nhttp:\n  use_x_forwarded_for: true\n"
    # Analytics is set up whatever the configuration lists: the opt-in decides.
    assert parse.home_assistant(explicit, opted_in) == {"cloud": False, "analytics": True}
    assert parse.home_assistant(explicit, opted_out) == {"cloud": False, "analytics": False}
    assert parse.home_assistant(explicit, None) == {"cloud": False, "analytics": False}
    assert parse.home_assistant("cloud:\n", "not json") == {"cloud": True, "analytics": True}


def test_k3s_registries():
    text = (
        "mirrors:\n"
        "  docker.io:\n"
        "    endpoint:\n"
        '      - "https://registry.example.eu:5000"\n'
        "  quay.io:\n"
        '    endpoint: ["https://quay-mirror.example.eu"]\n'
        "configs:\n"
        "  registry.example.eu:5000:\n"
        "    tls:\n"
        "      ca_file: /etc/ssl/ca.pem\n"
    )
    assert parse.k3s_registry_endpoints(text) == ["registry.example.eu", "quay-mirror.example.eu"]
    # Without a docker.io mirror, images come from Docker Hub.
    assert parse.k3s_registry_endpoints("") == ["registry-1.docker.io"]


@pytest.mark.parametrize(
    ("gitlab_yml", "env", "expected"),
    [
        # Before 18.0: no event-level product usage data.
        ("production: &base\n  gitlab:\n    usage_ping_enabled: false\n", None, False),
        ("production: &base\n  gitlab:\n    usage_ping_enabled: true\n", "false", True),
        # 18.0 and later: the environment file decides.
        ("production:\n  gitlab:\n    usage_ping_enabled: false\n    initial_gitlab_product_usage_data: false\n",
         None, True),
        ("production:\n  gitlab:\n    usage_ping_enabled: false\n    initial_gitlab_product_usage_data: false\n",
         "false\n", False),
        # No key at all: Rails' default is on.
        ("production:\n  gitlab:\n    impersonation_enabled: true\n", None, True),
    ],
)  # fmt: skip
def test_gitlab_as_rails_runs_it(gitlab_yml, env, expected):
    assert parse.gitlab_rails_reports(gitlab_yml, env) is expected

"""sovereignty_facts over a sample root tree (what the module reads on a host)."""

from __future__ import annotations

import json

from ansible_collections.sovereign.cloud.plugins.modules import sovereignty_facts


def write(root, path, text):
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_observe_sample_host(tmp_path):
    write(tmp_path, "/etc/resolv.conf", "nameserver 127.0.0.53\n")
    write(tmp_path, "/etc/chrony/chrony.conf", "server ptbtime1.ptb.de iburst\nsourcedir /etc/chrony/sources.d\n")
    write(tmp_path, "/etc/chrony/sources.d/extra.sources", "server time.google.com\n")
    write(tmp_path, "/etc/grafana/grafana.ini", "[analytics]\nreporting_enabled = false\n")
    write(tmp_path, "/etc/loki/config.yml", "analytics:\n  reporting_enabled: false\n")
    write(tmp_path, "/etc/alloy/config.alloy", "")
    write(tmp_path, "/etc/default/alloy", 'CUSTOM_ARGS="--disable-reporting"\n')
    write(tmp_path, "/var/lib/homeassistant/configuration.yaml", "default_config:\n")
    write(tmp_path, "/var/lib/homeassistant/.storage/core.analytics", json.dumps({"data": {"preferences": {}}}))
    write(
        tmp_path, "/etc/rancher/k3s/registries.yaml", 'mirrors:\n  docker.io:\n    endpoint: ["https://r.example.eu"]\n'
    )
    observed = sovereignty_facts.observe(sovereignty_facts.Reader(str(tmp_path)), ["/var/lib/homeassistant"])
    assert observed["dns_resolvers"] == ["127.0.0.53"]
    assert observed["ntp_servers"] == ["ptbtime1.ptb.de", "time.google.com"]
    # Grafana still checks for updates with its vendor by default.
    assert observed["telemetry"] == {"grafana": True, "loki": False, "alloy": False, "home_assistant": False}
    assert {"kind": "cloud_remote", "host": "nabucasa.com"} in observed["external_endpoints"]
    assert {"kind": "registry", "host": "r.example.eu"} in observed["external_endpoints"]
    assert "/etc/grafana/grafana.ini" in observed["files_read"]


def test_observe_bare_host(tmp_path):
    write(tmp_path, "/etc/resolv.conf", "")
    write(tmp_path, "/etc/systemd/timesyncd.conf", "[Time]\n#NTP=\nFallbackNTP=0.debian.pool.ntp.org\n")
    observed = sovereignty_facts.observe(sovereignty_facts.Reader(str(tmp_path)), ["/config"])
    assert observed["ntp_servers"] == ["0.debian.pool.ntp.org"]
    assert observed["telemetry"] == {}
    assert observed["external_endpoints"] == []


def publish(root, service, config):
    """The endpoint fact file a service role writes (only the keys the audit reads matter here)."""
    write(
        root, f"/etc/ansible/facts.d/sovereign_endpoint_{service}.fact", json.dumps({"name": service, "config": config})
    )


def test_observe_reads_the_configuration_where_the_roles_wrote_it(tmp_path):
    """Issue #17, item 6: the roles write under /etc/sovereign, not at the vendors' paths.

    A planted telemetry-on setting in each file the roles publish is caught;
    before, the audit looked only at /etc/grafana, /etc/loki, the default Home
    Assistant directories and /etc/rancher/k3s, and reported nothing.
    """
    # Each service: the path its role publishes, and the file there (telemetry on).
    analytics = json.dumps({"data": {"preferences": {"base": True, "usage": True}}})
    services = {
        "grafana": ("/etc/sovereign/grafana/grafana.ini", "[analytics]\nreporting_enabled = true\n"),
        "loki": ("/etc/sovereign/loki/config.yml", "analytics:\n  reporting_enabled: true\n"),
        "alloy": ("/etc/sovereign/alloy/config.alloy", ""),
        "home_assistant": ("/srv/ha-data/configuration.yaml", "homeassistant:\n  name: Home\n"),
        "k3s": ("/etc/k3s-custom/config.yaml", ""),
    }
    files = {
        "/etc/resolv.conf": "",
        "/etc/systemd/system/alloy.service": "[Service]\nExecStart=/opt/sovereign/alloy/1/alloy run\n",
        "/srv/ha-data/.storage/core.analytics": analytics,
        "/etc/k3s-custom/registries.yaml": 'mirrors:\n  docker.io:\n    endpoint: ["https://mirror.example.com"]\n',
    }
    for service, (config, text) in services.items():
        publish(tmp_path, service, config)
        files[config] = text
    for path, text in files.items():
        write(tmp_path, path, text)

    observed = sovereignty_facts.observe(sovereignty_facts.Reader(str(tmp_path)), ["/var/lib/homeassistant"])
    assert observed["telemetry"] == {"grafana": True, "loki": True, "alloy": True, "home_assistant": True}
    assert {"kind": "registry", "host": "mirror.example.com"} in observed["external_endpoints"]
    assert "/etc/sovereign/grafana/grafana.ini" in observed["files_read"]
    assert "/etc/sovereign/loki/config.yml" in observed["files_read"]


def test_a_broken_published_endpoint_falls_back_to_the_vendor_paths(tmp_path):
    write(tmp_path, "/etc/resolv.conf", "")
    write(tmp_path, "/etc/ansible/facts.d/sovereign_endpoint_grafana.fact", "{not json")
    off = "[analytics]\nreporting_enabled = false\ncheck_for_updates = false\ncheck_for_plugin_updates = false\n"
    write(tmp_path, "/etc/grafana/grafana.ini", off)
    observed = sovereignty_facts.observe(sovereignty_facts.Reader(str(tmp_path)), [])
    assert observed["telemetry"] == {"grafana": False}


GITLAB_YML = """# This file is managed by gitlab-ctl.
production: &base
  gitlab:
    usage_ping_enabled: {usage_ping}
    display_initial_root_password: false
    initial_gitlab_product_usage_data: false
"""


def test_gitlab_is_judged_as_rails_runs_it_not_as_gitlab_rb_asks(tmp_path):
    """gitlab.rb says off, but reconfigure has not applied it: Rails still runs with Service Ping on."""
    write(tmp_path, "/etc/resolv.conf", "")
    write(tmp_path, "/etc/gitlab/gitlab.rb", "gitlab_rails['usage_ping_enabled'] = false\n")
    write(tmp_path, "/var/opt/gitlab/gitlab-rails/etc/gitlab.yml", GITLAB_YML.format(usage_ping="true"))
    write(tmp_path, "/opt/gitlab/etc/gitlab-rails/env/GITLAB_PRODUCT_USAGE_DATA_ENABLED", "false")
    observed = sovereignty_facts.observe(sovereignty_facts.Reader(str(tmp_path)), [])
    assert observed["telemetry"] == {"gitlab": True}
    assert "/var/opt/gitlab/gitlab-rails/etc/gitlab.yml" in observed["files_read"]


def test_gitlab_product_usage_data_is_on_unless_its_environment_file_says_false(tmp_path):
    write(tmp_path, "/etc/resolv.conf", "")
    write(
        tmp_path,
        "/etc/ansible/facts.d/sovereign_endpoint_gitlab.fact",
        json.dumps({"name": "gitlab", "config": "/etc/gitlab/gitlab.rb", "rails_config": "/srv/gitlab/gitlab.yml"}),
    )
    write(tmp_path, "/srv/gitlab/gitlab.yml", GITLAB_YML.format(usage_ping="false"))
    reader = sovereignty_facts.Reader(str(tmp_path))
    assert sovereignty_facts.observe(reader, [])["telemetry"] == {"gitlab": True}
    write(tmp_path, "/opt/gitlab/etc/gitlab-rails/env/GITLAB_PRODUCT_USAGE_DATA_ENABLED", "false\n")
    reader = sovereignty_facts.Reader(str(tmp_path))
    assert sovereignty_facts.observe(reader, [])["telemetry"] == {"gitlab": False}


def test_gitlab_not_reconfigured_yet_is_judged_by_gitlab_rb(tmp_path):
    write(tmp_path, "/etc/resolv.conf", "")
    write(tmp_path, "/etc/gitlab/gitlab.rb", "gitlab_rails['usage_ping_enabled'] = false\n")
    observed = sovereignty_facts.observe(sovereignty_facts.Reader(str(tmp_path)), [])
    assert observed["telemetry"] == {"gitlab": False}

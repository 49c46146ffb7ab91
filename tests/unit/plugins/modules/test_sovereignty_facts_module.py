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

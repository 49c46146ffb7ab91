"""Prometheus and Alertmanager on nuc1 (Debian's packages) and nuc3 (pinned binaries),
checked from nuc2 (the Grafana stand-in allowed through their firewalls).
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
import testlab
from lab_http import curl, eventually
from testlab import lab_host, name_of

testinfra_hosts = testlab.testinfra_hosts("nuc1", "nuc3")

LAB = testlab.lab()
ADDRESSES = {name: LAB.address(name) for name in LAB.hosts}
GRAFANA = ("grafana", LAB.secret("prometheus-grafana"))
ALERTING = ("prometheus", LAB.secret("alertmanager-prometheus"))
PROMETHEUS_UNIT = {"nuc1": "prometheus", "nuc3": "prometheus"}
ALERTMANAGER_UNIT = {"nuc1": "prometheus-alertmanager", "nuc3": "alertmanager"}


@pytest.fixture(scope="module")
def client():
    return lab_host("nuc2")


def get(client, url, auth=None):
    """(status, parsed JSON or text) of a GET from nuc2; status 0 when nothing answers."""
    return curl(client, url, f"-u {auth[0]}:{auth[1]}" if auth else "")


def prometheus(host, path):
    return f"https://{ADDRESSES[name_of(host)]}:9090{path}"


def query(client, host, expr):
    status, body = get(client, prometheus(host, "/api/v1/query?query=" + urllib.parse.quote(expr, safe="")), GRAFANA)
    assert status == 200, body
    return body["data"]["result"]


def test_every_node_exporter_and_itself_are_up(host, client):
    def all_up():
        status, body = get(client, prometheus(host, "/api/v1/targets"), GRAFANA)
        assert status == 200
        targets = body["data"]["activeTargets"]
        seen = {(t["labels"]["job"], t["labels"]["instance"]): t["health"] for t in targets}
        assert seen == {
            ("prometheus", name_of(host)): "up",
            ("node", "nuc1"): "up",
            ("node", "nuc2"): "up",
            ("node", "nuc3"): "up",
        }, seen
        # Every scrape of a node_exporter was HTTPS verified with the internal CA.
        assert all(t["scrapeUrl"].startswith("https://") for t in targets)

    eventually(all_up)


def test_shipped_and_own_rules_are_loaded(host, client):
    status, body = get(client, prometheus(host, "/api/v1/rules"), GRAFANA)
    assert status == 200
    groups = {group["name"]: [rule["name"] for rule in group["rules"]] for group in body["data"]["groups"]}
    assert {"sovereign-node", "sovereign-certificates", "sovereign-prometheus", "lab-test"} <= set(groups)
    assert "FilesystemFillingUp" in groups["sovereign-node"]
    assert "CertificateExpiresSoon" in groups["sovereign-certificates"]
    health = {rule["health"] for group in body["data"]["groups"] for rule in group["rules"]}
    assert health <= {"ok", "unknown"}, health


def test_unauthenticated_requests_get_401(host, client):
    assert get(client, prometheus(host, "/api/v1/query?query=up"))[0] == 401
    assert get(client, f"https://{ADDRESSES[name_of(host)]}:9093/api/v2/status")[0] == 401
    assert get(client, prometheus(host, "/api/v1/query?query=up"), ("grafana", "wrong-password-123456"))[0] == 401


def test_retention_is_bounded_in_time_and_size(host):
    command = host.run(f"systemctl show {PROMETHEUS_UNIT[name_of(host)]} -p ExecStart").stdout
    assert "--storage.tsdb.retention.time=30d" in command
    size = command.split("--storage.tsdb.retention.size=")[1].split()[0]
    assert size.endswith("MB") and int(size[:-2]) > 0


def test_alertmanager_ready_without_a_cluster_port(host, client):
    status, body = get(client, f"https://{ADDRESSES[name_of(host)]}:9093/api/v2/status", ALERTING)
    assert status == 200
    assert body["cluster"]["status"] == "disabled"
    assert not host.socket("tcp://0.0.0.0:9094").is_listening
    receivers = {
        r["name"] for r in get(client, f"https://{ADDRESSES[name_of(host)]}:9093/api/v2/receivers", ALERTING)[1]
    }
    assert receivers == {"default", "ops-mail"}


def test_prometheus_sends_to_its_alertmanager(host, client):
    eventually(lambda: _one_alertmanager(client, host))


def _one_alertmanager(client, host):
    result = query(client, host, "prometheus_notifications_alertmanagers_discovered")
    assert result and result[0]["value"][1] == "1", result


def test_an_alert_travels_from_a_rule_to_the_webhook(host, client):
    """LabWatchdog fires on every Prometheus; its Alertmanager posts it to nuc2."""

    def delivered():
        log = client.run("cat /var/log/webhook-recorder.jsonl").stdout
        alerts = [json.loads(line) for line in log.splitlines() if line.strip()]
        senders = {
            alert["externalURL"]
            for alert in alerts
            if any(a["labels"]["alertname"] == "LabWatchdog" for a in alert["alerts"])
        }
        # The Alertmanager's own URL (alertmanager_external_url's default).
        assert f"https://{ADDRESSES[name_of(host)]}:9093" in senders, senders

    eventually(delivered, seconds=120)


def test_services_run_unprivileged(host):
    for unit in (PROMETHEUS_UNIT[name_of(host)], ALERTMANAGER_UNIT[name_of(host)]):
        props = host.run(f"systemctl show {unit} -p User -p ProtectSystem -p NoNewPrivileges").stdout
        assert "User=prometheus" in props and "ProtectSystem=strict" in props and "NoNewPrivileges=yes" in props


def test_binary_hosts_run_the_pinned_releases(host):
    if name_of(host) != "nuc3":
        pytest.skip("nuc3 is the binary-method host")
    for name, unit in (("prometheus", "prometheus"), ("alertmanager", "alertmanager")):
        releases = host.run(f"ls /opt/sovereign/{name}").stdout.split()
        assert len(releases) == 1 and releases[0].endswith("-debian")
        assert f"/opt/sovereign/{name}/{releases[0]}/{name}" in host.run(f"systemctl show {unit} -p ExecStart").stdout
        assert host.file(f"/opt/sovereign/{name}/{releases[0]}/.sovereign-sha256").exists

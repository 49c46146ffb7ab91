"""Prometheus and Alertmanager on nuc1 (Debian's packages) and nuc3 (pinned binaries),
checked from nuc2 (the Grafana stand-in allowed through their firewalls).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import testinfra

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "tooling"))
from lab_http import curl, eventually

testinfra_hosts = ["ansible://nuc1", "ansible://nuc3"]

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
ADDRESSES = {"nuc1": "172.30.58.11", "nuc2": "172.30.58.12", "nuc3": "172.30.58.13"}
GRAFANA = ("grafana", "molecule-grafana-password-1")
ALERTING = ("prometheus", "molecule-alert-password-1")
PROMETHEUS_UNIT = {"nuc1": "prometheus", "nuc3": "prometheus"}
ALERTMANAGER_UNIT = {"nuc1": "prometheus-alertmanager", "nuc3": "alertmanager"}


def lab_host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def name_of(host):
    return host.backend.get_hostname()


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
    assert {"sovereign-node", "sovereign-certificates", "sovereign-prometheus", "molecule"} <= set(groups)
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
    """MoleculeWatchdog fires on every Prometheus; its Alertmanager posts it to nuc2."""

    def delivered():
        log = client.run("cat /var/log/webhook-recorder.jsonl").stdout
        alerts = [json.loads(line) for line in log.splitlines() if line.strip()]
        senders = {
            alert["externalURL"]
            for alert in alerts
            if any(a["labels"]["alertname"] == "MoleculeWatchdog" for a in alert["alerts"])
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


def test_tsdb_keeps_its_data_when_flags_change(client):
    """A converge that changes a flag restarts Prometheus on nuc1; the samples stay."""
    nuc1 = lab_host("nuc1")
    started = float(query(client, nuc1, 'process_start_time_seconds{job="prometheus"}')[0]["value"][1])
    samples = float(query(client, nuc1, 'count_over_time(up{job="node",instance="nuc2"}[1h])')[0]["value"][1])
    assert samples >= 2
    scenario = os.environ["MOLECULE_SCENARIO_DIRECTORY"]
    proc = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, f"{scenario}/converge.yml", "--limit", "nuc1",
         "-e", "prometheus_retention_time=31d"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "--storage.tsdb.retention.time=31d" in nuc1.run("systemctl show prometheus -p ExecStart").stdout

    def restarted_with_the_old_samples():
        restarted = float(query(client, nuc1, 'process_start_time_seconds{job="prometheus"}')[0]["value"][1])
        assert restarted > started
        kept = float(query(client, nuc1, 'count_over_time(up{job="node",instance="nuc2"}[1h])')[0]["value"][1])
        assert kept > samples

    eventually(restarted_with_the_old_samples)

"""Loki, Alloy and Grafana converged from their real pinned releases.

Checked from the hosts themselves over the scenario network: Loki refuses a
client without a certificate of the CA, Alloy's journal lines from nuc2 can
be queried in Loki, Grafana is closed to anonymous users, its data sources
are healthy, the shipped dashboards are there, and the admin password of the
vault is the one that works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import testinfra

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "tooling"))
from lab_http import curl as get
from lab_http import eventually

testinfra_hosts = ["ansible://nuc1"]

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
LOKI = "https://172.30.58.11:3100"
GRAFANA = "https://172.30.58.11:3000"
ADMIN = ("admin", "molecule-grafana-admin-1")
CLIENT_CERT = "--cert /etc/sovereign/pki/alloy-client.crt --key /etc/sovereign/pki/alloy-client.key"


def lab_host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}", sudo=True)


def test_loki_needs_a_client_certificate():
    nuc2 = lab_host("nuc2")
    status, _body = get(nuc2, f"{LOKI}/ready")
    assert status == 0  # the TLS handshake fails without a certificate
    status, body = get(nuc2, f"{LOKI}/ready", CLIENT_CERT)
    assert status == 200, body


def test_journal_lines_of_nuc2_reach_loki():
    nuc2 = lab_host("nuc2")
    marker = f"sovereign-molecule-{uuid.uuid4().hex}"
    nuc2.run(f"logger -t molecule {marker}")
    query = urllib.parse.quote(f'{{host="nuc2", job="journal"}} |= "{marker}"', safe="")

    def found():
        status, body = get(nuc2, f"{LOKI}/loki/api/v1/query_range?query={query}&limit=10", CLIENT_CERT)
        assert status == 200, body
        assert body["data"]["result"], "marker not in Loki yet"

    eventually(found)


def test_grafana_is_closed_to_anonymous_users(host):
    status, _body = get(host, f"{GRAFANA}/api/datasources")
    assert status == 401
    status, body = get(host, f"{GRAFANA}/api/health")
    assert status == 200, body


def test_grafana_datasources_are_provisioned_and_healthy(host):
    auth = f"-u {ADMIN[0]}:{ADMIN[1]}"
    status, body = get(host, f"{GRAFANA}/api/datasources", auth)
    assert status == 200, body
    assert {d["uid"] for d in body} >= {"sovereign-prometheus", "sovereign-loki"}
    for uid in ("sovereign-prometheus", "sovereign-loki"):
        status, body = get(host, f"{GRAFANA}/api/datasources/uid/{uid}/health", auth)
        assert status == 200 and body.get("status") == "OK", (uid, body)


def test_grafana_has_the_shipped_dashboards(host):
    status, body = get(host, f"{GRAFANA}/api/search?query=&type=dash-db", f"-u {ADMIN[0]}:{ADMIN[1]}")
    assert status == 200, body
    assert {d["uid"] for d in body} >= {"sovereign-node-overview", "sovereign-logs-overview"}


def test_telemetry_settings_are_in_effect(host):
    status, body = get(host, f"{GRAFANA}/api/admin/settings", f"-u {ADMIN[0]}:{ADMIN[1]}")
    assert status == 200, body
    assert body["analytics"]["reporting_enabled"] == "false"
    assert body["analytics"]["check_for_updates"] == "false"
    assert body["plugins"]["preinstall_disabled"] == "true"
    unit = host.file("/etc/systemd/system/alloy.service").content_string
    assert "--disable-reporting" in unit


def test_a_changed_admin_password_is_applied(host):
    """The role applies a new vault password on the next run, not only at first start."""
    new = "molecule-grafana-admin-2"
    result = host.run(
        "curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "
        f'-u {ADMIN[0]}:{ADMIN[1]} -d \'{{"oldPassword": "{ADMIN[1]}", "newPassword": "{new}"}}\' '
        f"{GRAFANA}/api/user/password"
    )
    assert result.stdout == "200"  # someone changed it in the UI
    status, _body = get(host, f"{GRAFANA}/api/user", f"-u {ADMIN[0]}:{ADMIN[1]}")
    assert status == 401
    playbook = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "grafana-admin.yml"
    playbook.write_text(
        "- hosts: nuc1\n  become: true\n  tasks:\n"
        "    - ansible.builtin.include_role: {name: sovereign.cloud.grafana, tasks_from: admin_password}\n"
    )
    run = subprocess.run(
        ["ansible-playbook", "-i", INVENTORY, str(playbook)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert re.search(r"nuc1\s+:\s+ok=\d+\s+changed=1\b", run.stdout), run.stdout[-2000:]
    status, _body = get(host, f"{GRAFANA}/api/user", f"-u {ADMIN[0]}:{ADMIN[1]}")
    assert status == 200

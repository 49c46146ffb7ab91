"""Prometheus keeps its TSDB when a converge changes a flag (runs after tests/lab/verify: it changes nuc1)."""

from __future__ import annotations

import urllib.parse

import pytest
import testlab
from lab_http import curl, eventually
from testlab import lab_host

testinfra_hosts = testlab.testinfra_hosts("nuc1")

LAB = testlab.lab()
GRAFANA = ("grafana", LAB.secret("prometheus-grafana"))


@pytest.fixture(scope="module")
def client():
    """nuc2, the host Prometheus answers (tests/lab/inventory)."""
    return lab_host("nuc2")


def query(client, expr):
    url = f"https://{LAB.address('nuc1')}:9090/api/v1/query?query=" + urllib.parse.quote(expr, safe="")
    status, body = curl(client, url, f"-u {GRAFANA[0]}:{GRAFANA[1]}")
    assert status == 200, body
    return body["data"]["result"]


def test_tsdb_keeps_its_data_when_flags_change(host, client):
    """site.yml with another retention restarts Prometheus on nuc1; the samples stay."""
    started = float(query(client, 'process_start_time_seconds{job="prometheus"}')[0]["value"][1])
    samples = float(query(client, 'count_over_time(up{job="node",instance="nuc2"}[1h])')[0]["value"][1])
    assert samples >= 2
    proc = LAB.run_playbook("playbooks/site.yml", "--limit", "nuc1", "-e", "prometheus_retention_time=31d")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "--storage.tsdb.retention.time=31d" in host.run("systemctl show prometheus -p ExecStart").stdout

    def restarted_with_the_old_samples():
        restarted = float(query(client, 'process_start_time_seconds{job="prometheus"}')[0]["value"][1])
        assert restarted > started
        kept = float(query(client, 'count_over_time(up{job="node",instance="nuc2"}[1h])')[0]["value"][1])
        assert kept > samples

    eventually(restarted_with_the_old_samples)

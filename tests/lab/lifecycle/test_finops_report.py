"""playbooks/finops_report.yml on the converged test lab, against its real Prometheus.

The lab hosts are homelab stand-ins (inventories/lab/group_vars/all/finops.yml:
example power, purchase and tariff figures). The report runs on nuc1, the
monitoring host: the HTML page and the FOCUS rows land on the controller, the
metrics in node_exporter's textfile directory on nuc1, and Prometheus scrapes
them. Runs after tests/lab/verify: it writes a file on nuc1.
"""

from __future__ import annotations

import csv
import urllib.parse

import pytest
import testlab
from lab_http import curl, eventually
from testlab import lab_host

testinfra_hosts = testlab.testinfra_hosts("nuc1")

LAB = testlab.lab()
GRAFANA = ("grafana", LAB.secret("prometheus-grafana"))
TEXTFILE = "/var/lib/sovereign/node_exporter/textfile/sovereign_finops.prom"


def query(client, expr):
    url = f"https://{LAB.address('nuc1')}:9090/api/v1/query?query=" + urllib.parse.quote(expr, safe="")
    status, body = curl(client, url, f"-u {GRAFANA[0]}:{GRAFANA[1]}")
    assert status == 200, body
    return body["data"]["result"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("finops")
    proc = LAB.run_playbook("playbooks/finops_report.yml", "-e", f"finops_report_dir={out}")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return out, proc.stdout


def test_the_report_prices_every_lab_host(report):
    out, stdout = report
    assert "3 host(s):" in stdout
    with (out / "focus.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    # Each homelab stand-in: electricity (declared draw at the measured utilisation) and hardware.
    assert sorted((r["ResourceName"], r["SkuId"]) for r in rows) == sorted(
        (host, sku) for host in ("nuc1", "nuc2", "nuc3") for sku in ("electricity", "hardware-amortisation")
    )
    hardware = [r for r in rows if r["SkuId"] == "hardware-amortisation"]
    assert {float(r["ListCost"]) for r in hardware} == {450 / 60}
    energy = [r for r in rows if r["SkuId"] == "electricity"]
    # 6 W idle to 28 W busy, 730 hours, 0.25 EUR/kWh: between 1.10 and 5.11 EUR a month.
    assert all(6 * 730 / 1000 * 0.25 <= float(r["ListCost"]) <= 28 * 730 / 1000 * 0.25 for r in energy)
    assert all("lab example" in r["ChargeDescription"] for r in rows)
    page = (out / "finops.html").read_text()
    assert "Platform cost" in page
    assert (out / "focus.parquet").stat().st_size > 0


def test_prometheus_scrapes_the_cost_metrics(host, report):
    metrics = host.file(TEXTFILE)
    assert metrics.exists
    assert metrics.mode == 0o644
    client = lab_host("nuc2")

    def scraped():
        found = query(client, 'sovereign_cost_eur_per_hour{job="node",instance="nuc1",kind="hardware"}')
        assert {r["metric"]["host"] for r in found} == {"nuc1", "nuc2", "nuc3"}
        assert {round(float(r["value"][1]), 8) for r in found} == {round(450 / 60 / 730, 8)}

    eventually(scraped)


def test_prometheus_records_busy_cores_for_the_report(report):
    """The prometheus role's recording rule, which the report reads for its CPU percentile."""
    found = query(lab_host("nuc2"), 'instance:sovereign_cpu_busy_cores:rate5m{job="node"}')
    assert {r["metric"]["instance"] for r in found} == {"nuc1", "nuc2", "nuc3"}
    assert all(0 <= float(r["value"][1]) <= 64 for r in found)


def test_check_mode_writes_nothing(host, report, tmp_path):
    # The figures move with the measured use, so check mode may report that the
    # metrics file would change: it must not change it, nor write any report.
    before = host.file(TEXTFILE).sha256sum
    proc = LAB.run_playbook("playbooks/finops_report.yml", "--check", "-e", f"finops_report_dir={tmp_path}/out")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert host.file(TEXTFILE).sha256sum == before
    assert not (tmp_path / "out").exists()

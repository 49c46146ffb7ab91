"""sovereign.cloud.finops_report against a real Prometheus holding series of known shape.

The series are backfilled with promtool (Debian's prometheus package, unpacked
under .cache/tools by tests/tooling/debian_tools.py), Prometheus listens on loopback, and the module
runs in ansible-playbook as users run it. Every expected figure below is
worked out by hand from the shapes and from this test's price catalog, and
the module must return exactly it.

Its FOCUS rows, in CSV and Parquet, are then judged by the FinOps
Foundation's validator, in its own container (tests/tooling/focus_validator.py).
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))

import finops_series as series  # noqa: E402
import focus_validator  # noqa: E402
import local_prometheus  # noqa: E402

G = series.GIB
# The window's last sample, the evaluation time, and the report's date.
END = int(datetime.datetime(2026, 11, 30, tzinfo=datetime.UTC).timestamp())
TODAY = datetime.date(2026, 12, 1)
WINDOW = "3d"
STEP = 120  # seconds between samples
SAMPLES = 3 * 24 * 3600 // STEP + 1  # 2161, the last at END
LAST = SAMPLES - 1

SOURCE = "https://example.invalid/test-catalog"
PRICES = {
    "currency": "EUR",
    "providers": {
        "scaleway": {
            "vat_included": False,
            "vat_source": "test catalog",
            "hours_per_month": 730,
            "types": {
                name: {**spec, "source": SOURCE, "checked": "2026-11-20"}
                for name, spec in {
                    "S1": {"vcpus": 1, "memory_gib": 1, "arch": "x86_64", "monthly_eur": 5.0},
                    "S2": {"vcpus": 2, "memory_gib": 2, "arch": "x86_64", "monthly_eur": 9.0},
                    "M2": {"vcpus": 2, "memory_gib": 4, "arch": "x86_64", "monthly_eur": 14.0},
                    "M4": {"vcpus": 4, "memory_gib": 8, "arch": "x86_64", "monthly_eur": 28.0},
                    "L8": {"vcpus": 8, "memory_gib": 16, "arch": "x86_64", "monthly_eur": 56.0},
                    "A2": {"vcpus": 2, "memory_gib": 4, "arch": "arm64", "monthly_eur": 8.0},
                    "A4": {"vcpus": 4, "memory_gib": 8, "arch": "arm64", "monthly_eur": 16.0},
                    "EOL4": {"vcpus": 4, "memory_gib": 8, "arch": "x86_64", "monthly_eur": 20.0,
                             "end_of_service": True, "replacement": "M4"},
                    "G1": {"vcpus": 8, "memory_gib": 32, "gpus": 1, "arch": "x86_64", "monthly_eur": 500.0},
                    # Offered only in nl-ams-1: a host moves there only where the policy allows it.
                    "Z2": {"vcpus": 2, "memory_gib": 4, "arch": "x86_64", "monthly_eur": 10.0, "zones": ["nl-ams-1"]},
                }.items()
            },
        }
    },
}  # fmt: skip
POLICY = {
    "default_classification": "restricted",
    "classifications": {"internal": {"allowed_countries": ["EU"]}, "restricted": {"allowed_countries": ["FR"]}},
    "endpoints": {"allow": [{"host": "ptbtime*.ptb.de", "kinds": ["ntp"]}, {"host": "*.netnod.se", "kinds": ["ntp"]}]},
}
TARIFF = {"eur_per_kwh": 0.25, "source": "test tariff", "checked": "2026-11-01"}


def shape(name, cpus, busy, total_gib, used_gib, **extra):
    """A host's series; by default with the prometheus role's recorded CPU series over the whole window."""
    used = used_gib if callable(used_gib) else (lambda _m, u=used_gib: u)
    extra.setdefault("recorded_from", 0)
    return series.Shape(name, cpus, busy if callable(busy) else (lambda _m, b=busy: b), total_gib * G,
                        lambda m: total_gib * G - used(m) * G, **extra)  # fmt: skip


# Hosts whose CPU figures come from the raw counters: no recorded series at
# all, or one covering only the last day of the window (the rule deployed late).
RAW_COUNTER_HOSTS = ["move", "spiky", "steady"]


SHAPES = [
    shape("steady", 4, 0.5, 8, 1.5, recorded_from=None),
    # 1.8 cores for an hour every ten hours, 0.2 otherwise: p95 is on the plateau.
    shape("spiky", 4, lambda m: 1.8 if m % 300 < 30 else 0.2, 8, 2.5, recorded_from=None),
    shape("idle", 8, 0.02, 16, 0.5),
    # Used memory grows from 1 GiB to 3.5 GiB over the window.
    shape("leak", 2, 0.3, 4, lambda m: 1 + 2.5 * m / LAST),
    # 1 GiB a day written to /: 47 GiB free at the end of the 3 days.
    shape("disk", 2, 0.2, 2, 1.0, disk_avail=lambda m: 50 * G - m * G / 720),
    shape("late", 2, 0.2, 2, 1.0, first_sample=SAMPLES - 50),
    shape("arm", 4, 0.3, 8, 1.0),
    shape("eol", 4, 3.0, 8, 5.0),
    shape("gpu", 8, 4.0, 32, 10.0),
    shape("move", 4, 0.5, 8, 2.5, recorded_from=SAMPLES - 720),
    shape("stay", 4, 0.5, 8, 2.5),
    shape("nuc1", 4, 0.3, 16, 4.0, rapl_watts=9.5),
    shape("nuc2", 4, 1.0, 16, 4.0),
]


MIB = 1024**2
CONTAINERS = [
    # Asks for a whole core and 512 MiB, uses a quarter core and 200 MiB.
    series.Container("web", "web-7d9f8c6b5-x2x9k", "app", lambda m: 0.25, lambda m: 200 * MIB,
                     requests={"cpu": 1.0, "memory": 512 * MIB}, limits={"memory": 1024 * MIB}),
    # Grows to 900 MiB under a 512 MiB limit; the CPU request is right.
    series.Container("db", "db-0", "postgres", lambda m: 0.5, lambda m: (400 + 500 * m / LAST) * MIB,
                     requests={"cpu": 0.5, "memory": 256 * MIB}, limits={"memory": 512 * MIB}),
    # Without requests or limits.
    series.Container("tools", "debug", "shell", lambda m: 0.05, lambda m: 20 * MIB),
]  # fmt: skip


def cloud(type_name, **extra):
    return {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "sovereign_region": "fr-par",
            "cloud_type": type_name, "cloud_arch": "x86_64", "cloud_organization": "org-test",
            "cloud_project": "proj-test", **extra}  # fmt: skip


HOSTS = {
    "steady": cloud("M4", finops_tags={"team": "web"}),
    "spiky": cloud("M4", finops_tags={"team": "web"}),
    "idle": cloud("L8"),
    "leak": cloud("M2"),
    "disk": cloud("S2", cloud_price_monthly_eur=9.5),  # the inventory's live price wins
    "late": cloud("S2"),
    "arm": cloud("A4", cloud_arch="arm64"),
    "eol": cloud("EOL4"),
    "gpu": cloud("G1"),
    "move": cloud("M4", sovereign_data_classification="internal"),
    "stay": cloud("M4"),
    "nuc1": {"sovereign_provider": "homelab", "sovereign_country": "FR", "finops_tags": {"team": "home"},
             "finops_power": {"idle_watts": 6, "max_watts": 28, "extra_watts": 4, "source": "wall meter"},
             "finops_hardware": {"purchase_eur": 720, "life_months": 60, "source": "invoice"}},
    "nuc2": {"sovereign_provider": "homelab", "sovereign_country": "FR", "finops_tags": {"team": "home"},
             "finops_power": {"idle_watts": 8, "max_watts": 30, "source": "vendor sheet"},
             "finops_hardware": {"purchase_eur": 480, "life_months": 48, "source": "invoice",
                                 "purchased": "2020-01-15"},
             "finops_tariff": {"eur_per_kwh": 0.30, "source": "second contract"}},
    "nodata": cloud("S2"),
}  # fmt: skip


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    work = tmp_path_factory.mktemp("prometheus")
    series.write(work / "series.om", SHAPES, END, SAMPLES, step=STEP, containers=CONTAINERS)
    try:
        local_prometheus.backfill(work / "series.om", work / "tsdb")
        with local_prometheus.serving(work / "tsdb", work) as url:
            yield url
    except local_prometheus.PrometheusUnavailable as exc:
        pytest.fail(str(exc))


def run_report(workdir, url, *cli, **module_args):
    (workdir / "prices.yml").write_text(yaml.safe_dump(PRICES))
    inventory = {"all": {"hosts": HOSTS, "vars": {"ansible_connection": "local"},
                         "children": {"web": {"hosts": {"steady": None, "spiky": None}}}}}  # fmt: skip
    (workdir / "inventory.yml").write_text(yaml.safe_dump(inventory))
    args = {
        "hosts": list(HOSTS),
        "prometheus_url": url,
        "at": str(END),
        "today": TODAY.isoformat(),
        "window": WINDOW,
        "prices_file": str(workdir / "prices.yml"),
        "tariff": TARIFF,
        "policy": POLICY,
        "focus_csv": str(workdir / "out" / "focus.csv"),
        "focus_parquet": str(workdir / "out" / "focus.parquet"),
        "html": str(workdir / "out" / "finops.html"),
        **module_args,
    }
    play = [{"name": "FinOps", "hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Report", "sovereign.cloud.finops_report": args, "register": "result"},
        {"name": "Keep", "ansible.builtin.copy": {"content": "{{ result | to_json }}",
                                                  "dest": str(workdir / "result.json")},
         "check_mode": False},
    ]}]  # fmt: skip
    (workdir / "play.yml").write_text(yaml.safe_dump(play))
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(workdir / "play.yml"), *cli],
        capture_output=True, text=True, check=False, env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((workdir / "result.json").read_text()), proc.stdout


@pytest.fixture(scope="module")
def result(prometheus, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("finops")
    found, _output = run_report(workdir, prometheus)
    found["workdir"] = str(workdir)
    return found


def rightsizing(result, host):
    return result["report"]["hosts"][host]["rightsizing"]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        # need: p95 CPU 0.5, memory 1.5 GiB x 1.15 = 1.725 GiB -> S2 (2 vCPU, 2 GiB)
        ("steady", ("S2", 28.0 - 9.0, 1 - 0.5 / 2, 1 - 1.5 / 2, "medium")),
        # need: p95 1.8 (the plateau), 2.5 x 1.15 = 2.875 GiB -> M2; Z2 is cheaper but in NL, which
        # "restricted" (FR only) forbids
        ("spiky", ("M2", 28.0 - 14.0, 1 - 1.8 / 2, 1 - 2.5 / 4, "high")),
        # need: 0.02 cores, 0.575 GiB -> S1
        ("idle", ("S1", 56.0 - 5.0, 1 - 0.02 / 1, 1 - 0.5 / 1, "low")),
        # arm64 stays on arm64: A2 (an x86 S1 or S2 would be cheaper or equal but cannot run its images)
        ("arm", ("A2", 16.0 - 8.0, 1 - 0.3 / 2, 1 - 1.0 / 4, "low")),
        # "internal" allows the EU: Z2 in nl-ams-1 for 10 EUR
        ("move", ("Z2", 28.0 - 10.0, 1 - 0.5 / 2, 1 - 2.5 / 4, "low")),
        ("stay", ("M2", 28.0 - 14.0, 1 - 0.5 / 2, 1 - 2.5 / 4, "low")),
    ],
)
def test_recommendations_match_the_hand_computed_ones(result, host, expected):
    """expected: (type, monthly saving, CPU headroom, memory headroom, risk level)."""
    recommended, saving, cpu_headroom, memory_headroom, risk = expected
    found = rightsizing(result, host)
    assert found["status"] == "recommendation", found
    assert found["recommended_type"] == recommended
    assert found["saving_eur"] == round(saving, 4)
    assert found["risk"] == {"cpu_headroom": round(cpu_headroom, 4), "memory_headroom": round(memory_headroom, 4),
                             "level": risk}  # fmt: skip
    assert found["evidence"]["samples"] == SAMPLES
    assert found["price"] == {"source": SOURCE, "checked": "2026-11-20"}


def test_a_move_to_another_zone_only_where_the_policy_allows_it(result):
    assert rightsizing(result, "move")["zone"] == "nl-ams-1"
    assert rightsizing(result, "move")["reason"].endswith(
        "in zone nl-ams-1, where the sovereignty policy allows this host's data"
    )
    assert rightsizing(result, "move")["moves_zone"] is True
    assert rightsizing(result, "stay")["zone"] == "fr-par-1"
    assert rightsizing(result, "stay")["moves_zone"] is False


def test_p95_and_memory_need_are_the_series_figures(result):
    spiky = rightsizing(result, "spiky")
    assert spiky["need"] == {"cpu_cores": 1.8, "memory_gib": round(2.5 * 1.15, 4)}
    assert spiky["evidence"]["cpu_p95_cores"] == 1.8
    assert spiky["evidence"]["memory_max_used_gib"] == 2.5


def test_a_leaking_host_is_undersized_with_the_extra_cost(result):
    leak = rightsizing(result, "leak")
    # Maximum used 3.5 GiB (the last sample) x 1.15 = 4.025 GiB: M2's 4 GiB is short; M4 holds it.
    assert leak["status"] == "undersized"
    assert leak["need"]["memory_gib"] == round(3.5 * 1.15, 4)
    assert leak["recommended_type"] == "M4"
    assert leak["extra_cost_eur"] == 28.0 - 14.0
    assert "saving_eur" not in leak


def test_no_recommendation_without_the_series_behind_it(result):
    late = rightsizing(result, "late")
    assert late["status"] == "insufficient_data"
    assert "50 samples" in late["reason"]
    assert "saving_eur" not in late
    nodata = rightsizing(result, "nodata")
    assert nodata["status"] == "insufficient_data"
    assert result["report"]["hosts_without_series"] == ["nodata"]
    assert any("no series in Prometheus for: nodata" in w for w in result["warnings"])


def test_end_of_service_types_are_flagged_and_gpu_types_left_alone(result):
    eol = rightsizing(result, "eol")
    # need 3.0 cores, 5.75 GiB: EOL4 holds it; the cheapest type that is not end-of-service (M4) costs more.
    assert eol["status"] == "fits"
    assert eol["end_of_service"] == {"replacement": "M4", "source": SOURCE, "checked": "2026-11-20"}
    assert eol["reason"].startswith("EOL4 is end-of-service (replacement: M4). ")
    assert rightsizing(result, "gpu")["status"] == "not_applicable"


def test_disk_full_day_from_the_fill_rate(result):
    [disk] = result["report"]["hosts"]["disk"]["disks"]
    # 47 GiB free, 1 GiB written a day.
    assert disk["mountpoint"] == "/"
    assert disk["free_gib"] == 47.0
    assert disk["growth_gib_per_day"] == 1.0
    assert disk["days_to_full"] == 47.0
    assert disk["full_on"] == (TODAY + datetime.timedelta(days=47)).isoformat()
    [steady] = result["report"]["hosts"]["steady"]["disks"]
    assert steady["full_on"] is None


def test_homelab_energy_and_hardware(result):
    hosts = result["report"]["hosts"]
    nuc1 = {c["kind"]: c for c in hosts["nuc1"]["cost"]["charges"]}
    # RAPL 9.5 W + 4 W declared for the rest = 13.5 W; x 730 h = 9.855 kWh; x 0.25 EUR.
    assert nuc1["energy"]["watts"] == pytest.approx(13.5, abs=1e-9)
    assert nuc1["energy"]["quantity"] == pytest.approx(9.855, abs=1e-9)
    assert nuc1["energy"]["monthly_eur"] == pytest.approx(9.855 * 0.25, abs=1e-9)
    assert nuc1["energy"]["source"] == "test tariff"
    assert nuc1["hardware"]["monthly_eur"] == 720 / 60
    assert hosts["nuc1"]["cost"]["monthly_eur"] == round(9.855 * 0.25 + 12, 2)
    # No RAPL: 8 W idle + (30 - 8) W x mean utilisation 1.0 / 4 cores = 13.5 W, at its own tariff.
    nuc2 = {c["kind"]: c for c in hosts["nuc2"]["cost"]["charges"]}
    assert nuc2["energy"]["watts"] == pytest.approx(13.5, abs=1e-9)
    assert nuc2["energy"]["monthly_eur"] == pytest.approx(9.855 * 0.30, abs=1e-9)
    # Bought January 2020 for 48 months: paid off in January 2024, 35 months before December 2026.
    assert nuc2["hardware"]["monthly_eur"] == 0.0
    assert nuc2["hardware"]["description"].endswith("bought 2020-01-15, fully amortised since 35 months")
    # A cloud type of the same size: 4 vCPU and 16 GiB -> L8 (M4 has 8 GiB; G1 has a GPU).
    assert [(e["type"], e["monthly_eur"]) for e in hosts["nuc1"]["cloud_equivalents"]] == [("L8", 56.0)]


CLOUD_MONTHLY = {"steady": 28, "spiky": 28, "idle": 56, "leak": 14, "disk": 9.5, "late": 9, "arm": 16, "eol": 20,
                 "gpu": 500, "move": 28, "stay": 28, "nodata": 9}  # fmt: skip
HOMELAB_MONTHLY = {"nuc1": 9.855 * 0.25 + 12, "nuc2": 9.855 * 0.30}


def test_costs_and_totals(result):
    report = result["report"]
    for host, monthly in CLOUD_MONTHLY.items():
        assert report["hosts"][host]["cost"]["monthly_eur"] == monthly, host
    disk_charge = report["hosts"]["disk"]["cost"]["charges"][0]
    assert disk_charge["source"].startswith("inventory variable cloud_price_monthly_eur")
    total = sum(CLOUD_MONTHLY.values()) + sum(HOMELAB_MONTHLY.values())
    assert report["totals"]["monthly_eur"] == round(total, 2)
    assert report["totals"]["saving_eur"] == (28 - 9) + (28 - 14) + (56 - 5) + (16 - 8) + (28 - 10) + (28 - 14)
    assert report["by_group"]["web"] == {"monthly_eur": 56.0, "saving_eur": 19.0 + 14.0, "hosts": 2}
    assert report["by_tag"]["team=home"]["monthly_eur"] == round(sum(HOMELAB_MONTHLY.values()), 2)
    # Three queries in parallel, and one more for the hosts without recorded CPU series.
    assert result["queries"] == 4
    assert result["raw_counter_hosts"] == RAW_COUNTER_HOSTS


def test_prices_age_and_vat_are_stated(result):
    prices = result["report"]["prices"]
    assert prices["stale"] == []  # checked 2026-11-20, 11 days before the report
    assert prices["vat"] == {"scaleway": {"included": False, "source": "test catalog"}}
    assert "discounts, savings plans and committed-use prices" in result["report"]["not_included"]


def test_focus_rows_hold_every_charge(result):
    workdir = Path(result["workdir"])
    with (workdir / "out" / "focus.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    # 12 cloud hosts with one compute charge each; 2 homelab hosts with energy and hardware.
    assert len(rows) == 12 + 2 * 2
    total = sum(CLOUD_MONTHLY.values()) + sum(HOMELAB_MONTHLY.values())
    assert sum(float(r["ListCost"]) for r in rows) == pytest.approx(total, abs=1e-6)
    assert {r["BillingPeriodStart"] for r in rows} == {"2026-12-01T00:00:00Z"}
    written = sorted(str(workdir / "out" / name) for name in ("focus.csv", "focus.parquet", "finops.html"))
    assert sorted(result["files"]) == written
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    table = pyarrow_parquet.read_table(workdir / "out" / "focus.parquet")
    assert table.num_rows == len(rows)
    assert sum(table.column("ListCost").to_pylist()) == pytest.approx(total, abs=1e-6)


def test_check_mode_reports_the_same_and_writes_nothing(prometheus, tmp_path, result):
    found, _output = run_report(tmp_path, prometheus, "--check")
    assert found["report"]["totals"] == result["report"]["totals"]
    assert found["files"] == []
    assert not (tmp_path / "out").exists()


def test_bad_arguments_fail_before_any_query(prometheus, tmp_path):
    with pytest.raises(AssertionError, match=r"window: 'fortnight' is not a duration"):
        run_report(tmp_path, prometheus, window="fortnight")
    with pytest.raises(AssertionError, match=r"job: .* is not a scrape job name"):
        run_report(tmp_path, prometheus, job='node"} or vector(1) or {job="x')


def test_an_unreachable_prometheus_is_named(tmp_path):
    closed = local_prometheus.free_port()  # handed out and closed again: nothing listens there
    with pytest.raises(AssertionError, match=r"Prometheus at http://127\.0\.0\.1:%d: .*refused" % closed):
        run_report(tmp_path, "http://127.0.0.1:%d" % closed)


# FOCUS 1.2's InvoiceId-C-004-C ("MUST be null when the charge is not
# associated with an invoice") and InvoiceId-C-005-C ("MUST NOT be null when
# it is") carry no condition in the validator's 1.2 rules, so one of the two
# fails whatever the value. An estimate is on no invoice: InvoiceId is null,
# C-004-C passes, C-005-C fails, and the composite InvoiceId rules pass.
CONTRADICTORY_PAIR = {"InvoiceId-C-005-C"}


@pytest.mark.parametrize("name", ["focus.csv", "focus.parquet"])
def test_focus_rows_pass_the_foundation_validator(result, name):
    totals, failed, output = focus_validator.validate(Path(result["workdir"]) / "out" / name)
    assert set(failed) <= CONTRADICTORY_PAIR, output[-4000:]
    assert "InvoiceId-C-000-O" not in failed
    # The rules ran: most of FOCUS 1.2's column rules apply to these rows.
    assert totals["pass"] >= 250, totals


def test_the_validator_catches_a_broken_row(result, tmp_path):
    rows = (Path(result["workdir"]) / "out" / "focus.csv").read_text().splitlines()
    header = rows[0].split(",")
    broken = rows[1].split(",")
    broken[header.index("BillingCurrency")] = "EURO"
    (tmp_path / "broken.csv").write_text("\n".join([rows[0], ",".join(broken), *rows[2:]]) + "\n")
    _totals, failed, _output = focus_validator.validate(tmp_path / "broken.csv")
    assert any(rule.startswith("BillingCurrency") for rule in failed), failed


def test_metrics_pass_promtool_and_hold_the_figures(result):
    metrics = result["metrics"]
    _prometheus, promtool = local_prometheus.binaries()
    proc = subprocess.run([str(promtool), "check", "metrics"], input=metrics, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = set(metrics.splitlines())
    steady = round(28 / 730, 8)
    assert 'sovereign_cost_eur_per_hour{host="steady",provider="scaleway",kind="compute",sku="M4"} %s' % steady in lines
    nuc2 = 'sovereign_cost_eur_per_hour{host="nuc2",provider="homelab",kind="hardware",sku="hardware-amortisation"} 0.0'
    assert nuc2 in lines
    saving = 'sovereign_rightsizing_saving_eur_per_month{host="idle",current_type="L8",recommended_type="S1"} 51.0'
    assert saving in lines
    full = datetime.datetime(2027, 1, 17, tzinfo=datetime.UTC).timestamp()
    assert 'sovereign_disk_full_timestamp_seconds{host="disk",mountpoint="/"} %d' % full in lines
    assert "sovereign_finops_unpriced_hosts 0" in lines


def chromium(*args):
    binary = shutil.which("chromium-headless-shell")
    if binary is None:
        pytest.fail("no chromium-headless-shell: run scripts/setup test-tools")
    return subprocess.run([binary, "--no-sandbox", "--disable-gpu", *args], capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip


def test_html_report_is_self_contained_and_renders_in_chromium(result):
    page = Path(result["workdir"]) / "out" / "finops.html"
    text = page.read_text()
    # Nothing is loaded from anywhere, and the page's policy forbids it.
    for needle in ("<script", "<link", " src=", "@import", "url(", "@font-face"):
        assert needle not in text.lower(), needle
    assert "default-src 'none'" in text
    dom = chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<h1>Platform cost, 2026-12-01</h1>" in dom.stdout
    total = sum(CLOUD_MONTHLY.values()) + sum(HOMELAB_MONTHLY.values())
    assert "<strong>%.2f € a month</strong> for 14 hosts" % total in dom.stdout
    assert dom.stdout.count("<svg") == 3  # cost by group, usage against capacity, savings
    for host in HOSTS:
        assert ">%s<" % host in dom.stdout, host
    assert "No series in Prometheus for: nodata." in dom.stdout
    # The screenshot is kept among the test artifacts.
    artifacts = ROOT / ".cache" / "test-logs"
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "finops-report.png"
    shot.unlink(missing_ok=True)
    taken = chromium("--screenshot=%s" % shot, "--window-size=1200,2600", page.as_uri())
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.stat().st_size > 20_000


def test_k3s_containers_against_their_requests_and_limits(result):
    found = {w["pod"]: w for w in result["report"]["workloads"]}
    assert sorted(found) == ["db-0", "debug", "web-7d9f8c6b5-x2x9k"]
    web = found["web-7d9f8c6b5-x2x9k"]
    # krr simple: CPU request = p95 use (0.25), memory request = limit = 200 MiB x 1.15 = 230 MiB.
    assert web["recommended"] == {"cpu_request_cores": 0.25, "cpu_limit": None, "memory_request_mib": 230.0,
                                  "memory_limit_mib": 230.0}  # fmt: skip
    assert web["status"] == "change"
    assert (
        web["reason"]
        == "CPU request 1.000 against p95 use 0.250 cores; memory request 512 MiB against the maximum plus 15 % 230 MiB"
    )
    assert web["requests"] == {"cpu_cores": 1.0, "memory_mib": 512.0}
    db = found["db-0"]
    # The maximum working set is the last sample's 900 MiB: x 1.15 = 1035 MiB, above the 512 MiB limit.
    assert db["recommended"]["memory_limit_mib"] == 1035.0
    assert db["reason"].startswith("memory limit 512 MiB is below the maximum used plus 15 % (1035 MiB): OOM kills")
    assert "CPU request" not in db["reason"]  # 0.5 requested, 0.5 used
    shell = found["debug"]
    assert shell["requests"] == {"cpu_cores": None, "memory_mib": None}
    assert shell["reason"].startswith("CPU request none against p95 use 0.050 cores")
    assert all(w["samples"] == SAMPLES for w in found.values())

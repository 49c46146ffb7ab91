"""The FinOps engine: price catalog, host variables, costs, right-sizing, Prometheus answers and FOCUS rows.

The same logic against a real Prometheus, with hand-computed answers, is in
tests/integration/finops/test_finops_known_answer.py.
"""

from __future__ import annotations

import copy
import csv
import datetime
import io
import json

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops as finops
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_focus as focus
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_prometheus as promql

G = finops.GIB
TODAY = datetime.date(2026, 12, 1)
CATALOG = {
    "currency": "EUR",
    "providers": {
        "scaleway": {
            "vat_included": False,
            "vat_source": "https://www.scaleway.com/en/faq/billing/",
            "hours_per_month": 730,
            "types": {
                "SMALL": {"vcpus": 1, "memory_gib": 2, "hourly_eur": 0.01, "source": "s", "checked": "2026-11-30"},
                "BIG": {"vcpus": 4, "memory_gib": 16, "monthly_eur": 40.0, "source": "s", "checked": "2026-09-01"},
            },
        }
    },
}


def catalog(data=None):
    return finops.PriceCatalog(copy.deepcopy(data or CATALOG), origin="test")


def cloud_host(**variables):
    base = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1", "cloud_type": "BIG"}
    return finops.host_of("vm", {**base, **variables}, ["all", "web"])


# --- catalog -----------------------------------------------------------------


def test_the_shipped_catalog_loads_with_a_source_and_date_per_price():
    shipped = finops.load_price_catalog()
    dev1 = shipped.type_of("scaleway", "DEV1-S")
    assert (dev1.vcpus, dev1.memory_gib, dev1.monthly_eur) == (2, 2, 6.55248)
    # Scaleway's monthly price is 730 hours of its hourly price.
    assert dev1.monthly_eur == pytest.approx(dev1.hourly_eur * 730)
    assert all(t.source.startswith("https://") and t.checked for t in shipped.types.values())
    assert shipped.vat("scaleway") == {"included": False, "source": shipped.providers["scaleway"]["vat_source"]}
    # No OVHcloud snapshot: nothing is guessed.
    assert shipped.of_provider("ovhcloud") == []
    assert shipped.vat("ovhcloud") is None


def test_monthly_price_from_hourly_and_stale_entries():
    prices = catalog()
    assert prices.type_of("scaleway", "SMALL").monthly_eur == pytest.approx(7.3)
    assert prices.stale(TODAY, 30) == [{"provider": "scaleway", "type": "BIG", "checked": "2026-09-01", "age_days": 91}]
    assert prices.stale(TODAY, 100) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(currency="USD"), "currency 'USD'"),
        (lambda d: d["providers"]["scaleway"].pop("vat_source"), "VAT is stated, never guessed"),
        (lambda d: d["providers"]["scaleway"]["types"]["BIG"].pop("source"), "types.BIG: `source` is missing"),
        (lambda d: d["providers"]["scaleway"]["types"]["BIG"].update(checked="soon"), "'soon' is not a date"),
        (lambda d: d["providers"]["scaleway"]["types"]["BIG"].update(vcpus=0), "vcpus: 0 is below 1"),
        (lambda d: d["providers"]["scaleway"]["types"]["BIG"].update(vcpus=2.5), "vcpus: 2.5 is not an integer"),
        (lambda d: d["providers"]["scaleway"]["types"]["BIG"].pop("monthly_eur"), "neither hourly_eur nor monthly_eur"),
        (lambda d: d["providers"]["scaleway"]["types"]["BIG"].update(zones="fr-par-1"), "zones: not a list"),
    ],
)
def test_bad_catalog_entries_are_named(change, message):
    data = copy.deepcopy(CATALOG)
    change(data)
    with pytest.raises(finops.FinopsError, match=message):
        finops.PriceCatalog(data, origin="test")


# --- host variables ----------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"finops_power": {"idle_watts": 5, "max_watts": 20}}, "host vm: finops_power: source missing"),
        ({"finops_power": {"idle_watts": 30, "max_watts": 20, "source": "x"}}, "max_watts is below idle_watts"),
        (
            {"finops_power": {"idle_watts": "five", "max_watts": 20, "source": "x"}},
            "idle_watts: 'five' is not a number",
        ),
        ({"finops_hardware": {"purchase_eur": 500, "life_months": 0, "source": "x"}}, "life_months must be above 0"),
        ({"finops_hardware": {"purchase_eur": 500, "life_months": 5, "source": "x", "purchased": "May"}}, "not a date"),
        ({"finops_tariff": {"eur_per_kwh": 0.2}}, "finops_tariff: source missing"),
        ({"finops_tags": ["team=web"]}, "finops_tags must be a mapping"),
        ({"cloud_price_monthly_eur": "cheap"}, "cloud_price_monthly_eur: 'cheap' is not a number"),
    ],
)
def test_bad_host_variables_name_the_host_and_variable(variables, message):
    with pytest.raises(finops.FinopsError, match=message):
        cloud_host(**variables)


def test_tags_merge_cloud_labels_and_finops_tags_and_groups_drop_all():
    host = cloud_host(cloud_labels={"env": "prod", "team": "a"}, finops_tags={"team": "b"})
    assert host.tags == {"env": "prod", "team": "b"}
    assert host.groups == ["web"]


# --- costs -------------------------------------------------------------------


def test_compute_price_live_hourly_times_the_providers_hours():
    host = cloud_host(cloud_price_hourly_eur=0.05)
    charge = finops.compute_charge(host, catalog(), TODAY)
    assert charge["monthly_eur"] == pytest.approx(36.5)
    assert "cloud_price_hourly_eur" in charge["source"]


def test_a_host_without_any_price_is_unpriced_not_guessed():
    cost = finops.host_cost(cloud_host(cloud_type="HUGE"), finops.Usage(), catalog(), TODAY)
    assert cost["monthly_eur"] is None
    assert cost["unpriced"] == [
        "compute: no live price in the inventory and no scaleway type 'HUGE' in the price catalog"
    ]


def test_homelab_without_tariff_or_power_says_what_is_missing():
    host = finops.host_of("nuc", {"sovereign_provider": "homelab"}, [])
    cost = finops.host_cost(host, finops.Usage(rapl_watts=10.0), catalog(), TODAY)
    assert cost["unpriced"] == [
        "energy: no tariff (finops_tariff or the module's tariff)",
        "hardware: no finops_hardware",
    ]
    tariff = {"eur_per_kwh": 0.2, "source": "t"}
    host = finops.host_of("nuc", {"sovereign_provider": "homelab"}, [], default_tariff=tariff)
    cost = finops.host_cost(host, finops.Usage(), catalog(), TODAY)
    assert cost["unpriced"][0] == "energy: neither RAPL counters nor finops_power"


# --- right-sizing --------------------------------------------------------------


def usage(p95=0.5, used_gib=1.0, samples=1000):
    return finops.Usage(cpu_p95_cores=p95, memory_max_used_bytes=used_gib * G, samples=samples)


def test_rightsizing_needs_samples():
    found = finops.rightsize(cloud_host(), usage(samples=99), catalog(), None, window="14d")
    assert found["status"] == "insufficient_data"
    assert "99 samples, at least 100" in found["reason"]


def test_rightsizing_picks_the_cheapest_type_that_holds_the_need():
    found = finops.rightsize(cloud_host(), usage(p95=0.9, used_gib=1.7), catalog(), None, window="14d")
    # 1.7 GiB x 1.15 = 1.955 GiB fits SMALL's 2 GiB; 0.9 cores fit its 1 vCPU.
    assert found["status"] == "recommendation"
    assert found["recommended_type"] == "SMALL"
    assert found["saving_eur"] == pytest.approx(40 - 7.3)
    assert found["risk"]["level"] == "high"  # 10 % CPU headroom


def test_rightsizing_other_zones_only_through_the_policy():
    data = copy.deepcopy(CATALOG)
    data["providers"]["scaleway"]["types"]["SMALL"]["zones"] = ["nl-ams-1"]
    asked = []

    def allowed(host, zones):
        asked.append((host.name, zones))
        return set()

    found = finops.rightsize(cloud_host(), usage(), catalog(data), None, window="14d", allowed_zones=allowed)
    assert found["status"] == "fits"
    assert asked == [("vm", ("nl-ams-1",))]
    found = finops.rightsize(
        cloud_host(), usage(), catalog(data), None, window="14d", allowed_zones=lambda _h, z: set(z)
    )
    assert (found["recommended_type"], found["zone"], found["moves_zone"]) == ("SMALL", "nl-ams-1", True)


def test_ovhcloud_hosts_are_placed_by_region():
    data = copy.deepcopy(CATALOG)
    data["providers"]["ovhcloud"] = {
        "vat_included": False,
        "vat_source": "catalog",
        "types": {
            "b3-8": {"vcpus": 2, "memory_gib": 8, "monthly_eur": 29.0, "zones": ["GRA11", "SBG5"],
                     "source": "s", "checked": "2026-11-30"},
            "d2-4": {"vcpus": 2, "memory_gib": 4, "monthly_eur": 5.2, "zones": ["SBG5"], "source": "s",
                     "checked": "2026-11-30"},
        },
    }  # fmt: skip
    host = finops.host_of(
        "vps", {"sovereign_provider": "ovhcloud", "sovereign_region": "GRA11", "cloud_type": "b3-8"}, []
    )
    found = finops.rightsize(host, usage(), catalog(data), None, window="14d")
    assert found["status"] == "fits"  # d2-4 is only in SBG5, which no policy allowed
    found = finops.rightsize(host, usage(), catalog(data), None, window="14d", allowed_zones=lambda _h, z: {"SBG5"})
    assert (found["recommended_type"], found["zone"], found["moves_zone"]) == ("d2-4", "SBG5", True)


def test_no_fit_when_nothing_holds_the_need():
    found = finops.rightsize(cloud_host(), usage(p95=6, used_gib=20), catalog(), None, window="14d")
    assert found["status"] == "no_fit"


# --- disks ---------------------------------------------------------------------


def test_disk_projection_only_for_filling_disks():
    disks = finops.disk_projection(
        [
            {"mountpoint": "/var", "size_bytes": 100 * G, "avail_bytes": 10 * G, "deriv_bytes_per_s": -G / 86400 / 2},
            {"mountpoint": "/", "size_bytes": 100 * G, "avail_bytes": 10 * G, "deriv_bytes_per_s": G / 86400},
        ],
        TODAY,
    )
    assert [d["mountpoint"] for d in disks] == ["/", "/var"]
    assert disks[0]["full_on"] is None
    assert disks[1]["days_to_full"] == 20.0
    assert disks[1]["full_on"] == "2026-12-21"


# --- Prometheus ------------------------------------------------------------------


def test_a_fixed_number_of_aggregations_whatever_the_hosts():
    found = promql.queries("node", "14d")
    assert sorted(found) == ["cpu", "memory", "other"]
    # 11 host figures and 7 k3s container figures.
    assert sum(q.count("label_replace(") for q in found.values()) == 18
    # Every figure is an aggregation by host or by container: no name is in the main queries.
    for group in promql.groups().values():
        for name, figure in group.items():
            assert " by (instance" in figure or " by (namespace, pod, container)" in figure, name


def test_the_fallback_names_only_the_hosts_it_needs():
    query = promql.fallback_query(["web-1.example", "db"], "node", "14d")
    assert 'instance=~"db|web-1\\\\.example"' in query
    assert "[14d:5m]" in query


def test_hosts_whose_recorded_series_covers_too_little_need_the_raw_counters():
    figures = {
        "full": {"samples": 1000, "recorded_samples": 1000},
        "late": {"samples": 1000, "recorded_samples": 899},
        "none": {"samples": 1000},
        "no-data": {},
    }
    assert promql.needing_fallback(figures) == ["late", "none"]


@pytest.mark.parametrize("window", ["", "14", "14x", "0d", "d", "1.5d"])
def test_bad_windows(window):
    with pytest.raises(finops.FinopsError, match="window"):
        promql.queries(window=window)


def test_usages_from_the_answers_and_the_fallback():
    answer = {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"figure": "cpu_p95_cores", "instance": "a"}, "value": [1, "0.5"]},
        {"metric": {"figure": "samples", "instance": "a"}, "value": [1, "2016"]},
        {"metric": {"figure": "rapl_watts", "instance": "a"}, "value": [1, "NaN"]},
        {"metric": {"figure": "cpu_cores", "instance": "a"}, "value": [1, "4"]},
        {"metric": {"figure": "cpu_mean_cores", "instance": "a"}, "value": [1, "1"]},
        {"metric": {"figure": "memory_bytes", "instance": "a"}, "value": [1, "8"]},
        {"metric": {"figure": "memory_min_available_bytes", "instance": "a"}, "value": [1, "3"]},
        {"metric": {"figure": "fs_size_bytes", "instance": "a", "mountpoint": "/"}, "value": [1, "100"]},
        {"metric": {"figure": "fs_avail_bytes", "instance": "a", "mountpoint": "/"}, "value": [1, "40"]},
        {"metric": {"instance": "b"}, "value": [1, "1"]},
    ]}}  # fmt: skip
    fallback = {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": {"figure": "cpu_p95_cores", "instance": "a"}, "value": [1, "0.75"]}]}}  # fmt: skip
    assert promql.usages([answer])["a"].cpu_p95_cores == 0.5
    found = promql.usages([answer], fallback)
    assert list(found) == ["a"]
    assert found["a"].cpu_p95_cores == 0.75
    assert found["a"].cpu_mean_utilisation == 0.25
    assert found["a"].memory_max_used_bytes == 5
    assert found["a"].samples == 2016
    assert found["a"].rapl_watts is None
    assert found["a"].filesystems == [
        {"mountpoint": "/", "size_bytes": 100.0, "avail_bytes": 40.0, "deriv_bytes_per_s": None}
    ]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": "error", "error": "parse error"}, "Prometheus refused the query: parse error"),
        ({"status": "success", "data": {"resultType": "matrix"}}, "expected a vector"),
        ({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"figure": "samples", "instance": "a"}, "value": [1]}]}}, "samples of a has no numeric value"),
    ],
)  # fmt: skip
def test_bad_answers(answer, message):
    with pytest.raises(finops.FinopsError, match=message):
        promql.usages([answer])


# --- the report and FOCUS --------------------------------------------------------------


def test_report_totals_and_focus_rows():
    hosts = [cloud_host(finops_tags={"team": "web"}, cloud_organization="org", cloud_project="p", cloud_id="id-1")]
    report = finops.report(hosts, {"vm": usage(p95=0.9, used_gib=1.7)}, catalog(), TODAY, max_price_age_days=30)
    assert report["totals"]["monthly_eur"] == 40.0
    assert report["totals"]["saving_eur"] == pytest.approx(32.7)
    assert report["by_tag"] == {"team=web": {"monthly_eur": 40.0, "saving_eur": 32.7, "hosts": 1}}
    assert [s["type"] for s in report["prices"]["stale"]] == ["BIG"]
    rows = focus.rows(report, {h.name: h for h in hosts})
    [row] = list(csv.DictReader(io.StringIO(focus.to_csv(rows))))
    assert list(row) == list(focus.COLUMNS)
    assert (row["ListCost"], row["BillingCurrency"], row["ResourceId"], row["SubAccountId"]) == (
        "40.0",
        "EUR",
        "id-1",
        "p",
    )
    assert (row["BillingPeriodStart"], row["BillingPeriodEnd"]) == ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")
    assert json.loads(row["Tags"]) == {"team": "web"}
    assert row["ChargeDescription"].startswith("Estimate: ")


def test_workloads_within_ten_percent_fit_and_few_samples_claim_nothing():
    key = ("ns", "pod-0", "app")
    mib = 1024**2
    figures = {"samples": 500, "cpu_p95_cores": 0.5, "memory_max_bytes": 100 * mib, "cpu_request": 0.52,
               "memory_request": 120 * mib, "memory_limit": 200 * mib}  # fmt: skip
    fits = finops.workload(key, figures, "14d")
    assert fits["status"] == "fits"
    assert fits["recommended"]["memory_request_mib"] == 115.0
    few = finops.workload(key, {"samples": 99, "cpu_p95_cores": 0.5, "memory_max_bytes": 100 * mib}, "14d")
    assert few["status"] == "insufficient_data"
    assert "recommended" not in few

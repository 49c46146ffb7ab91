"""Mapping and fetch logic of the cloud inventory plugins, without Ansible or a network."""

from __future__ import annotations

import pytest
from fake_cloud_api import OVHData, ScalewayData
from scaleway.baremetal.v1.marshalling import unmarshal_Offer
from scaleway.baremetal.v1.marshalling import unmarshal_Server as unmarshal_metal
from scaleway.instance.v1.marshalling import unmarshal_Server, unmarshal_ServerType

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _ovhcloud_inventory as ovhc
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _scaleway_inventory as scw
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov

PROJECT = "11111111-1111-4111-8111-111111111111"


def country(provider, location):
    try:
        return sov.country_of(sov.load_catalog(), provider, location)
    except ValueError:
        return None


# -- shared helpers --------------------------------------------------------------


def test_pick_returns_a_scalar_from_the_first_present_field():
    assert ci.pick(
        ["public_ipv4", "private_ipv4"], {"public_ipv4": None, "private_ipv4": ["10.0.0.1", "10.0.0.2"]}
    ) == ("10.0.0.1")
    assert ci.pick(["public_ipv4"], {"public_ipv4": ""}) is None


def test_addresses_by_kind_keeps_the_first_of_each_and_strips_prefix_lengths():
    found = ci.addresses_by_kind(
        [("51.15.0.1", True), ("51.15.0.2", True), ("2001:bc8::1", True), ("172.16.0.2/22", False), ("bogus", False)]
    )
    assert found == {"public_ipv4": "51.15.0.1", "public_ipv6": "2001:bc8::1", "private_ipv4": "172.16.0.2"}


def test_tag_groups_and_tag_dict():
    tags = ["env=prod", "k3s_server", " team = sre ", ""]
    assert ci.tag_groups(tags) == ["env_prod", "k3s_server", "team_sre"]
    assert ci.tag_dict(tags) == {"env": "prod", "k3s_server": "", "team": "sre"}


def _record(name, cloud_id):
    return ci.base_record(
        "scaleway", "instance", cloud_id, candidates={"name": name}, addresses={}, variables={}, groups=[]
    )


def test_duplicate_names_are_all_kept_with_their_ids_and_a_warning():
    warnings = []
    records = ci.name_hosts([_record("web", "b"), _record("web", "a"), _record("db", "c")], ["name"], warnings.append)
    assert [r["name"] for r in records] == ["db", "web_a", "web_b"]
    assert warnings == ["2 servers are named 'web'; they are listed as web_a, web_b"]


def test_a_host_without_the_preferred_name_falls_back_to_its_id():
    records = ci.name_hosts([_record(None, "abc")], ["name", "hostname"], lambda _m: None)
    assert records[0]["name"] == "abc"


def test_check_failures_names_every_scope_or_warns_when_partial():
    errors = {"instances fr-par-2": ci.FetchError("503 Service Unavailable"), "ipam nl-ams": ValueError("bad json")}
    with pytest.raises(ci.InventoryError) as caught:
        ci.check_failures(errors, False, "scaleway", None)
    assert "instances fr-par-2: 503 Service Unavailable" in str(caught.value)
    assert "ipam nl-ams: bad json" in str(caught.value)
    warnings = []
    ci.check_failures(errors, True, "scaleway", warnings.append)
    assert "partial" in warnings[0] and "ipam nl-ams" in warnings[0]
    ci.check_failures({}, False, "scaleway", None)  # nothing failed: no error


def test_cache_payload_is_only_used_for_the_same_options():
    payload = ci.cache_payload([{"name": "x"}], "fp1")
    assert ci.records_from_cache(payload, "fp1") == [{"name": "x"}]
    assert ci.records_from_cache(payload, "fp2") is None
    assert ci.records_from_cache({"format": 0, "options": "fp1", "hosts": []}, "fp1") is None
    assert ci.records_from_cache("garbage", "fp1") is None


def test_run_parallel_runs_every_job_and_reports_each_failure():
    def boom():
        raise RuntimeError("down")

    results, errors = ci.run_parallel({"a": lambda: 1, "b": boom, "c": lambda: 3}, 2)
    assert results == {"a": 1, "c": 3}
    assert list(errors) == ["b"] and str(errors["b"]) == "down"


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (100, 1), (101, 2), (2000, 20)])
def test_page_count(total, pages):
    assert ci.page_count(total, 100) == pages


# -- catalog locations -------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "location", "expected"),
    [
        ("ovhcloud", "GRA11", "FR"),
        ("ovhcloud", "rbx7", "FR"),
        ("ovhcloud", "lim3", "DE"),
        ("ovhcloud", "BHS5", "CA"),
        ("ovhcloud", "eri1", "GB"),
        ("ovhcloud", "vin1", "US"),
        ("scaleway", "fr-par-2", "FR"),
        ("scaleway", "pl-waw-3", "PL"),
        ("ovhcloud", "mars1", None),
    ],
)
def test_locations_resolve_with_building_numbers(provider, location, expected):
    assert country(provider, location) == expected


# -- Scaleway mapping ----------------------------------------------------------------


def test_instance_record_from_sdk_objects_with_deprecated_fields_null():
    data = ScalewayData()
    raw = data.add_instance("nl-ams-1", "web-1", project=PROJECT, tags=["env=prod", "web"], index=7, ipv6=True)
    assert raw["public_ip"] is None and raw["private_ip"] is None  # deprecated, as the API sends them
    server = unmarshal_Server(raw)
    server_type = unmarshal_ServerType(data.products("nl-ams-1")["DEV1-S"])
    ipam = {ip["id"]: ci.strip_prefix_length(ip["address"]) for ip in data.ipam["nl-ams"]}
    record = scw.instance_record(server, "nl-ams-1", "NL", server_type, ipam)
    record_vars = record["vars"]
    assert record_vars["cloud_public_ipv4"] == "51.15.0.8"
    assert record_vars["cloud_public_ipv6"] == "2001:bc8:1007::8"
    assert record_vars["cloud_private_ips"] == ["172.16.0.9"]
    assert record_vars["cloud_state"] == "running" and record_vars["cloud_arch"] == "x86_64"
    assert record_vars["cloud_price_hourly_eur"] == 0.0088
    assert (record_vars["sovereign_zone"], record_vars["sovereign_region"], record_vars["sovereign_country"]) == (
        "nl-ams-1",
        "nl-ams",
        "NL",
    )
    assert record["groups"] == ["scaleway", "scaleway_instances", "scaleway_nl_ams_1", "scaleway_type_dev1_s"]
    assert record["names"]["hostname"] == "web-1"


def test_instance_without_price_or_private_nic():
    data = ScalewayData()
    server = unmarshal_Server(data.add_instance("fr-par-1", "x", project=PROJECT, private=False, public=False))
    record = scw.instance_record(server, "fr-par-1", "FR", None, {})
    assert record["vars"]["cloud_price_monthly_eur"] is None
    assert record["vars"]["cloud_private_ips"] == [] and record["vars"]["cloud_public_ipv4"] is None


def test_elastic_metal_record_prices_from_money():
    data = ScalewayData()
    server = unmarshal_metal(data.add_baremetal("fr-par-2", "em-1", project=PROJECT, index=3))
    offer = unmarshal_Offer(next(iter(data.offers["fr-par-2"].values())))
    record = scw.elastic_metal_record(server, "fr-par-2", "FR", offer)
    assert record["vars"]["cloud_price_hourly_eur"] == 0.164
    assert record["vars"]["cloud_price_monthly_eur"] == 99.99
    assert record["vars"]["cloud_public_ipv4"] == "163.172.0.4"
    assert record["vars"]["sovereign_offer"] == "elastic-metal"


class _Page:
    def __init__(self, servers, total):
        self.servers = servers
        self.total_count = total


def test_list_all_reads_the_remaining_pages_after_the_first():
    calls = []

    def call(page):
        calls.append(page)
        return _Page(list(range((page - 1) * 100, min(page * 100, 250))), 250)

    items, errors, absent = scw.list_all({"z": scw.Lister(call, "servers")}, 4)
    assert items["z"] == list(range(250)) and not errors and not absent
    assert sorted(calls) == [1, 2, 3]


def test_list_all_follows_pages_without_a_total():
    def call(page):
        return _Page(list(range((page - 1) * 100, min(page * 100, 230))), 0)

    items, _errors, _absent = scw.list_all({"z": scw.Lister(call, "servers")}, 4)
    assert items["z"] == list(range(230))


def test_list_all_reports_a_failed_page_against_its_scope():
    def call(page):
        if page == 2:
            raise RuntimeError("boom")
        return _Page([page], 300)

    items, errors, _absent = scw.list_all({"z": scw.Lister(call, "servers")}, 4)
    assert "z" not in items
    assert str(errors["z"]) == "page 2: boom"


def test_settings_default_to_every_zone_of_the_sdk():
    assert scw.Settings().zone_list() == scw.sdk_zones()
    assert "fr-par-1" in scw.sdk_zones() and "pl-waw-1" in scw.sdk_zones()
    assert scw.zone_region("pl-waw-3") == "pl-waw"


# -- OVHcloud mapping ----------------------------------------------------------------


def test_catalog_prices_in_currency_units():
    prices = ovhc.catalog_prices(OVHData().catalog())
    assert prices["_currency"] == "EUR"
    assert prices["b3-8.consumption"] == 0.068
    assert prices["b3-8.monthly.postpaid"] == 29.0
    assert ovhc.catalog_prices(None) == {}


def test_instance_record_region_country_and_billing():
    data = OVHData()
    prices = ovhc.catalog_prices(data.catalog())
    raw = data.add_instance("p1", "n1", region="BHS5", flavor="d2-4", monthly=True, index=5)
    record = ovhc.instance_record(raw, "p1", prices, country)
    record_vars = record["vars"]
    assert record_vars["sovereign_country"] == "CA"
    assert record_vars["cloud_type"] == "d2-4" and record_vars["cloud_billing"] == "monthly"
    assert record_vars["cloud_price_monthly_eur"] == 5.2
    assert record_vars["cloud_private_ips"] == ["10.0.0.7"]
    assert record["groups"] == ["ovhcloud", "ovhcloud_public_cloud", "ovhcloud_bhs5", "ovhcloud_type_d2_4"]


def test_dedicated_record_names_and_tags():
    data = OVHData()
    raw = data.add_dedicated("ns1.ip-1-2-3.eu", datacenter="waw1", display="backup-1", tags={"env": "prod"})
    record = ovhc.dedicated_record(raw, country)
    assert record["names"]["name"] == "backup-1" and record["names"]["hostname"] == "ns1.ip-1-2-3.eu"
    assert record["vars"]["cloud_tags"] == ["env=prod"]
    assert record["vars"]["sovereign_country"] == "PL"
    assert record["vars"]["cloud_id"] == "4000000"


def test_vps_record_site_addresses_and_iam():
    data = OVHData()
    data.add_vps("vps-1.vps.ovh.net", site="waw", index=4, display="edge-1", tags={"role": "edge"})
    answer = data.vps["vps-1.vps.ovh.net"]
    record = ovhc.vps_record(answer["vps"], answer["datacenter"], answer["ips"], country)
    assert record["names"]["name"] == "edge-1" and record["names"]["hostname"] == "vps-1.vps.ovh.net"
    assert record["vars"]["sovereign_datacenter"] == "waw" and record["vars"]["sovereign_country"] == "PL"
    assert record["vars"]["cloud_public_ips"] == answer["ips"] and record["vars"]["cloud_private_ips"] == []
    assert record["names"]["public_ipv4"] == answer["ips"][0]
    assert record["vars"]["cloud_labels"] == {"role": "edge"}
    assert record["groups"] == ["ovhcloud", "ovhcloud_vps", "ovhcloud_waw", "ovhcloud_type_vps_2025_model2"]
    # Without an IAM block, the API's displayName names the host.
    data.add_vps("vps-2.vps.ovh.net", site="gra", index=5, iam=False)
    bare = data.vps["vps-2.vps.ovh.net"]
    bare_record = ovhc.vps_record(bare["vps"], bare["datacenter"], bare["ips"], country)
    assert bare_record["names"]["name"] == "vps-2.vps.ovh.net"


def test_vps_answer_skips_deleted_and_names_malformed_parts():
    answers = {"VPS a details": {"name": "a"}, "VPS a datacenter": {"name": "gra"}, "VPS a addresses": ["1.2.3.4"]}
    errors = {}
    assert ovhc._vps_answer("a", answers, errors)["addresses"] == ["1.2.3.4"]
    deleted = {**answers, "VPS a datacenter": None}  # 404 between the list and this request
    assert ovhc._vps_answer("a", deleted, errors) is None and errors == {}
    malformed = {**answers, "VPS a addresses": {"ip": "1.2.3.4"}}
    assert ovhc._vps_answer("a", malformed, errors) is None
    assert "expected a list, got dict" in str(errors["VPS a addresses"])
    failed = {"VPS a details": ovhc.ci.FetchError("500")}
    assert ovhc._vps_answer("a", answers, failed) is None


@pytest.mark.parametrize(
    ("endpoint", "is_url"),
    [("ovh-eu", False), ("https://gw.example.eu/1.0", True), ("http://127.0.0.1:8080", True), ("gw.example", False)],
)
def test_endpoint_kinds(endpoint, is_url):
    assert ovhc.is_base_url(endpoint) is is_url


def test_flavor_of_plan_codes():
    assert ovhc.flavor_of("b3-8.consumption") == "b3-8"
    assert ovhc.flavor_of("c3-16.monthly.postpaid") == "c3-16"
    assert ovhc.flavor_of(None) is None


def test_shared_values_go_once_on_the_largest_group_whose_hosts_all_have_them():
    def record(zone, kind, price, project, name):
        return {
            "groups": ["scaleway", "scaleway_" + zone, "scaleway_type_" + kind],
            "vars": {"sovereign_zone": zone, "cloud_type": kind, "cloud_price_hourly_eur": price,
                     "cloud_project": project, "cloud_id": name},
        }  # fmt: skip

    records = [
        record("fr_par_1", "dev1_s", 0.01, "p1", "a"),
        record("fr_par_1", "dev1_s", 0.01, "p1", "b"),
        record("nl_ams_1", "dev1_s", 0.01, "p1", "c"),
        record("nl_ams_1", "gp1_xs", 0.09, "p1", "d"),
        record("pl_waw_1", "gp1_xs", 0.09, "p2", "e"),
    ]
    group_vars, own = ci.shared_values(records)
    assert group_vars == {
        "scaleway_fr_par_1": {"sovereign_zone": "fr_par_1"},
        "scaleway_nl_ams_1": {"sovereign_zone": "nl_ams_1"},
        # a, b and c are all in project p1: it goes with their type's group.
        "scaleway_type_dev1_s": {"cloud_type": "dev1_s", "cloud_price_hourly_eur": 0.01, "cloud_project": "p1"},
        "scaleway_type_gp1_xs": {"cloud_type": "gp1_xs", "cloud_price_hourly_eur": 0.09},
    }
    # A host alone in its group keeps its value; ids and the mixed project stay on the hosts.
    assert own[4] == {"sovereign_zone": "pl_waw_1", "cloud_project": "p2", "cloud_id": "e"}
    assert own[0] == {"cloud_id": "a"}
    assert own[3] == {"cloud_project": "p1", "cloud_id": "d"}
    # Every host's merged view is its own variables, whatever went where.
    for index, entry in enumerate(records):
        merged = {k: v for g in entry["groups"] for k, v in group_vars.get(g, {}).items()}
        merged.update(own[index])
        assert merged == entry["vars"]

"""sovereign.cloud.scaleway through ansible-inventory, against a local Scaleway API (stand-in).

What both cloud plugins promise (credentials, secrets, cache, partial
failure) is tested once for both in test_inventory_contract_stand_in.py.

The plugin runs unmodified on the real `scaleway` SDK, pointed at the fake API
on 127.0.0.1 with `api_url`. Every test checks the output host by host.
"""

from __future__ import annotations

import time

import pytest
from ansible_inventory import listing
from cloud_providers import PROJECT_A, PROJECT_B, PROVIDERS

PROVIDER = PROVIDERS["scaleway"]
write, run = PROVIDER.write, PROVIDER.run


def test_every_host_once_with_scalar_addresses_groups_and_prices(tmp_path, api):
    groups, hostvars = listing(run(write(tmp_path, api)))
    twins = sorted(h for h in hostvars if h.startswith("twin_"))
    expected = {"web-%03d" % i for i in range(230)} | {"v6only", "dark", "private-only", "db-1", "metal-1"}
    assert set(hostvars) == expected | set(twins)
    assert len(twins) == 2  # same name in two zones: both kept, suffixed with their ids
    assert "stopped-1" not in hostvars and "metal-off" not in hostvars  # default states: running / ready

    web = hostvars["web-001"]
    assert web["ansible_host"] == "51.15.0.2"
    assert web["cloud_private_ipv4"] == "172.16.0.3"  # from IPAM, without the /22
    assert web["cloud_private_ips"] == ["172.16.0.3"]
    assert web["sovereign_provider"] == "scaleway"
    assert (web["sovereign_zone"], web["sovereign_region"], web["sovereign_country"]) == ("fr-par-1", "fr-par", "FR")
    assert web["sovereign_offer"] == "instances"
    assert (web["cloud_type"], web["cloud_price_hourly_eur"], web["cloud_price_monthly_eur"]) == (
        "DEV1-S",
        0.0088,
        6.42,
    )
    assert web["cloud_labels"] == {"env": "prod", "k3s_agent": ""}
    assert hostvars["db-1"]["sovereign_country"] == "PL"
    assert hostvars["private-only"]["ansible_host"] == "172.16.3.155"
    assert hostvars["private-only"]["cloud_price_monthly_eur"] == 105.19
    assert hostvars["v6only"]["ansible_host"] == hostvars["v6only"]["cloud_public_ipv6"]
    assert "ansible_host" not in hostvars["dark"]  # listed anyway, with a warning

    metal = hostvars["metal-1"]
    assert (metal["cloud_resource"], metal["sovereign_offer"]) == ("elastic_metal", "elastic-metal")
    assert (metal["cloud_price_hourly_eur"], metal["cloud_price_monthly_eur"]) == (0.164, 99.99)
    assert metal["ansible_host"] == "163.172.0.2"

    assert len(groups["scaleway"]) == len(hostvars)
    assert groups["scaleway_elastic_metal"] == ["metal-1"]
    assert len(groups["scaleway_fr_par_1"]) == 231
    assert len(groups["env_prod"]) == 115 and len(groups["env_dev"]) == 115
    assert len(groups["k3s_agent"]) == 115
    assert groups["role_db"] == ["db-1", "metal-1"]  # an Instance tag and an Elastic Metal tag


def test_pages_are_read_once_each(tmp_path, api):
    listing(run(write(tmp_path, api)))
    # 231 servers at 100 a page: pages 1-3, no extra empty page.
    assert api.count("/instance/v1/zones/fr-par-1/servers") == 3
    assert api.count("/instance/v1/zones/pl-waw-1/servers") == 1
    # Elastic Metal is absent from pl-waw-1 (404): skipped, not an error.
    assert api.count("/baremetal/v1/zones/pl-waw-1/servers") == 1


def test_link_header_only_pagination(tmp_path, api):
    api.omit_total_count = True
    _groups, hostvars = listing(run(write(tmp_path, api)))
    assert len([h for h in hostvars if h.startswith("web-")]) == 230


def test_warnings_name_the_hosts_without_address_and_the_twins(tmp_path, api):
    proc = run(write(tmp_path, api))
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stderr.split())
    assert "no ansible_host is set" in text and "dark" in text
    assert "2 servers are named 'twin'" in text


def test_429_with_retry_after_is_waited_for_and_retried(tmp_path, api):
    api.fault("/instance/v1/zones/fr-par-2/servers", status=429, retry_after=2)
    started = time.monotonic()
    _groups, hostvars = listing(run(write(tmp_path, api)))
    assert time.monotonic() - started >= 2
    assert "private-only" in hostvars
    assert api.count("/instance/v1/zones/fr-par-2/servers") == 2


def test_a_few_500s_are_retried(tmp_path, api):
    api.fault("/instance/v1/zones/nl-ams-1/servers", status=500, times=2)
    _groups, hostvars = listing(run(write(tmp_path, api)))
    assert len([h for h in hostvars if h.startswith("twin")]) == 2
    assert api.count("/instance/v1/zones/nl-ams-1/servers") == 3


def test_a_later_page_failing_fails_the_zone(tmp_path, api):
    api.fault("/instance/v1/zones/fr-par-1/servers")  # the first page: a normal answer
    api.fault("/instance/v1/zones/fr-par-1/servers", status=500, times=20)
    proc = run(write(tmp_path, api, retries=1))
    assert proc.returncode != 0
    assert "instances fr-par-1: page" in " ".join(proc.stderr.split())


def test_slow_response_times_out_and_is_retried(tmp_path, api):
    api.fault("/instance/v1/zones/pl-waw-1/servers", delay=3)
    _groups, hostvars = listing(run(write(tmp_path, api, timeout=1)))
    assert "db-1" in hostvars
    assert api.count("/instance/v1/zones/pl-waw-1/servers") == 2


def test_always_slow_zone_fails_by_name(tmp_path, api):
    api.fault("/instance/v1/zones/pl-waw-1/servers", delay=3, times=5)
    proc = run(write(tmp_path, api, timeout=1, retries=1))
    assert proc.returncode != 0
    assert "instances pl-waw-1:" in " ".join(proc.stderr.split())


def test_malformed_body_fails_by_name(tmp_path, api):
    api.fault("/ipam/v1/regions/nl-ams/ips", status=200, body='{"ips": [{"id": ')
    proc = run(write(tmp_path, api))
    assert proc.returncode != 0
    assert "private addresses (IPAM) nl-ams:" in " ".join(proc.stderr.split())


def test_every_request_404_means_a_wrong_api_url(tmp_path, api):
    proc = run(write(tmp_path, api, api_url=api.url + "/wrong"))
    assert proc.returncode != 0
    assert "every request answered 404; check api_url" in " ".join(proc.stderr.split())


def test_projects_tags_and_states_filters(tmp_path, api):
    _groups, hostvars = listing(run(write(tmp_path, api, projects=[PROJECT_B], tags=["env=dev"])))
    assert set(hostvars) == {"web-%03d" % i for i in range(0, 230, 2)}
    # One project: filtered by the API, not after the fact.
    queries = [q for _m, path, q, _h in api.requests if path == "/instance/v1/zones/fr-par-1/servers"]
    assert all(q.get("project") == [PROJECT_B] and q.get("tags") == ["env=dev"] for q in queries)

    _groups, hostvars = listing(run(write(tmp_path, api, projects=[PROJECT_A, PROJECT_B], instance_states=[])))
    assert "stopped-1" in hostvars and hostvars["stopped-1"]["cloud_state"] == "stopped"


def test_hostnames_and_ansible_host_preferences(tmp_path, api):
    api.scaleway.instances["fr-par-2"][0]["hostname"] = "v6only.internal"
    _groups, hostvars = listing(
        run(write(tmp_path, api, hostnames=["hostname", "name"], ansible_host=["private_ipv4", "public_ipv4"]))
    )
    assert "v6only.internal" in hostvars
    assert hostvars["web-001"]["ansible_host"] == "172.16.0.3"


def test_constructable_compose_groups_keyed_groups(tmp_path, api):
    config = write(
        tmp_path,
        api,
        compose={"ansible_user": "'debian'", "monthly_cost": "cloud_price_monthly_eur * 12"},
        groups={"expensive": "cloud_price_monthly_eur > 50", "yearly_big": "monthly_cost > 1000"},
        keyed_groups=[{"key": "cloud_type", "prefix": "type"}, {"key": "sovereign_country", "prefix": "country"}],
        tags_as_groups=False,
    )
    groups, hostvars = listing(run(config))
    assert hostvars["web-001"]["ansible_user"] == "debian"
    assert hostvars["web-001"]["monthly_cost"] == pytest.approx(77.04)
    assert groups["expensive"] == ["metal-1", "private-only"]
    assert groups["yearly_big"] == ["metal-1", "private-only"]
    assert len(groups["type_DEV1_S"]) == 235
    assert groups["country_PL"] == ["db-1"]
    assert "env_prod" not in groups


def test_strict_fails_on_a_bad_expression(tmp_path, api):
    proc = run(write(tmp_path, api, strict=True, compose={"x": "no_such_variable + 1"}))
    assert proc.returncode != 0
    assert "no_such_variable" in proc.stderr


def test_cache_hit_then_expiry(tmp_path, api):
    config = write(
        tmp_path,
        api,
        cache=True,
        cache_plugin="ansible.builtin.jsonfile",
        cache_connection=str(tmp_path / "cache"),
        cache_timeout=3,
    )
    first = listing(run(config))
    requests_after_first = len(api.requests)
    second = listing(run(config))
    assert second == first
    assert len(api.requests) == requests_after_first  # served from the cache
    time.sleep(3.5)
    third = listing(run(config))
    assert third == first
    assert len(api.requests) > requests_after_first  # expired: read again


def test_cache_is_not_used_for_other_options(tmp_path, api):
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache")}
    listing(run(write(tmp_path, api, **cache)))
    before = len(api.requests)
    _groups, hostvars = listing(run(write(tmp_path, api, zones=["pl-waw-1"], **cache)))
    assert set(hostvars) == {"db-1"}
    assert len(api.requests) > before


def test_a_malformed_secret_key_is_redacted_in_the_error(tmp_path, api):
    """The SDK's own check names the key's format; the plugin keeps the value out (the contract tests the rest)."""
    bad = run(write(tmp_path, api), SCW_SECRET_KEY="not-a-uuid-but-secret")  # noqa: S106 - fake key
    assert bad.returncode != 0
    assert "not-a-uuid-but-secret" not in bad.stdout + bad.stderr
    assert "Invalid secret key format '<redacted>'" in bad.stderr


def test_file_name_must_end_in_scaleway_yml(tmp_path, api):
    path = write(tmp_path, api)
    other = path.rename(tmp_path / "cloud.yml")
    proc = run(other)
    assert proc.returncode != 0
    assert "sovereign.cloud.scaleway" not in proc.stdout


def test_unknown_zone_is_refused_by_name(tmp_path, api):
    proc = run(write(tmp_path, api, zones=["fr-par-1", "de-fra-1"]))
    assert proc.returncode != 0
    assert "option zones names de-fra-1" in " ".join(proc.stderr.split())

"""sovereign.cloud.ovhcloud through ansible-inventory, against a local OVHcloud API (stand-in).

What both cloud plugins promise (credentials, secrets, cache, partial
failure) is tested once for both in test_inventory_contract_stand_in.py.

The plugin runs on the real `ovh` client (request signing, time delta, typed
errors), pointed at the fake API on 127.0.0.1 with a base-URL `endpoint`.
"""

from __future__ import annotations

import time

from ansible_inventory import listing
from cloud_providers import PROJECT_1, PROJECT_2, PROVIDERS

PROVIDER = PROVIDERS["ovhcloud"]
write, run = PROVIDER.write, PROVIDER.run


def test_every_host_once_with_countries_prices_and_groups(tmp_path, api):
    groups, hostvars = listing(run(write(tmp_path, api)))
    expected = {"node-%02d" % i for i in range(40)} | {"monthly", "canada", "london"}
    expected |= {"storage-1", "ns3000002.ip-51-91-2.eu", "ns3000003.ip-51-91-3.eu"}
    expected |= {"web-vps", "vps-5e6f7a8b.vps.ovh.net"}
    # The SHUTOFF instance, the hacked server and the stopped VPS are left out by default.
    assert set(hostvars) == expected

    node = hostvars["node-00"]
    assert node["ansible_host"] == "57.128.0.1"
    assert node["cloud_private_ipv4"] == "10.0.0.2"
    assert node["cloud_public_ipv6"] == "2001:41d0:304::1"
    assert (node["sovereign_provider"], node["sovereign_region"], node["sovereign_country"]) == (
        "ovhcloud",
        "GRA11",
        "FR",
    )
    assert node["sovereign_offer"] == "public-cloud"
    assert (node["cloud_type"], node["cloud_price_hourly_eur"], node["cloud_price_monthly_eur"]) == (
        "b3-8",
        0.068,
        29.0,
    )
    assert node["cloud_billing"] == "hourly"
    assert hostvars["node-02"]["sovereign_country"] == "DE"
    assert hostvars["node-03"]["sovereign_country"] == "PL"
    assert hostvars["canada"]["sovereign_country"] == "CA"  # BHS is in Canada
    assert hostvars["london"]["sovereign_country"] == "GB"
    monthly = hostvars["monthly"]
    assert (monthly["cloud_billing"], monthly["cloud_price_monthly_eur"]) == ("monthly", 62.0)
    assert monthly["sovereign_country"] == "FR"

    storage = hostvars["storage-1"]
    assert storage["ansible_host"] == "51.91.0.2"
    assert (storage["sovereign_datacenter"], storage["sovereign_country"]) == ("rbx7", "FR")
    assert storage["sovereign_offer"] == "dedicated-server"
    assert storage["cloud_service_name"] == "ns3000001.ip-51-91-1.eu"
    assert storage["cloud_price_monthly_eur"] is None
    assert hostvars["ns3000002.ip-51-91-2.eu"]["sovereign_country"] == "DE"  # Limburg
    assert hostvars["ns3000003.ip-51-91-3.eu"]["sovereign_country"] == "US"  # Vint Hill

    assert len(groups["ovhcloud"]) == len(expected)
    assert len(groups["ovhcloud_public_cloud"]) == 43
    assert groups["ovhcloud_dedicated"] == sorted(["storage-1", "ns3000002.ip-51-91-2.eu", "ns3000003.ip-51-91-3.eu"])
    assert groups["ovhcloud_rbx7"] == ["storage-1"]
    assert groups["env_prod"] == ["storage-1", "web-vps"]  # tags from the IAM block
    assert len(groups["ovhcloud_gra11"]) == 10


def test_vps_with_site_country_and_addresses(tmp_path, api):
    groups, hostvars = listing(run(write(tmp_path, api, products=["vps"])))
    assert set(hostvars) == {"web-vps", "vps-5e6f7a8b.vps.ovh.net"}
    web = hostvars["web-vps"]
    assert web["ansible_host"] == "146.59.0.2"
    assert (web["cloud_public_ipv4"], web["cloud_public_ipv6"]) == ("146.59.0.2", "2001:41d0:701::2")
    assert web["cloud_public_ips"] == ["146.59.0.2", "2001:41d0:701::2"]
    assert web["cloud_private_ips"] == []
    assert (web["sovereign_datacenter"], web["sovereign_country"], web["sovereign_offer"]) == ("sbg", "FR", "vps")
    assert (web["cloud_resource"], web["cloud_id"]) == ("vps", "vps-1a2b3c4d.vps.ovh.net")
    assert (web["cloud_type"], web["cloud_vcores"], web["cloud_memory_mib"]) == ("vps-2025-model2", 4, 8192)
    assert web["cloud_service_name"] == "vps-1a2b3c4d.vps.ovh.net"
    assert web["cloud_labels"] == {"env": "prod"}
    assert web["cloud_price_monthly_eur"] is None
    assert hostvars["vps-5e6f7a8b.vps.ovh.net"]["sovereign_country"] == "CA"  # Beauharnois
    assert groups["ovhcloud_vps"] == ["vps-5e6f7a8b.vps.ovh.net", "web-vps"]
    assert groups["ovhcloud_sbg"] == ["web-vps"]
    # Each VPS: its details, datacenter and addresses, once; the stopped one too (filtered here).
    for name in api.ovh.vps:
        for part in ("", "/datacenter", "/ips"):
            assert api.count("/1.0/vps/" + name + part) >= 1
        assert api.count("/1.0/vps/" + name) == 3
    assert api.count("/1.0/cloud") == 0 and api.count("/1.0/dedicated") == 0


def test_stopped_vps_listed_with_every_state(tmp_path, api):
    _groups, hostvars = listing(run(write(tmp_path, api, products=["vps"], vps_states=[])))
    assert hostvars["vps-0c0c0c0c.vps.ovh.net"]["cloud_state"] == "stopped"
    assert hostvars["vps-0c0c0c0c.vps.ovh.net"]["sovereign_country"] == "PL"


def test_a_vps_deleted_between_list_and_detail_is_not_an_error(tmp_path, api):
    api.fault("/1.0/vps/vps-5e6f7a8b.vps.ovh.net", status=404, times=5)
    _groups, hostvars = listing(run(write(tmp_path, api, products=["vps"])))
    assert set(hostvars) == {"web-vps"}


def test_a_failing_vps_is_named(tmp_path, api):
    api.fault("/1.0/vps/vps-1a2b3c4d.vps.ovh.net/ips", status=500, times=10)
    proc = run(write(tmp_path, api, products=["vps"], retries=1))
    assert proc.returncode != 0
    assert "VPS vps-1a2b3c4d.vps.ovh.net" in " ".join(proc.stderr.split())


def test_requests_are_signed_and_details_read_once(tmp_path, api):
    listing(run(write(tmp_path, api)))
    signed = [h for _m, path, _q, h in api.requests if path.startswith("/1.0/cloud/project")]
    assert signed and all(h.get("X-Ovh-Signature", "").startswith("$1$") for h in signed)
    assert all(h.get("X-Ovh-Application") == "appkey123" for h in signed)
    for name in api.ovh.dedicated:
        assert api.count("/1.0/dedicated/server/" + name) == 1
    assert api.count("/1.0/order/catalog/public/cloud") == 1


def test_listed_projects_only(tmp_path, api):
    _groups, hostvars = listing(run(write(tmp_path, api, projects=[PROJECT_2], products=["public_cloud"])))
    assert set(hostvars) == {"monthly", "canada", "london"}
    assert api.count("/1.0/cloud/project/" + PROJECT_1) == 0
    assert api.count("/1.0/dedicated") == 0


def test_all_states(tmp_path, api):
    _groups, hostvars = listing(run(write(tmp_path, api, instance_states=[], dedicated_states=[])))
    assert hostvars["shutoff"]["cloud_state"] == "SHUTOFF"
    assert hostvars["ns3000004.ip-51-91-4.eu"]["cloud_state"] == "hacked"


def test_429_on_a_server_detail_is_retried(tmp_path, api):
    api.fault("/1.0/dedicated/server/ns3000002", status=429, retry_after=1)
    started = time.monotonic()
    _groups, hostvars = listing(run(write(tmp_path, api)))
    assert time.monotonic() - started >= 1
    assert "ns3000002.ip-51-91-2.eu" in hostvars
    assert api.count("/1.0/dedicated/server/ns3000002") == 2


def test_malformed_project_list_fails_by_name(tmp_path, api):
    api.fault("/1.0/cloud/project", status=200, body='["0a1b2c3d')
    proc = run(write(tmp_path, api))
    assert proc.returncode != 0
    assert "project list:" in " ".join(proc.stderr.split())


def test_slow_dedicated_list_is_retried(tmp_path, api):
    api.fault("/1.0/dedicated/server", delay=3)
    _groups, hostvars = listing(run(write(tmp_path, api, timeout=1)))
    assert "storage-1" in hostvars


def test_a_server_deleted_between_list_and_detail_is_not_an_error(tmp_path, api):
    api.fault("/1.0/dedicated/server/ns3000003", status=404, times=5)
    _groups, hostvars = listing(run(write(tmp_path, api)))
    assert "ns3000003.ip-51-91-3.eu" not in hostvars and "storage-1" in hostvars


def test_unknown_endpoint_is_refused_with_the_choices(tmp_path, api):
    proc = run(write(tmp_path, api, endpoint="ovh-mars"))
    assert proc.returncode != 0
    assert "option endpoint must be one of kimsufi-ca" in " ".join(proc.stderr.split())

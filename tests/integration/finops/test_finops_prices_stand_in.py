"""playbooks/finops_prices.yml against the local Scaleway and OVHcloud API stand-ins.

The stand-ins (tests/tooling/fake_scaleway_api.py, fake_ovhcloud_api.py) answer
as the APIs document: this tests the collection's reading and mapping of the
catalogs, never the real providers' catalogs or prices.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from fake_cloud_api import FakeCloudAPI, OVHData, ScalewayData  # noqa: E402
from fake_ovhcloud_api import OVH_FLAVOR_REGIONS, OVH_FLAVOR_SIZES, OVH_FLAVORS  # noqa: E402
from fake_scaleway_api import SCW_TYPES  # noqa: E402

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops as finops  # noqa: E402

ZONES = ["fr-par-1", "nl-ams-1"]
PROJECT = "0a1b2c3d4e5f67890a1b2c3d4e5f6789"
CREDENTIALS = {
    "SCW_ACCESS_KEY": "SCWABCDEFGHJKMNPQRST",
    "SCW_SECRET_KEY": "3f0c8c9e-6f5d-4b7a-9d1e-2a4b6c8d0e1f",
    "SCW_CONFIG_PATH": "/nonexistent/scw/config.yaml",
    "OVH_APPLICATION_KEY": "appkey123",
    "OVH_APPLICATION_SECRET": "s3cr3t-application-secret-value",
    "OVH_CONSUMER_KEY": "c0nsumer-key-value-never-printed",
}


@pytest.fixture
def api():
    ovh = OVHData()
    ovh.projects[PROJECT] = []
    server = FakeCloudAPI(scaleway=ScalewayData(), ovh=ovh).start()
    try:
        yield server
    finally:
        server.stop()


def refresh(api, dest, *cli, **extra):
    extra_vars = {
        "finops_prices_file": str(dest),
        "finops_scaleway_zones": ZONES,
        "finops_scaleway_api_url": api.url,
        "finops_ovhcloud_endpoint": api.url + "/1.0",
        **extra,
    }
    proc = subprocess.run(
        ["ansible-playbook", str(ROOT / "playbooks" / "finops_prices.yml"), "-e", json.dumps(extra_vars), *cli],
        capture_output=True, text=True, check=False,
        env={**os.environ, **CREDENTIALS, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},
    )  # fmt: skip
    return proc, proc.stdout + proc.stderr


def test_stand_in_refresh_writes_a_catalog_the_report_reads(api, tmp_path):
    dest = tmp_path / "prices.yml"
    proc, out = refresh(api, dest)
    assert proc.returncode == 0, out
    catalog = finops.load_price_catalog(str(dest))
    scaleway = catalog.of_provider("scaleway")
    assert sorted(t.name for t in scaleway) == sorted(SCW_TYPES)
    for entry in scaleway:
        hourly, monthly, ncpus, ram = SCW_TYPES[entry.name]
        assert (entry.hourly_eur, entry.monthly_eur, entry.vcpus) == (hourly, monthly, ncpus)
        assert entry.memory_gib == ram / 1024**3
        assert entry.zones == tuple(ZONES)
        assert entry.source == "%s/instance/v1/zones/fr-par-1/products/servers" % api.url
    # Scaleway's VAT statement is kept from the shipped catalog: the listing says nothing of VAT.
    assert catalog.vat("scaleway") == finops.load_price_catalog().vat("scaleway")
    ovhcloud = {t.name: t for t in catalog.of_provider("ovhcloud")}
    # Linux flavors with a price: no Windows twin (its price includes a licence), no unpriced flavor.
    assert sorted(ovhcloud) == sorted(OVH_FLAVOR_SIZES)
    for name, entry in ovhcloud.items():
        hourly, monthly = OVH_FLAVORS[name]
        assert entry.hourly_eur == pytest.approx(hourly / 1e8)
        assert entry.monthly_eur == pytest.approx(monthly / 1e8)
        assert (entry.vcpus, entry.memory_gib) == (OVH_FLAVOR_SIZES[name][0], OVH_FLAVOR_SIZES[name][1] / 1024)
        assert entry.zones == tuple(sorted(OVH_FLAVOR_REGIONS))
        assert "/order/catalog/public/cloud?ovhSubsidiary=FR" in entry.source
    assert catalog.vat("ovhcloud")["included"] is False
    assert "apart, its tax" in catalog.vat("ovhcloud")["source"]
    # What was read: each zone's listing once, the public catalog, the projects and one project's flavors.
    assert {path for _method, path, _query, _headers in api.requests} == {
        "/instance/v1/zones/fr-par-1/products/servers",
        "/instance/v1/zones/nl-ams-1/products/servers",
        "/1.0/order/catalog/public/cloud",
        "/1.0/auth/time",
        "/1.0/cloud/project",
        "/1.0/cloud/project/%s/flavor" % PROJECT,
    }


def test_stand_in_refresh_is_idempotent_and_check_mode_writes_nothing(api, tmp_path):
    dest = tmp_path / "prices.yml"
    proc, out = refresh(api, dest)
    assert proc.returncode == 0, out
    first = dest.read_text()
    proc, out = refresh(api, dest)
    assert proc.returncode == 0, out
    assert "changed=0" in out
    assert dest.read_text() == first
    other = tmp_path / "other.yml"
    proc, out = refresh(api, other, "--check")
    assert proc.returncode == 0, out
    assert not other.exists()


def test_stand_in_refresh_of_one_provider_keeps_the_other(api, tmp_path):
    dest = tmp_path / "prices.yml"
    proc, out = refresh(api, dest)
    assert proc.returncode == 0, out
    data = yaml.safe_load(dest.read_text())
    ovh_before = data["providers"]["ovhcloud"]
    proc, out = refresh(api, dest, finops_price_providers=["scaleway"])
    assert proc.returncode == 0, out
    assert yaml.safe_load(dest.read_text())["providers"]["ovhcloud"] == ovh_before


def test_stand_in_refresh_fails_naming_the_zone_and_writes_nothing(api, tmp_path):
    api.fault("/instance/v1/zones/nl-ams-1/products/servers", status=500, times=10)
    dest = tmp_path / "prices.yml"
    proc, out = refresh(api, dest, finops_price_providers=["scaleway"])
    assert proc.returncode != 0
    assert "scaleway: instance prices nl-ams-1" in out
    assert not dest.exists()


def test_stand_in_refresh_refuses_a_catalog_not_in_euros(api, tmp_path):
    original = api.ovh.catalog

    def in_dollars():
        catalog = original()
        catalog["locale"]["currencyCode"] = "USD"
        return catalog

    api.ovh.catalog = in_dollars
    proc, out = refresh(api, tmp_path / "prices.yml", finops_price_providers=["ovhcloud"])
    assert proc.returncode != 0
    assert "currency 'USD', not EUR" in out

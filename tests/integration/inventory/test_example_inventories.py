"""The example inventories of inventories/ (scaleway, ovhcloud, hybrid) against the local fake APIs.

The example files are used as shipped; only the API base URLs come from the
environment (SCW_API_URL, OVH_ENDPOINT), as an API gateway would be set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_inventory import ansible_inventory, listing
from fake_cloud_api import FakeCloudAPI, OVHData, ScalewayData

ROOT = Path(__file__).resolve().parents[3]
PROJECT = "11111111-1111-4111-8111-111111111111"


@pytest.fixture
def api():
    scaleway = ScalewayData()
    scaleway.add_instance("fr-par-1", "edge-1", project=PROJECT, tags=["homelab-extension", "k3s_agent"], index=1)
    scaleway.add_instance("fr-par-2", "edge-2", project=PROJECT, tags=["homelab-extension", "k3s_agent"], index=2)
    scaleway.add_instance("nl-ams-1", "other", project=PROJECT, tags=["env=prod"], index=3)
    ovh = OVHData()
    ovh.add_instance("0a1b2c3d4e5f67890a1b2c3d4e5f6789", "gra-node", region="GRA11", index=4)
    ovh.add_instance("0a1b2c3d4e5f67890a1b2c3d4e5f6789", "bhs-node", region="BHS5", index=5)
    ovh.add_dedicated("ns3000009.ip-51-91-9.eu", datacenter="rbx7", index=9)
    server = FakeCloudAPI(scaleway=scaleway, ovh=ovh).start()
    yield server
    server.stop()


def env_for(api, tmp_path):
    return {
        "HOME": str(tmp_path),  # the examples cache under ~/.cache
        "SCW_API_URL": api.url,
        "SCW_ACCESS_KEY": "SCWABCDEFGHJKMNPQRST",
        "SCW_SECRET_KEY": "3f0c8c9e-6f5d-4b7a-9d1e-2a4b6c8d0e1f",
        "SCW_CONFIG_PATH": str(tmp_path / "no-scw-config.yaml"),
        "OVH_ENDPOINT": api.url + "/1.0",
        "OVH_APPLICATION_KEY": "example",
        "OVH_APPLICATION_SECRET": "example",
        "OVH_CONSUMER_KEY": "example",
    }


def test_hybrid_inventory_merges_nucs_and_both_clouds(api, tmp_path):
    groups, hostvars = listing(ansible_inventory(ROOT / "inventories" / "hybrid", env=env_for(api, tmp_path)))
    assert set(hostvars) == {"nuc1", "nuc2", "nuc3", "edge-1", "edge-2", "gra-node", "bhs-node"}  # no dedicated
    assert groups["k3s_server"] == ["nuc1", "nuc2", "nuc3"]
    assert groups["k3s_agent"] == ["edge-1", "edge-2"]  # joined by tag
    assert hostvars["edge-1"]["sovereign_country"] == "FR"
    assert hostvars["gra-node"]["sovereign_region"] == "GRA11"
    assert (tmp_path / ".cache" / "sovereign.cloud" / "inventory").is_dir()
    # zz.sovereignty.yml judges the cloud hosts on the variables the plugins set.
    assert groups["sovereignty_compliant"] == ["edge-1", "edge-2", "gra-node", "nuc1", "nuc2", "nuc3"]
    assert groups["sovereignty_violation"] == ["bhs-node"]  # Beauharnois is in Canada
    rules = [finding.split()[0] for finding in hostvars["bhs-node"]["sovereignty_findings"]]
    assert rules == ["SOV-LOC-001"]


def test_scaleway_example(api, tmp_path):
    groups, hostvars = listing(ansible_inventory(ROOT / "inventories" / "scaleway", env=env_for(api, tmp_path)))
    assert set(hostvars) == {"edge-1", "edge-2", "other"}
    assert groups["type_DEV1_S"] == ["edge-1", "edge-2", "other"]
    assert groups["env_prod"] == ["other"]
    assert hostvars["other"]["ansible_user"] == "root"


def test_ovhcloud_example(api, tmp_path):
    groups, hostvars = listing(ansible_inventory(ROOT / "inventories" / "ovhcloud", env=env_for(api, tmp_path)))
    assert set(hostvars) == {"gra-node", "bhs-node", "ns3000009.ip-51-91-9.eu"}
    assert groups["country_FR"] == ["gra-node", "ns3000009.ip-51-91-9.eu"]
    assert groups["country_CA"] == ["bhs-node"]
    assert groups["flavor_b3_8"] == ["bhs-node", "gra-node"]

"""The two cloud inventory plugins as the tests see them: data sets, credentials, configuration files.

Shared by the per-provider tests (test_scaleway_inventory.py,
test_ovhcloud_inventory.py) and the contract both plugins keep
(test_inventory_contract_stand_in.py), which runs once per provider of PROVIDERS.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from ansible_inventory import ansible_inventory
from fake_cloud_api import FakeCloudAPI, OVHData, ScalewayData

# --- Scaleway -----------------------------------------------------------------

SECRET = "3f0c8c9e-6f5d-4b7a-9d1e-2a4b6c8d0e1f"  # noqa: S105 - fake key for the local fake API
SCW_CREDENTIALS = {
    "SCW_ACCESS_KEY": "SCWABCDEFGHJKMNPQRST",
    "SCW_SECRET_KEY": SECRET,
    "SCW_CONFIG_PATH": "/nonexistent/scw/config.yaml",
}
PROJECT_A = "11111111-1111-4111-8111-111111111111"
PROJECT_B = "22222222-2222-4222-8222-222222222222"
ZONES = ["fr-par-1", "fr-par-2", "nl-ams-1", "pl-waw-1"]


def scaleway_dataset():
    data = ScalewayData()
    # 230 Instances in fr-par-1: three pages of 100.
    for index in range(230):
        data.add_instance(
            "fr-par-1",
            "web-%03d" % index,
            project=PROJECT_A if index % 2 else PROJECT_B,
            tags=["env=prod", "k3s_agent"] if index % 2 else ["env=dev"],
            index=index,
        )
    data.add_instance("fr-par-1", "stopped-1", project=PROJECT_A, state="stopped", index=900)
    data.add_instance("fr-par-2", "v6only", project=PROJECT_A, public=False, ipv6=True, private=False, index=901)
    data.add_instance("fr-par-2", "dark", project=PROJECT_A, public=False, private=False, index=902)
    data.add_instance(
        "fr-par-2", "private-only", project=PROJECT_A, public=False, index=903, commercial_type="POP2-4C-16G"
    )
    # The same name in two zones: both must be listed.
    data.add_instance("fr-par-2", "twin", project=PROJECT_A, index=904)
    data.add_instance("nl-ams-1", "twin", project=PROJECT_A, index=905)
    data.add_instance("pl-waw-1", "db-1", project=PROJECT_B, tags=["role=db"], index=906)
    data.add_baremetal("fr-par-1", "metal-1", project=PROJECT_A, index=1)
    data.add_baremetal("fr-par-1", "metal-off", project=PROJECT_A, index=2, status="stopped")
    return data


def write_scaleway(tmp_path, api, **options):
    config = {
        "plugin": "sovereign.cloud.scaleway",
        "api_url": api.url,
        "zones": ZONES,
        "timeout": 2,
        "backoff_factor": 0.1,
    }
    config.update(options)
    path = tmp_path / "test.scaleway.yml"
    path.write_text(yaml.safe_dump(config))
    return path


# --- OVHcloud -----------------------------------------------------------------

APP_SECRET = "s3cr3t-application-secret-value"  # noqa: S105 - fake secret for the local fake API
CONSUMER_KEY = "c0nsumer-key-value-never-printed"
OVH_CREDENTIALS = {
    "OVH_APPLICATION_KEY": "appkey123",
    "OVH_APPLICATION_SECRET": APP_SECRET,
    "OVH_CONSUMER_KEY": CONSUMER_KEY,
    "OVH_ENDPOINT": None,
}
PROJECT_1 = "0a1b2c3d4e5f67890a1b2c3d4e5f6789"
PROJECT_2 = "9f8e7d6c5b4a32100f9e8d7c6b5a4321"


def ovhcloud_dataset():
    data = OVHData()
    for index in range(40):
        data.add_instance(
            PROJECT_1, "node-%02d" % index, region=("GRA11", "SBG5", "DE1", "WAW1")[index % 4], index=index
        )
    data.add_instance(PROJECT_1, "shutoff", status="SHUTOFF", index=50)
    data.add_instance(PROJECT_2, "monthly", flavor="c3-16", monthly=True, region="EU-WEST-PAR", index=60)
    data.add_instance(PROJECT_2, "canada", region="BHS5", index=61)
    data.add_instance(PROJECT_2, "london", region="UK1", index=62)
    data.add_dedicated("ns3000001.ip-51-91-1.eu", datacenter="rbx7", index=1, display="storage-1", tags={"env": "prod"})
    data.add_dedicated("ns3000002.ip-51-91-2.eu", datacenter="lim3", index=2)
    data.add_dedicated("ns3000003.ip-51-91-3.eu", datacenter="vin1", index=3)
    data.add_dedicated("ns3000004.ip-51-91-4.eu", datacenter="gra3", index=4, state="hacked")
    data.add_vps("vps-1a2b3c4d.vps.ovh.net", site="sbg", index=1, display="web-vps", tags={"env": "prod"})
    # An answer without the IAM block: the display name is the API's displayName.
    data.add_vps("vps-5e6f7a8b.vps.ovh.net", site="bhs", index=2, iam=False)
    data.add_vps("vps-0c0c0c0c.vps.ovh.net", site="waw", index=3, state="stopped")
    return data


def write_ovhcloud(tmp_path, api, **options):
    config = {"plugin": "sovereign.cloud.ovhcloud", "endpoint": api.url + "/1.0", "timeout": 2, "backoff_factor": 0.1}
    config.update(options)
    path = tmp_path / "test.ovhcloud.yml"
    path.write_text(yaml.safe_dump(config))
    return path


# --- the contract ---------------------------------------------------------------


@dataclass(frozen=True)
class Provider:
    """What the contract tests need to know of one plugin."""

    name: str
    api_data: dict  # FakeCloudAPI keyword -> data set factory
    write: object  # (tmp_path, api, **options) -> path of the inventory file
    credentials: dict
    secrets: tuple  # values that must never be printed
    credentials_removed: dict  # environment that leaves the plugin without credentials
    missing_credentials_message: str
    failing_path: str  # the API path of one scope (zone, project)
    failing_scope_named: str  # how the failure names that scope
    host_of_failing_scope: str
    host_elsewhere: str

    def run(self, path, **env):
        return ansible_inventory(path, env={**self.credentials, **env})

    def serve(self, tls=None):
        """The API stand-in with this provider's data set, for a fixture: `yield from provider.serve()`.

        Over HTTPS with `tls` = (certificate file, key file).
        """
        server = FakeCloudAPI(**{key: factory() for key, factory in self.api_data.items()}).start(tls=tls)
        try:
            yield server
        finally:
            server.stop()


PROVIDERS = {
    "scaleway": Provider(
        name="scaleway",
        api_data={"scaleway": scaleway_dataset},
        write=write_scaleway,
        credentials=SCW_CREDENTIALS,
        secrets=(SECRET,),
        credentials_removed={"SCW_ACCESS_KEY": None, "SCW_SECRET_KEY": None},
        missing_credentials_message="access_key & secret_key must be defined",
        failing_path="/instance/v1/zones/fr-par-2/servers",
        failing_scope_named="instances fr-par-2:",
        host_of_failing_scope="private-only",
        host_elsewhere="db-1",
    ),
    "ovhcloud": Provider(
        name="ovhcloud",
        api_data={"ovh": ovhcloud_dataset},
        write=write_ovhcloud,
        credentials=OVH_CREDENTIALS,
        secrets=(APP_SECRET, CONSUMER_KEY),
        credentials_removed={"OVH_APPLICATION_KEY": None, "OVH_APPLICATION_SECRET": None},
        missing_credentials_message="Missing authentication information",
        failing_path="/1.0/cloud/project/%s/instance" % PROJECT_2,
        failing_scope_named="project %s:" % PROJECT_2,
        host_of_failing_scope="canada",
        host_elsewhere="node-00",
    ),
}

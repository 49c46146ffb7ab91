# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: ovhcloud
short_description: OVHcloud Public Cloud instances, dedicated servers and VPS as inventory hosts
version_added: 0.2.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Lists the Public Cloud instances of every project the credentials can read
    (or the projects given), and the dedicated servers and VPS of the
    account, through the official C(ovh) Python client, with list prices of
    Public Cloud instances from OVHcloud's public catalog.
  - Projects are read in parallel, and so are the details of dedicated
    servers and VPS (the API gives them one server at a time; a VPS takes
    three requests, its details, its datacenter and its addresses).
  - Sets the variables the sovereignty checks read (C(sovereign_provider),
    C(sovereign_region) or C(sovereign_datacenter), C(sovereign_country),
    C(sovereign_offer)) and C(cloud_*) variables under the same names as the
    P(sovereign.cloud.scaleway#inventory) inventory plugin.
  - Countries come from the collection's provider catalog
    (C(data/sovereignty/providers.yml)). BHS is in Canada, UK and ERI in the
    United Kingdom, VIN and HIL in the United States.
  - Hosts are in the groups C(ovhcloud), C(ovhcloud_public_cloud),
    C(ovhcloud_dedicated) or C(ovhcloud_vps), and
    C(ovhcloud_<region or datacenter>) (for example C(ovhcloud_gra11),
    C(ovhcloud_rbx7), C(ovhcloud_sbg)).
  - The file name must end in C(ovhcloud.yml) or C(ovhcloud.yaml), as AWX
    inventory sources expect (for example C(prod.ovhcloud.yml)).
  - Credentials come from the client's usual places, never from this file and
    never printed, the C(OVH_APPLICATION_KEY), C(OVH_APPLICATION_SECRET),
    C(OVH_CONSUMER_KEY) (or C(OVH_CLIENT_ID) and C(OVH_CLIENT_SECRET) for
    OAuth2) environment variables, or an C(ovh.conf) file.
requirements:
  - ovh >= 1.1 (the official OVHcloud Python client)
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [sovereign.cloud.ovhcloud]
    type: str
  endpoint:
    description:
      - A named API endpoint of the client (V(ovh-eu), V(ovh-ca), V(ovh-us),
        V(kimsufi-eu), V(soyoustart-eu), ...), or a base URL such as
        C(https://api-gw.example.eu/1.0) for an API gateway, a proxy or a
        test server.
      - With a base URL, credentials are read as for V(ovh-eu); OAuth2
        credentials need a named endpoint.
    type: str
    default: ovh-eu
    env:
      - name: OVH_ENDPOINT
  config_file:
    description: An C(ovh.conf) file to read, besides the client's usual locations.
    type: path
  products:
    description: What to list.
    type: list
    elements: str
    choices: [public_cloud, dedicated, vps]
    default: [public_cloud, dedicated, vps]
  projects:
    description: Public Cloud project IDs (service names) to list. Default every project the credentials can read.
    type: list
    elements: str
    default: []
  instance_states:
    description:
      - Statuses of Public Cloud instances to list (V(ACTIVE), V(SHUTOFF),
        V(BUILD), V(RESCUE), ...). An empty list lists every status.
    type: list
    elements: str
    default: [ACTIVE]
  dedicated_states:
    description: States of dedicated servers to list (V(ok), V(error), V(hacked), ...). An empty list lists every state.
    type: list
    elements: str
    default: [ok]
  vps_states:
    description:
      - States of VPS to list (V(running), V(stopped), V(rescued),
        V(installing), V(maintenance), ...). An empty list lists every state.
    type: list
    elements: str
    default: [running]
  subsidiary:
    description: OVHcloud subsidiary whose public price catalog is read (V(FR), V(DE), V(PL), ...).
    type: str
    default: FR
extends_documentation_fragment:
  - sovereign.cloud.cloud_inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
notes:
  - Public Cloud instances carry no tags in the OVHcloud API, so they join no
    tag group. Dedicated servers' tags are read from their IAM block when the
    API returns them there.
  - Dedicated servers and VPS have no price variables; their price depends
    on the plan, options and commitment ordered, and the inventory reads only
    the Public Cloud catalog.
  - Every VPS address is public (C(cloud_public_ips)); the VPS API gives no
    private network address.
"""

EXAMPLES = r"""
# inventories/ovhcloud/prod.ovhcloud.yml
plugin: sovereign.cloud.ovhcloud
endpoint: ovh-eu
projects: [0a1b2c3d4e5f67890a1b2c3d4e5f6789]
keyed_groups:
  - key: cloud_type
    prefix: flavor
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 600

---
# Through an API gateway; only the dedicated servers, whatever their state
plugin: sovereign.cloud.ovhcloud
endpoint: https://ovh-api.gw.example.eu/1.0
products: [dedicated]
dedicated_states: []
"""

from ansible.errors import AnsibleError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _ovhcloud_inventory as ovhc
from ansible_collections.sovereign.cloud.plugins.plugin_utils._inventory_plugin import CloudInventory, catalog_country


class InventoryModule(CloudInventory):
    NAME = "sovereign.cloud.ovhcloud"
    PROVIDER = ovhc.PROVIDER
    FILE_SUFFIXES = ("ovhcloud.yml", "ovhcloud.yaml")

    def _settings(self):
        settings = ovhc.Settings(
            products=self.get_option("products"),
            projects=self.get_option("projects"),
            instance_states=self.get_option("instance_states"),
            dedicated_states=self.get_option("dedicated_states"),
            vps_states=self.get_option("vps_states"),
            prices=self.get_option("prices"),
            subsidiary=self.get_option("subsidiary"),
        )
        self._ovh_settings = settings
        data = settings.fingerprint_data()
        data["endpoint"] = self.get_option("endpoint")
        return data

    def _client(self):
        try:
            api_error = ovhc.client_module().exceptions.APIError
        except ovhc.MissingClient as exc:
            raise AnsibleError("ovhcloud inventory: %s" % exc) from None
        endpoint = self.get_option("endpoint")
        if not ovhc.is_base_url(endpoint) and endpoint not in ovhc.named_endpoints():
            raise AnsibleError(
                "ovhcloud inventory: option endpoint must be one of %s or a base URL (https://...), got %r"
                % (", ".join(ovhc.named_endpoints()), endpoint)
            )
        try:
            return ovhc.build_client(
                endpoint,
                timeout=self._timeout(),
                session_options=self._session_options(),
                config_file=self.get_option("config_file"),
            )
        except api_error as exc:
            # Configuration errors of the client name the missing setting, never a secret value.
            raise AnsibleError("ovhcloud inventory: %s" % exc) from None

    def _fetch(self):
        return ovhc.fetch(self._client(), self._ovh_settings, self.get_option("max_workers"), catalog_country)

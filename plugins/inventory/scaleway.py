# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: scaleway
short_description: Scaleway Instances and Elastic Metal servers as inventory hosts
version_added: 0.2.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Lists Scaleway Instances and Elastic Metal servers of every zone the
    installed C(scaleway) SDK knows (or the zones given), with their private
    addresses from IPAM and their list prices, through the official Scaleway
    Python SDK.
  - Every zone, product, price list and IPAM region is read in parallel; the
    remaining pages of each listing (100 servers a page) are read in parallel
    as soon as the first page gives the total.
  - Sets the variables the sovereignty checks read (C(sovereign_provider),
    C(sovereign_zone), C(sovereign_region), C(sovereign_country),
    C(sovereign_offer)) and C(cloud_*) variables under the same names as the
    P(sovereign.cloud.ovhcloud#inventory) inventory plugin.
  - Hosts are in the groups C(scaleway), C(scaleway_instances) or
    C(scaleway_elastic_metal), C(scaleway_<zone>) (for example
    C(scaleway_fr_par_1)) and one group per tag (see O(tags_as_groups)).
  - The file name must end in C(scaleway.yml) or C(scaleway.yaml), as AWX
    inventory sources expect (for example C(prod.scaleway.yml)).
  - Credentials come from the SDK's usual places, never from this file and
    never printed, the C(SCW_ACCESS_KEY) and C(SCW_SECRET_KEY) environment
    variables or a profile of the Scaleway configuration file.
requirements:
  - scaleway >= 2.12 (the official Scaleway SDK)
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [sovereign.cloud.scaleway]
    type: str
  profile:
    description:
      - Profile of the Scaleway configuration file to read credentials and
        defaults from. The SDK's default applies when unset (C(SCW_PROFILE),
        else C(default)).
    type: str
    env:
      - name: SCW_PROFILE
  config_file:
    description:
      - Scaleway configuration file. The SDK's default applies when unset
        (C(SCW_CONFIG_PATH), else C(~/.config/scw/config.yaml)).
    type: path
    env:
      - name: SCW_CONFIG_PATH
  api_url:
    description:
      - Base URL of the Scaleway API, passed to the SDK, for an API gateway,
        a proxy or a test server. Default the profile's, else
        C(https://api.scaleway.com).
    type: str
    env:
      - name: SCW_API_URL
  zones:
    description:
      - Zones to list, for example V(fr-par-1). Default every zone of the
        installed SDK, so a new zone appears with an SDK update instead of a
        table in this plugin that goes stale.
      - A product that does not exist in a zone (the API answers 404) is
        skipped quietly; any other failure of a zone is reported by name.
    type: list
    elements: str
  products:
    description: What to list.
    type: list
    elements: str
    choices: [instances, elastic_metal]
    default: [instances, elastic_metal]
  projects:
    description:
      - Project IDs to list. Default every project the API key can read,
        whatever default project the SDK profile names.
    type: list
    elements: str
    default: []
  tags:
    description: List only servers that carry all of these tags (exact match, filtered by the API).
    type: list
    elements: str
    default: []
  instance_states:
    description:
      - States of Instances to list (V(running), V(stopped),
        V(stopped in place), V(starting), V(stopping), V(locked)). An empty
        list lists every state.
    type: list
    elements: str
    default: [running]
  elastic_metal_states:
    description:
      - Statuses of Elastic Metal servers to list (V(ready), V(stopped),
        V(delivering), ...). An empty list lists every status.
    type: list
    elements: str
    default: [ready]
  private_ips:
    description: Read the private addresses of Instances from IPAM (one paginated listing per region).
    type: bool
    default: true
extends_documentation_fragment:
  - sovereign.cloud.cloud_inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
notes:
  - Elastic Metal private-network addresses are not listed (the API gives them
    one server at a time); C(cloud_private_ips) is empty for those hosts.
  - Prices are list prices of the zone's catalog (Instances from the products
    API, Elastic Metal from the offers API), in EUR, without discounts or
    commitments.
"""

EXAMPLES = r"""
# inventories/scaleway/prod.scaleway.yml
plugin: sovereign.cloud.scaleway
profile: prod
zones: [fr-par-1, fr-par-2, nl-ams-1]
ansible_host: [private_ipv4, public_ipv4]
keyed_groups:
  - key: cloud_type
    prefix: type
compose:
  ansible_user: "'root'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 600

---
# Only the servers of one project tagged k3s, stopped ones too
plugin: sovereign.cloud.scaleway
projects: [6f1f2d5a-0e8b-4b43-9d5e-3b9e0d1f2a10]
tags: [k3s]
instance_states: []
"""

import logging

from ansible.errors import AnsibleError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _scaleway_inventory as scw
from ansible_collections.sovereign.cloud.plugins.plugin_utils._inventory_plugin import CloudInventory, catalog_country


class InventoryModule(CloudInventory):
    NAME = "sovereign.cloud.scaleway"
    PROVIDER = scw.PROVIDER
    FILE_SUFFIXES = ("scaleway.yml", "scaleway.yaml")

    def _settings(self):
        settings = scw.Settings(
            zones=self.get_option("zones") or None,
            products=self.get_option("products"),
            projects=self.get_option("projects"),
            tags=self.get_option("tags"),
            instance_states=self.get_option("instance_states"),
            elastic_metal_states=self.get_option("elastic_metal_states"),
            prices=self.get_option("prices"),
            private_ips=self.get_option("private_ips"),
        )
        self._scaleway_settings = settings
        data = settings.fingerprint_data()
        data["api_url"] = self.get_option("api_url")
        data["profile"] = self.get_option("profile")
        return data

    def _check_zones(self):
        zones = self._scaleway_settings.zones
        known = scw.sdk_zones()
        unknown = [zone for zone in zones or () if zone not in known]
        if unknown:
            raise AnsibleError(
                "scaleway inventory: option zones names %s, which the installed SDK does not know (known: %s)"
                % (", ".join(unknown), ", ".join(known))
            )

    def _client(self):
        try:
            client_class = scw.sdk().Client
        except scw.MissingSDK as exc:
            raise AnsibleError("scaleway inventory: %s" % exc) from None
        self._check_zones()
        # Without a config file (AWX, CI: keys in SCW_* variables) the SDK logs a
        # warning for the missing file; a missing key is still reported by validate().
        sdk_log = logging.getLogger("scaleway")
        level = sdk_log.level
        sdk_log.setLevel(logging.ERROR)
        try:
            client = client_class.from_config_file_and_env(
                self.get_option("config_file"), self.get_option("profile") or "default"
            )
        finally:
            sdk_log.setLevel(level)
        if self.get_option("api_url"):
            client.api_url = self.get_option("api_url").rstrip("/")
        # List every project the key can read, not only the profile's default one.
        client.default_project_id = None
        try:
            client.validate()
        except ValueError as exc:
            # The SDK repeats a malformed key in its message: never print it.
            message = str(exc)
            for secret in (client.secret_key, client.access_key):
                if secret:
                    message = message.replace(secret, "<redacted>")
            raise AnsibleError("scaleway inventory: %s" % message) from None
        return client

    def _fetch(self):
        client = self._client()
        session = ci.http_session(**self._session_options())
        apis = scw.build_apis(client, session, self._timeout())
        return scw.fetch(apis, self._scaleway_settings, self.get_option("max_workers"), catalog_country)

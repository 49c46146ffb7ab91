# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done on the controller by the action plugin of the same name
# (plugins/action/finops_prices.py); this file holds its documentation.

DOCUMENTATION = r"""
module: finops_prices
short_description: Refresh the FinOps price catalog from the Scaleway and OVHcloud catalogs
version_added: 0.3.0
author: sovereign.cloud maintainers (@sovereign-cloud)
description:
  - Reads the list prices, vCPUs, memory, GPUs, architecture and end-of-service
    flag of every instance type, and writes them in the format of the
    collection's C(data/finops/prices.yml), each type with the URL it was read
    from and the date, for M(sovereign.cloud.finops_report) (O(dest) is its
    O(sovereign.cloud.finops_report#module:prices_file)).
  - "Scaleway: C(GET /instance/v1/zones/{zone}/products/servers) for every zone
    of O(scaleway_zones), through the official SDK. The listing needs no key;
    a key in the C(SCW_*) variables is sent if set. The zones that list a type
    are written with it. Scaleway's VAT statement is kept from the catalog at
    O(dest) (or the shipped one): the listing says nothing of VAT."
  - "OVHcloud: the public price catalog (C(GET /order/catalog/public/cloud),
    no key) for the prices, and a Public Cloud project's flavors
    (C(GET /cloud/project/{serviceName}/flavor), signed with the C(OVH_*)
    credentials the ovhcloud inventory reads) for vCPUs, memory and plan
    codes. Linux flavors only. The catalog gives each price with its tax
    apart, so prices are written as excluding VAT; a catalog without the tax
    field is refused."
  - Requests use the inventory plugins' pooled, retrying transport. A zone or
    request that fails fails the task, naming it; nothing is written.
  - Providers not in O(providers) are kept as they are in the catalog at
    O(dest), else as in the shipped catalog.
  - The file is written only when its content changes.
options:
  dest:
    description: The catalog file to write on the controller.
    type: path
    required: true
  providers:
    description: The providers to refresh.
    type: list
    elements: str
    choices: [scaleway, ovhcloud]
    default: [scaleway, ovhcloud]
  scaleway_zones:
    description: Scaleway zones to read. Every zone the installed SDK knows when not set.
    type: list
    elements: str
  scaleway_api_url:
    description: Scaleway API base URL (a proxy or a mirror). The SDK's (C(SCW_API_URL)) when not set.
    type: str
  ovhcloud_endpoint:
    description: OVHcloud API endpoint name (V(ovh-eu)) or base URL.
    type: str
    default: ovh-eu
  ovhcloud_subsidiary:
    description: OVHcloud subsidiary whose prices to read; it must price in EUR.
    type: str
    default: FR
  ovhcloud_project:
    description: The Public Cloud project whose flavors to read. The first the key sees when not set.
    type: str
  timeout:
    description: Seconds to wait for each answer.
    type: float
    default: 30
  retries:
    description: Retries of a request that failed with a connection error, 429 or 5xx.
    type: int
    default: 3
  max_workers:
    description: Requests in parallel (and pooled connections).
    type: int
    default: 8
  today:
    description: The date written as each price's C(checked) (YYYY-MM-DD); today when not set.
    type: str
requirements:
  - scaleway (the official Scaleway SDK) for Scaleway
  - ovh (the official OVHcloud client) for OVHcloud
attributes:
  check_mode:
    support: full
    description:
      - In check mode the catalogs are read and nothing is written.
      - The task reports whether the file would change.
  diff_mode:
    support: none
    description: No diff is shown.
  action:
    support: full
    description: Runs on the controller as an action plugin.
  platform:
    support: full
    platforms: all
    description: Runs on the controller only.
seealso:
  - module: sovereign.cloud.finops_report
"""

EXAMPLES = r"""
# OVHcloud credentials come from the controller's OVH_* environment (an AWX
# credential injects them) or its ovh.conf, as for the ovhcloud inventory.
- name: Refresh both providers' prices
  sovereign.cloud.finops_prices:
    dest: /srv/finops/prices.yml
    scaleway_zones: [fr-par-1, fr-par-2, nl-ams-1, pl-waw-1]
  run_once: true

- name: Refresh Scaleway only, keeping the OVHcloud entries of the file
  sovereign.cloud.finops_prices:
    dest: /srv/finops/prices.yml
    providers: [scaleway]
"""

RETURN = r"""
dest:
  description: The catalog file.
  returned: always
  type: str
types:
  description: The number of instance types read, per provider refreshed.
  returned: always
  type: dict
  sample: {scaleway: 41, ovhcloud: 58}
"""

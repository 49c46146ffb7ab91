# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options shared by the Scaleway and OVHcloud inventory plugins."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  hostnames:
    description:
      - Where each host's inventory name comes from, in order of preference;
        the first field a server has is used.
      - V(name) is the name given to the server, V(hostname) its host name
        (Scaleway) or reverse DNS name (OVHcloud dedicated servers), V(id)
        the provider's id, and the address fields are those of O(ansible_host).
      - Names are unique in the result. Servers that would get the same name
        (names are not unique across zones and projects) are listed as
        C(<name>_<id>), with a warning, rather than one replacing the other.
    type: list
    elements: str
    choices: [name, hostname, id, public_ipv4, private_ipv4, public_ipv6, private_ipv6]
    default: [name]
  ansible_host:
    description:
      - Which address becomes C(ansible_host), in order of preference. It is
        always a single address, never a list.
      - A host with none of them is still listed (no host is dropped), without
        C(ansible_host), and a warning names it.
      - Put V(private_ipv4) first when the controller or AWX reaches the
        servers over a private network or the WireGuard mesh.
    type: list
    elements: str
    choices: [public_ipv4, private_ipv4, public_ipv6, private_ipv6]
    default: [public_ipv4, private_ipv4, public_ipv6]
  tags_as_groups:
    description:
      - Put each host in one group per tag. A C(key=value) tag gives the group
        C(key_value) (C(env=prod) gives C(env_prod)); a plain tag gives a group
        of its own name (C(k3s_server) gives C(k3s_server)).
      - Characters other than letters, digits and C(_) become C(_) in group names.
    type: bool
    default: true
  shared_values:
    description:
      - Set a variable once on a group the plugin makes when every host of that
        group has the same value for it (the provider, the zone, region and
        country on the location group, the offer and prices on the type group
        C(<provider>_type_<type>), the project when all hosts share it), and on
        the hosts only otherwise. Every host has the same variables either way
        (C(hostvars), C(ansible-inventory --list) and C(--host), the
        sovereignty checks); only C(--export), as AWX imports it, shows them on
        the groups. Ansible handles far fewer values, and for 2,000 hosts the
        inventory lists faster (docs/inventory.md).
      - V(false) sets every variable on every host, as before.
    type: bool
    default: true
  prices:
    description:
      - Read list prices from the provider's catalog and set
        C(cloud_price_hourly_eur) and C(cloud_price_monthly_eur).
      - The catalog is read in parallel with the servers and cached with them.
    type: bool
    default: true
  allow_partial:
    description:
      - By default a zone, region or project that cannot be read fails the
        whole inventory with a message naming it, so that no host silently
        disappears from a play.
      - When V(true), the hosts that could be read are returned, a warning
        lists every scope that is missing and why, and nothing is cached.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for each API request to connect and for each read.
    type: float
    default: 15
  retries:
    description:
      - Tries after the first one for a request that gets a 429, a 5xx or a
        connection or read error. Waits C(backoff_factor * 2^n) seconds between
        tries, or what a C(Retry-After) header asks on 429 and 503.
    type: int
    default: 4
  backoff_factor:
    description: Base of the exponential wait between tries, in seconds.
    type: float
    default: 0.5
  retry_after_max:
    description:
      - Longest wait, in seconds, honoured from a C(Retry-After) header
        (applied with urllib3 2.6 or later).
    type: float
    default: 60
  max_workers:
    description:
      - Requests sent at the same time. Zones, products, price lists, projects
        and pages are all read in parallel; the remaining pages of a listing
        are requested as soon as its first page gives the total.
    type: int
    default: 32
"""

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Network filters: thin adapters over module_utils/_network.py.

Documentation of each filter lives in the YAML file of the same name beside
this one (networks_by_family.yml, invalid_networks.yml, invalid_addresses.yml,
interface_in_network.yml, invalid_ports.yml,
open_to_all.yml, wider_than_hosts.yml, invalid_dns_domains.yml,
names_outside_constraints.yml, url_host.yml).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.module_utils import _network


def networks_by_family(values):
    if not isinstance(values, (list, tuple)):
        raise AnsibleFilterError("networks_by_family expects a list of CIDR strings, got %s" % type(values).__name__)
    try:
        return _network.networks_by_family(values)
    except ValueError as exc:
        raise AnsibleFilterError("networks_by_family: %s" % exc) from exc


def invalid_networks(values):
    return _network.invalid_networks(values)


def invalid_addresses(values):
    return _network.invalid_addresses(values)


def open_to_all(values):
    return _network.open_to_all(values)


def wider_than_hosts(values):
    return _network.wider_than_hosts(values)


def invalid_ports(values):
    return _network.invalid_ports(values)


def invalid_dns_domains(values):
    return _network.invalid_dns_domains(values)


def names_outside_constraints(values, dns_domains, networks):
    if _network.invalid_networks(networks or []):
        raise AnsibleFilterError("names_outside_constraints: networks must be CIDR networks, got %s" % (networks,))
    return _network.names_outside_constraints(values, dns_domains or [], networks or [])


def url_host(value, port=None):
    try:
        return _network.url_host(value, port)
    except ValueError as exc:
        raise AnsibleFilterError("url_host: %s" % exc) from exc


def interface_in_network(value, network):
    return _network.interface_in_network(value, network)


class FilterModule:
    def filters(self):
        return {
            "networks_by_family": networks_by_family,
            "invalid_networks": invalid_networks,
            "invalid_addresses": invalid_addresses,
            "interface_in_network": interface_in_network,
            "invalid_ports": invalid_ports,
            "open_to_all": open_to_all,
            "wider_than_hosts": wider_than_hosts,
            "invalid_dns_domains": invalid_dns_domains,
            "names_outside_constraints": names_outside_constraints,
            "url_host": url_host,
        }

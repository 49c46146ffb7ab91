# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters published_endpoint, endpoint_of, endpoints_of and endpoints_on: thin adapters over
plugin_utils/_endpoints.py; documented in the YAML files of the same names."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _endpoints


def published_endpoint(spec, host_address=""):
    try:
        return _endpoints.published_endpoint(spec, host_address or "")
    except ValueError as exc:
        raise AnsibleFilterError("published_endpoint: %s" % exc) from exc


def endpoint_of(hostvars, host, name):
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError("endpoint_of: name must be a service name such as node_exporter, got %r" % (name,))
    return _endpoints.endpoint_of(hostvars, host, name)


def endpoints_of(hostvars, hosts, name):
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError("endpoints_of: name must be a service name such as node_exporter, got %r" % (name,))
    if isinstance(hosts, str):
        raise AnsibleFilterError(
            "endpoints_of: hosts must be a list of inventory host names, got the string %r" % hosts
        )
    return _endpoints.endpoints_of(hostvars, hosts, name)


def endpoints_on(hostvars, host):
    if not isinstance(host, str) or not host:
        raise AnsibleFilterError("endpoints_on: host must be an inventory host name, got %r" % (host,))
    return _endpoints.endpoints_on(hostvars, host)


class FilterModule:
    def filters(self):
        return {
            "published_endpoint": published_endpoint,
            "endpoint_of": endpoint_of,
            "endpoints_of": endpoints_of,
            "endpoints_on": endpoints_on,
        }

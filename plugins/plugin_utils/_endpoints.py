# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Published endpoints: what a service role offers, as one fact per service.

Internal to sovereign.cloud: not a public API, may change without notice.

A service role publishes, on its host, one endpoint per service through the
``service`` role's ``endpoint`` entry point (or its ``main``): the fact
``sovereign_endpoints[<name>]`` for the rest of the run, and the local fact
file ``/etc/ansible/facts.d/sovereign_endpoint_<name>.fact`` for later runs
that do not converge that host (``--limit``; ``site.yml`` gathers the facts of
the hosts outside the play). Consumers (Prometheus targets, Grafana data
sources, Alloy's Loki URL, the lab summary) read endpoints with
:func:`endpoint_of` / :func:`endpoints_of`, never the other role's variables.

An endpoint holds no secret: ``auth`` names the method, the credentials stay
with whoever is given them (from the vault).
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.sovereign.cloud.plugins.module_utils._network import url_host

# wireguard: a UDP listener (the mesh), named so a URL still says what it is.
SCHEMES = ("http", "https", "mqtt", "mqtts", "wireguard")
AUTH_METHODS = ("none", "basic", "client_certificate", "password", "token", "public_key")
# Local fact files are named after the service: ansible_facts.ansible_local.<prefix><name>.
LOCAL_FACT_PREFIX = "sovereign_endpoint_"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PATH = re.compile(r"^/[^\s]*$")
# Listen addresses that mean "every address" (not a bind here: a comparison).
_WILDCARDS = ("0.0.0.0", "::")  # noqa: S104


def _data_paths(value):
    """``data`` as a list: one path, several, or none."""
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def _problems(spec):
    problems = []
    name = spec.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append("name must be lower case letters, digits and _, got %r" % (name,))
    if spec.get("scheme") not in SCHEMES:
        problems.append("scheme must be one of %s, got %r" % (", ".join(SCHEMES), spec.get("scheme")))
    try:
        port = int(spec.get("port"))
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        problems.append("port must be 1-65535, got %r" % (spec.get("port"),))
    try:
        ipaddress.ip_address(str(spec.get("address", "")))
    except ValueError:
        problems.append("address must be the IPv4 or IPv6 address it listens on, got %r" % (spec.get("address"),))
    if spec.get("auth", "none") not in AUTH_METHODS:
        problems.append("auth must be one of %s, got %r" % (", ".join(AUTH_METHODS), spec.get("auth")))
    for key in ("ca", "config"):
        value = spec.get(key) or ""
        if not isinstance(value, str) or (value and not _PATH.match(value)):
            problems.append("%s must be an absolute path, got %r" % (key, value))
    for value in _data_paths(spec.get("data")):
        if not isinstance(value, str) or not _PATH.match(value):
            problems.append("data must be absolute paths, got %r" % (value,))
    unknown = sorted(set(spec) - {"name", "scheme", "address", "host", "port", "auth", "ca", "config", "data", "path"})
    if unknown:
        problems.append("unknown keys %s" % ", ".join(unknown))
    return problems


def published_endpoint(spec, host_address):
    """The endpoint a service publishes, checked and completed.

    spec: {name, scheme, address (listen address), port, auth, ca, config,
    data (a path or a list: where the service keeps what changes while it
    runs), path (URL path prefix, optional), host (the address to connect
    to, when the service knows better than its listen address)}.
    host_address: how other hosts reach this one (its inventory address),
    used when the service listens on every address (0.0.0.0 or ::). Adds ``host`` (the address to connect
    to) and ``url``. Raises ValueError listing every problem.
    """
    if not isinstance(spec, dict):
        raise ValueError("an endpoint is a dict, got %s" % type(spec).__name__)
    problems = _problems(spec)
    if problems:
        raise ValueError("endpoint %s: %s" % (spec.get("name", "?"), "; ".join(problems)))
    address = str(spec["address"])
    host = spec.get("host") or (host_address if address in _WILDCARDS and host_address else address)
    port = int(spec["port"])
    path = spec.get("path") or ""
    return {
        "name": spec["name"],
        "scheme": spec["scheme"],
        "address": address,
        "host": host,
        "port": port,
        "url": "%s://%s%s" % (spec["scheme"], url_host(host, port), path),
        "auth": spec.get("auth", "none"),
        "ca": spec.get("ca") or "",
        "config": spec.get("config") or "",
        "data": _data_paths(spec.get("data")),
    }


def endpoints_on(hostvars, host):
    """{service: endpoint} of everything ``host`` publishes.

    The local fact files (gathered with the host's facts) give what the host
    published in an earlier run; the fact set in this run replaces them per
    service. A run that does not converge ``host`` so sees what the host last
    published, which is what it offers now.
    """
    try:
        variables = hostvars[host]
    except KeyError:
        return {}
    # ansible_local keeps its prefix in ansible_facts (ansible-core namespace_facts).
    local = (variables.get("ansible_facts") or {}).get("ansible_local") or {}
    found = {key[len(LOCAL_FACT_PREFIX) :]: value for key, value in local.items() if key.startswith(LOCAL_FACT_PREFIX)}
    found.update(variables.get("sovereign_endpoints") or {})
    return found


def endpoint_of(hostvars, host, name):
    """The endpoint ``name`` published by ``host`` (see endpoints_on), or None."""
    return endpoints_on(hostvars, host).get(name) or None


def endpoints_of(hostvars, hosts, name):
    """[{host, endpoint}] for the hosts of ``hosts`` that publish ``name``."""
    found = []
    for host in hosts or []:
        endpoint = endpoint_of(hostvars, host, name)
        if endpoint:
            found.append({"host": host, "endpoint": endpoint})
    return found

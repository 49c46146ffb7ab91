# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Network address helpers shared by this collection's plugins.

Internal to sovereign.cloud: not a public API, may change without notice.
Pure Python (standard library ``ipaddress`` only), so it is unit-tested
without Ansible running and needs no ``netaddr`` on the controller.
"""

from __future__ import annotations

import ipaddress
import re


def parse_network(value):
    """Return the ``ipaddress`` network for a CIDR string or raise ValueError.

    A bare address is read as a single-host network (/32 or /128). Host bits
    set under the mask (``10.0.0.1/8``) are refused: it is almost always a
    typo for a host address or a different network.
    """
    if not isinstance(value, str):
        raise ValueError("expected a string in CIDR notation, got %s" % type(value).__name__)
    text = value.strip()
    if not text:
        raise ValueError("empty string")
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError("not an IPv4 or IPv6 network in CIDR notation") from exc
        raise ValueError("host bits set under the prefix length") from exc


def invalid_networks(values):
    """List the entries of ``values`` that are not valid networks.

    Returns a list of ``{"value": ..., "reason": ...}`` so a caller can name
    each bad entry and why; an empty list means every entry is valid.
    """
    if not isinstance(values, (list, tuple)):
        return [{"value": values, "reason": "expected a list of CIDR strings"}]
    problems = []
    for value in values:
        try:
            parse_network(value)
        except ValueError as exc:
            problems.append({"value": value, "reason": str(exc)})
    return problems


def invalid_addresses(values):
    """List the entries of ``values`` that are not single IPv4/IPv6 addresses.

    For addresses to bind to: a network (anything with a ``/``) is refused
    even when it is valid CIDR. Same return shape as ``invalid_networks``.
    """
    if not isinstance(values, (list, tuple)):
        return [{"value": values, "reason": "expected a list of IP addresses"}]
    problems = []
    for value in values:
        if not isinstance(value, str):
            problems.append({"value": value, "reason": "expected a string"})
            continue
        try:
            ipaddress.ip_address(value.strip())
        except ValueError:
            problems.append({"value": value, "reason": "not an IPv4 or IPv6 address"})
    return problems


def networks_by_family(values):
    """Split networks into ``{"ipv4": [...], "ipv6": [...]}``, normalised.

    Order is kept and duplicates are dropped, so templates render the same
    text for the same input (idempotent files).
    """
    result = {"ipv4": [], "ipv6": []}
    for value in values:
        network = parse_network(value)
        key = "ipv4" if network.version == 4 else "ipv6"
        text = str(network)
        if text not in result[key]:
            result[key].append(text)
    return result


def address_in_networks(address, networks):
    """True when ``address`` (an IP address string) lies in any of ``networks``."""
    try:
        ip = ipaddress.ip_address(str(address).strip())
    except ValueError:
        return False
    for value in networks:
        network = parse_network(value)
        if ip.version == network.version and ip in network:
            return True
    return False


def interface_in_network(value, network):
    """True when ``value`` (an address with a prefix length, 10.99.0.1/24) lies in ``network``.

    The address must not be the network's own address nor, for IPv4 prefixes
    shorter than /31, its broadcast address; its prefix length must be the
    network's. False for anything unparsable.
    """
    try:
        interface = ipaddress.ip_interface(str(value).strip())
        net = parse_network(network)
    except ValueError:
        return False
    if interface.version != net.version or interface.network.prefixlen != net.prefixlen:
        return False
    if interface.ip not in net:
        return False
    if net.version == 4 and net.prefixlen < 31 and interface.ip in (net.network_address, net.broadcast_address):
        return False
    return True


_PORT = re.compile(r"^([0-9]{1,5})(?:-([0-9]{1,5}))?$")


def invalid_ports(values):
    """[{value, reason}] for each entry that is not a port (1-65535) or an upward range "low-high"."""
    if not isinstance(values, (list, tuple)):
        return [{"value": values, "reason": "expected a list of ports"}]
    problems = []
    for value in values:
        match = (
            _PORT.match(str(value).strip()) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
        )
        if not match:
            problems.append({"value": value, "reason": "not a port number or a range such as 8000-8010"})
            continue
        low, high = int(match.group(1)), int(match.group(2) or match.group(1))
        if not (1 <= low <= 65535 and 1 <= high <= 65535):
            problems.append({"value": value, "reason": "ports are 1-65535"})
        elif low > high:
            problems.append({"value": value, "reason": "a range runs upwards (low-high)"})
    return problems


def open_to_all(values):
    """The entries that mean "every address": 0.0.0.0/0, ::/0 (any prefix length 0) and 0.0.0.0, ::.

    As a firewall source they open a port to the whole internet; as a listen
    address they bind every interface. Entries that are not networks or
    addresses are left to invalid_networks/invalid_addresses.
    """
    if not isinstance(values, (list, tuple)):
        values = [values]
    found = []
    for value in values:
        text = str(value).strip()
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        if network.prefixlen == 0 or (("/" not in text) and network.network_address.is_unspecified):
            found.append(value)
    return found


def wider_than_hosts(values):
    """The networks that hold more than one address (wider than /32 or /128)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    wide = []
    for value in values:
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            continue
        if network.num_addresses > 1:
            wide.append(value)
    return wide


_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def invalid_dns_domains(values):
    """The entries that are not DNS domains usable as a name constraint (RFC 5280 4.2.1.10).

    A constraint is a domain such as ``lab.internal`` or a host name such as
    ``nuc1``: letters, digits and hyphens in dot-separated labels, no wildcard,
    no trailing dot, no scheme or port. Returns [{value, reason}].
    """
    if not isinstance(values, (list, tuple)):
        values = [values]
    problems = []
    for value in values:
        text = value if isinstance(value, str) else ""
        if not text:
            problems.append({"value": value, "reason": "not a domain name"})
        elif text.startswith("*") or text.startswith("."):
            problems.append({"value": value, "reason": "give the domain without a wildcard or a leading dot"})
        elif len(text) > 253 or not all(_DNS_LABEL.match(label) for label in text.split(".")):
            problems.append(
                {"value": value, "reason": "not a domain name (letters, digits, - in dot-separated labels)"}
            )
    return problems


def _dns_name_within(name, domain):
    """RFC 5280 4.2.1.10: a DNS name satisfies a constraint when it is the
    domain itself or the domain with labels added on the left."""
    name, domain = name.lower().rstrip("."), domain.lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    return name == domain or name.endswith("." + domain)


def names_outside_constraints(subject_alt_names, dns_domains, networks):
    """The subject alternative names a CA with these name constraints could not vouch for.

    ``subject_alt_names`` are ``DNS:<name>`` and ``IP:<address>`` entries.
    Name constraints apply per name type: with no DNS domain given, DNS names
    are unconstrained; with no network given, addresses are unconstrained
    (the CA's certificate then carries no constraint of that type).
    Returns [{value, reason}].
    """
    if not isinstance(subject_alt_names, (list, tuple)):
        subject_alt_names = [subject_alt_names]
    parsed_networks = [ipaddress.ip_network(str(n).strip(), strict=True) for n in networks or []]
    outside = []
    for entry in subject_alt_names:
        text = str(entry)
        kind, _colon, value = text.partition(":")
        if kind == "DNS":
            if dns_domains and not any(_dns_name_within(value, domain) for domain in dns_domains):
                outside.append(
                    {"value": text, "reason": "in none of the permitted DNS domains %s" % ", ".join(dns_domains)}
                )
        elif kind == "IP":
            try:
                address = ipaddress.ip_address(value)
            except ValueError:
                outside.append({"value": text, "reason": "not an IP address"})
                continue
            if parsed_networks and not any(
                address.version == network.version and address in network for network in parsed_networks
            ):
                outside.append(
                    {
                        "value": text,
                        "reason": "in none of the permitted networks %s" % ", ".join(str(n) for n in parsed_networks),
                    }
                )
        else:
            outside.append({"value": text, "reason": "only DNS: and IP: names are issued"})
    return outside


def url_host(host, port=None):
    """``host`` as it goes into a URL or a ``host:port`` listen address.

    IPv6 addresses get their brackets (RFC 3986, section 3.2.2); IPv4
    addresses and names are unchanged, and a host already in brackets stays
    as it is. With ``port``, ``:port`` is added. Raises ValueError for an
    empty host, a colon in something that is not an IPv6 address, or a port
    outside 1-65535.
    """
    text = str(host).strip() if host is not None else ""
    if not text:
        raise ValueError("empty host")
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if ":" in bare:
        try:
            ipaddress.IPv6Address(bare)
        except ValueError:
            raise ValueError("%r has a colon but is not an IPv6 address (give the port separately)" % text) from None
        text = "[" + bare + "]"
    elif bare != text:
        raise ValueError("%r: only IPv6 addresses go in brackets" % text)
    if port is None:
        return text
    if isinstance(port, bool) or not str(port).isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError("port %r is not a whole number from 1 to 65535" % (port,))
    return "%s:%d" % (text, int(port))

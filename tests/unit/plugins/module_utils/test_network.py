"""Unit tests of module_utils/_network.py (no Ansible needed)."""

from __future__ import annotations

import pytest

from ansible_collections.sovereign.cloud.plugins.module_utils import _network


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("192.0.2.7", "192.0.2.7/32"),
        (" 172.16.0.0/12 ", "172.16.0.0/12"),
        ("fd00::/8", "fd00::/8"),
        ("2001:db8::1", "2001:db8::1/128"),
        ("0.0.0.0/0", "0.0.0.0/0"),
    ],
)
def test_parse_network_accepts(value, expected):
    assert str(_network.parse_network(value)) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("10.0.0.1/8", "host bits set"),
        ("10.0.0.0/33", "not an IPv4 or IPv6 network"),
        ("300.1.1.1", "not an IPv4 or IPv6 network"),
        ("example.eu", "not an IPv4 or IPv6 network"),
        ("", "empty string"),
        (None, "expected a string"),
        (10, "expected a string"),
    ],
)
def test_parse_network_refuses_with_reason(value, reason):
    with pytest.raises(ValueError, match=reason):
        _network.parse_network(value)


def test_invalid_networks_names_each_bad_entry():
    problems = _network.invalid_networks(["10.0.0.0/8", "10.0.0.1/8", "nonsense", "fd00::/8"])
    assert [p["value"] for p in problems] == ["10.0.0.1/8", "nonsense"]
    assert "host bits" in problems[0]["reason"]


def test_invalid_networks_refuses_a_string_instead_of_a_list():
    problems = _network.invalid_networks("10.0.0.0/8")
    assert problems == [{"value": "10.0.0.0/8", "reason": "expected a list of CIDR strings"}]


def test_invalid_networks_empty_list_is_valid():
    assert _network.invalid_networks([]) == []


def test_networks_by_family_splits_normalises_and_deduplicates():
    result = _network.networks_by_family(["10.0.0.0/8", "fd00::/8", "192.0.2.7", "10.0.0.0/8", "FD00::/8"])
    assert result == {"ipv4": ["10.0.0.0/8", "192.0.2.7/32"], "ipv6": ["fd00::/8"]}


def test_networks_by_family_raises_on_bad_entry():
    with pytest.raises(ValueError):
        _network.networks_by_family(["10.0.0.0/8", "bad"])


@pytest.mark.parametrize(
    ("address", "networks", "inside"),
    [
        ("10.1.2.3", ["10.0.0.0/8"], True),
        ("11.1.2.3", ["10.0.0.0/8"], False),
        ("fd00::5", ["10.0.0.0/8", "fd00::/8"], True),
        ("10.1.2.3", ["fd00::/8"], False),
        ("not-an-ip", ["10.0.0.0/8"], False),
        ("10.1.2.3", [], False),
    ],
)
def test_address_in_networks(address, networks, inside):
    assert _network.address_in_networks(address, networks) is inside


def test_address_in_networks_raises_on_malformed_network():
    with pytest.raises(ValueError):
        _network.address_in_networks("10.1.2.3", ["10.0.0.1/8"])


def test_invalid_addresses_refuses_networks_and_names():
    problems = _network.invalid_addresses(["127.0.0.1", "::1", "10.0.0.0/8", "eth0", "fd00::1"])
    assert [p["value"] for p in problems] == ["10.0.0.0/8", "eth0"]
    assert all(p["reason"] == "not an IPv4 or IPv6 address" for p in problems)


def test_invalid_addresses_refuses_a_string_instead_of_a_list():
    assert _network.invalid_addresses("127.0.0.1") == [
        {"value": "127.0.0.1", "reason": "expected a list of IP addresses"}
    ]


@pytest.mark.parametrize(
    ("value", "network", "expected"),
    [
        ("10.99.0.1/24", "10.99.0.0/24", True),
        ("10.99.0.254/24", "10.99.0.0/24", True),
        ("10.99.1.1/24", "10.99.0.0/24", False),  # another network
        ("10.99.0.1/16", "10.99.0.0/24", False),  # another prefix length
        ("10.99.0.0/24", "10.99.0.0/24", False),  # the network address
        ("10.99.0.255/24", "10.99.0.0/24", False),  # broadcast
        ("10.99.0.1/31", "10.99.0.0/31", True),
        ("fd00:99::2/64", "fd00:99::/64", True),
        ("fd00:99::2/64", "10.99.0.0/24", False),
        ("10.99.0.1", "10.99.0.0/24", False),  # no prefix length: /32
        ("not an address", "10.99.0.0/24", False),
        ("10.99.0.1/24", "10.99.0.1/24", False),  # host bits in the network
    ],
)
def test_interface_in_network(value, network, expected):
    assert _network.interface_in_network(value, network) is expected


def test_invalid_ports_names_out_of_range_and_reversed_ranges():
    problems = _network.invalid_ports(["22", 443, "8000-8010", "9000-8000", 70000, "0", "80-70000", "ssh", True])
    assert [p["value"] for p in problems] == ["9000-8000", 70000, "0", "80-70000", "ssh", True]
    assert problems[0]["reason"] == "a range runs upwards (low-high)"
    assert problems[1]["reason"] == "ports are 1-65535"
    assert "not a port" in problems[4]["reason"]


def test_invalid_ports_refuses_a_scalar():
    assert _network.invalid_ports("443") == [{"value": "443", "reason": "expected a list of ports"}]


EVERY_IPV4_ADDRESS = "0.0.0.0"  # noqa: S104 - the value under test, nothing binds to it


def test_open_to_all_finds_every_address_entries_only():
    values = ["10.0.0.0/8", "0.0.0.0/0", "::/0", EVERY_IPV4_ADDRESS, "::", "192.0.2.1", "0.0.0.0/8", "nonsense"]
    assert _network.open_to_all(values) == ["0.0.0.0/0", "::/0", EVERY_IPV4_ADDRESS, "::"]
    assert _network.open_to_all(EVERY_IPV4_ADDRESS) == [EVERY_IPV4_ADDRESS]


def test_wider_than_hosts():
    assert _network.wider_than_hosts(["127.0.0.1/32", "::1/128", "10.0.0.5", "192.168.1.0/24", "fd00::/64"]) == [
        "192.168.1.0/24",
        "fd00::/64",
    ]


@pytest.mark.parametrize("domain", ["lab.internal", "nuc1", "example.eu", "a-b.c1.example"])
def test_invalid_dns_domains_accepts(domain):
    assert _network.invalid_dns_domains([domain]) == []


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("*.example.eu", "without a wildcard or a leading dot"),
        (".example.eu", "without a wildcard or a leading dot"),
        ("https://example.eu", "not a domain name"),
        ("example.eu:443", "not a domain name"),
        ("-bad.example", "not a domain name"),
        ("", "not a domain name"),
        (42, "not a domain name"),
    ],
)
def test_invalid_dns_domains_refuses(domain, reason):
    (problem,) = _network.invalid_dns_domains([domain])
    assert problem["value"] == domain and reason in problem["reason"]


LAB_DOMAINS = ["lab.internal", "nuc1"]
LAB_NETWORKS = ["172.30.57.0/24", "127.0.0.0/8", "::1/128"]


@pytest.mark.parametrize(
    "name",
    [
        "DNS:lab.internal",
        "DNS:grafana.lab.internal",
        "DNS:*.apps.lab.internal",
        "DNS:NUC1",
        "IP:172.30.57.11",
        "IP:127.0.0.1",
        "IP:::1",
    ],
)
def test_names_within_constraints(name):
    assert _network.names_outside_constraints([name], LAB_DOMAINS, LAB_NETWORKS) == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        # A suffix match must end at a label boundary.
        ("DNS:evillab.internal", "in none of the permitted DNS domains"),
        ("DNS:nuc10", "in none of the permitted DNS domains"),
        ("DNS:grafana.example.eu", "in none of the permitted DNS domains"),
        ("IP:172.30.58.1", "in none of the permitted networks"),
        # An IPv4-mapped address is not in an IPv4 network's subtree.
        ("IP:::ffff:172.30.57.11", "in none of the permitted networks"),
        ("IP:lab", "not an IP address"),
        ("email:ops@lab.internal", "only DNS: and IP: names are issued"),
    ],
)
def test_names_outside_constraints(name, reason):
    (outside,) = _network.names_outside_constraints([name], LAB_DOMAINS, LAB_NETWORKS)
    assert outside["value"] == name and reason in outside["reason"]


def test_constraints_apply_per_name_type():
    # No domains: DNS names are unconstrained; no networks: addresses are.
    assert _network.names_outside_constraints(["DNS:anything.example", "IP:192.0.2.1"], [], LAB_NETWORKS) == [
        {"value": "IP:192.0.2.1", "reason": "in none of the permitted networks 172.30.57.0/24, 127.0.0.0/8, ::1/128"}
    ]
    assert _network.names_outside_constraints(["DNS:anything.example", "IP:192.0.2.1"], LAB_DOMAINS, []) == [
        {"value": "DNS:anything.example", "reason": "in none of the permitted DNS domains lab.internal, nuc1"}
    ]


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("fd00::5", None, "[fd00::5]"),
        ("fd00::5", 9090, "[fd00::5]:9090"),
        ("[fd00::5]", "9090", "[fd00::5]:9090"),
        ("::", 9100, "[::]:9100"),
        ("10.0.0.5", 9090, "10.0.0.5:9090"),
        (" 127.0.0.1 ", None, "127.0.0.1"),
        ("nuc1.lab.internal", 443, "nuc1.lab.internal:443"),
    ],
)
def test_url_host_brackets_ipv6_only(host, port, expected):
    assert _network.url_host(host, port) == expected


@pytest.mark.parametrize(
    ("host", "port", "message"),
    [
        ("", None, "empty host"),
        (None, 80, "empty host"),
        ("nuc1:9090", None, "not an IPv6 address"),
        ("[10.0.0.5]", None, "only IPv6 addresses go in brackets"),
        ("10.0.0.5", 0, "from 1 to 65535"),
        ("10.0.0.5", 65536, "from 1 to 65535"),
        ("10.0.0.5", "http", "from 1 to 65535"),
        ("10.0.0.5", True, "from 1 to 65535"),
    ],
)
def test_url_host_refuses(host, port, message):
    with pytest.raises(ValueError, match=message):
        _network.url_host(host, port)

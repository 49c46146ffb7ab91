"""The filter and test plugins are thin adapters: check the wiring and errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.filter import network as network_filters
from ansible_collections.sovereign.cloud.plugins.test import in_networks as in_networks_test


def test_filters_are_registered():
    assert set(network_filters.FilterModule().filters()) == {
        "networks_by_family",
        "invalid_networks",
        "invalid_addresses",
        "interface_in_network",
        "invalid_ports",
        "open_to_all",
        "wider_than_hosts",
        "invalid_dns_domains",
        "names_outside_constraints",
        "url_host",
    }


def test_url_host_filter_errors_name_the_filter():
    url_host = network_filters.FilterModule().filters()["url_host"]
    assert url_host("fd00::1", 443) == "[fd00::1]:443"
    with pytest.raises(AnsibleFilterError, match="url_host: port 'x'"):
        url_host("fd00::1", "x")


def test_name_constraint_filters():
    filters = network_filters.FilterModule().filters()
    assert filters["invalid_dns_domains"](["lab.internal", "*.lab"])[0]["value"] == "*.lab"
    outside = filters["names_outside_constraints"](["DNS:nuc1", "IP:192.0.2.1"], ["nuc1"], ["10.0.0.0/8"])
    assert [entry["value"] for entry in outside] == ["IP:192.0.2.1"]
    with pytest.raises(AnsibleFilterError, match="networks must be CIDR networks"):
        filters["names_outside_constraints"](["IP:10.0.0.1"], [], ["10.0.0.1/8"])


def test_port_and_exposure_filters():
    filters = network_filters.FilterModule().filters()
    assert filters["invalid_ports"](["8000-8010", "9000-8000"]) == [
        {"value": "9000-8000", "reason": "a range runs upwards (low-high)"}
    ]
    assert filters["open_to_all"](["10.0.0.0/8", "::/0"]) == ["::/0"]
    assert filters["wider_than_hosts"](["10.0.0.1/32", "10.0.0.0/30"]) == ["10.0.0.0/30"]


def test_interface_in_network_filter():
    check = network_filters.FilterModule().filters()["interface_in_network"]
    assert check("10.99.0.1/24", "10.99.0.0/24") is True
    assert check("10.98.0.1/24", "10.99.0.0/24") is False


def test_networks_by_family_filter():
    filters = network_filters.FilterModule().filters()
    assert filters["networks_by_family"](["10.0.0.0/8"]) == {"ipv4": ["10.0.0.0/8"], "ipv6": []}


def test_networks_by_family_filter_error_names_the_entry():
    filters = network_filters.FilterModule().filters()
    with pytest.raises(AnsibleFilterError, match="host bits"):
        filters["networks_by_family"](["10.0.0.1/8"])
    with pytest.raises(AnsibleFilterError, match="expects a list"):
        filters["networks_by_family"]("10.0.0.0/8")


def test_invalid_networks_filter():
    filters = network_filters.FilterModule().filters()
    assert filters["invalid_networks"](["x"])[0]["value"] == "x"


def test_in_networks_test():
    tests = in_networks_test.TestModule().tests()
    assert tests["in_networks"]("10.0.0.1", ["10.0.0.0/8"]) is True
    with pytest.raises(AnsibleFilterError):
        tests["in_networks"]("10.0.0.1", ["10.0.0.1/8"])

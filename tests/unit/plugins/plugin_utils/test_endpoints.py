"""Unit tests of plugin_utils/_endpoints.py: the endpoints service roles publish and consumers read."""

from __future__ import annotations

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _endpoints

EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 (a listen address in a description, nothing binds)


def spec(**overrides):
    base = {
        "name": "node_exporter",
        "scheme": "https",
        "address": "10.0.0.5",
        "port": "9100",
        "auth": "basic",
        "ca": "/etc/sovereign/pki/ca.crt",
        "config": "/etc/sovereign/node_exporter",
        "data": "",
    }
    base.update(overrides)
    return base


def test_published_endpoint_adds_host_and_url_and_makes_the_port_a_number():
    endpoint = _endpoints.published_endpoint(spec(), "nuc1")
    assert endpoint["host"] == "10.0.0.5"
    assert endpoint["port"] == 9100
    assert endpoint["url"] == "https://10.0.0.5:9100"
    assert endpoint["auth"] == "basic"
    assert endpoint["data"] == []


def test_data_is_always_a_list_of_paths():
    assert _endpoints.published_endpoint(spec(data="/var/lib/x"), "")["data"] == ["/var/lib/x"]
    assert _endpoints.published_endpoint(spec(data=["/var/lib/a", "/var/lib/b"]), "")["data"] == [
        "/var/lib/a",
        "/var/lib/b",
    ]


def test_an_ipv6_listener_is_bracketed_in_the_url():
    endpoint = _endpoints.published_endpoint(spec(address="fd00::5"), "")
    assert endpoint["url"] == "https://[fd00::5]:9100"


@pytest.mark.parametrize("wildcard", [EVERY_ADDRESS, "::"])
def test_a_listener_on_every_address_is_reached_on_the_host_address(wildcard):
    endpoint = _endpoints.published_endpoint(spec(address=wildcard), "192.0.2.7")
    assert endpoint["address"] == wildcard
    assert endpoint["host"] == "192.0.2.7"
    assert endpoint["url"] == "https://192.0.2.7:9100"


def test_a_given_host_wins_over_the_listen_address():
    endpoint = _endpoints.published_endpoint(spec(address=EVERY_ADDRESS, host="10.8.0.1", port=6443), "nuc1.lab")
    assert endpoint["url"] == "https://10.8.0.1:6443"


def test_a_url_path_is_appended():
    endpoint = _endpoints.published_endpoint(spec(name="grafana", port=3000, path="/grafana"), "")
    assert endpoint["url"] == "https://10.0.0.5:3000/grafana"


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"name": "Node-Exporter"}, "name must be"),
        ({"scheme": "ftp"}, "scheme must be one of"),
        ({"port": 0}, "port must be 1-65535"),
        ({"port": "x"}, "port must be 1-65535"),
        ({"address": "nuc1.lab"}, "address must be the IPv4 or IPv6 address"),
        ({"auth": "kerberos"}, "auth must be one of"),
        ({"ca": "pki/ca.crt"}, "ca must be an absolute path"),
        ({"data": "/var/lib/x y"}, "data must be absolute paths"),
        ({"data": ["/var/lib/x", "relative"]}, "data must be absolute paths"),
        ({"password": "secret"}, "unknown keys password"),
    ],
)
def test_a_bad_description_fails_naming_the_problem(overrides, fragment):
    with pytest.raises(ValueError, match=fragment):
        _endpoints.published_endpoint(spec(**overrides), "")


def test_every_problem_is_named_at_once():
    with pytest.raises(ValueError) as caught:
        _endpoints.published_endpoint(spec(scheme="ftp", port=70000), "")
    assert "scheme" in str(caught.value) and "port" in str(caught.value)


def test_endpoint_of_prefers_the_fact_of_this_run_over_the_local_fact_file():
    now = _endpoints.published_endpoint(spec(address="10.0.0.6"), "")
    before = _endpoints.published_endpoint(spec(), "")
    hostvars = {
        "nuc1": {
            "sovereign_endpoints": {"node_exporter": now},
            "ansible_facts": {"ansible_local": {"sovereign_endpoint_node_exporter": before}},
        }
    }
    assert _endpoints.endpoint_of(hostvars, "nuc1", "node_exporter")["address"] == "10.0.0.6"


def test_endpoint_of_reads_the_local_fact_of_a_host_outside_the_play():
    before = _endpoints.published_endpoint(spec(), "")
    hostvars = {"nuc2": {"ansible_facts": {"ansible_local": {"sovereign_endpoint_node_exporter": before}}}}
    assert _endpoints.endpoint_of(hostvars, "nuc2", "node_exporter") == before


def test_endpoint_of_is_none_for_a_host_that_publishes_nothing_or_is_unknown():
    hostvars = {"nuc3": {"ansible_facts": {}}}
    assert _endpoints.endpoint_of(hostvars, "nuc3", "node_exporter") is None
    assert _endpoints.endpoint_of(hostvars, "nuc9", "node_exporter") is None


def test_endpoints_of_keeps_the_order_of_the_hosts_and_leaves_out_those_without_the_service():
    one = _endpoints.published_endpoint(spec(address="10.0.0.1"), "")
    three = _endpoints.published_endpoint(spec(address="10.0.0.3"), "")
    hostvars = {
        "nuc3": {"sovereign_endpoints": {"node_exporter": three}},
        "nuc2": {},
        "nuc1": {"ansible_facts": {"ansible_local": {"sovereign_endpoint_node_exporter": one}}},
    }
    found = _endpoints.endpoints_of(hostvars, ["nuc3", "nuc2", "nuc1"], "node_exporter")
    assert [(entry["host"], entry["endpoint"]["address"]) for entry in found] == [
        ("nuc3", "10.0.0.3"),
        ("nuc1", "10.0.0.1"),
    ]


def test_the_wireguard_mesh_publishes_its_udp_port_and_key_auth():
    endpoint = _endpoints.published_endpoint(
        spec(
            name="wireguard",
            scheme="wireguard",
            address="::",
            host="203.0.113.4",
            port=51830,
            auth="public_key",
            ca="",
            config="/etc/wireguard/wg0.conf",
            data=[],
        ),
        "",
    )
    assert endpoint["url"] == "wireguard://203.0.113.4:51830"
    assert endpoint["auth"] == "public_key"


def test_endpoints_on_gives_everything_a_host_publishes_this_runs_over_the_files():
    before = _endpoints.published_endpoint(spec(), "")
    now = _endpoints.published_endpoint(spec(address="10.0.0.6"), "")
    mqtt = _endpoints.published_endpoint(spec(name="mosquitto", scheme="mqtts", port=8883, auth="password"), "")
    hostvars = {
        "nuc1": {
            "sovereign_endpoints": {"node_exporter": now},
            "ansible_facts": {
                "ansible_local": {
                    "sovereign_endpoint_node_exporter": before,
                    "sovereign_endpoint_mosquitto": mqtt,
                    "other_fact": {"x": 1},
                }
            },
        }
    }
    found = _endpoints.endpoints_on(hostvars, "nuc1")
    assert sorted(found) == ["mosquitto", "node_exporter"]
    assert found["node_exporter"]["address"] == "10.0.0.6"
    assert _endpoints.endpoints_on(hostvars, "nuc9") == {}

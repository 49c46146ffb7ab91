"""The WireGuard mesh of the three lab hosts: tunnels up, keys where they belong.

nuc3 has no endpoint (tests/lab/inventory), as a host behind NAT would.
"""

from __future__ import annotations

import pytest
import testlab
from testlab import name_of

testinfra_hosts = testlab.testinfra_hosts()

MESH = {"nuc1": "10.99.0.1", "nuc2": "10.99.0.2", "nuc3": "10.99.0.3"}


@pytest.mark.parametrize("peer", sorted(MESH))
def test_every_peer_answers_over_the_tunnel(host, peer):
    if peer == name_of(host):
        pytest.skip("itself")
    result = host.run(f"ping -c 2 -W 3 -I wg0 {MESH[peer]}")
    assert result.rc == 0, result.stdout + result.stderr


def test_handshakes_with_every_peer(host):
    handshakes = host.run("wg show wg0 latest-handshakes").stdout.split()
    # pairs of (public key, unix time); every peer has shaken hands
    times = [int(t) for t in handshakes[1::2]]
    assert len(times) == 2 and all(t > 0 for t in times), handshakes


def test_private_key_stays_0600_and_out_of_the_config(host):
    key = host.file("/etc/wireguard/wg0.key")
    assert key.mode == 0o600 and key.user == "root" and key.group == "root"
    private = key.content_string.strip()
    config = host.file("/etc/wireguard/wg0.conf")
    assert config.mode == 0o600
    assert private not in config.content_string
    assert "PrivateKey" not in config.content_string
    assert host.file("/etc/wireguard").mode == 0o700


def test_private_keys_differ_and_the_configs_carry_only_public_keys(host):
    own_public = host.run("wg pubkey < /etc/wireguard/wg0.key").stdout.strip()
    assert own_public == host.run("wg show wg0 public-key").stdout.strip()
    peers = host.run("wg show wg0 peers").stdout.split()
    assert own_public not in peers and len(set(peers)) == 2


def test_userspace_implementation_in_containers(host):
    assert host.process.filter(comm="wireguard-go"), "wireguard-go is not running"
    assert host.service("wg-quick@wg0").is_enabled


def test_firewall_opens_the_port_only_where_needed(host):
    ruleset = host.run("nft list ruleset").stdout
    assert "udp dport 51820" in ruleset
    rule = ruleset.split("udp dport 51820", 1)[1].splitlines()[0]
    if name_of(host) == "nuc3":
        # Its peers have fixed endpoints: only they may send to the port.
        lab = testlab.lab()
        assert lab.address("nuc1") in rule and lab.address("nuc2") in rule and "0.0.0.0/0" not in rule
    else:
        # nuc3 has no fixed endpoint, so nuc1 and nuc2 accept handshakes from anywhere
        # on the WireGuard port (WireGuard stays silent to unknown keys).
        assert "0.0.0.0/0" in rule


def test_a_reload_keeps_the_private_key_and_the_tunnels(host):
    """Peer changes are applied with the unit's reload (wg syncconf): the key must survive it."""
    before = host.run("wg show wg0 public-key").stdout.strip()
    assert host.run("systemctl reload wg-quick@wg0").rc == 0
    assert (
        host.run("wg show wg0 public-key").stdout.strip()
        == before
        == host.run("wg pubkey < /etc/wireguard/wg0.key").stdout.strip()
    )
    peer = next(address for name, address in sorted(MESH.items()) if name != name_of(host))
    assert host.run(f"ping -c 2 -W 3 -I wg0 {peer}").rc == 0
    assert host.file("/usr/local/libexec/sovereign-wg-reload").mode == 0o644

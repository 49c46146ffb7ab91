"""The firewall a k3s node gets: the forward chain stays at drop (issue #14, item 5).

The k3s role's `render` entry point writes the node's whole nftables ruleset
(the base role's main file and every drop-in, the k3s openings included).
Each test loads it with the real `nft` in a user and network namespace of
its own and asks the loaded ruleset what it does with given packets
(tests/tooling/nft_ruleset.py): pod traffic passes, published services
(connections k3s rewrote to a pod address, `ct status dnat`) pass only from
k3s_service_allowed_sources, and nothing else is forwarded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import k3s_render  # noqa: E402
import nft_ruleset  # noqa: E402
from nft_ruleset import Packet, verdict  # noqa: E402

POD = "10.42.1.7"  # a pod on this node, in the default cluster-cidr
OTHER_NODE_POD = "10.42.2.9"
LAN_CLIENT = "192.168.1.50"
INTERNET_CLIENT = "203.0.113.9"

pytestmark = pytest.mark.skipif(
    nft_ruleset.unavailable_reason() is not None, reason=str(nft_ruleset.unavailable_reason())
)


def render(tmp_path, name, extra=None):
    out = tmp_path / name / "out"
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = {
        "all": {
            "vars": {
                **local,
                "k3s_render_dir": str(out),
                "k3s_token": "t" * 40,
                "k3s_agent_token": "a" * 40,
                **(extra or {}),
            },
            "children": {
                "k3s_server": {"hosts": {"s1": {"ansible_host": "10.0.0.11"}}},
                "k3s_agent": {"hosts": {"a1": {"ansible_host": "10.0.0.21"}}},
            },
        }
    }
    proc = k3s_render.render(tmp_path / name, inventory)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return out


@pytest.fixture(scope="module")
def default_cluster(tmp_path_factory):
    return render(tmp_path_factory.mktemp("k3s-fw"), "default")


@pytest.fixture(scope="module")
def published_cluster(tmp_path_factory):
    return render(
        tmp_path_factory.mktemp("k3s-fw"),
        "published",
        {
            "k3s_service_allowed_sources": ["192.168.1.0/24", "fd00:1::/64"],
            "k3s_server_config": {"cluster-cidr": "10.42.0.0/16,fd42:42::/56"},
        },
    )


def loaded(out, host):
    return nft_ruleset.load(out / host / "nftables" / "nftables.conf")


@pytest.mark.parametrize("host", ["s1", "a1"])
def test_forward_policy_stays_drop_and_pod_traffic_passes(default_cluster, host):
    table = loaded(default_cluster, host)
    assert nft_ruleset.policy(table, "forward") == "drop"
    # Pod egress and pod to pod across nodes (flannel delivers it with the pod's address).
    assert verdict(table, "forward", Packet(saddr=POD, daddr="9.9.9.9", dport=443)) == "accept"
    assert verdict(table, "forward", Packet(saddr=OTHER_NODE_POD, daddr=POD, dport=8080)) == "accept"
    # Replies to a connection a pod opened.
    assert verdict(table, "forward", Packet(saddr="9.9.9.9", daddr=POD, ct_state="established")) == "accept"


@pytest.mark.parametrize("client", [LAN_CLIENT, INTERNET_CLIENT])
def test_published_services_are_private_by_default(default_cluster, client):
    table = loaded(default_cluster, "a1")
    # A NodePort or servicelb connection, rewritten by k3s to a pod address.
    nodeport = Packet(saddr=client, daddr=POD, dport=8080, ct_status={"dnat"})
    assert verdict(table, "forward", nodeport) == "drop"
    # Routed straight to a pod address, without a service.
    assert verdict(table, "forward", Packet(saddr=client, daddr=POD, dport=8080)) == "drop"
    # Anything else routed through the node.
    assert verdict(table, "forward", Packet(saddr=client, daddr="10.0.0.21", dport=22)) == "drop"


def test_published_services_answer_the_allowed_sources_only(published_cluster):
    table = loaded(published_cluster, "s1")
    assert nft_ruleset.policy(table, "forward") == "drop"
    assert verdict(table, "forward", Packet(saddr=LAN_CLIENT, daddr=POD, dport=80, ct_status={"dnat"})) == "accept"
    assert (
        verdict(table, "forward", Packet(saddr="fd00:1::5", daddr="fd42:42::a", dport=80, ct_status={"dnat"}))
        == "accept"
    )
    assert verdict(table, "forward", Packet(saddr=INTERNET_CLIENT, daddr=POD, dport=80, ct_status={"dnat"})) == "drop"
    # An allowed source still cannot route to pods without a service rewriting the connection.
    assert verdict(table, "forward", Packet(saddr=LAN_CLIENT, daddr=POD, dport=80)) == "drop"
    # Nor to anything but the pod networks.
    assert (
        verdict(table, "forward", Packet(saddr=LAN_CLIENT, daddr="10.99.0.1", dport=80, ct_status={"dnat"})) == "drop"
    )
    # Dual-stack pods (cluster-cidr with an IPv6 network).
    assert verdict(table, "forward", Packet(saddr="fd42:42::a", daddr="2001:db8::1", dport=443)) == "accept"


def test_node_openings_in_the_input_chain(default_cluster):
    server, agent = loaded(default_cluster, "s1"), loaded(default_cluster, "a1")
    assert nft_ruleset.policy(server, "input") == "drop"
    kubelet_from_node = Packet(saddr="10.0.0.21", daddr="10.0.0.11", dport=10250)
    assert verdict(server, "input", kubelet_from_node) == "accept"
    assert verdict(server, "input", Packet(saddr=LAN_CLIENT, daddr="10.0.0.11", dport=10250)) == "drop"
    assert verdict(server, "input", Packet(saddr="10.0.0.21", daddr="10.0.0.11", dport=6443)) == "accept"
    # Agents serve no API.
    assert verdict(agent, "input", Packet(saddr="10.0.0.11", daddr="10.0.0.21", dport=6443)) == "drop"
    vxlan = Packet(saddr="10.0.0.11", daddr="10.0.0.21", protocol="udp", dport=8472)
    assert verdict(agent, "input", vxlan) == "accept"


def test_pods_reach_their_nodes_api_and_kubelet(default_cluster, published_cluster):
    """Issue #16, defect 2: pods talk to the node they run on, through the input chain.

    The `kubernetes` Service's ClusterIP is rewritten to a server's address
    before routing, so a pod's API connection arrives at that server's input
    chain with the pod's address; metrics-server (a pod) scrapes every
    kubelet on :10250. Dropping them is the known k3s firewall pitfall
    (https://docs.k3s.io/installation/requirements#inbound-rules-for-k3s-nodes:
    the pod and service networks must be allowed).
    """
    server, agent = loaded(default_cluster, "s1"), loaded(default_cluster, "a1")
    for pod in (POD, OTHER_NODE_POD):
        assert verdict(server, "input", Packet(saddr=pod, daddr="10.0.0.11", dport=6443)) == "accept"
        assert verdict(agent, "input", Packet(saddr=pod, daddr="10.0.0.21", dport=10250)) == "accept"
        assert verdict(server, "input", Packet(saddr=pod, daddr="10.0.0.11", dport=10250)) == "accept"
    # Only those: not the node's other services, and no API on an agent.
    assert verdict(agent, "input", Packet(saddr=POD, daddr="10.0.0.21", dport=9100)) == "drop"
    assert verdict(agent, "input", Packet(saddr=POD, daddr="10.0.0.21", dport=6443)) == "drop"
    # Outside the pod networks nothing changes.
    assert verdict(server, "input", Packet(saddr=LAN_CLIENT, daddr="10.0.0.11", dport=6443)) == "drop"
    # Dual-stack pods.
    dual = loaded(published_cluster, "s1")
    assert verdict(dual, "input", Packet(saddr="fd42:42::a", daddr="fd00::11", dport=6443)) == "accept"

"""k3s HA on the k3s stand-in, on the lab (issue #16): three servers with
embedded etcd, an upgrade that a server does not survive and its resumption,
a server removed and added back with `--limit`.

The tests run in this file's order on one cluster: nuc1, nuc2 and nuc3
servers; nuc1 starts the cluster with cluster-init and the others join it.
The members replicate their datastore on etcd's peer port (2380), so the
role's etcd openings between servers are needed for any of this to pass;
`/readyz` and `/readyz/etcd` fail without a quorum of members.

What this proves: the collection's orchestration of an HA cluster (join
order, health gates, an upgrade that stops at the first server that does not
come back and resumes through another server, a server replaced with
`--limit`). Not k3s, nor etcd: the stand-in replicates one document, newest
revision wins (see tests/tooling/k3s_standin.py).
"""

from __future__ import annotations

import json
import re
import time

import pytest
import testlab
from k3s_standin_lab import BROKEN, BROKEN_MESSAGE, FIRST, NEXT, changed, main_pid, play, standing_cluster

SITE = testlab.ROOT / "playbooks" / "site.yml"
UPGRADE = testlab.ROOT / "playbooks" / "upgrade.yml"
STATE = "/var/lib/rancher/k3s/server/db/etcd/state.json"
PLAYBOOKS = testlab.ROOT / "playbooks"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with standing_cluster(tmp_path_factory.mktemp("k3s-ha"), servers=("nuc1", "nuc2", "nuc3"), agents=()) as cluster:
        yield cluster


def members(host):
    return sorted(json.loads(host.file(STATE).content_string)["members"])


def nodes_seen_from(cluster, name, expected, timeout=30):
    """The nodes as `name`'s copy of the datastore has them, once it lists `expected` (replication is asynchronous)."""
    deadline = time.time() + timeout
    while True:
        nodes = {
            n["metadata"]["name"]: n
            for n in cluster.kubectl("get", "nodes", "-o", "json", host=cluster.hosts[name])["items"]
        }
        if sorted(nodes) == sorted(expected) or time.time() > deadline:
            return nodes
        time.sleep(2)


def running_release(host):
    return host.check_output("/usr/local/bin/k3s --version").split()[2]


def test_stand_in_ha_site_bootstraps_three_servers_on_embedded_etcd(cluster):
    play(cluster, SITE, "--tags", "k3s")
    names = sorted(cluster.node_name(n) for n in cluster.hosts)
    assert "cluster-init: true" in cluster.hosts["nuc1"].file("/etc/rancher/k3s/config.yaml").content_string
    # The others joined the first (its node address on the mesh), with the server token.
    for name in ("nuc2", "nuc3"):
        config = cluster.hosts[name].file("/etc/rancher/k3s/config.yaml").content_string
        assert re.search(r"^server: https://10\.99\.0\.1:6443$", config, re.M), config
    for name in cluster.hosts:
        nodes = nodes_seen_from(cluster, name, names)
        assert sorted(nodes) == names, name
        for node in nodes.values():
            assert node["status"]["conditions"][0]["status"] == "True"
            assert node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == "true"
        assert members(cluster.hosts[name]) == names
        # Every member reaches a quorum on 2380: the role's etcd openings let them talk.
        assert cluster.kubectl("get", "--raw", "/readyz/etcd", host=cluster.hosts[name]) == "ok"


def test_stand_in_ha_site_again_and_in_check_mode_changes_nothing(cluster):
    pids = {name: main_pid(cluster.hosts[name]) for name in cluster.hosts}
    recap, _output = play(cluster, SITE, "--tags", "k3s")
    assert changed(recap) == {}
    recap, _output = play(cluster, SITE, "--tags", "k3s", "--check")
    assert changed(recap) == {}
    assert pids == {name: main_pid(cluster.hosts[name]) for name in cluster.hosts}


def test_stand_in_ha_etcd_gate_needs_a_quorum(cluster):
    """The stand-in's own check, that the role's etcd gate means something: 2 of 3 members answer, 1 of 3 does not."""
    first = cluster.hosts["nuc1"]
    try:
        cluster.hosts["nuc3"].run_expect([0], "systemctl stop k3s")
        assert cluster.kubectl("get", "--raw", "/readyz/etcd", host=first) == "ok"
        cluster.hosts["nuc2"].run_expect([0], "systemctl stop k3s")
        refused = first.run("k3s kubectl get --raw /readyz/etcd")
        assert refused.rc != 0
    finally:
        for name in ("nuc2", "nuc3"):
            cluster.hosts[name].run_expect([0], "systemctl start k3s")
    assert cluster.kubectl("get", "--raw", "/readyz/etcd", host=first) == "ok"


def test_stand_in_ha_upgrade_stops_at_a_server_that_does_not_come_back(cluster):
    untouched = {name: main_pid(cluster.hosts[name]) for name in ("nuc2", "nuc3")}
    _recap, output = play(cluster, UPGRADE, extra={"k3s_version": BROKEN, "k3s_restart_timeout": 15}, ok=False)
    assert "Restart | Unit started on nuc1" in output, output[-3000:]
    first = cluster.hosts["nuc1"]
    assert first.run("systemctl is-active k3s").stdout.strip() != "active"
    assert BROKEN_MESSAGE in first.check_output("journalctl -u k3s -n 20 --no-pager")
    # The play stopped there: the other servers run the release they ran, in the same processes.
    for name in ("nuc2", "nuc3"):
        assert running_release(cluster.hosts[name]) == FIRST
    assert untouched == {name: main_pid(cluster.hosts[name]) for name in ("nuc2", "nuc3")}
    # The snapshot came before anything changed; the failed server stays cordoned, the others do not.
    assert re.search(
        r"^pre-upgrade-v1.35.0-k3s0-nuc1-", first.check_output("ls /var/lib/rancher/k3s/server/db/snapshots"), re.M
    )
    nodes = nodes_seen_from(cluster, "nuc2", sorted(cluster.node_name(n) for n in cluster.hosts))
    assert nodes[cluster.node_name("nuc1")]["spec"].get("unschedulable") is True
    assert not nodes[cluster.node_name("nuc2")]["spec"].get("unschedulable")
    assert not nodes[cluster.node_name("nuc3")]["spec"].get("unschedulable")
    # The cluster still has its quorum (2 of 3).
    assert cluster.kubectl("get", "--raw", "/readyz/etcd", host=cluster.hosts["nuc2"]) == "ok"


def test_stand_in_ha_upgrade_resumes_from_a_server_that_answers(cluster):
    play(cluster, UPGRADE, extra={"k3s_version": NEXT})
    names = sorted(cluster.node_name(n) for n in cluster.hosts)
    for name in cluster.hosts:
        assert running_release(cluster.hosts[name]) == NEXT
        assert cluster.kubectl("get", "--raw", "/readyz/etcd", host=cluster.hosts[name]) == "ok"
        assert members(cluster.hosts[name]) == names
    nodes = nodes_seen_from(cluster, "nuc1", names)
    for node in nodes.values():
        assert node["status"]["nodeInfo"]["kubeletVersion"] == NEXT
        assert node["status"]["conditions"][0]["status"] == "True"
        assert not node["spec"].get("unschedulable")
    # nuc1 was down when the play began: the snapshot was taken on nuc2, the first server that answered.
    snapshots = cluster.hosts["nuc2"].check_output("ls /var/lib/rancher/k3s/server/db/snapshots")
    assert re.search(r"^pre-upgrade-v1.35.0-k3s1-nuc2-", snapshots, re.M), snapshots


def test_stand_in_ha_server_removed_leaves_the_etcd_cluster(cluster):
    cluster.settings["k3s_version"] = NEXT
    play(cluster, PLAYBOOKS / "k3s_node_remove.yml", "--limit", "nuc3", extra={"k3s_reset_confirm": "k3s"})
    remaining = sorted(cluster.node_name(n) for n in ("nuc1", "nuc2"))
    for name in ("nuc1", "nuc2"):
        assert sorted(nodes_seen_from(cluster, name, remaining)) == remaining
        assert members(cluster.hosts[name]) == remaining
        assert cluster.kubectl("get", "--raw", "/readyz/etcd", host=cluster.hosts[name]) == "ok"
    gone = cluster.hosts["nuc3"]
    assert not gone.file("/etc/systemd/system/k3s.service").exists
    assert not gone.file("/var/lib/rancher/k3s").exists


def test_stand_in_ha_limit_adds_a_server_and_restarts_no_other(cluster):
    """The removed server comes back as a new member, through site.yml --limit (node_remove's replace path)."""
    pids = {name: main_pid(cluster.hosts[name]) for name in ("nuc1", "nuc2")}
    recap, _output = play(cluster, SITE, "--tags", "k3s", "--limit", "nuc3")
    assert set(changed(recap)) == {"nuc3"}
    names = sorted(cluster.node_name(n) for n in cluster.hosts)
    for name in cluster.hosts:
        nodes = nodes_seen_from(cluster, name, names)
        assert sorted(nodes) == names, name
        assert all(node["status"]["conditions"][0]["status"] == "True" for node in nodes.values())
        assert members(cluster.hosts[name]) == names
        assert cluster.kubectl("get", "--raw", "/readyz/etcd", host=cluster.hosts[name]) == "ok"
    assert running_release(cluster.hosts["nuc3"]) == NEXT
    assert pids == {name: main_pid(cluster.hosts[name]) for name in ("nuc1", "nuc2")}

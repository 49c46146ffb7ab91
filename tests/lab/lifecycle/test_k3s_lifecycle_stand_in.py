"""Every k3s lifecycle playbook, end to end, on a k3s stand-in on the lab (issue #16).

The tests run in this file's order on one cluster: nuc1 the server (embedded
etcd), nuc3 an agent, nuc2 added by `--limit`, over the lab's WireGuard mesh.
The k3s "releases" are tests/tooling/k3s_standin.py, pinned with their own
sha256 in a test-only table and installed by the role through the artifact
mechanism; the role runs them under its systemd units (Type=notify), and
they keep the cluster's state under the data directory, so restarts,
upgrades, token rotations and restores can be observed.

What this proves: the collection's orchestration. Order, health gates,
tokens, drains and PodDisruptionBudgets, restarts, the refusals, and what a
second run changes (nothing). It does not prove k3s: the stand-in runs no
Kubernetes and no containers. The real-release scenarios (molecule/k3s_*)
need a bundle of the release and are skipped without one. The stand-in's
behaviours and the k3s pages they follow are in its docstring.

site.yml runs with `--tags k3s`: its k3s play, with the facts and the
sovereignty gate every tag runs; the rest of site.yml is the lab
converge's, already checked by then.
"""

from __future__ import annotations

import re

import pytest
import testlab
from k3s_standin_lab import FIRST, NEXT, OLDER, SKIPPING, changed, main_pid, play, put, standing_cluster

SITE = testlab.ROOT / "playbooks" / "site.yml"
PLAYBOOKS = testlab.ROOT / "playbooks"
AGENTS_ONLY = """
- name: Agents only, as upgrade.yml's agent batches
  hosts: k3s_agent
  become: true
  roles:
    - role: sovereign.cloud.k3s
"""
NODES = """
- name: Labels and taints of the agents, through the API
  hosts: k3s_agent
  become: true
  tasks:
    - name: The k3s role's nodes entry point
      ansible.builtin.include_role:
        name: sovereign.cloud.k3s
        tasks_from: nodes
"""
NEW_TOKEN = "R0tated" + "x" * 40


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with standing_cluster(tmp_path_factory.mktemp("k3s-lifecycle")) as cluster:
        yield cluster


def test_stand_in_site_bootstraps_a_server_and_an_agent(cluster):
    play(cluster, SITE, "--tags", "k3s")
    nodes = cluster.nodes()
    assert sorted(nodes) == sorted([cluster.node_name("nuc1"), cluster.node_name("nuc3")])
    for node in nodes.values():
        assert node["status"]["conditions"] == [{"type": "Ready", "status": "True"}]
        assert node["status"]["nodeInfo"]["kubeletVersion"] == FIRST
    server, agent = cluster.hosts["nuc1"], cluster.hosts["nuc3"]
    assert server.file("/var/lib/rancher/k3s/server/db/etcd/state.json").exists  # cluster-init: embedded etcd
    for host in (server, agent):
        assert host.file("/etc/sovereign/k3s/agent-token").mode == 0o600
        assert (
            "token"
            not in host.file(f"/etc/systemd/system/{'k3s' if host is server else 'k3s-agent'}.service")
            .content_string.split("ExecStart", 1)[1]
            .split("\n", 1)[0]
        )
    # The agent joined the server over the mesh, and holds only the agent token.
    assert "server: https://" in agent.file("/etc/rancher/k3s/config.yaml").content_string
    assert not agent.file("/etc/sovereign/k3s/token").exists


def test_stand_in_site_again_and_in_check_mode_changes_nothing(cluster):
    pids = {name: main_pid(cluster.hosts[name], unit) for name, unit in (("nuc1", "k3s"), ("nuc3", "k3s-agent"))}
    recap, _output = play(cluster, SITE, "--tags", "k3s")
    assert changed(recap) == {}
    recap, _output = play(cluster, SITE, "--tags", "k3s", "--check")
    assert changed(recap) == {}
    assert pids == {
        name: main_pid(cluster.hosts[name], unit) for name, unit in (("nuc1", "k3s"), ("nuc3", "k3s-agent"))
    }


def test_stand_in_agents_only_play_reads_the_cluster_outside_the_play(cluster):
    """Defect 1: a play of agents (upgrade.yml's batches, --limit <agent>) finds the live server outside it."""
    recap, output = play(cluster, AGENTS_ONLY, "--check")
    assert changed(recap) == {}
    assert cluster.agent_token() not in output


def test_stand_in_agents_only_play_refused_when_no_server_answers(cluster):
    cluster.server.run_expect([0], "systemctl stop k3s")
    try:
        _recap, output = play(cluster, AGENTS_ONLY, "--check", ok=False)
    finally:
        cluster.server.run_expect([0], "systemctl start k3s")
    assert "no server of the cluster answers (those outside the play were asked: nuc1)" in output
    assert "a new cluster is bootstrapped with all its servers in the play" in output


def test_stand_in_limit_adds_an_agent_and_touches_nothing_else(cluster):
    cluster.add_agent("nuc2")
    pids = {name: main_pid(cluster.hosts[name], unit) for name, unit in (("nuc1", "k3s"), ("nuc3", "k3s-agent"))}
    recap, _output = play(cluster, SITE, "--tags", "k3s", "--limit", "nuc2")
    assert set(changed(recap)) == {"nuc2"}
    nodes = cluster.nodes()
    assert nodes[cluster.node_name("nuc2")]["status"]["conditions"][0]["status"] == "True"
    assert pids == {
        name: main_pid(cluster.hosts[name], unit) for name, unit in (("nuc1", "k3s"), ("nuc3", "k3s-agent"))
    }
    # The new agent has the cluster's agent token, not a new one.
    assert cluster.hosts["nuc2"].file("/etc/sovereign/k3s/agent-token").content_string == (
        cluster.hosts["nuc3"].file("/etc/sovereign/k3s/agent-token").content_string
    )
    recap, _output = play(cluster, SITE, "--tags", "k3s")
    assert changed(recap) == {}


def test_stand_in_agent_with_a_wrong_token_is_refused(cluster):
    """An agent must not join with a token that is not the cluster's (401), and never turns ready."""
    url = cluster.hosts["nuc3"].file("/etc/rancher/k3s/config.yaml").content_string
    server = re.search(r"^server: (\S+)$", url, re.M).group(1)
    host = cluster.hosts["nuc2"]
    put(host, "/root/wrong-token", "not-the-agent-token\n", "0600")
    put(host, "/root/wrong-agent.yaml", f"server: {server}\ntoken-file: /root/wrong-token\n", "0600")
    out = host.run("K3S_NODE_NAME=intruder timeout 8 k3s agent --config /root/wrong-agent.yaml")
    host.run("rm -f /root/wrong-token /root/wrong-agent.yaml")
    assert out.rc == 124, out.stderr  # still retrying when timeout stops it
    assert "401 Unauthorized" in out.stderr
    assert "intruder" not in cluster.nodes()


def test_stand_in_labels_and_taints_reconciled_through_the_api(cluster):
    """Defect 5: k3s applies node-label/node-taint only at registration; the role sets and drops them."""
    name = cluster.node_name("nuc3")
    play(
        cluster,
        NODES,
        extra={"k3s_node_labels": ["site=office", "tier=edge"], "k3s_node_taints": ["dedicated=ml:NoSchedule"]},
    )
    node = cluster.nodes()[name]
    assert {k: v for k, v in node["metadata"]["labels"].items() if k in ("site", "tier")} == {
        "site": "office",
        "tier": "edge",
    }
    assert [(t["key"], t.get("value"), t["effect"]) for t in node["spec"]["taints"]] == [
        ("dedicated", "ml", "NoSchedule")
    ]
    recap, _output = play(
        cluster,
        NODES,
        extra={"k3s_node_labels": ["site=office", "tier=edge"], "k3s_node_taints": ["dedicated=ml:NoSchedule"]},
    )
    assert changed(recap) == {}
    cluster.kubectl("label", "node", name, "owner=ops")
    play(cluster, NODES, extra={"k3s_node_labels": [], "k3s_node_taints": []})
    node = cluster.nodes()[name]
    assert "site" not in node["metadata"]["labels"] and "tier" not in node["metadata"]["labels"]
    assert node["metadata"]["labels"]["owner"] == "ops"  # not the role's: kept
    assert node["spec"]["taints"] == []


def test_stand_in_etcd_snapshot(cluster):
    play(cluster, PLAYBOOKS / "etcd_snapshot.yml", extra={"k3s_snapshot_name": "before-upgrade"})
    listing = cluster.server.check_output("k3s etcd-snapshot ls")
    assert re.search(r"^before-upgrade-nuc1-[0-9]+ ", listing, re.M), listing


@pytest.mark.parametrize("version, running", [(SKIPPING, FIRST), (OLDER, FIRST)], ids=["skipped-minor", "downgrade"])
def test_stand_in_upgrade_refuses_a_skipped_minor_and_a_downgrade(cluster, version, running):
    _recap, output = play(cluster, PLAYBOOKS / "upgrade.yml", extra={"k3s_version": version}, ok=False)
    assert f"k3s_version {version}: nuc1 runs {running}" in output
    assert "one minor version at a time and never down" in output
    for node in cluster.nodes().values():
        assert node["status"]["nodeInfo"]["kubeletVersion"] == running
        assert not node["spec"].get("unschedulable")


def pods_on(cluster, name):
    return [
        p["metadata"]["name"]
        for p in cluster.kubectl("get", "pods", "-o", "json")["items"]
        if p["spec"].get("nodeName") == name
    ]


def test_stand_in_upgrade_stopped_by_a_disruption_budget_names_the_pods(cluster):
    agent = cluster.node_name("nuc3")
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web-0",
                "namespace": "default",
                "labels": {"app": "web"},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "web"}],
            },
            "spec": {"nodeName": agent},
        }
    )
    cluster.create(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
        }
    )
    _recap, output = play(
        cluster,
        PLAYBOOKS / "upgrade.yml",
        extra={"k3s_version": NEXT, "k3s_upgrade_drain_timeout": "6s", "k3s_upgrade_agent_batch": 1},
        ok=False,
    )
    assert "Draining nuc3 did not finish" in output
    assert 'pods/"web-0"' in output and "disruption budget" in output
    nodes = cluster.nodes()
    # Servers first: nuc1 is upgraded and back; the snapshot came before anything changed.
    assert nodes[cluster.node_name("nuc1")]["status"]["nodeInfo"]["kubeletVersion"] == NEXT
    assert re.search(r"^pre-upgrade-v1.35.0-k3s1-nuc1-", cluster.server.check_output("k3s etcd-snapshot ls"), re.M)
    # The blocked agent: cordoned, not upgraded, its pod where it was.
    assert nodes[agent]["spec"].get("unschedulable") is True
    assert nodes[agent]["status"]["nodeInfo"]["kubeletVersion"] == FIRST
    assert pods_on(cluster, agent) == ["web-0"]


def test_stand_in_upgrade_resumes_once_the_budget_allows(cluster):
    cluster.kubectl("delete", "pdb", "web")
    play(cluster, PLAYBOOKS / "upgrade.yml", extra={"k3s_version": NEXT, "k3s_upgrade_agent_batch": 1})
    nodes = cluster.nodes()
    for node in nodes.values():
        assert node["status"]["nodeInfo"]["kubeletVersion"] == NEXT
        assert node["status"]["conditions"][0]["status"] == "True"
        assert not node["spec"].get("unschedulable")
    assert pods_on(cluster, cluster.node_name("nuc3")) == []  # evicted, made again elsewhere by its ReplicaSet
    cluster.settings["k3s_version"] = NEXT
    recap, _output = play(cluster, SITE, "--tags", "k3s")
    assert changed(recap) == {}


def test_stand_in_token_rotation(cluster):
    agent_pid = main_pid(cluster.hosts["nuc3"], "k3s-agent")
    _recap, output = play(cluster, PLAYBOOKS / "k3s_token_rotate.yml", extra={"k3s_new_token": NEW_TOKEN})
    assert NEW_TOKEN not in output
    assert (
        cluster.server.file("/var/lib/rancher/k3s/server/token")
        .content_string.strip()
        .endswith("::server:" + NEW_TOKEN)
    )
    assert cluster.server.file("/etc/sovereign/k3s/token").content_string.strip() == NEW_TOKEN
    assert all(n["status"]["conditions"][0]["status"] == "True" for n in cluster.nodes().values())
    assert main_pid(cluster.hosts["nuc3"], "k3s-agent") == agent_pid  # agents keep the agent token
    # The next converge reads the token from the server: nothing to change.
    recap, _output = play(cluster, SITE, "--tags", "k3s")
    assert changed(recap) == {}


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            {"k3s_restore_snapshot": "/var/lib/rancher/k3s/x"},
            "k3s_restore_source=local with the snapshot's absolute path",
        ),
        ({"k3s_restore_source": "s3", "k3s_restore_snapshot": "name"}, "has no etcd-s3 settings"),
        (
            {"k3s_restore_source": "local", "k3s_restore_snapshot": "/var/lib/rancher/k3s/missing"},
            "is not a file on nuc1",
        ),
    ],
    ids=["no-source", "s3-without-settings", "missing-file"],
)
def test_stand_in_restore_refused_before_anything_stops(cluster, extra, message):
    _recap, output = play(
        cluster, PLAYBOOKS / "etcd_restore.yml", extra={"k3s_restore_confirm": "k3s", **extra}, ok=False
    )
    assert message in output
    assert cluster.server.service("k3s").is_running


def test_stand_in_restore_from_a_local_snapshot(cluster):
    """Defect 4's local path, end to end: stop, reset to the snapshot, start again behind the gates."""
    play(cluster, PLAYBOOKS / "etcd_snapshot.yml", extra={"k3s_snapshot_name": "after-rotation"})
    name = cluster.node_name("nuc3")
    cluster.kubectl("label", "node", name, "restored=no")  # after the snapshot: the restore takes it away
    listing = cluster.server.check_output("ls /var/lib/rancher/k3s/server/db/snapshots")
    snapshot = "/var/lib/rancher/k3s/server/db/snapshots/" + next(
        s for s in listing.split() if s.startswith("after-rotation-")
    )
    play(
        cluster,
        PLAYBOOKS / "etcd_restore.yml",
        extra={"k3s_restore_confirm": "k3s", "k3s_restore_source": "local", "k3s_restore_snapshot": snapshot},
    )
    assert "restored" not in cluster.nodes()[name]["metadata"]["labels"]
    assert all(n["status"]["conditions"][0]["status"] == "True" for n in cluster.nodes().values())
    assert not cluster.server.file("/etc/sovereign/k3s/restore-config.yaml").exists


def test_stand_in_node_remove(cluster):
    _recap, _output = play(
        cluster, PLAYBOOKS / "k3s_node_remove.yml", "--limit", "nuc2", extra={"k3s_reset_confirm": "k3s"}
    )
    assert cluster.node_name("nuc2") not in cluster.nodes()
    nuc2 = cluster.hosts["nuc2"]
    assert not nuc2.file("/etc/systemd/system/k3s-agent.service").exists
    assert not nuc2.file("/var/lib/rancher/k3s").exists and not nuc2.file("/etc/sovereign/k3s").exists
    assert "k3s" not in nuc2.check_output("ls /etc/nftables.d/input /etc/nftables.d/forward 2>/dev/null || true")


def test_stand_in_reset(cluster):
    _recap, output = play(cluster, PLAYBOOKS / "reset.yml", extra={"k3s_reset_confirm": "wrong"}, ok=False)
    assert "k3s_reset_confirm" in output and cluster.server.service("k3s").is_running
    play(cluster, PLAYBOOKS / "reset.yml", extra={"k3s_reset_confirm": "k3s"})
    for name in ("nuc1", "nuc3"):
        host = cluster.hosts[name]
        assert not host.file("/var/lib/rancher/k3s").exists
        assert not host.file("/etc/rancher/k3s").exists
        assert not host.file("/usr/local/bin/k3s").exists
        assert "k3s" not in host.check_output("ls /etc/nftables.d/input /etc/nftables.d/forward 2>/dev/null || true")

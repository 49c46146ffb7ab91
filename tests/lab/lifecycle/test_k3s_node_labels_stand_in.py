"""Labels and taints changed after registration (issue #16, defect 5), on a stand-in of the k3s CLI.

k3s applies node-label and node-taint only when a node registers; changing
k3s_node_labels or k3s_node_taints later restarted the node and left its
labels and taints as they were. The k3s role now sets them through the API
(entry point `nodes`, also the last step of main) and removes what it set
before when they are dropped, never what k3s or another tool set.

Stand-in: tests/tooling/k3s_cli_standin.py answers `kubectl get node -o json`,
`label`, `taint` and `annotate` as kubectl does (and refuses what kubectl
refuses: a changed value without --overwrite, removing a taint the node does
not have), keeping the Node objects in a file. It proves the role's
orchestration (what it asks the API, that a second run asks nothing), not k3s.
"""

from __future__ import annotations

import pytest
from k3s_standin_lab import StandInCluster

PLAYBOOK = """
- name: Labels and taints of the agents, through the API
  hosts: k3s_agent
  become: true
  tasks:
    - name: The k3s role's nodes entry point
      ansible.builtin.include_role:
        name: sovereign.cloud.k3s
        tasks_from: nodes
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = StandInCluster(tmp_path_factory.mktemp("k3s-node-labels")).set_up()
    cluster.name = cluster.agent.check_output("hostname").strip().lower()
    # Registered with node-label site=home, as k3s applied it then.
    cluster.register(cluster.name, {"kubernetes.io/hostname": cluster.name, "site": "home"})
    yield cluster
    cluster.tear_down()


def converge(cluster, labels, taints):
    proc = cluster.run(PLAYBOOK, extra={"k3s_node_labels": labels, "k3s_node_taints": taints})
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    recap = [line for line in proc.stdout.splitlines() if line.startswith("nuc3 ")]
    node = next(n for n in cluster.nodes() if n["metadata"]["name"] == cluster.name)
    return recap[-1], node


def taints_of(node):
    return sorted((t["key"], t.get("value", ""), t["effect"]) for t in node["spec"].get("taints", []))


def test_stand_in_labels_and_taints_set_changed_and_dropped_through_the_api(cluster):
    recap, node = converge(cluster, ["site=office", "tier=edge"], ["dedicated=ml:NoSchedule"])
    labels = node["metadata"]["labels"]
    assert labels == {"kubernetes.io/hostname": cluster.name, "site": "office", "tier": "edge"}
    assert taints_of(node) == [("dedicated", "ml", "NoSchedule")]
    assert "changed=1" in recap

    # Nothing differs: nothing is asked of the API.
    recap, _node = converge(cluster, ["site=office", "tier=edge"], ["dedicated=ml:NoSchedule"])
    assert "changed=0" in recap

    # Someone else's label stays; what the role set and no longer wants goes.
    cluster.server.run_expect([0], f"k3s kubectl label node {cluster.name} owner=ops")
    recap, node = converge(cluster, ["site=office"], [])
    assert node["metadata"]["labels"] == {"kubernetes.io/hostname": cluster.name, "site": "office", "owner": "ops"}
    assert taints_of(node) == []
    assert node["metadata"]["annotations"]["sovereign.cloud/managed-labels"] == "site"
    assert "changed=1" in recap

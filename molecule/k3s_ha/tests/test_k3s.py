"""Three k3s servers with embedded etcd from the pinned release: all Ready, etcd healthy, a pod running."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "tooling"))
from lab_k3s import (
    NEEDS_A_SECOND_RELEASE,
    assert_token_files_private,
    kubectl,
    run_lifecycle_on_the_release,
    run_pause_pod,
    wait_nodes_ready,
)

testinfra_hosts = ["ansible://nuc1", "ansible://nuc2", "ansible://nuc3"]


def test_three_servers_ready_with_etcd(host):
    wait_nodes_ready(host, 3)
    assert host.run("k3s kubectl get --raw /readyz/etcd").stdout.strip() == "ok"
    etcd = json.loads(kubectl(host, "get", "nodes", "-l", "node-role.kubernetes.io/etcd=true", "-o", "json"))
    assert len(etcd["items"]) == 3


def test_a_pod_runs(host):
    if host.backend.get_hostname() == "nuc1":
        run_pause_pod(host)


def test_tokens_stay_in_their_0600_files(host):
    assert_token_files_private(host, server=True)


# Last: it upgrades, rotates the token and resets the cluster the tests above checked.
@NEEDS_A_SECOND_RELEASE
def test_lifecycle_on_the_release(host):
    if host.backend.get_hostname() == "nuc1":
        run_lifecycle_on_the_release(host, 3, etcd=True)

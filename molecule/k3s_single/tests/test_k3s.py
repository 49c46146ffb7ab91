"""One k3s server and one agent from the pinned release: nodes Ready, a pod running, tokens private."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import testinfra

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "tooling"))
from lab_k3s import (
    NEEDS_A_SECOND_RELEASE,
    assert_token_files_private,
    run_lifecycle_on_the_release,
    run_pause_pod,
    wait_nodes_ready,
)

testinfra_hosts = ["ansible://nuc1"]


def test_both_nodes_ready_and_a_pod_runs(host):
    wait_nodes_ready(host, 2)
    run_pause_pod(host)


def test_tokens_stay_in_their_0600_files(host):
    assert_token_files_private(host, server=True)
    agent = testinfra.get_host(f"ansible://nuc2?ansible_inventory={os.environ['MOLECULE_INVENTORY_FILE']}", sudo=True)
    assert_token_files_private(agent, server=False)


# Last: it upgrades, rotates the token and resets the cluster the tests above checked.
@NEEDS_A_SECOND_RELEASE
def test_lifecycle_on_the_release(host):
    if host.backend.get_hostname() == "nuc1":
        run_lifecycle_on_the_release(host, 2, etcd=False)

"""A k3s play that holds only agents (issue #16, defect 1), on a stand-in of the k3s CLI.

upgrade.yml's "Agents, in batches" play and `site.yml --limit <agent>` hold
agents and none of the cluster's servers. The k3s role used to fail there
("Every server of the cluster is in the play"), after upgrade.yml had already
cordoned and drained the batch, and its tokens step gave the agent a new
random agent token. Now the role asks the servers outside the play through
delegation and reads the tokens from the live one.

What this proves, and what not: the collection's orchestration (discovery of
the live cluster outside the play, where the agent token comes from), in
check mode, with a stand-in `k3s` on the server (tests/tooling/k3s_cli_standin.py).
Not k3s itself: the scenarios on the real release (molecule/k3s_*) need a
bundle of it. The cluster: tests/tooling/k3s_standin_lab.py.
"""

from __future__ import annotations

import re

import pytest
from k3s_standin_lab import StandInCluster

PLAYBOOK = """
- name: Agents only, as upgrade.yml's agent batches
  hosts: k3s_agent
  become: true
  roles:
    - role: sovereign.cloud.k3s
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = StandInCluster(tmp_path_factory.mktemp("k3s-agent-play")).set_up()
    yield cluster
    cluster.tear_down()


def task_status(output, task, host):
    """The status line (ok, changed, skipping, fatal) of `host` under the task named `task`."""
    block = output.split(f"TASK [sovereign.cloud.k3s : {task}]", 1)
    assert len(block) == 2, f"task {task!r} did not run"
    match = re.search(rf"^(ok|changed|skipping|fatal): \[{host}\]", block[1].split("TASK [", 1)[0], re.M)
    assert match, f"no status of {host} under {task!r}"
    return match.group(1)


def test_stand_in_agents_only_play_reads_the_cluster_outside_the_play(cluster):
    proc = cluster.run(PLAYBOOK, "--check")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    # The agent keeps the cluster's agent token: read from the live server, not made up.
    assert task_status(output, "Tokens | Agent token file", "nuc3") == "ok"
    assert cluster.agent_token not in output and cluster.server_token not in output


def test_stand_in_a_play_whose_servers_do_not_answer_stops_before_any_change(cluster):
    """No live server outside the play and none in it: nothing to join, refused with the reason."""
    cluster.server.run_expect([0], "touch /usr/local/bin/k3s.down")
    try:
        proc = cluster.run(PLAYBOOK, "--check")
    finally:
        cluster.server.run("rm -f /usr/local/bin/k3s.down")
    output = " ".join((proc.stdout + proc.stderr).split())  # the callback wraps long messages
    assert proc.returncode != 0
    assert "no server of the cluster answers (those outside the play were asked: nuc1)" in output
    assert "a new cluster is bootstrapped with all its servers in the play" in output

"""A k3s play that holds only agents (issue #16, defect 1), on a stand-in of the k3s CLI.

upgrade.yml's "Agents, in batches" play and `site.yml --limit <agent>` hold
agents and none of the cluster's servers. The k3s role used to fail there
("Every server of the cluster is in the play"), after upgrade.yml had already
cordoned and drained the batch, and its tokens step gave the agent a new
random agent token. Now the role asks the servers outside the play through
delegation and reads the tokens from the live one.

What this proves, and what not: the collection's orchestration (discovery of
the live cluster outside the play, where the agent token comes from), in
check mode, with a stand-in `k3s` on the server (tests/tooling/k3s_cli_standin.py)
that answers only `k3s kubectl get --raw /readyz`. Not k3s itself: the
scenarios on the real release (molecule/k3s_*) need a bundle of it.

On the test lab: nuc1 plays the cluster's server (the stand-in, token files
as a converged server has them), nuc3 an agent that already holds the
cluster's agent token. The k3s "release" is the stand-in itself, pinned with
its own sha256 in a test-only table (sovereign_artifacts_extra) and served
from a file:// mirror, through the same artifact mechanism as the real one.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from pathlib import Path

import pytest
import testlab
import yaml
from testlab import lab_host

LAB = testlab.lab()
STANDIN = Path(__file__).resolve().parents[2] / "tooling" / "k3s_cli_standin.py"
VERSION = "v1.34.99+k3s1"  # a version only the test table pins
SERVER_TOKEN = "S" + secrets.token_hex(24)
AGENT_TOKEN = "A" + secrets.token_hex(24)
PLAYBOOK = """
- name: Agents only, as upgrade.yml's agent batches
  hosts: k3s_agent
  become: true
  roles:
    - role: sovereign.cloud.k3s
"""


def put(host, path, content, mode):
    """A file on a lab host (testinfra runs commands without stdin: the content goes base64-encoded)."""
    encoded = base64.b64encode(content.encode()).decode()
    parent = Path(path).parent
    # The role keeps its secret directory 0700; /usr/local/bin keeps its mode.
    host.run_expect(
        [0], f"mkdir -p {parent}" + (f" && chmod 0700 {parent}" if str(parent).startswith("/etc/sovereign") else "")
    )
    host.run_expect([0], f"echo {encoded} | base64 -d > {path} && chmod {mode} {path}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    work = tmp_path_factory.mktemp("k3s-agent-play")
    mirror = work / "mirror"
    (mirror / "k3s" / VERSION).mkdir(parents=True)
    release = mirror / "k3s" / VERSION / "k3s"
    release.write_bytes(STANDIN.read_bytes())
    server, agent = lab_host("nuc1"), lab_host("nuc3")
    # The server: the stand-in k3s, and the token files the role wrote when it converged it.
    put(server, "/usr/local/bin/k3s", STANDIN.read_text(), "0755")
    put(server, "/etc/sovereign/k3s/token", SERVER_TOKEN + "\n", "0600")
    put(server, "/etc/sovereign/k3s/agent-token", AGENT_TOKEN + "\n", "0600")
    # The agent: the cluster's agent token, as a converged agent holds it.
    put(agent, "/etc/sovereign/k3s/agent-token", AGENT_TOKEN + "\n", "0600")
    # Extra vars: the lab's group_vars/all sets the artifact mirror (to its bundle, or none).
    settings = {
        "k3s_version": VERSION,
        "k3s_airgap_images": False,
        "k3s_kubeconfig_fetch": False,
        "sovereign_artifact_mirror": "file://" + str(mirror),
        "sovereign_artifact_cache": str(work / "cache"),
        "sovereign_artifacts_extra": {
            "k3s": {
                "versions": {
                    VERSION: {
                        "files": {
                            "amd64": {
                                "url": "https://stand-in.invalid/k3s",
                                "sha256": hashlib.sha256(release.read_bytes()).hexdigest(),
                            }
                        }
                    }
                }
            }
        },
    }
    groups = {"all": {"children": {"k3s_server": {"hosts": {"nuc1": {}}}, "k3s_agent": {"hosts": {"nuc3": {}}}}}}
    (work / "settings.yml").write_text(yaml.safe_dump(settings))
    (work / "k3s.yml").write_text(yaml.safe_dump(groups))
    (work / "agents.yml").write_text(PLAYBOOK)
    yield work
    for host in (server, agent):
        host.run("rm -rf /etc/sovereign/k3s /usr/local/bin/k3s")


def run_agents_play(work):
    return LAB.run_playbook(
        str(work / "agents.yml"), "--check", "-e", f"@{work / 'settings.yml'}", inventories=[work / "k3s.yml"]
    )


def task_status(output, task, host):
    """The status line (ok, changed, skipping, fatal) of `host` under the task named `task`."""
    block = output.split(f"TASK [sovereign.cloud.k3s : {task}]", 1)
    assert len(block) == 2, f"task {task!r} did not run"
    match = re.search(rf"^(ok|changed|skipping|fatal): \[{host}\]", block[1].split("TASK [", 1)[0], re.M)
    assert match, f"no status of {host} under {task!r}"
    return match.group(1)


def test_stand_in_agents_only_play_reads_the_cluster_outside_the_play(cluster):
    proc = run_agents_play(cluster)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    # The agent keeps the cluster's agent token: read from the live server, not made up.
    assert task_status(output, "Tokens | Agent token file", "nuc3") == "ok"
    assert AGENT_TOKEN not in output and SERVER_TOKEN not in output


def test_stand_in_a_play_whose_servers_do_not_answer_stops_before_any_change(cluster):
    """No live server outside the play and none in it: nothing to join, refused with the reason."""
    server = lab_host("nuc1")
    server.run_expect([0], "touch /usr/local/bin/k3s.down")
    try:
        proc = run_agents_play(cluster)
    finally:
        server.run("rm -f /usr/local/bin/k3s.down")
    output = " ".join((proc.stdout + proc.stderr).split())  # the callback wraps long messages
    assert proc.returncode != 0
    assert "no server of the cluster answers (those outside the play were asked: nuc1)" in output
    assert "a new cluster is bootstrapped with all its servers in the play" in output

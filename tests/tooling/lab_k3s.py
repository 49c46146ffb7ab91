"""Checks of a running k3s cluster from one of its servers (testinfra), for the k3s scenarios."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest
from lab_http import eventually
from testlab import recap


def kubectl(host, *args):
    result = host.run("k3s kubectl " + " ".join(args))
    assert result.rc == 0, result.stderr
    return result.stdout


def wait_nodes_ready(host, count, seconds=300):
    """Every one of `count` nodes turns Ready within `seconds`."""

    def ready():
        nodes = json.loads(kubectl(host, "get", "nodes", "-o", "json"))["items"]
        states = {
            n["metadata"]["name"]: next(c["status"] for c in n["status"]["conditions"] if c["type"] == "Ready")
            for n in nodes
        }
        assert len(states) == count and set(states.values()) == {"True"}, states

    eventually(ready, seconds=seconds, step=10)


def run_pause_pod(host, name="sovereign-test", seconds=180):
    """A pod from the pause image of the air-gap images (nothing pulled) reaches Running."""
    images = json.loads(host.run("k3s crictl images -o json").stdout)["images"]
    pause = next(tag for entry in images for tag in entry.get("repoTags") or [] if "pause" in tag)
    kubectl(host, "run", name, f"--image={pause}", "--image-pull-policy=Never", "--restart=Never")

    def running():
        phase = kubectl(host, "get", "pod", name, "-o", "jsonpath={.status.phase}")
        assert phase == "Running", phase

    eventually(running, seconds=seconds, step=5)


def assert_token_files_private(host, server=True):
    """Token files 0600 root; the token in no config, unit or process command line."""
    own = "/etc/sovereign/k3s/token" if server else "/etc/sovereign/k3s/agent-token"
    token = host.file(own)
    assert token.mode == 0o600 and token.user == "root"
    if not server:
        assert not host.file("/etc/sovereign/k3s/token").exists
    secret = token.content_string.strip()
    unit = "/etc/systemd/system/k3s.service" if server else "/etc/systemd/system/k3s-agent.service"
    for path in ("/etc/rancher/k3s/config.yaml", unit):
        assert secret not in host.file(path).content_string
    assert secret not in host.run("ps -eo args").stdout
    assert host.file("/etc/rancher/k3s/config.yaml").mode == 0o600


# The lifecycle test of the k3s scenarios: its own gate on top of the bundle's.
NEEDS_A_SECOND_RELEASE = pytest.mark.skipif(
    not os.environ.get("SOVEREIGN_K3S_NEXT_VERSION"),
    reason="the lifecycle on the real release needs a bundle that pins a second k3s version "
    "(SOVEREIGN_K3S_NEXT_VERSION, the next minor); the stand-in tests run it without one",
)


def run_lifecycle_on_the_release(host, nodes, etcd):
    """The lifecycle the stand-in tests run (tests/lab/lifecycle/test_k3s_lifecycle_stand_in.py), on the
    real release, for a bundle that pins a second version (SOVEREIGN_K3S_NEXT_VERSION, the next minor):
    a snapshot (embedded etcd), the upgrade, a second converge that changes nothing, the token
    rotation, then the reset. Runs the collection's playbooks against the scenario's inventory."""
    root = Path(__file__).resolve().parents[2]
    inventory = os.environ["MOLECULE_INVENTORY_FILE"]
    version = os.environ["SOVEREIGN_K3S_NEXT_VERSION"]

    def play(name, *extra):
        proc = subprocess.run(
            ["ansible-playbook", "-i", inventory, str(root / "playbooks" / name), *extra],
            capture_output=True,
            text=True,
            check=False,
            cwd=root,
        )
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
        return proc.stdout

    if etcd:
        play("etcd_snapshot.yml", "-e", "k3s_snapshot_name=before-upgrade")
        assert "before-upgrade" in kubectl_snapshots(host)
    play("upgrade.yml", "-e", f"k3s_version={version}")
    wait_nodes_ready(host, nodes)
    versions = json.loads(kubectl(host, "get", "nodes", "-o", "json"))["items"]
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in versions} == {version}
    assert not [n["metadata"]["name"] for n in versions if n["spec"].get("unschedulable")]
    again = play("site.yml", "--tags", "k3s", "-e", f"k3s_version={version}")
    assert {host: counts["changed"] for host, counts in recap(again).items() if counts["changed"]} == {}
    play("k3s_token_rotate.yml", "-e", f"k3s_new_token={secrets.token_hex(24)}", "-e", f"k3s_version={version}")
    wait_nodes_ready(host, nodes)
    play("reset.yml", "-e", "k3s_reset_confirm=k3s")
    assert not host.file("/var/lib/rancher/k3s").exists


def kubectl_snapshots(host):
    return host.run("k3s etcd-snapshot ls").stdout

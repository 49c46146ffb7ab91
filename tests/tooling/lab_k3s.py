"""Checks of a running k3s cluster from one of its servers (testinfra), for the k3s scenarios."""

from __future__ import annotations

import json

from lab_http import eventually


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

"""A k3s "cluster" on the test lab for stand-in tests: nuc1 the server, nuc3 an agent.

The server gets tests/tooling/k3s_cli_standin.py as /usr/local/bin/k3s and the
token files a converged server holds; the agent the agent token. The k3s
"release" is the stand-in itself, pinned with its own sha256 in a test-only
table (sovereign_artifacts_extra) and served from a file:// mirror, through
the artifact mechanism the real release goes through. Extra vars carry these
settings: the lab's group_vars/all sets the artifact mirror (to its bundle,
or none), which an inventory variable would not override.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from pathlib import Path

import testlab
import yaml
from testlab import lab_host

STANDIN = Path(__file__).resolve().parent / "k3s_cli_standin.py"
# The executable as installed: the stand-in with the interpreter line it lacks here.
EXECUTABLE = "#!/usr/bin/python3\n" + STANDIN.read_text()
STATE = "/var/lib/rancher/k3s/stand-in"
VERSION = "v1.34.99+k3s1"  # a version only the test table pins
GROUPS = {"all": {"children": {"k3s_server": {"hosts": {"nuc1": {}}}, "k3s_agent": {"hosts": {"nuc3": {}}}}}}


def put(host, path, content, mode):
    """A file on a lab host (testinfra runs commands without stdin: the content goes base64-encoded)."""
    encoded = base64.b64encode(content.encode()).decode()
    parent = Path(path).parent
    # The role keeps its secret directory 0700; /usr/local/bin keeps its mode.
    secret_dir = f" && chmod 0700 {parent}" if str(parent).startswith("/etc/sovereign") else ""
    host.run_expect([0], f"mkdir -p {parent}{secret_dir}")
    host.run_expect([0], f"echo {encoded} | base64 -d > {path} && chmod {mode} {path}")


class StandInCluster:
    def __init__(self, work: Path):
        self.work = work
        self.server, self.agent = lab_host("nuc1"), lab_host("nuc3")
        self.server_token = "S" + secrets.token_hex(24)
        self.agent_token = "A" + secrets.token_hex(24)

    def set_up(self):
        release = self.work / "mirror" / "k3s" / VERSION / "k3s"
        release.parent.mkdir(parents=True)
        release.write_text(EXECUTABLE)
        put(self.server, "/usr/local/bin/k3s", EXECUTABLE, "0755")
        put(self.server, "/etc/sovereign/k3s/token", self.server_token + "\n", "0600")
        put(self.server, "/etc/sovereign/k3s/agent-token", self.agent_token + "\n", "0600")
        put(self.agent, "/etc/sovereign/k3s/agent-token", self.agent_token + "\n", "0600")
        entry = {"url": "https://stand-in.invalid/k3s", "sha256": hashlib.sha256(release.read_bytes()).hexdigest()}
        self.settings = {
            "k3s_version": VERSION,
            "k3s_airgap_images": False,
            "k3s_kubeconfig_fetch": False,
            "sovereign_artifact_mirror": "file://" + str(self.work / "mirror"),
            "sovereign_artifact_cache": str(self.work / "cache"),
            "sovereign_artifacts_extra": {"k3s": {"versions": {VERSION: {"files": {"amd64": entry}}}}},
        }
        (self.work / "groups.yml").write_text(yaml.safe_dump(GROUPS))
        return self

    def tear_down(self):
        for host in (self.server, self.agent):
            host.run(f"rm -rf /etc/sovereign/k3s /usr/local/bin/k3s /usr/local/bin/k3s.down {STATE}")
            host.run("rmdir -p --ignore-fail-on-non-empty /var/lib/rancher/k3s 2>/dev/null || true")

    def run(self, playbook, *args, extra=None):
        """ansible-playbook on the lab with this cluster's groups and settings (and `extra` vars).

        `playbook`: the text of a playbook, or the Path of one (the collection's).
        """
        if isinstance(playbook, Path):
            path = playbook
        else:
            path = self.work / "playbook.yml"
            path.write_text(playbook)
        settings = self.work / "settings.json"
        settings.write_text(json.dumps({**self.settings, **(extra or {})}))
        return testlab.lab().run_playbook(
            str(path), *args, "-e", f"@{settings}", inventories=[self.work / "groups.yml"]
        )

    def nodes(self):
        return json.loads(self.server.run(f"cat {STATE}/nodes.json").stdout or "[]")

    def register(self, name, labels):
        """The agent's node as k3s registers it (with its node-label settings at that time)."""
        node = {"metadata": {"name": name, "labels": labels, "annotations": {}}, "spec": {"taints": []}}
        put(self.server, f"{STATE}/nodes.json", json.dumps([node]), "0600")

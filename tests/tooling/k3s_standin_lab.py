"""A k3s "cluster" of stand-ins on the test lab, on the lab's WireGuard mesh as
the lab's group_vars put them: by default nuc1 the server and nuc3 (and, when
a test adds it, nuc2) agents; the HA tests make all three servers.

The k3s "releases" are tests/tooling/k3s_standin.py with RELEASE set to a
version only the test-only pin table knows (sovereign_artifacts_extra), each
with its own sha256, served from a file:// mirror: the role installs them
through the artifact mechanism the real release goes through, runs them
under its own systemd units, and upgrade.yml moves from one to the next.
Extra vars carry these settings: the lab's group_vars/all sets the artifact
mirror (to its bundle, or none), which an inventory variable would not override.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from pathlib import Path

import testlab
import yaml
from testlab import lab_host

STANDIN = Path(__file__).resolve().parent / "k3s_standin.py"
DATA = "/var/lib/rancher/k3s"
# The releases the test table pins: the first, the next minor (an upgrade),
# one that skips a minor and one older (both refused by upgrade.yml), and a
# build of the next minor whose server cannot start (an upgrade that fails).
FIRST, NEXT, SKIPPING, OLDER = "v1.34.99+k3s1", "v1.35.0+k3s1", "v1.36.0+k3s1", "v1.33.0+k3s1"
BROKEN = "v1.35.0+k3s0"
BROKEN_MESSAGE = 'level=fatal msg="stand-in release that cannot start"'


def release(version):
    """The executable as installed: the stand-in with the interpreter line it lacks here, and its version."""
    text = STANDIN.read_text()
    assert 'RELEASE = "v0.0.0+k3s0"' in text
    assert "START_FAILURE = None" in text
    text = text.replace('RELEASE = "v0.0.0+k3s0"', f'RELEASE = "{version}"', 1)
    if version == BROKEN:
        text = text.replace("START_FAILURE = None", f"START_FAILURE = {BROKEN_MESSAGE!r}", 1)
    return "#!/usr/bin/python3\n" + text


def put(host, path, content, mode):
    """A file on a lab host (testinfra runs commands without stdin: the content goes base64-encoded)."""
    encoded = base64.b64encode(content.encode()).decode()
    parent = Path(path).parent
    # The role keeps its secret directory 0700; other directories keep their mode.
    secret_dir = f" && chmod 0700 {parent}" if str(parent).startswith("/etc/sovereign") else ""
    host.run_expect([0], f"mkdir -p {parent}{secret_dir}")
    host.run_expect([0], f"echo {encoded} | base64 -d > {path} && chmod {mode} {path}")


class StandInCluster:
    def __init__(self, work: Path, servers=("nuc1",), agents=("nuc3",)):
        self.work = work
        self.hosts = {"nuc1": lab_host("nuc1"), "nuc2": lab_host("nuc2"), "nuc3": lab_host("nuc3")}
        self.server = self.hosts[servers[0]]
        self.groups = {
            "all": {
                "children": {
                    "k3s_server": {"hosts": {name: {} for name in servers}},
                    "k3s_agent": {"hosts": {name: {} for name in agents}},
                }
            }
        }

    def set_up(self, version=FIRST):
        pins = {}
        for pinned in (FIRST, NEXT, SKIPPING, OLDER, BROKEN):
            path = self.work / "mirror" / "k3s" / pinned / "k3s"
            path.parent.mkdir(parents=True)
            path.write_text(release(pinned))
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            pins[pinned] = {"files": {"amd64": {"url": "https://stand-in.invalid/k3s", "sha256": digest}}}
        self.settings = {
            "k3s_version": version,
            # Embedded etcd (cluster-init on the first server), so snapshots, restores and HA apply.
            "k3s_datastore": "embedded_etcd",
            "k3s_airgap_images": False,
            "k3s_kubeconfig_fetch": False,
            "k3s_restart_timeout": 60,
            "sovereign_artifact_mirror": "file://" + str(self.work / "mirror"),
            "sovereign_artifact_cache": str(self.work / "cache"),
            "sovereign_artifacts_extra": {"k3s": {"versions": pins}},
        }
        self.write_groups()
        return self

    def write_groups(self):
        (self.work / "groups.yml").write_text(yaml.safe_dump(self.groups))

    def add_agent(self, name):
        self.groups["all"]["children"]["k3s_agent"]["hosts"][name] = {}
        self.write_groups()

    def tear_down(self):
        """What the role and the stand-in leave, whatever state a failed test left behind."""
        for host in self.hosts.values():
            host.run(
                "systemctl stop k3s k3s-agent 2>/dev/null; rm -f /etc/systemd/system/k3s.service "
                "/etc/systemd/system/k3s-agent.service; systemctl daemon-reload"
            )
            host.run(
                f"rm -rf /etc/sovereign/k3s /etc/rancher /usr/local/bin/k3s /usr/local/bin/kubectl "
                f"/usr/local/bin/crictl /usr/local/bin/ctr /opt/sovereign/k3s {DATA}"
            )
            host.run("rmdir /var/lib/rancher 2>/dev/null || true")

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

    def kubectl(self, *args, host=None):
        """`k3s kubectl` on the server (or `host`), as JSON when it prints JSON."""
        out = (host or self.server).check_output("k3s kubectl " + " ".join(args))
        return json.loads(out) if out.startswith("{") else out

    def nodes(self):
        return {item["metadata"]["name"]: item for item in self.kubectl("get", "nodes", "-o", "json")["items"]}

    def create(self, item):
        put(self.server, "/root/stand-in-object.json", json.dumps(item), "0600")
        self.kubectl("create", "-f", "/root/stand-in-object.json")

    def node_name(self, name):
        return self.hosts[name].check_output("hostname").strip().lower()

    def agent_token(self):
        return self.hosts["nuc3"].file("/etc/sovereign/k3s/agent-token").content_string.strip()


@contextlib.contextmanager
def standing_cluster(work: Path, **groups):
    """A StandInCluster set up (after clearing what an interrupted run left), torn down afterwards."""
    cluster = StandInCluster(work, **groups)
    cluster.tear_down()
    cluster.set_up()
    try:
        yield cluster
    finally:
        cluster.tear_down()


def play(cluster, playbook, *args, extra=None, ok=True):
    """Run a playbook, expecting success (or failure with ok=False).

    Returns the recap by host and the output joined on one line, for messages.
    """
    proc = cluster.run(playbook, *args, extra=extra)
    output = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == ok, output[-5000:]
    return testlab.recap(output), " ".join(output.split())


def changed(recap):
    """The hosts of a recap with changes, and how many."""
    return {host: counts["changed"] for host, counts in recap.items() if counts["changed"]}


def main_pid(host, unit="k3s"):
    return host.check_output(f"systemctl show -p MainPID --value {unit}")

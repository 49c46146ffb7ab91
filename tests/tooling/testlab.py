"""The test lab: the built-in lab (inventories/lab) under its own names, for tests and benchmarks.

tests/lab/inventory/hosts.yml says how the test lab differs (container
names, addresses, what the verifiers need); every run combines, in order:
inventories/lab, tests/lab/inventory and, once tests/lab/prepare.yml has
written it, the fixture inventory in the lab's state directory.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "tests" / "lab" / "inventory"
STATE = ROOT / ".cache" / "test-lab"  # lab_state_dir of tests/lab/inventory/group_vars/lab.yml
RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)


def recap(output: str) -> dict[str, dict[str, int]]:
    """The counters of the last PLAY RECAP in an ansible-playbook output, by host."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", output)
    # molecule wraps long lines and prefixes them with a box border.
    text = re.sub(r"^\s*[│|]\s?", "", text, flags=re.M)
    last = text.rsplit("PLAY RECAP", 1)
    if len(last) < 2:
        return {}
    return {
        m.group("host"): {k: int(v) for k, v in m.groupdict().items() if k != "host"} for m in RECAP.finditer(last[1])
    }


class TestLab:
    """Names and addresses of the test lab's hosts, and the commands that run playbooks on it."""

    def __init__(self):
        overlay = yaml.safe_load((OVERLAY / "hosts.yml").read_text())
        self.hosts: dict[str, dict] = overlay["all"]["children"]["lab"]["hosts"]
        self.state = STATE
        self.secrets = STATE / "lab-secrets"
        self.pki = STATE / "lab-pki"
        self.subnet: str = yaml.safe_load((OVERLAY / "group_vars" / "lab.yml").read_text())["lab_subnet"]

    @property
    def fixture(self) -> Path:
        return self.state / "fixture.yml"

    def inventories(self) -> list[str]:
        sources = [str(ROOT / "inventories" / "lab"), str(OVERLAY)]
        if self.fixture.exists():
            sources.append(str(self.fixture))
        return sources

    def playbook_command(self, playbook, *args, inventories=()) -> list[str]:
        """ansible-playbook on the test lab (`inventories`: more sources, after the lab's)."""
        command = ["ansible-playbook"]
        for source in [*self.inventories(), *map(str, inventories)]:
            command += ["-i", source]
        return [*command, str(ROOT / playbook), *map(str, args)]

    def run_playbook(self, playbook, *args, inventories=(), env=None) -> subprocess.CompletedProcess:
        """Run a playbook on the test lab; never raises on failure (look at returncode)."""
        return subprocess.run(
            self.playbook_command(playbook, *args, inventories=inventories),
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
            env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **(env or {})},
        )

    def destroy(self):
        self.run_playbook("playbooks/lab.yml", "-e", "lab_state=absent")

    def reset(self):
        """No test lab containers, and no state of an earlier test lab on the controller (CA, secrets, mirror)."""
        self.destroy()
        shutil.rmtree(self.state, ignore_errors=True)

    def container(self, name: str) -> str:
        return self.hosts[name]["ansible_host"]

    def address(self, name: str) -> str:
        return self.hosts[name]["lab_address"]

    def name_of_container(self, container: str) -> str:
        return next(name for name, host in self.hosts.items() if host["ansible_host"] == container)

    def secret(self, name: str) -> str:
        """A lab-only password the converge generated (inventories/lab: lookup('password', ...))."""
        return (self.secrets / name).read_text().split()[0]


# --- for the verifiers (tests/lab): testinfra hosts of the test lab ----------

_LAB: TestLab | None = None


def lab() -> TestLab:
    global _LAB  # noqa: PLW0603 - one description of the lab per test process
    if _LAB is None:
        _LAB = TestLab()
    return _LAB


def testinfra_hosts(*names: str) -> list[str]:
    """Value for a test module's `testinfra_hosts`: the given lab hosts (all three by default)."""
    return [f"docker://{lab().container(name)}" for name in (names or sorted(lab().hosts))]


def lab_host(name: str):
    """The testinfra host of a lab host, by its inventory name (nuc1, nuc2, nuc3)."""
    import testinfra  # noqa: PLC0415 - only the verifiers need testinfra

    return testinfra.get_host(f"docker://{lab().container(name)}")


def name_of(host) -> str:
    """The inventory name (nuc1...) of a testinfra host of the lab."""
    return lab().name_of_container(host.backend.get_hostname())

"""Throwaway systemd lab containers for tests and benchmarks.

The same settings as the lab and molecule (docs/architecture.md): systemd as
PID 1 without --privileged. `start()` returns once systemd has finished
booting, so nothing the boot itself writes is mistaken for a change.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid

SYSTEMD_FLAGS = [
    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cgroupns=host",
    "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
]  # fmt: skip


def docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


def start(image, prefix, hostname=None, boot_timeout=60, docker_args=()):
    """Start a container from `image`; return its name once systemd is up.

    `docker_args`: more `docker run` options (a network, an address).
    """
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    docker(
        "run", "-d", "--name", name, "--hostname", hostname or prefix, *SYSTEMD_FLAGS, *docker_args,
        image, "/lib/systemd/systemd",
    )  # fmt: skip
    deadline = time.monotonic() + boot_timeout
    state = ""
    while time.monotonic() < deadline:
        state = docker("exec", name, "systemctl", "is-system-running", "--wait", check=False).stdout.strip()
        if state in ("running", "degraded"):
            return name
        time.sleep(0.5)
    remove(name)
    raise RuntimeError(f"{name} did not finish booting (systemd state {state!r})")


def remove(name):
    docker("rm", "-f", name, check=False)


def docker_inventory(hosts):
    """An inventory dict reaching {inventory_name: container_name} with the docker connection.

    `docker` is community.docker.docker, or mitogen's own under its strategy.
    """
    return {
        "all": {
            "hosts": {
                host: {
                    "ansible_connection": "docker",
                    "ansible_host": container,
                    "ansible_python_interpreter": "/usr/bin/python3",
                }
                for host, container in hosts.items()
            }
        }
    }


def timed_converge(inventory, playbook, *args):
    """Run ansible-playbook; return (wall seconds, total changed in the PLAY RECAP).

    Raises RuntimeError (after printing the end of the output) when the run fails.
    """
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(playbook), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:])
        raise RuntimeError("converge failed")
    changed = sum(int(n) for n in re.findall(r"changed=(\d+)", proc.stdout.split("PLAY RECAP")[-1]))
    return seconds, changed

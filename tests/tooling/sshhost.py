"""A fresh lab container reachable over SSH as a sudoer, as a cloud image or an installer leaves a host.

For the tests that must go through SSH and sudo the way real hosts are
reached (tests/ssh): sshd, a user `debian` who logs in with a key and may
sudo without a password, the host key in a known_hosts file.
"""

from __future__ import annotations

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import labhost

NETWORK, SUBNET = "sovereign-ssh-test", "172.30.60.0/24"


def new_key(path: Path, comment: str) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True, capture_output=True
    )
    return path


@contextmanager
def ssh_host(work: Path, address: str, prefix: str, image: str = "sovereign-lab/debian:12"):
    """Yield (container name, private key of `debian`, known_hosts file) for a host at `address` on NETWORK."""
    key = work / "debian"
    if not key.exists():
        new_key(key, "debian@controller")
    labhost.docker("network", "create", "--subnet", SUBNET, NETWORK, check=False)
    name = labhost.start(image, prefix, hostname="nuc1", docker_args=("--network", NETWORK, "--ip", address))
    try:
        public_key = (work / "debian.pub").read_text().strip()
        script = (
            "set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null;"
            " apt-get install -y -q --no-install-recommends openssh-server >/dev/null;"
            " useradd -m -s /bin/bash debian; install -d -m 0700 -o debian -g debian /home/debian/.ssh;"
            f" echo '{public_key}' > /home/debian/.ssh/authorized_keys;"
            " chown debian:debian /home/debian/.ssh/authorized_keys; chmod 0600 /home/debian/.ssh/authorized_keys;"
            " echo 'debian ALL=(ALL:ALL) NOPASSWD: ALL' > /etc/sudoers.d/debian; chmod 0440 /etc/sudoers.d/debian;"
            " systemctl enable --now ssh"
        )
        labhost.docker("exec", name, "sh", "-c", script)
        known_hosts = work / "known_hosts"
        for _attempt in range(30):
            scan = subprocess.run(["ssh-keyscan", "-T", "2", address], capture_output=True, text=True, check=False)
            if scan.stdout.strip():
                known_hosts.write_text(scan.stdout)
                break
            time.sleep(1)
        else:
            raise RuntimeError(f"sshd on {address} did not answer")
        yield name, key, known_hosts
    finally:
        labhost.remove(name)
        # The network goes once no test host uses it any more.
        labhost.docker("network", "rm", NETWORK, check=False)

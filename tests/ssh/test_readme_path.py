"""The README's path for real hosts, taken as a user takes it, over SSH.

The collection is built into a Galaxy tarball and installed into a user
project outside this checkout (its dependencies from the `ansible` package,
as Galaxy is out of reach here). A fresh Debian 12 container stands in for a
NUC as a cloud image or an installer leaves it: sshd, and a sudoer `debian`
who logs in with a key. The project's inventory is the README's example.
Then, as the README advises: `--check --diff` first (it must work on a host
the collection has never touched and report what it would change), the real
converge, and a second converge with zero changes. Last, the admin user the
inventory declares logs in with her key and uses sudo.

The run takes the strategy the environment gives (mitogen under
scripts/run-tests; SOVEREIGN_MITOGEN=0 for Ansible's own).
"""

from __future__ import annotations

import os
import subprocess
import sysconfig
from pathlib import Path

import ansible_playbook
import labhost
import pytest
import sshhost
import testlab
import yaml

ROOT = Path(__file__).resolve().parents[2]
SUBNET, ADDRESS = sshhost.SUBNET, "172.30.60.21"


def sh(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, check=True, **kwargs)


def user_environment(project):
    """A user's environment: the installed tarball and the bundled dependencies, not this checkout."""
    bundled = sysconfig.get_paths()["purelib"]
    return {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": f"{project / 'collections'}:{bundled}",
        "ANSIBLE_NOCOLOR": "1",
        # The user's home: where the internal CA goes by default (~/.local/share/sovereign-cloud/pki).
        "HOME": str(project / "home"),
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A user project: the collection installed from its tarball, an inventory, SSH keys."""
    work = tmp_path_factory.mktemp("user-project")
    (work / "home").mkdir()
    build = work / "build"
    sh("ansible-galaxy", "collection", "build", "--output-path", str(build), str(ROOT))
    tarball = next(build.glob("sovereign-cloud-*.tar.gz"))
    sh(
        "ansible-galaxy", "collection", "install", "--no-deps", "-p", str(work / "collections"), str(tarball),
        env=user_environment(work), cwd=work,
    )  # fmt: skip
    assert (work / "collections" / "ansible_collections" / "sovereign" / "cloud" / "playbooks" / "site.yml").exists()
    sshhost.new_key(work / "alice", "alice@controller")
    return work


@pytest.fixture(scope="module")
def fresh_host(project):
    """A fresh Debian 12 host: sshd, a sudoer `debian` with a key, nothing of this collection."""
    with sshhost.ssh_host(project, ADDRESS, "sovereign-ssh-fresh") as (name, _key, _known_hosts):
        yield name


@pytest.fixture(scope="module")
def inventory(project, fresh_host):
    """The README's example inventory, for this host."""
    alice = (project / "alice.pub").read_text().strip()
    data = {
        "all": {
            "hosts": {"nuc1": {"ansible_host": ADDRESS}},
            "vars": {
                "ansible_user": "debian",
                "ansible_ssh_private_key_file": str(project / "debian"),
                "ansible_ssh_common_args": f"-o UserKnownHostsFile={project / 'known_hosts'}",
                "base_admin_users": [{"name": "alice", "ssh_keys": [alice]}],
                "base_ssh_allowed_networks": [SUBNET],
                "sovereign_provider": "homelab",
                "sovereign_country": "DE",
            },
        }
    }
    path = project / "inventory" / "hosts.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path.parent


def site(project, inventory, *args):
    """ansible-playbook sovereign.cloud.site from the user project (not this checkout)."""
    seconds, proc = ansible_playbook.timed(
        ["-i", inventory, "sovereign.cloud.site", *args], cwd=project, env=user_environment(project)
    )
    output = proc.stdout + proc.stderr
    print(f"\nsite {' '.join(args) or '(converge)'}: {seconds:.0f} s, rc {proc.returncode}")
    return proc.returncode, testlab.recap(output), output


def test_check_mode_on_the_fresh_host_reports_changes(project, inventory):
    rc, recap, output = site(project, inventory, "--check", "--diff")
    assert rc == 0, output[-5000:]
    assert recap["nuc1"]["failed"] == 0 and recap["nuc1"]["changed"] > 0, recap


def test_check_mode_changed_nothing(fresh_host):
    for path in ("/etc/nftables.conf", "/home/alice", "/etc/chrony"):
        assert labhost.docker("exec", fresh_host, "test", "-e", path, check=False).returncode != 0, path
    installed = labhost.docker("exec", fresh_host, "dpkg-query", "-W", "python3-apt", check=False)
    assert installed.returncode != 0, "check mode installed python3-apt"


def test_converge_then_nothing_to_change(project, inventory):
    rc, recap, output = site(project, inventory)
    assert rc == 0, output[-5000:]
    assert recap["nuc1"]["changed"] > 0
    rc, recap, output = site(project, inventory)
    assert rc == 0, output[-5000:]
    assert recap["nuc1"]["changed"] == 0, output[-5000:]


def test_check_mode_on_the_converged_host_is_clean(project, inventory):
    rc, recap, output = site(project, inventory, "--check")
    assert rc == 0 and recap["nuc1"]["changed"] == 0, output[-5000:]


def test_the_admin_user_logs_in_with_her_key_and_uses_sudo(project, inventory):
    ssh = [
        "ssh", "-i", str(project / "alice"), "-o", f"UserKnownHostsFile={project / 'known_hosts'}",
        "-o", "BatchMode=yes", f"alice@{ADDRESS}", "sudo", "-n", "id", "-u",
    ]  # fmt: skip
    result = subprocess.run(ssh, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "0", result.stderr

"""Vendor APT keys pinned by fingerprint: only the pinned key reaches apt's keyring.

Runs the artifact role's `apt_repository_preflight` entry point on this
machine (the controller side of the check) against key files made here with
gpg: a file holding the pinned key and another one, a file without the
pinned key, and a file where the pinned key is revoked.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402

PLAYBOOK = """
- name: Check a pinned APT key
  hosts: localhost
  gather_facts: true
  tasks:
    - name: Key of the repository
      ansible.builtin.include_role:
        name: sovereign.cloud.artifact
        tasks_from: apt_repository_preflight
      vars:
        artifact_apt_repository: vendor
        artifact_apt_packages: [vendor-tool]
        artifact_apt_variable: vendor_install_method
"""


def gpg(home, *args, **kwargs):
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--quiet", *args], check=True, **kwargs)


def new_key(home, name):
    gpg(home, "--passphrase", "", "--quick-gen-key", f"{name} <{name}@example.invalid>", "ed25519", "sign", "1y")
    listing = gpg(home, "--with-colons", "--list-keys", f"{name}@example.invalid", capture_output=True, text=True)
    return next(line.split(":")[9] for line in listing.stdout.splitlines() if line.startswith("fpr:"))


def fingerprints(path):
    listing = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--show-keys", str(path)], capture_output=True, text=True, check=True
    ).stdout
    lines = listing.splitlines()
    return [lines[i + 1].split(":")[9] for i, line in enumerate(lines) if line.startswith("pub:")]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    work = tmp_path_factory.mktemp("apt-key")
    home = work / "gnupg"
    home.mkdir(mode=0o700)
    pinned = new_key(home, "vendor")
    other = new_key(home, "intruder")
    both = work / "both.asc"
    gpg(home, "--armor", "--output", str(both), "--export", pinned, other)
    only_other = work / "other.asc"
    gpg(home, "--armor", "--output", str(only_other), "--export", other)
    # gpg writes a revocation certificate for every new key; import it.
    revocation = (home / "openpgp-revocs.d" / f"{pinned}.rev").read_text().replace(":-----BEGIN", "-----BEGIN")
    (work / "revoke.asc").write_text(revocation)
    gpg(home, "--import", str(work / "revoke.asc"))
    revoked = work / "revoked.asc"
    gpg(home, "--armor", "--output", str(revoked), "--export", pinned)
    return {"work": work, "pinned": pinned, "other": other, "both": both, "only_other": only_other, "revoked": revoked}


def run_check(keys, key_file, name):
    work = keys["work"]
    cache = work / f"cache-{name}"
    extra = {
        "sovereign_artifact_cache": str(cache),
        "sovereign_apt_repositories_extra": {
            "vendor": {
                "url": "https://apt.vendor.example.eu",
                "suites": ["stable"],
                "components": ["main"],
                "key_url": f"file://{key_file}",
                "fingerprint": keys["pinned"],
            }
        },
    }
    (work / f"{name}.json").write_text(yaml.safe_dump(extra))
    (work / "check.yml").write_text(PLAYBOOK)
    proc = ansible_playbook.run(
        "localhost,",
        work / "check.yml",
        "-c",
        "local",
        "-e",
        f"@{work / name}.json",
        env={"ANSIBLE_PYTHON_INTERPRETER": sys.executable},
    )
    return proc, cache / "apt-keys" / "vendor" / "keyring.gpg"


def test_only_the_pinned_key_is_exported(keys):
    proc, keyring = run_check(keys, keys["both"], "both")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert fingerprints(keys["both"]) == [keys["pinned"], keys["other"]]
    assert fingerprints(keyring) == [keys["pinned"]]
    # The same key file gives the same keyring: the host's copy does not change on re-runs.
    first = keyring.read_bytes()
    proc, keyring = run_check(keys, keys["both"], "both")
    assert proc.returncode == 0
    assert keyring.read_bytes() == first


def test_a_file_without_the_pinned_key_is_refused(keys):
    proc, keyring = run_check(keys, keys["only_other"], "other")
    output = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0
    assert f"does not hold the pinned primary key {keys['pinned']}" in output
    assert f"{keys['other']} usable" in output
    assert not keyring.exists()


def test_a_revoked_pinned_key_is_refused(keys):
    proc, keyring = run_check(keys, keys["revoked"], "revoked")
    output = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0
    assert f"{keys['pinned']} revoked" in output
    assert not keyring.exists()

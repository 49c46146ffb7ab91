"""Two roles take packages from one vendor repository: each keeps its package, the rest stays refused.

Grafana, Loki and Alloy all come from Grafana's APT repository. Each role
calls the artifact role's `apt_repository` entry point with its own
package; the apt preferences must end up allowing all of them, and nothing
else from that repository.

A real APT repository is built here (three empty packages, a Packages
index, a Release file signed with a key made by gpg) and served over HTTP
inside a lab container; the entry point runs twice on that container, for
sovereign-test-a and then sovereign-test-b; `apt-cache policy` then says
what apt would take.

A repository with one suite per Debian release (GitLab's, `suites:
[codename]`) gets the host's codename as its suite, and a host on a release
the vendor does not publish for is refused before any change.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import labhost
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402

PACKAGES = ("sovereign-test-a", "sovereign-test-b", "sovereign-test-c")
PORT = 8081

PLAYBOOK = """
- name: Two roles, one vendor repository
  hosts: all
  become: true
  tasks:
    # As in site.yml, base has run first: python3-apt is there for the apt module.
    - name: What base installs first
      ansible.builtin.include_role:
        name: sovereign.cloud.base
        tasks_from: packages
      vars:
        base_packages_wanted: [python3-apt]

    - name: The first role's package
      ansible.builtin.include_role:
        name: sovereign.cloud.artifact
        tasks_from: apt_repository
      vars:
        artifact_apt_repository: testrepo
        artifact_apt_packages: [sovereign-test-a]
        artifact_apt_variable: first_install_method

    - name: The second role's package
      ansible.builtin.include_role:
        name: sovereign.cloud.artifact
        tasks_from: apt_repository
      vars:
        artifact_apt_repository: testrepo
        artifact_apt_packages: [sovereign-test-b]
        artifact_apt_variable: second_install_method
"""


def gpg(home, *args, **kwargs):
    return subprocess.run(["gpg", "--homedir", str(home), "--batch", "--quiet", *args], check=True, **kwargs)


def build_package(work, name):
    root = work / name
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: 1.0\nArchitecture: all\nMaintainer: tests <tests@example.invalid>\n"
        f"Description: empty package for the apt preferences test\n"
    )
    deb = work / f"{name}_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)], check=True, capture_output=True)
    return deb


def index_entry(deb, filename):
    control = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True, text=True).stdout
    data = deb.read_bytes()
    return (
        control.rstrip("\n")
        + f"\nFilename: {filename}\nSize: {len(data)}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"
    )


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """A signed repository directory and the fingerprint of its key."""
    work = tmp_path_factory.mktemp("apt-repo")
    home = work / "gnupg"
    home.mkdir(mode=0o700)
    gpg(home, "--passphrase", "", "--quick-gen-key", "testrepo <testrepo@example.invalid>", "ed25519", "sign", "1y")
    listing = gpg(home, "--with-colons", "--list-keys", capture_output=True, text=True).stdout
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    gpg(home, "--armor", "--output", str(work / "key.asc"), "--export", fingerprint)

    repo = work / "repo"
    pool, binary = repo / "pool", repo / "dists" / "stable" / "main" / "binary-amd64"
    pool.mkdir(parents=True)
    binary.mkdir(parents=True)
    entries = []
    for name in PACKAGES:
        deb = build_package(work, name)
        (pool / deb.name).write_bytes(deb.read_bytes())
        entries.append(index_entry(deb, f"pool/{deb.name}"))
    packages = "\n".join(entries).encode()
    (binary / "Packages").write_bytes(packages)
    (binary / "Packages.gz").write_bytes(gzip.compress(packages))
    sums = "".join(
        f" {hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_size} main/binary-amd64/{path.name}\n"
        for path in (binary / "Packages", binary / "Packages.gz")
    )
    # One suite named "stable" (Grafana's way) and one per Debian release,
    # bookworm only here (GitLab's way).
    for suite in ("stable", "bookworm"):
        if suite != "stable":
            shutil.copytree(binary, repo / "dists" / suite / "main" / "binary-amd64")
        release = repo / "dists" / suite / "Release"
        release.write_text(
            f"Origin: testrepo\nSuite: {suite}\nCodename: {suite}\nArchitectures: amd64\nComponents: main\n"
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S UTC', time.gmtime())}\nSHA256:\n{sums}"
        )
        gpg(
            home,
            "--local-user",
            fingerprint,
            "--clearsign",
            "--output",
            str(release.parent / "InRelease"),
            str(release),
        )
    return {"work": work, "repo": repo, "key": work / "key.asc", "fingerprint": fingerprint}


@pytest.fixture(scope="module")
def host(repository):
    """A lab container serving the repository on 127.0.0.1."""
    name = labhost.start("sovereign-lab/debian:12", "sovereign-apt-pref", hostname="apt-pref")
    try:
        labhost.docker("cp", str(repository["repo"]), f"{name}:/srv/testrepo")
        labhost.docker(
            "exec", name, "systemd-run", "--unit=testrepo", "--working-directory=/srv/testrepo",
            "python3", "-m", "http.server", str(PORT), "--bind", "127.0.0.1",
        )  # fmt: skip
        yield name
    finally:
        labhost.remove(name)


def run_with_repository(repository, host, playbook, name, entry):
    """Run `playbook` on the container with the test's repository pinned as `name` (`entry`: url, suites, ...)."""
    work = repository["work"]
    (work / "inventory.yml").write_text(yaml.safe_dump(labhost.docker_inventory({"apt-pref": host})))
    (work / f"{name}.yml").write_text(playbook)
    extra = {
        "sovereign_artifact_cache": str(work / "cache"),
        "sovereign_apt_repositories_extra": {
            name: {
                **entry,
                "components": ["main"],
                "key_url": f"file://{repository['key']}",
                "fingerprint": repository["fingerprint"],
            }
        },
    }
    (work / f"{name}-extra.yml").write_text(yaml.safe_dump(extra))
    return ansible_playbook.run(work / "inventory.yml", work / f"{name}.yml", "-e", f"@{work / f'{name}-extra.yml'}")


def test_each_role_keeps_its_package_and_the_rest_stays_refused(repository, host):
    entry = {"url": f"http://127.0.0.1:{PORT}", "suites": ["stable"]}
    proc = run_with_repository(repository, host, PLAYBOOK, "testrepo", entry)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]

    policy = {name: labhost.docker("exec", host, "apt-cache", "policy", name).stdout for name in PACKAGES}
    candidates = {name: text.split("Candidate:", 1)[1].split()[0] for name, text in policy.items()}
    # Both roles' packages can be installed from the repository...
    assert candidates["sovereign-test-a"] == "1.0", policy
    assert candidates["sovereign-test-b"] == "1.0", policy
    # ...and the repository supplies nothing else.
    assert candidates["sovereign-test-c"] == "(none)", policy


CODENAME_PLAYBOOK = """
- name: A vendor repository with one suite per Debian release
  hosts: all
  become: true
  tasks:
    - name: The role's package
      ansible.builtin.include_role:
        name: sovereign.cloud.artifact
        tasks_from: apt_repository
      vars:
        artifact_apt_repository: perrelease
        artifact_apt_packages: [sovereign-test-c]
        artifact_apt_variable: third_install_method
"""


def per_release_run(repository, host, releases):
    # Another host name than the first test's repository: apt preferences pin by origin host.
    entry = {"url": f"http://localhost:{PORT}", "suites": ["codename"], "releases": releases}
    return run_with_repository(repository, host, CODENAME_PLAYBOOK, "perrelease", entry)


def test_a_release_the_vendor_does_not_publish_for_is_refused_before_any_change(repository, host):
    proc = per_release_run(repository, host, ["bullseye", "trixie"])
    assert proc.returncode != 0
    assert (
        "third_install_method: the APT repository perrelease publishes packages for bullseye, trixie, "
        "not for bookworm" in proc.stdout
    ), proc.stdout[-3000:]
    listed = labhost.docker("exec", host, "ls", "/etc/apt/sources.list.d").stdout
    assert "sovereign-perrelease" not in listed


def test_the_suite_is_the_hosts_debian_codename(repository, host):
    proc = per_release_run(repository, host, ["bookworm", "trixie"])
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    source = labhost.docker("exec", host, "cat", "/etc/apt/sources.list.d/sovereign-perrelease.sources").stdout
    assert "Suites: bookworm\n" in source
    policy = labhost.docker("exec", host, "apt-cache", "policy", "sovereign-test-c").stdout
    assert policy.split("Candidate:", 1)[1].split()[0] == "1.0", policy

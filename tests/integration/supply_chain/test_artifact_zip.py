"""The artifact role's `single_file_zip` layout (Loki's and Alloy's releases), for real.

Loki and Alloy cannot be downloaded here, so the layout is exercised with a
zip built the way theirs are (one executable named <program>-linux-<arch>,
stored without its execute bit) around a real program: Debian's build of
node_exporter, unpacked from its package. The role installs it on a lab
container from a file:// mirror with sovereign_offline, then a second run
changes nothing.
"""

from __future__ import annotations

import hashlib
import platform
import re
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402
import debian_tools  # noqa: E402
import labhost  # noqa: E402

ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), "amd64")
VERSION = "1.0.0-test"

PLAYBOOK = """
- name: Install a zipped release
  hosts: all
  become: true
  tasks:
    - name: Artifact
      ansible.builtin.include_role:
        name: sovereign.cloud.artifact
      vars:
        artifact_name: zipped_exporter
        artifact_version: "1.0.0-test"
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    program = debian_tools.unpacked("prometheus-node-exporter", "usr/bin/prometheus-node-exporter")
    if program is None:
        pytest.skip("Debian's prometheus-node-exporter package cannot be downloaded here")
    work = tmp_path_factory.mktemp("artifact-zip")
    mirror = work / "mirror"
    release = mirror / "zipped_exporter" / VERSION
    release.mkdir(parents=True)
    archive = release / f"zipped_exporter-linux-{ARCH}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        info = zipfile.ZipInfo(f"zipped_exporter-linux-{ARCH}")
        info.external_attr = 0o644 << 16  # no execute bit, as upstream ships it
        info.compress_type = zipfile.ZIP_DEFLATED
        zipped.writestr(info, program.read_bytes())
    extra = {
        "sovereign_offline": True,
        "sovereign_artifact_mirror": f"file://{mirror}",
        "sovereign_artifact_cache": str(work / "cache"),
        "sovereign_artifacts_extra": {
            "zipped_exporter": {
                "binaries": ["zipped_exporter"],
                "layout": "single_file_zip",
                "versions": {
                    VERSION: {
                        "files": {
                            ARCH: {
                                "url": f"https://example.invalid/{archive.name}",
                                "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
                            }
                        }
                    }
                },
            }
        },
    }
    (work / "extra.json").write_text(yaml.safe_dump(extra))
    (work / "install.yml").write_text(PLAYBOOK)
    name = labhost.start("sovereign-lab/debian:12", "sovereign-artifact-zip", hostname="artifact-zip")
    try:
        (work / "inventory.yml").write_text(yaml.safe_dump(labhost.docker_inventory({"target": name})))
        yield name, work
    finally:
        labhost.remove(name)


def converge(work):
    proc = ansible_playbook.run(work / "inventory.yml", work / "install.yml", "-e", f"@{work / 'extra.json'}")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return int(re.search(r"target\s+:\s+ok=\d+\s+changed=(\d+)", proc.stdout).group(1))


def test_zip_release_installed_executable_and_linked(setup):
    name, work = setup
    assert converge(work) > 0
    release = f"/opt/sovereign/zipped_exporter/{VERSION}"
    link = labhost.docker("exec", name, "readlink", f"{release}/zipped_exporter").stdout.strip()
    assert link == f"zipped_exporter-linux-{ARCH}"
    mode = labhost.docker("exec", name, "stat", "-c", "%a %U", f"{release}/zipped_exporter-linux-{ARCH}").stdout
    assert mode.split() == ["755", "root"]
    version = labhost.docker("exec", name, f"{release}/zipped_exporter", "--version", check=False)
    assert "node_exporter" in version.stdout + version.stderr
    recorded = labhost.docker("exec", name, "cat", f"{release}/.sovereign-sha256").stdout
    assert recorded.endswith(f"zipped_exporter-linux-{ARCH}.zip\n")


def test_second_run_changes_nothing(setup):
    _name, work = setup
    assert converge(work) == 0

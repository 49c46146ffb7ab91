"""Bad input is refused before any change, with a message naming the variable.

Each file in cases/ holds the cases of one role: the variables to pass and
the strings the failure message must contain. Every case runs the role for
real against one throwaway lab container (Debian 12 image from
scripts/lab-images) and then checks from outside that nothing on the host
changed: no file under the directories the roles manage is newer than a
marker written just before the run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tooling"))
import labhost  # noqa: E402

WATCHED = "/etc /usr/local /home /var/lib/sovereign /opt"


def load_cases():
    cases = []
    for path in sorted((HERE / "cases").glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        for case in data["cases"]:
            cases.append(pytest.param(data["role"], case, id=f"{path.stem}-{case['id']}"))
    return cases


def changed_files(container, marker):
    return labhost.docker(
        "exec", container, "sh", "-c",
        f"find {WATCHED} -newer {marker} -not -path '/etc/ansible*' 2>/dev/null | head -20",
        check=False,
    ).stdout.strip()  # fmt: skip


def test_sovereignty_gate_stops_site_before_any_change(target):
    """A host declared in the UK with personal data: site.yml stops at the gate."""
    container, workdir = target
    extra = workdir / "gate.json"
    extra.write_text(
        json.dumps(
            {
                "sovereign_provider": "homelab",
                "sovereign_country": "GB",
                "sovereign_data_classification": "personal",
                "sovereign_policy_file": str(HERE.parents[2] / "inventories/lab/group_vars/all/sovereignty.yml"),
            }
        )
    )
    marker = "/root/.bad-input-marker-gate"
    labhost.docker("exec", container, "touch", marker)
    site = HERE.parents[2] / "playbooks" / "site.yml"
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(site), "-e", f"@{extra}"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "target SOV-LOC-001: personal data on a host in GB" in output
    assert "Base hardening" not in output, "site.yml went on past the gate"
    assert not changed_files(container, marker)


@pytest.mark.parametrize(("role", "case"), load_cases())
def test_bad_input_fails_before_any_change(target, role, case):
    container, workdir = target
    playbook = workdir / f"{role}.yml"
    playbook.write_text(
        yaml.safe_dump([{"name": "Bad input", "hosts": "all", "become": True, "roles": [f"sovereign.cloud.{role}"]}])
    )
    extra = workdir / f"{case['id']}.json"
    scratch = workdir / f"{case['id']}.tmp"
    scratch.mkdir(exist_ok=True)
    substitutions = {"{ROOT}": str(HERE.parents[2]), "{TMP}": str(scratch)}
    text = json.dumps(case["vars"])
    expected_strings = list(case["expect"])
    for placeholder, value in substitutions.items():
        text = text.replace(placeholder, value)
        expected_strings = [e.replace(placeholder, value) for e in expected_strings]
    extra.write_text(text)
    marker = f"/root/.bad-input-marker-{case['id']}"
    labhost.docker("exec", container, "touch", marker)
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(playbook), "-e", f"@{extra}"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"the role accepted bad input {case['vars']}:\n{output[-3000:]}"
    flat = re.sub(r"\s+", " ", output)
    for expected in expected_strings:
        assert expected in flat, f"message lacks {expected!r}:\n{output[-3000:]}"
    recap = re.search(r"target\s+:\s+ok=\d+\s+changed=(\d+)", output)
    assert recap and recap.group(1) == "0", f"changes reported before the failure:\n{output[-3000:]}"
    changed = changed_files(container, marker)
    assert not changed, f"files changed on the host: {changed}"

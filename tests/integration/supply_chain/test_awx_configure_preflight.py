"""playbooks/awx_configure.yml checks its data file before it talks to AWX.

There is no AWX here: only the playbook's checks run (`--tags always`, the
tasks before any awx.awx call). The example data file of the docs passes;
a file whose schedule names a job template it does not define, or a job
template for a playbook the collection does not have, is refused, naming
what is wrong.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "awx-configuration.yml"


def preflight(data_file):
    return subprocess.run(
        ["ansible-playbook", str(ROOT / "playbooks" / "awx_configure.yml"), "--tags", "always",
         "-e", f"awx_configuration_file={data_file}", "-e", "awx_controller_token=test-token-not-used"],
        capture_output=True, text=True, check=False, cwd=ROOT,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip


def test_the_documented_example_passes():
    proc = preflight(EXAMPLE)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_a_schedule_of_an_unknown_template_is_refused(tmp_path):
    data = yaml.safe_load(EXAMPLE.read_text())
    data["awx_configuration"]["schedules"].append({"name": "x", "job_template": "deploy", "rrule": "RRULE:FREQ=DAILY"})
    data["awx_configuration"]["job_templates"].append({"playbook": "not_a_playbook", "inventory": "platform"})
    path = tmp_path / "awx.yml"
    path.write_text(yaml.safe_dump(data))
    proc = preflight(path)
    assert proc.returncode != 0
    output = " ".join(proc.stdout.split())
    assert "each job template's playbook must be one of" in output
    assert "not_a_playbook" in output

"""site.yml run the way AWX runs it: through ansible-runner, from a private data directory (issue #20).

AWX runs a job template with ansible-runner in a private data directory:
project/ (the SCM checkout, holding the playbook), inventory/ (the
inventory AWX keeps, written out as a script that prints it), env/extravars
(the template's and the survey's extra vars, with AWX's own awx_* ones),
env/envvars (credential injections, settings) and env/settings (timeouts),
with no terminal: a prompt would hang the job until its timeout. This test
lays the directory out that way, with the test lab's inventory exported as
AWX imports it (ansible-inventory --export), runs the project's site.yml
(importing sovereign.cloud.site, as a user's project does), and checks
that it needs no prompt, that the job events stream, and that it reports 0
changed: the test lab was converged by site.yml just before (tests/run.py,
"lab: converge site.yml"), so this is the second run. It is not AWX.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import ansible_runner
import pytest
import testlab
from ansible_inventory import plain

LAB = testlab.lab()
INVENTORY_SCRIPT = """#!{python}
# The inventory as AWX keeps it, printed as an inventory script prints it.
import json, sys
data = json.load(open({path!r}))
print(json.dumps(data if "--list" in sys.argv else {{}}))
"""


@pytest.fixture(scope="module")
def private_data_dir(tmp_path_factory):
    work = tmp_path_factory.mktemp("awx-job")
    for name in ("project", "inventory", "env"):
        (work / name).mkdir()
    (work / "project" / "site.yml").write_text(
        "---\n- name: The platform\n  ansible.builtin.import_playbook: sovereign.cloud.site\n"
    )
    sources = [arg for source in LAB.inventories() for arg in ("-i", source)]
    exported = subprocess.run(
        ["ansible-inventory", *sources, "--list", "--export"],
        capture_output=True, text=True, check=True, cwd=testlab.ROOT,
    )  # fmt: skip
    # AWX stores the imported values as plain data.
    (work / "inventory.json").write_text(json.dumps(plain(json.loads(exported.stdout))))
    script = work / "inventory" / "hosts"
    script.write_text(INVENTORY_SCRIPT.format(python=sys.executable, path=str(work / "inventory.json")))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    # What AWX adds to every job's extra vars, and a survey answer: where the
    # lab keeps its controller-side state (the lab's inventory finds it from
    # inventory_dir, which an exported inventory no longer has).
    (work / "env" / "extravars").write_text(
        json.dumps({"awx_job_id": 42, "awx_job_template_name": "site", "tower_job_id": 42, "awx_user_name": "ops",
                    "lab_state_dir": str(LAB.state)})
    )  # fmt: skip
    (work / "env" / "envvars").write_text(
        json.dumps({"ANSIBLE_COLLECTIONS_PATH": os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""),
                    "ANSIBLE_FORCE_COLOR": "False", "ANSIBLE_NOCOLOR": "1"})
    )  # fmt: skip
    # A prompt would wait for an answer that never comes: the job times out.
    (work / "env" / "settings").write_text(json.dumps({"job_timeout": 900, "idle_timeout": 300}))
    return work


@pytest.fixture(scope="module")
def job(private_data_dir):
    return ansible_runner.run(private_data_dir=str(private_data_dir), playbook="site.yml", quiet=True)


def test_the_job_runs_without_a_prompt_and_succeeds(job):
    assert job.status == "successful", (job.status, job.rc, job.stdout.read()[-4000:])
    assert job.rc == 0


def test_the_job_events_stream(job):
    events = list(job.events)
    kinds = {event["event"] for event in events}
    assert {"playbook_on_start", "playbook_on_play_start", "runner_on_ok", "playbook_on_stats"} <= kinds
    hosts = {event["event_data"].get("host") for event in events if event["event"] == "runner_on_ok"}
    assert {"nuc1", "nuc2", "nuc3"} <= hosts
    # Each event carries a counter and a uuid, as AWX stores them.
    assert all("uuid" in event and "counter" in event for event in events)


def test_the_second_run_changes_nothing(job):
    changed = {host: count for host, count in (job.stats or {}).get("changed", {}).items() if count}
    assert changed == {}, changed
    assert set((job.stats or {}).get("ok", {})) >= {"nuc1", "nuc2", "nuc3"}

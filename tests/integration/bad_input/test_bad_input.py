"""Bad input is refused before any change, with a message naming the variable.

Each file in cases/ holds the cases of one role: the variables to pass and
the strings the failure message must contain. Every case runs the role for
real against one throwaway lab container (Debian 12 image from
scripts/lab-images) and then checks from outside that nothing on the host
changed: no file under the directories the roles manage is newer than a
marker written just before the run.

The cases of a role run in one ansible-playbook call: each case is an
inventory host of its own (named after the case, its variables as host
variables) reaching the same container. A case passes when its host failed,
its own failure carries every expected string, its host reported no change,
and no file changed on the container. A role whose preflight reads other
hosts' variables (`isolated: true` in its file: a mesh or a cluster, where
the other "hosts" would be the other cases) runs one call per case, as the
single host `target`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import labhost
import pytest
import yaml
from fact_cache import share_facts

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
WATCHED = "/etc /usr/local /home /var/lib/sovereign /opt"


def load_cases():
    cases = []
    for path in sorted((HERE / "cases").glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        for case in data["cases"]:
            cases.append(pytest.param(data["role"], case, id=f"{path.stem}-{case['id']}"))
    return cases


def cases_with_secrets():
    """(role, case, verbosity) for every case that plants a secret (`absent`), at default verbosity and at -vvv."""
    return [
        pytest.param(role, case, verbosity, id=f"{param.id}{verbosity or ''}")
        for param in load_cases()
        for role, case in [param.values]
        if case.get("absent")
        for verbosity in ("", "-vvv")
    ]


def role_file(role):
    return yaml.safe_load((HERE / "cases" / f"{role}.yml").read_text())


def changed_files(container, marker):
    return labhost.docker(
        "exec", container, "sh", "-c",
        f"find {WATCHED} -newer {marker} -not -path '/etc/ansible*' 2>/dev/null | head -20",
        check=False,
    ).stdout.strip()  # fmt: skip


def strings_in(value):
    """Every string inside a JSON value, for a search that ignores how it is nested or quoted."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif value is not None:
        yield str(value)


class Outcome:
    """What one case's host went through in a run: its failure text, its recap, files changed on the container."""

    def __init__(self, tmp, failure_text, counters, files_changed, output):
        self.tmp = tmp
        self.failure_text = failure_text
        self.counters = counters
        self.files_changed = files_changed
        self.output = output


def write_run(container, workdir, role, cases):
    """Inventory and playbook of one run; (run directory, {host: scratch directory})."""
    run_dir = workdir / f"{role}-{len(list(workdir.iterdir()))}"
    run_dir.mkdir()
    hosts, scratch = {}, {}
    for host, case in cases.items():
        scratch[host] = run_dir / f"{case['id']}.tmp"
        scratch[host].mkdir()
        text = json.dumps(case["vars"]).replace("{ROOT}", str(ROOT)).replace("{TMP}", str(scratch[host]))
        hosts[host] = {
            "ansible_connection": "docker",
            "ansible_host": container,
            "ansible_python_interpreter": "/usr/bin/python3",
            **json.loads(text),
        }
    inventory = run_dir / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    (run_dir / "play.yml").write_text(
        yaml.safe_dump([{"name": "Bad input", "hosts": "all", "become": True, "roles": [f"sovereign.cloud.{role}"]}])
    )
    return run_dir, scratch


def run_role(container, workdir, role, cases, options=()):
    """One ansible-playbook call for `cases` ({host name: case}); an Outcome per host name."""
    run_dir, scratch = write_run(container, workdir, role, cases)
    hosts = list(cases)
    inventory, playbook = run_dir / "inventory.yml", run_dir / "play.yml"
    marker = f"/root/.bad-input-marker-{run_dir.name}"
    labhost.docker("exec", container, "touch", marker)
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), *options, str(playbook)],
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            **share_facts(workdir, hosts),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_NOCOLOR": "1",
        },
    )
    files = changed_files(container, marker)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        report = {"plays": [], "stats": {}}
    failures = {host: [] for host in hosts}
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for host, result in task.get("hosts", {}).items():
                if host in failures and (result.get("failed") or result.get("unreachable")):
                    # The task's name too: a failure is told by its task as much as by its message.
                    failures[host].append(task.get("task", {}).get("name", "") + " " + " ".join(strings_in(result)))
    output = proc.stdout[-6000:] + proc.stderr[-3000:]
    return {
        host: Outcome(
            scratch[host],
            re.sub(r"\s+", " ", " ".join(failures[host] + [proc.stderr])),
            report.get("stats", {}).get(host, {}),
            files,
            output,
        )
        for host in hosts
    }


@pytest.fixture(scope="session")
def outcomes(target):
    """Outcome of a case, running its role's batch (or the case alone) the first time it is asked for."""
    container, workdir = target
    cache: dict[str, Outcome] = {}

    def outcome(role, case):
        key = f"{role}/{case['id']}"
        if key not in cache:
            data = role_file(role)
            if data.get("isolated"):
                cache[key] = run_role(container, workdir, role, {"target": case})["target"]
            else:
                batch = {c["id"]: c for c in data["cases"]}
                for host, result in run_role(container, workdir, role, batch).items():
                    cache[f"{role}/{host}"] = result
        return cache[key]

    return outcome


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
                "sovereign_policy_file": str(ROOT / "inventories/lab/group_vars/all/sovereignty.yml"),
            }
        )
    )
    marker = "/root/.bad-input-marker-gate"
    labhost.docker("exec", container, "touch", marker)
    proc = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            str(workdir / "inventory.yml"),
            str(ROOT / "playbooks" / "site.yml"),
            "-e",
            f"@{extra}",
        ],
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


@pytest.mark.parametrize(("role", "case", "verbosity"), cases_with_secrets())
def test_a_planted_secret_reaches_no_output(target, role, case, verbosity):
    """What an operator sees (the default output, and -vvv) never shows the planted secret."""
    container, workdir = target
    run_dir, _scratch = write_run(container, workdir, role, {"target": case})
    proc = subprocess.run(
        ["ansible-playbook", *([verbosity] if verbosity else []), "-i", str(run_dir / "inventory.yml"),
         str(run_dir / "play.yml")],
        capture_output=True, text=True, check=False,
        env={**os.environ, **share_facts(workdir, ["target"]), "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "fatal:" in output or "failed:" in output, output[-3000:]
    for secret in case["absent"]:
        assert secret not in output, f"{secret!r} is in the output {verbosity}"


def cases_under_phase_tags():
    """(role, case, tag) for every tag a case lists in `phase_tags`."""
    return [
        pytest.param(role, case, tag, id=f"{param.id}--tags-{tag}")
        for param in load_cases()
        for role, case in [param.values]
        for tag in case.get("phase_tags", [])
    ]


@pytest.mark.parametrize(("role", "case"), load_cases())
def test_bad_input_fails_before_any_change(outcomes, role, case):
    assert_refused_before_any_change(outcomes(role, case), case)


@pytest.mark.parametrize(("role", "case", "tag"), cases_under_phase_tags())
def test_bad_input_fails_before_any_change_under_a_phase_tag(target, role, case, tag):
    """`--tags <phase>` runs the role's preflight too: the same refusal as a full run."""
    container, workdir = target
    outcome = run_role(container, workdir, role, {"target": case}, ["--tags", tag])["target"]
    assert_refused_before_any_change(outcome, case)


def assert_refused_before_any_change(outcome, case):
    assert outcome.counters.get("failures", 0) > 0 or outcome.counters.get("unreachable", 0) > 0, (
        f"the role accepted bad input {case['vars']}:\n{outcome.output}"
    )
    for template in case["expect"]:
        expected = template.replace("{ROOT}", str(ROOT)).replace("{TMP}", str(outcome.tmp))
        assert expected in outcome.failure_text, f"message lacks {expected!r}:\n{outcome.failure_text[-3000:]}"
    assert outcome.counters.get("changed", 0) == 0, f"changes reported before the failure: {outcome.counters}"
    assert not outcome.files_changed, f"files changed on the host: {outcome.files_changed}"

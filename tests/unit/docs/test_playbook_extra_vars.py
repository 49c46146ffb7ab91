"""Every playbook runs non-interactively, as AWX runs it, and its extra vars are declared in one place.

meta/extra_vars.yml declares each playbook's extra vars (what AWX surveys
ask). Checked here, for every playbook of playbooks/:
- no vars_prompt (AWX cannot answer a prompt: the job would hang);
- it is declared in meta/extra_vars.yml, and nothing else is;
- every `-e name=` (or `-e '{"name": ...}'`) its header documents is declared;
- every required extra var is checked by an assert in the playbook, before
  its roles change anything, so a run without it stops with a message
  naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOKS = sorted(p for p in (ROOT / "playbooks").glob("*.yml"))
DECLARED = yaml.safe_load((ROOT / "meta" / "extra_vars.yml").read_text())["sovereign_playbook_extra_vars"]
EXTRA_VAR = re.compile(r"-e\s+(?:'\{\"([a-z0-9_]+)\"|([a-z0-9_]+)=)")


def header(path):
    lines = []
    for line in path.read_text().splitlines()[1:]:
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def asserted_names(plays):
    """Names in the `that` of the asserts the first play runs before its roles (its pre_tasks, or its tasks
    when it has no roles): what is checked before the playbook changes anything."""
    play = plays[0]
    tasks = list(play.get("pre_tasks") or [])
    if not play.get("roles"):
        tasks += play.get("tasks") or []
    found = set()
    for task in tasks:
        check = task.get("ansible.builtin.assert") or task.get("assert")
        if check:
            that = check.get("that")
            found.update(re.findall(r"[a-z][a-z0-9_]*", " ".join(that if isinstance(that, list) else [that])))
    return found


def test_every_playbook_is_declared_and_nothing_else():
    assert sorted(DECLARED) == [p.stem for p in PLAYBOOKS]


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_no_playbook_prompts(path):
    plays = yaml.safe_load(path.read_text())
    assert all("vars_prompt" not in play for play in plays), f"{path.name} prompts: AWX cannot answer"


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_documented_extra_vars_are_declared(path):
    documented = {a or b for a, b in EXTRA_VAR.findall(header(path))}
    assert documented <= set(DECLARED[path.stem]), f"{path.name} documents {sorted(documented)}"


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_required_extra_vars_are_asserted_before_any_change(path):
    required = {name for name, spec in (DECLARED[path.stem] or {}).items() if spec.get("required")}
    missing = required - asserted_names(yaml.safe_load(path.read_text()))
    assert not missing, f"{path.name}: required extra vars not asserted: {sorted(missing)}"


def test_declarations_are_well_formed():
    for playbook, variables in DECLARED.items():
        for name, spec in (variables or {}).items():
            assert spec.get("type") in ("str", "int", "bool", "list", "path"), (playbook, name)
            assert isinstance(spec.get("required"), bool), (playbook, name)
            assert spec.get("description"), (playbook, name)

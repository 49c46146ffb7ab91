"""Every role's preflight runs under each of its phase tags (issue #15, item 4).

`--tags grafana_configure` must not skip the asserts that refuse bad input
before a change: the tasks of a role's main.yml that carry `preflight` carry
every tag any other task of that file carries (blocks and `apply` included),
as grafana.grafana does. The bad-input tests run some cases under a phase tag
to show the effect (tests/integration/bad_input, `phase_tags`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
# Roles that are only entry points for others (artifact, web_config) have no
# preflight of their own in main.yml.
MAINS = sorted(path for path in ROOT.glob("roles/*/tasks/main.yml") if "preflight" in path.read_text())
NOT_PHASES = {"always", "never"}


def tags_in(tasks):
    """(task, its own tags) for every task of a task list, blocks and include `apply` included."""
    for task in tasks or []:
        yield task, set(task.get("tags", []))
        for key in ("block", "rescue", "always"):
            yield from tags_in(task.get(key))
        for action in ("ansible.builtin.include_role", "ansible.builtin.include_tasks"):
            apply = (task.get(action) or {}).get("apply") if isinstance(task.get(action), dict) else None
            if apply:
                yield task, set(apply.get("tags", []))


@pytest.mark.parametrize("main", MAINS, ids=[path.parts[-3] for path in MAINS])
def test_preflight_carries_every_phase_tag_of_its_role(main):
    tasks = yaml.safe_load(main.read_text())
    every_tag = set().union(*(tags for _task, tags in tags_in(tasks))) - NOT_PHASES
    preflights = [(task, tags) for task, tags in tags_in(tasks) if "preflight" in tags]
    assert preflights, f"{main.parts[-3]}: no task tagged preflight"
    for task, tags in preflights:
        missing = every_tag - tags
        assert not missing, f"{task.get('name')}: the preflight would be skipped under --tags {sorted(missing)}"

"""Run `ansible-inventory --list` and read its output, for the inventory plugin tests."""

from __future__ import annotations

import json
import os
import subprocess


def plain(value):
    """ansible-inventory 2.19 prints values that inventory plugins set (data,
    never templates) as {"__ansible_unsafe": ...}; compare the data itself."""
    if isinstance(value, dict):
        if list(value) == ["__ansible_unsafe"]:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def ansible_inventory(source, env=None, extra_args=()):
    """CompletedProcess of ansible-inventory --list on `source`; unparsed sources fail.

    A None value in `env` removes that variable.
    """
    merged = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true", **(env or {})}
    return subprocess.run(
        ["ansible-inventory", "-i", str(source), "--list", *extra_args],
        capture_output=True,
        text=True,
        check=False,
        env={key: value for key, value in merged.items() if value is not None},
    )


def listing(proc):
    """(groups {name: sorted hosts}, hostvars) of a successful run."""
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    hostvars = plain(data.pop("_meta")["hostvars"])
    groups = {name: sorted(group.get("hosts", [])) for name, group in data.items()}
    return groups, hostvars

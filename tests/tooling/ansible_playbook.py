"""Run ansible-playbook from a test and keep its output (no colours) for assertions."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import yaml


def run(inventory, playbook, *args, env=None):
    """CompletedProcess of `ansible-playbook -i <inventory> <playbook> <args>`; never raises on failure."""
    return subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(playbook), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **(env or {})},
    )


def run_in(workdir, inventory, playbook):
    """Write `inventory` (a dict) and `playbook` (YAML text) into `workdir`, run them, and return
    the output; fails the calling test when the play fails."""
    (workdir / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (workdir / "play.yml").write_text(playbook)
    proc = run(workdir / "inventory.yml", workdir / "play.yml")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    return output


def render_role(workdir, role, hosts, variables):
    """(output directory, play output) of `role`'s `render` entry point for `hosts` (name: host vars).

    The hosts are local; `variables` apply to all of them, and the role's
    `<role>_render_dir` points into `workdir`.
    """
    out = workdir / "out"
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                f"{role}_render_dir": str(out),
                **variables,
            },
            "hosts": hosts,
        }
    }
    playbook = (
        f"- name: Render {role}\n  hosts: all\n  gather_facts: false\n  tasks:\n"
        f"    - name: The role's render entry point\n      ansible.builtin.include_role:\n"
        f"        name: sovereign.cloud.{role}\n        tasks_from: render\n"
    )
    return out, run_in(workdir, inventory, playbook)


def timed(args, cwd=None, env=None):
    """(seconds, CompletedProcess) of `ansible-playbook <args>`; never raises on failure."""
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", *map(str, args)], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )
    return time.monotonic() - started, proc

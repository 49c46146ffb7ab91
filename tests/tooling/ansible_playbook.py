"""Run ansible-playbook from a test and keep its output (no colours) for assertions."""

from __future__ import annotations

import os
import subprocess
import time


def run(inventory, playbook, *args, env=None):
    """CompletedProcess of `ansible-playbook -i <inventory> <playbook> <args>`; never raises on failure."""
    return subprocess.run(
        ["ansible-playbook", "-i", str(inventory), str(playbook), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", **(env or {})},
    )


def timed(args, cwd=None, env=None):
    """(seconds, CompletedProcess) of `ansible-playbook <args>`; never raises on failure."""
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", *map(str, args)], capture_output=True, text=True, check=False, cwd=cwd, env=env
    )
    return time.monotonic() - started, proc

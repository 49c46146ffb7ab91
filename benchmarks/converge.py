"""How long the lab's site.yml takes: first converge, nothing to change, check mode.

On the built-in lab (inventories/lab, three systemd containers standing in
for NUCs), for each strategy: the lab is created afresh (its containers and
its state in .cache/: CA, lab-only passwords), then site.yml converges it
(first converge), converges it again (nothing to change: 0 changed
expected) and runs in check mode (0 changed expected). Prints, for each
run, the wall time, the tasks run per host (`ok` of the PLAY RECAP, which
counts changed tasks too; skipped tasks cost no round trip),
the changes, and the seconds per task of the host with the most tasks.

Strategies: `mitogen` (mitogen_linear, what scripts/ use) and `linear`
(Ansible's own). `BENCH_STRATEGIES=mitogen` measures one only.

Run with `scripts/benchmark converge` (about 15 minutes for both; it
recreates a lab started with scripts/lab-site). Figures go to
benchmarks/results/converge.json.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402
import testlab  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LAB = ["-i", str(ROOT / "inventories" / "lab")]
# What inventories/lab keeps on the controller (lab_state_dir: .cache).
LAB_STATE = [ROOT / ".cache" / "lab-pki", ROOT / ".cache" / "lab-secrets"]


def playbook(name, *args, env):
    seconds, proc = ansible_playbook.timed([*LAB, ROOT / "playbooks" / name, *args], cwd=ROOT, env=env)
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
        raise RuntimeError(f"{name} {' '.join(args)} failed")
    return seconds, testlab.recap(proc.stdout)


def environment(strategy):
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1"}
    if strategy == "linear":
        env.pop("ANSIBLE_STRATEGY", None)
        env.pop("ANSIBLE_STRATEGY_PLUGINS", None)
        env["ANSIBLE_STRATEGY"] = "linear"
    elif "ANSIBLE_STRATEGY_PLUGINS" not in env:
        raise RuntimeError("mitogen is not set up: run through scripts/benchmark")
    else:
        env["ANSIBLE_STRATEGY"] = "mitogen_linear"
    return env


def measure(strategy):
    env = environment(strategy)
    playbook("lab.yml", "-e", "lab_state=absent", env=env)
    for path in LAB_STATE:
        shutil.rmtree(path, ignore_errors=True)
    playbook("lab.yml", env=env)
    runs = {}
    for label, args in (("first converge", ()), ("nothing to change", ()), ("check mode", ("--check",))):
        seconds, recap = playbook("site.yml", *args, env=env)
        # ok: the tasks that ran on the host (changed included); skipped ones cost no round trip.
        tasks = {host: c["ok"] for host, c in recap.items()}
        busiest = max(tasks, key=tasks.get)
        runs[label] = {
            "seconds": round(seconds, 1),
            "tasks_per_host": tasks,
            "changed": {host: c["changed"] for host, c in recap.items()},
            "seconds_per_task": round(seconds / tasks[busiest], 2),
        }
        per_host = ", ".join(f"{host} {n}" for host, n in sorted(tasks.items()))
        changed = sum(c["changed"] for c in recap.values())
        print(
            f"{strategy:<8} {label:<18} {seconds:7.1f} s  tasks {per_host}  changed {changed}"
            f"  {seconds / tasks[busiest]:.2f} s/task ({busiest})",
            flush=True,
        )
    return runs


def main():
    strategies = os.environ.get("BENCH_STRATEGIES", "mitogen,linear").split(",")
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "strategies": {}}
    for strategy in strategies:
        results["strategies"][strategy] = measure(strategy)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "converge.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"figures in {(RESULTS / 'converge.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()

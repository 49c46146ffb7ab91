"""Lynis hardening index of the converged lab, and every suggestion left, with the reason it is left.

On the built-in lab (created and converged with site.yml first when needed:
a converged lab changes nothing), Lynis from Debian audits nuc1 (Debian 12)
and nuc2 (Debian 13): `lynis audit system --quick`. The index and the
suggestions come from its report (/var/log/lynis-report.dat). Each
suggestion is looked up in benchmarks/hardening_suggestions.yml, which says
why it is left: accepted (a deliberate choice, with the reason), or not
applicable in a container (what holds on a real host instead). A suggestion
that file does not explain is printed as UNEXPLAINED: the file, or the base
role, has to change.

Run with `scripts/benchmark hardening`. Figures go to
benchmarks/results/hardening.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
EXPLAINED = ROOT / "benchmarks" / "hardening_suggestions.yml"
HOSTS = {"nuc1": "sovereign-lab-nuc1", "nuc2": "sovereign-lab-nuc2"}
LAB = ["-i", ROOT / "inventories" / "lab"]


def docker_exec(container, *command, check=True):
    return subprocess.run(["docker", "exec", container, *command], capture_output=True, text=True, check=check)


def converge_lab():
    for playbook in ("lab.yml", "site.yml"):
        seconds, proc = ansible_playbook.timed([*LAB, ROOT / "playbooks" / playbook], cwd=ROOT)
        if proc.returncode:
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-2000:])
            raise RuntimeError(f"{playbook} failed")
        print(f"{playbook}: {seconds:.0f} s", flush=True)


def audit(container):
    """(hardening index, [(test id, suggestion text)]) from a Lynis run on the container."""
    docker_exec(container, "sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q lynis >/dev/null")
    docker_exec(container, "lynis", "audit", "system", "--quick", "--no-colors", "--skip-plugins")
    report = docker_exec(container, "cat", "/var/log/lynis-report.dat").stdout
    index = next(int(line.split("=", 1)[1]) for line in report.splitlines() if line.startswith("hardening_index="))
    suggestions = []
    for line in report.splitlines():
        if line.startswith("suggestion[]="):
            test, text = line.split("=", 1)[1].split("|")[:2]
            suggestions.append((test, text))
    return index, suggestions


def main():
    explained = yaml.safe_load(EXPLAINED.read_text())["suggestions"]
    converge_lab()
    results = {"when": time.strftime("%Y-%m-%d %H:%M"), "hosts": {}}
    unexplained = 0
    for name, container in HOSTS.items():
        index, suggestions = audit(container)
        release = docker_exec(container, "sh", "-c", ". /etc/os-release && echo $PRETTY_NAME").stdout.strip()
        print(f"\n{name} ({release}): Lynis hardening index {index}, {len(suggestions)} suggestions left")
        rows = []
        for test, text in suggestions:
            entry = explained.get(test)
            verdict = entry["verdict"] if entry else "UNEXPLAINED"
            why = entry["why"] if entry else "not in benchmarks/hardening_suggestions.yml"
            unexplained += entry is None
            print(f"  {test:<10} {verdict:<26} {text}\n  {'':<10} {'':<26} -> {' '.join(why.split())}")
            rows.append({"test": test, "text": text, "verdict": verdict, "why": why})
        results["hosts"][name] = {"release": release, "index": index, "suggestions": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hardening.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\n{unexplained} unexplained suggestion(s); figures in benchmarks/results/hardening.json")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

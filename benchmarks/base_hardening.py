"""Lynis hardening index of a lab host before and after the base role.

For each lab image (Debian 12 and 13): start a fresh systemd container,
install lynis, audit (before), converge sovereign.cloud.base, audit again
(after), converge a second time. Prints the index before and after and the
wall time of both converges; writes the figures to
benchmarks/results/base_hardening.json.

Run with `scripts/benchmark base_hardening` (sets up the venv and images).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import labhost  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
IMAGES = {"debian12": "sovereign-lab/debian:12", "debian13": "sovereign-lab/debian:13"}


def sh(*cmd, check=True):
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


def lynis_index(container):
    out = sh("docker", "exec", container, "lynis", "audit", "system", "--quick", "--no-colors").stdout
    match = re.search(r"Hardening index : (\d+)", out)
    if not match:
        raise RuntimeError("lynis printed no hardening index")
    return int(match.group(1))


def measure(label, image, workdir):
    name = labhost.start(image, f"sovereign-bench-{label}", hostname=label)
    try:
        sh("docker", "exec", name, "sh", "-c", "apt-get update -qq && apt-get install -y -qq lynis")
        before = lynis_index(name)
        inventory = workdir / f"{label}.yml"
        inventory.write_text(json.dumps(labhost.docker_inventory({label: name})))
        playbook = workdir / "base.yml"
        play = {"name": "Base", "hosts": "all", "become": True, "roles": ["sovereign.cloud.base"]}
        playbook.write_text(json.dumps([play]))
        first, _first_changed = labhost.timed_converge(inventory, playbook)
        after = lynis_index(name)
        second, changed = labhost.timed_converge(inventory, playbook)
        return {
            "image": image,
            "lynis_before": before,
            "lynis_after": after,
            "first_converge_s": round(first, 1),
            "second_converge_s": round(second, 1),
            "second_converge_changed": changed,
        }
    finally:
        labhost.remove(name)


def main():
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, image in IMAGES.items():
            figures[label] = measure(label, image, Path(tmp))
            f = figures[label]
            print(
                f"{label}: lynis hardening index {f['lynis_before']} -> {f['lynis_after']}; "
                f"converge {f['first_converge_s']} s, second converge {f['second_converge_s']} s "
                f"({f['second_converge_changed']} changed)",
                flush=True,
            )
    (RESULTS / "base_hardening.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()

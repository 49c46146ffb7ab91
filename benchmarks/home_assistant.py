"""Time to a working Home Assistant behind the proxy, and the idempotent re-run.

On a fresh Debian 13 lab container: converge base, pki, mosquitto,
reverse_proxy and home_assistant (as site.yml orders them) while polling
https://ha.bench through Caddy with the internal CA every 2 s. Prints the
time from converge start to the first HTTP 200 through the proxy, the total
converge time, and the wall time and change count of a second converge;
writes them to benchmarks/results/home_assistant.json.

Pip downloads from PyPI (or the mirror in PIP_INDEX_URL's role variable), so
the first figure depends on the network as much as on the roles.

Run with `scripts/benchmark home_assistant` (sets up the venv and images).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import labhost  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SITE = "ha.bench"
PLAY_VARS = {
    "sovereign_provider": "homelab",
    "sovereign_country": "DE",
    "home_assistant_owner": {"name": "Bench", "username": "bench", "password": "benchmark-owner-password"},
    "home_assistant_backup_password": "benchmark-backup-password",
    "home_assistant_external_url": f"https://{SITE}",
    "reverse_proxy_sites": [{"name": SITE, "upstream": "127.0.0.1:8123"}],
    "mosquitto_users": [{"name": "bench", "password": "benchmark-mqtt-password"}],
}


def playbook_text():
    play = {
        "name": "Home Assistant stack",
        "hosts": "all",
        "become": True,
        "roles": [
            "sovereign.cloud.base",
            "sovereign.cloud.pki",
            "sovereign.cloud.mosquitto",
            "sovereign.cloud.reverse_proxy",
            "sovereign.cloud.home_assistant",
        ],
    }
    return json.dumps([play])


def first_200(container, started, stop, found):
    """Poll through the proxy from inside the host; record seconds since `started`."""
    while not stop.is_set():
        out = labhost.docker(
            "exec", container, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
            "--cacert", "/etc/sovereign/pki/ca.crt", "--resolve", f"{SITE}:443:127.0.0.1", f"https://{SITE}/",
            check=False,
        ).stdout.strip()  # fmt: skip
        if out == "200":
            found.append(time.monotonic() - started)
            return
        time.sleep(2)


def main():
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        name = labhost.start("sovereign-lab/debian:13", "sovereign-bench-ha", hostname="bench-ha")
        try:
            labhost.docker("exec", name, "sh", "-c", "apt-get update -qq && apt-get install -y -qq curl")
            inventory = workdir / "inventory.yml"
            inventory.write_text(json.dumps(labhost.docker_inventory({"bench": name})))
            playbook = workdir / "stack.yml"
            playbook.write_text(playbook_text())
            extra = dict(PLAY_VARS, sovereign_pki_dir=str(workdir / "pki"))
            lab_ca = os.environ.get("SOVEREIGN_LAB_EXTRA_CA", "")
            if lab_ca:
                extra["sovereign_extra_ca_certificates"] = [{"name": "lab-host-trust", "src": lab_ca}]
            extra_file = workdir / "vars.json"
            extra_file.write_text(json.dumps(extra))

            stop, found = threading.Event(), []
            started = time.monotonic()
            poller = threading.Thread(target=first_200, args=(name, started, stop, found), daemon=True)
            poller.start()
            first = labhost.timed_converge(inventory, playbook, "-e", f"@{extra_file}")[0]
            poller.join(timeout=60)
            stop.set()
            second, changed = labhost.timed_converge(inventory, playbook, "-e", f"@{extra_file}")
        finally:
            labhost.remove(name)
    figures = {
        "first_200_through_proxy_s": round(found[0], 1) if found else None,
        "first_converge_s": round(first, 1),
        "second_converge_s": round(second, 1),
        "second_converge_changed": changed,
    }
    print(
        f"first 200 through the proxy after {figures['first_200_through_proxy_s']} s "
        f"(converge took {figures['first_converge_s']} s); idempotent re-run {figures['second_converge_s']} s, "
        f"{changed} changed",
        flush=True,
    )
    (RESULTS / "home_assistant.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Wall time of the metrics stack's first converge and of the idempotent second one.

On a fresh Debian 13 lab container: converge base, pki, node_exporter,
alertmanager and prometheus (as site.yml orders them, Debian's packages),
listening on the container's address with HTTPS and basic auth. Prints the
first converge's wall time, the wall time and change count of a second
converge (target: zero changes), and checks in between that Prometheus sees
its node_exporter target up; writes benchmarks/results/observability.json.

Package downloads come from the Debian mirror the lab images use, so the
first figure depends on the network as much as on the roles.

Run with `scripts/benchmark observability` (sets up the venv and images).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import labhost  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SCRAPE_PASSWORD = "benchmark-scrape-password"  # noqa: S105 - a throwaway container's
QUERY_PASSWORD = "benchmark-query-password"  # noqa: S105
ALERT_PASSWORD = "benchmark-alert-password"  # noqa: S105


def play_vars(address):
    return {
        "sovereign_provider": "homelab",
        "sovereign_country": "DE",
        "node_exporter_listen_address": address,
        "node_exporter_basic_auth_users": [{"name": "prometheus", "password": SCRAPE_PASSWORD}],
        "prometheus_listen_address": address,
        "prometheus_basic_auth_users": [{"name": "grafana", "password": QUERY_PASSWORD}],
        "prometheus_node_exporter_password": SCRAPE_PASSWORD,
        "prometheus_alertmanagers": [{"url": f"https://{address}:9093", "username": "prometheus",
                                      "password": ALERT_PASSWORD}],
        "alertmanager_listen_address": address,
        "alertmanager_basic_auth_users": [{"name": "prometheus", "password": ALERT_PASSWORD}],
        "alertmanager_receivers": [{"name": "default", "webhook": [{"url": "http://127.0.0.1:8099/"}]}],
    }  # fmt: skip


def playbook_text():
    roles = ["base", "pki", "node_exporter", "alertmanager", "prometheus"]
    play = {"name": "Metrics stack", "hosts": "all", "become": True, "roles": [f"sovereign.cloud.{r}" for r in roles]}
    return json.dumps([play])


def node_target_up(container, address):
    out = labhost.docker(
        "exec", container, "curl", "-s", "-g", "--max-time", "5", "-u", f"grafana:{QUERY_PASSWORD}",
        f"https://{address}:9090/api/v1/query?query=up%7Bjob%3D%22node%22%7D",
        check=False,
    ).stdout  # fmt: skip
    try:
        return json.loads(out)["data"]["result"][0]["value"][1] == "1"
    except (ValueError, KeyError, IndexError):
        return False


def wait_for(check, seconds, step=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


def main():
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        name = labhost.start("sovereign-lab/debian:13", "sovereign-bench-obs", hostname="bench-obs")
        try:
            labhost.docker("exec", name, "sh", "-c", "apt-get update -qq && apt-get install -y -qq curl")
            address = labhost.docker(
                "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name
            ).stdout.strip()
            inventory = workdir / "inventory.yml"
            inventory.write_text(json.dumps(labhost.docker_inventory({"bench": name})))
            playbook = workdir / "stack.yml"
            playbook.write_text(playbook_text())
            extra = dict(play_vars(address), sovereign_pki_dir=str(workdir / "pki"))
            lab_ca = os.environ.get("SOVEREIGN_LAB_EXTRA_CA", "")
            if lab_ca:
                extra["sovereign_extra_ca_certificates"] = [{"name": "lab-host-trust", "src": lab_ca}]
            extra_file = workdir / "vars.json"
            extra_file.write_text(json.dumps(extra))

            first, first_changed = labhost.timed_converge(inventory, playbook, "-e", f"@{extra_file}")
            up = wait_for(lambda: node_target_up(name, address), seconds=90)
            second, changed = labhost.timed_converge(inventory, playbook, "-e", f"@{extra_file}")
        finally:
            labhost.remove(name)
    figures = {
        "first_converge_s": round(first, 1),
        "first_converge_changed": first_changed,
        "node_target_up_after_first_converge": up,
        "second_converge_s": round(second, 1),
        "second_converge_changed": changed,
    }
    print(
        f"metrics stack (base, pki, node_exporter, alertmanager, prometheus) on a fresh Debian 13 host: "
        f"first converge {figures['first_converge_s']} s ({first_changed} changes), node target up: {up}; "
        f"idempotent re-run {figures['second_converge_s']} s, {changed} changed",
        flush=True,
    )
    (RESULTS / "observability.json").write_text(json.dumps(figures, indent=2) + "\n")
    if changed or not up:
        sys.exit(1)


if __name__ == "__main__":
    main()

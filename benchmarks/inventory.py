"""Wall time of the Scaleway and OVHcloud inventory plugins, cold and cached.

Local fake APIs (tests/tooling/fake_cloud_api.py) answer every request after
a simulated latency of 100 ms:

* Scaleway: 2,000 Instances over 8 zones (250 a zone, 3 pages each), with
  IPAM private addresses, product prices and Elastic Metal listings.
* OVHcloud: 3 projects x 500 instances and 100 dedicated servers (one detail
  request each), with the public price catalog.

Prints, best of RUNS, the time of `ansible-inventory --list`:
  - on an empty static inventory (Ansible's own start-up);
  - with each plugin, cold (cache empty, every request made) and cached
    (jsonfile cache warm, no request made);
and, to show where the time goes, the plugin's fetch alone in this process
(requests and mapping, no Ansible) and Ansible's own cost for the same
hosts (the cached run minus the empty one).

Targets (issue #5): cold within 0.5 s of the empty inventory; cached within
0.5 s of it. Run: scripts/benchmark inventory
"""

# needs: controller only (no lab containers)

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from fake_cloud_api import SCW_ZONES  # noqa: E402
from scaleway import Client  # noqa: E402

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci  # noqa: E402
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _inventory_plugin as ip  # noqa: E402
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _ovhcloud_inventory as ovhc  # noqa: E402
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _scaleway_inventory as scw  # noqa: E402

LATENCY = 0.1
RUNS = 3
TARGET_SECONDS = 0.5
FLOOR_PLUGINS = ROOT / "benchmarks" / "inventory_floor"
ENV = {
    "SCW_ACCESS_KEY": "SCWABCDEFGHJKMNPQRST",
    "SCW_SECRET_KEY": "3f0c8c9e-6f5d-4b7a-9d1e-2a4b6c8d0e1f",
    "SCW_CONFIG_PATH": "/nonexistent/scw/config.yaml",
    "OVH_APPLICATION_KEY": "benchmark",
    "OVH_APPLICATION_SECRET": "benchmark",
    "OVH_CONSUMER_KEY": "benchmark",
    "ANSIBLE_NOCOLOR": "1",
    "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true",
}


def timed_inventory(source, expect_hosts=None, env=None):
    started = time.perf_counter()
    proc = subprocess.run(
        ["ansible-inventory", "-i", str(source), "--list"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **ENV, **(env or {})},
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit("ansible-inventory failed on %s:\n%s" % (source, proc.stderr[-3000:]))
    hosts = len(json.loads(proc.stdout)["_meta"]["hostvars"])
    if expect_hosts is not None and hosts != expect_hosts:
        raise SystemExit("%s listed %d hosts, expected %d" % (source, hosts, expect_hosts))
    return seconds


def best(times):
    return min(times), statistics.median(times)


def fetch_only(kind, api):
    """The plugin's fetch (requests + mapping) in this process, without Ansible."""
    session_options = {"retries": 4, "backoff_factor": 0.5, "retry_after_max": 60, "pool_size": 32}
    started = time.perf_counter()
    if kind == "scaleway":
        client = Client(access_key=ENV["SCW_ACCESS_KEY"], secret_key=ENV["SCW_SECRET_KEY"], api_url=api.url)
        apis = scw.build_apis(client, ci.http_session(**session_options), 15)
        records, errors = scw.fetch(apis, scw.Settings(zones=SCW_ZONES), 32, ip.catalog_country)
    else:
        client = ovhc.build_client(
            api.url + "/1.0",
            timeout=15,
            session_options=session_options,
            credentials={
                "application_key": "benchmark",
                "application_secret": "benchmark",
                "consumer_key": "benchmark",
            },
        )
        records, errors = ovhc.fetch(client, ovhc.Settings(), 32, ip.catalog_country)
    seconds = time.perf_counter() - started
    assert not errors, errors
    return seconds, records


def final_records(records):
    """The records as the plugin adds them: named, with ansible_host and tag groups."""
    ci.name_hosts(records, ["name"], lambda _message: None)
    ci.set_connection_address(records, list(ci.ADDRESS_KEYS[:3]), lambda _message: None)
    for record in records:
        record["groups"] = record["groups"] + ci.tag_groups(record["vars"].get("cloud_tags"))
    return records


class FakeAPIProcess:
    """tests/tooling/fake_cloud_api.py in its own process, so it does not share this interpreter's lock."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "tooling" / "fake_cloud_api.py"), "--latency", str(LATENCY)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            raise SystemExit("the fake API did not start")

    def request_count(self):
        """API requests served so far."""
        with urllib.request.urlopen(self.url + "/_stats", timeout=10) as response:  # noqa: S310 - loopback
            return json.load(response)["requests"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def measure(kind, api, work, plugin_options, count):
    """Best/median seconds of: fetch in process, the floor, the plugin cold and cached."""
    results = {}
    fetch = [fetch_only(kind, api) for _run in range(RUNS)]
    assert all(len(records) == count for _s, records in fetch), [len(r) for _s, r in fetch]
    results["fetch_in_process"] = best([seconds for seconds, _records in fetch])

    records_file = work / (kind + ".records.json")
    records_file.write_text(json.dumps(final_records(fetch[0][1])))
    floor = work / (kind + ".floor.yml")
    floor.write_text(json.dumps({"plugin": "records_floor", "records": str(records_file)}))
    floor_env = {"ANSIBLE_INVENTORY_PLUGINS": str(FLOOR_PLUGINS), "ANSIBLE_INVENTORY_ENABLED": "records_floor"}
    results["floor"] = best([timed_inventory(floor, count, floor_env) for _run in range(RUNS)])

    cold, cached = [], []
    for run in range(RUNS):
        source = work / ("bench%d.%s.yml" % (run, kind))
        config = {
            "plugin": "sovereign.cloud." + kind,
            "cache": True,
            "cache_plugin": "ansible.builtin.jsonfile",
            "cache_connection": str(work / ("cache-%s-%d" % (kind, run))),
            "cache_timeout": 3600,
            **plugin_options,
        }
        source.write_text(json.dumps(config))
        before = api.request_count()
        cold.append(timed_inventory(source, count))
        middle = api.request_count()
        cached.append(timed_inventory(source, count))
        results["requests_cold"], results["requests_cached"] = middle - before, api.request_count() - middle
    results["cold"], results["cached"] = best(cold), best(cached)
    return results


def report(results):
    base = results["empty_static"][0]
    print(
        "Inventory plugins against local fake APIs, %d ms per request; best / median of %d runs"
        % (LATENCY * 1000, RUNS)
    )
    print("  empty static inventory                 %5.2f s / %.2f s" % results["empty_static"])
    verdicts = []
    for kind, hosts in (("scaleway", 2000), ("ovhcloud", 1600)):
        figures = results[kind]
        floor, cold, cached = figures["floor"][0], figures["cold"][0], figures["cached"][0]
        print("  %s, %d hosts" % (kind, hosts))
        print(
            "    fetch only, in process               %5.2f s / %.2f s  (requests and mapping, no Ansible)"
            % figures["fetch_in_process"]
        )
        print(
            "    floor: records added, nothing else   %5.2f s / %.2f s  = empty + %.2f s (Ansible's own cost)"
            % (*figures["floor"], floor - base)
        )
        print(
            "    plugin cold                          %5.2f s / %.2f s  = empty + %.2f s = floor + %.2f s, %d requests"
            % (*figures["cold"], cold - base, cold - floor, figures["requests_cold"])
        )
        print(
            "    plugin cached                        %5.2f s / %.2f s  = empty + %.2f s = floor + %.2f s, %d requests"
            % (*figures["cached"], cached - base, cached - floor, figures["requests_cached"])
        )
        for label, value in (("cold", cold), ("cached", cached)):
            verdicts.append((kind, label, value - base, value - floor))
    print("Targets (issue #5): within %.1f s of the empty inventory" % TARGET_SECONDS)
    for kind, label, over_empty, over_floor in verdicts:
        print(
            "  %-9s %-6s %-8s (+%.2f s over empty; +%.2f s over the floor: %s)"
            % (
                kind,
                label,
                "met" if over_empty <= TARGET_SECONDS else "NOT met",
                over_empty,
                over_floor,
                "within 0.5 s" if over_floor <= TARGET_SECONDS else "over 0.5 s",
            )
        )


def main():
    api = FakeAPIProcess()
    results = {"latency_seconds": LATENCY, "runs": RUNS}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            empty = work / "empty.yml"
            empty.write_text("all: {}\n")
            timed_inventory(empty)  # warm the disk cache of Ansible's own modules
            results["empty_static"] = best([timed_inventory(empty) for _run in range(RUNS)])
            results["scaleway"] = measure("scaleway", api, work, {"api_url": api.url, "zones": SCW_ZONES}, 2000)
            results["ovhcloud"] = measure("ovhcloud", api, work, {"endpoint": api.url + "/1.0"}, 1600)
    finally:
        api.stop()
    report(results)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "inventory.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

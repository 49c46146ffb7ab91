"""Wall time of the Scaleway and OVHcloud inventory plugins against community.general.scaleway.

Issue #21. One local stand-in (tests/tooling/fake_cloud_api.py, in its own
process) answers every request after a simulated latency of 100 ms, over
TLS, under the real API host names: api.scaleway.com and eu.api.ovh.com
are pinned to it (tests/tooling/tls_stand_in.py) and a throwaway CA is
trusted through SSL_CERT_FILE and REQUESTS_CA_BUNDLE. That is the only way
to run community.general.scaleway, whose API endpoints are written into its
code, so every plugin below goes the same way: name, TLS handshake,
connection reuse or not, as against the real API.

* Scaleway: 2,000 Instances over 8 zones (250 a zone), with IPAM private
  addresses, product prices and Elastic Metal listings for ours.
* OVHcloud: 3 projects x 500 instances, 50 dedicated servers and 50 VPS
  (1,600 hosts; one detail request per dedicated server, three per VPS),
  with the public price catalog.

Prints the median (and best) of RUNS runs of `ansible-inventory --list`,
the plugins' runs interleaved so that each sees the same machine:
  - an empty static inventory (Ansible's own start-up);
  - sovereign.cloud.scaleway cold (cache empty, every request made) and
    cached (jsonfile cache warm, no request made);
  - community.general.scaleway from the `ansible` package (no cache: it has
    none), on the same 8 zones;
  - sovereign.cloud.ovhcloud cold and cached;
and, to show where the time goes, each fetch alone in this process
(requests and mapping, no Ansible) and the "floor": ansible-inventory
adding the same host records with no plugin logic.

Targets (issue #21, same run): our Scaleway cold at most 0.7x and cached at
most 0.5x community.general.scaleway; our OVHcloud cold (1,600 hosts) at
most 1.5x our Scaleway cold. Run: scripts/benchmark inventory
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

import tls_stand_in  # noqa: E402
from fake_cloud_api import SCW_ZONES  # noqa: E402
from scaleway import Client  # noqa: E402

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci  # noqa: E402
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _inventory_plugin as ip  # noqa: E402
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _ovhcloud_inventory as ovhc  # noqa: E402
from ansible_collections.sovereign.cloud.plugins.plugin_utils import _scaleway_inventory as scw  # noqa: E402

LATENCY = 0.1
RUNS = 5
SCALEWAY_HOSTS, OVH_HOSTS = 2000, 1600
# The API host names the plugins use by default, all served by the stand-in.
API_NAMES = ("api.scaleway.com", "eu.api.ovh.com")
# community.general.scaleway's names for the stand-in's 8 zones (its SCALEWAY_LOCATION keys).
CG_REGIONS = ["par1", "par2", "par3", "ams1", "ams2", "ams3", "waw1", "waw2"]
TARGETS = {"cold": 0.7, "cached": 0.5, "ovhcloud": 1.5}
FLOOR_PLUGINS = ROOT / "benchmarks" / "inventory_floor"
ENV = {
    "SCW_ACCESS_KEY": "SCWABCDEFGHJKMNPQRST",
    "SCW_SECRET_KEY": "3f0c8c9e-6f5d-4b7a-9d1e-2a4b6c8d0e1f",
    # community.general.scaleway reads the secret key as its token.
    "SCW_TOKEN": "3f0c8c9e-6f5d-4b7a-9d1e-2a4b6c8d0e1f",
    "SCW_CONFIG_PATH": "/nonexistent/scw/config.yaml",
    "OVH_APPLICATION_KEY": "benchmark",
    "OVH_APPLICATION_SECRET": "benchmark",
    "OVH_CONSUMER_KEY": "benchmark",
    "ANSIBLE_NOCOLOR": "1",
    "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED": "true",
}


class Bench:
    """The stand-in's address and CA, and ansible-inventory runs with the API names pinned to it."""

    def __init__(self, work, api, ca_file):
        self.work, self.api = work, api
        self.pins = ["%s=%d" % (name, api.port) for name in API_NAMES]
        self.env = {**os.environ, **ENV, "SSL_CERT_FILE": str(ca_file), "REQUESTS_CA_BUNDLE": str(ca_file)}

    def inventory(self, source, expect_hosts=None, env=None):
        """Seconds of one `ansible-inventory --list` run."""
        command = [sys.executable, str(ROOT / "tests" / "tooling" / "tls_stand_in.py"), *self.pins]
        command += ["--", "ansible-inventory", "-i", str(source), "--list"]
        started = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, check=False, env={**self.env, **(env or {})})
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit("ansible-inventory failed on %s:\n%s" % (source, proc.stderr[-3000:]))
        hosts = len(json.loads(proc.stdout)["_meta"]["hostvars"])
        if expect_hosts is not None and hosts != expect_hosts:
            raise SystemExit("%s listed %d hosts, expected %d" % (source, hosts, expect_hosts))
        return seconds

    def source(self, name, config):
        path = self.work / name
        path.write_text(json.dumps(config))
        return path


def summary(times):
    """(median, best) seconds."""
    return statistics.median(times), min(times)


def fetch_only(kind):
    """The plugin's fetch (requests and mapping) in this process, without Ansible, over the pinned TLS names."""
    session_options = {"retries": 4, "backoff_factor": 0.5, "retry_after_max": 60, "pool_size": 32}
    started = time.perf_counter()
    if kind == "scaleway":
        client = Client(access_key=ENV["SCW_ACCESS_KEY"], secret_key=ENV["SCW_SECRET_KEY"])
        apis = scw.build_apis(client, ci.http_session(**session_options), 15)
        records, errors = scw.fetch(apis, scw.Settings(zones=SCW_ZONES), 32, ip.catalog_country)
    else:
        client = ovhc.build_client(
            "ovh-eu",
            timeout=15,
            session_options=session_options,
            credentials={
                key: ENV["OVH_" + key.upper()] for key in ("application_key", "application_secret", "consumer_key")
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
    """tests/tooling/fake_cloud_api.py over TLS in its own process, so it does not share this interpreter's lock."""

    def __init__(self, cert, key):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "tooling" / "fake_cloud_api.py"),
                "--latency",
                str(LATENCY),
                "--tls",
                str(cert),
                str(key),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("https://127.0.0.1:"):
            raise SystemExit("the fake API did not start")
        self.port = int(self.url.rsplit(":", 1)[1])

    def request_count(self, ca_file):
        """API requests served so far."""
        import ssl  # noqa: PLC0415

        context = ssl.create_default_context(cafile=str(ca_file))
        with urllib.request.urlopen(self.url + "/_stats", timeout=10, context=context) as response:  # noqa: S310
            return json.load(response)["requests"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def floor(bench, kind, records, count):
    records_file = bench.work / (kind + ".records.json")
    records_file.write_text(json.dumps(final_records(records)))
    source = bench.source(kind + ".floor.yml", {"plugin": "records_floor", "records": str(records_file)})
    env = {"ANSIBLE_INVENTORY_PLUGINS": str(FLOOR_PLUGINS), "ANSIBLE_INVENTORY_ENABLED": "records_floor"}
    return summary([bench.inventory(source, count, env) for _run in range(RUNS)])


def ours(bench, kind, run, count, ca_file):
    """(cold seconds, cached seconds, requests cold, requests cached) of one run of our plugin."""
    source = bench.source(
        "bench%d.%s.yml" % (run, kind),
        {
            "plugin": "sovereign.cloud." + kind,
            "cache": True,
            "cache_plugin": "ansible.builtin.jsonfile",
            "cache_connection": str(bench.work / ("cache-%s-%d" % (kind, run))),
            "cache_timeout": 3600,
            **({"zones": SCW_ZONES} if kind == "scaleway" else {}),
        },
    )
    before = bench.api.request_count(ca_file)
    cold = bench.inventory(source, count)
    middle = bench.api.request_count(ca_file)
    cached = bench.inventory(source, count)
    return cold, cached, middle - before, bench.api.request_count(ca_file) - middle


def measure(bench, ca_file):
    results = {"latency_seconds": LATENCY, "runs": RUNS}
    empty = bench.source("empty.yml", {"all": {}})
    bench.inventory(empty)  # warm the disk cache of Ansible's own modules
    results["empty_static"] = summary([bench.inventory(empty) for _run in range(RUNS)])

    cg_source = bench.source(
        "anchor.scaleway.yml",
        {"plugin": "community.general.scaleway", "regions": CG_REGIONS, "hostnames": ["hostname"]},
    )
    for kind, count in (("scaleway", SCALEWAY_HOSTS), ("ovhcloud", OVH_HOSTS)):
        fetched = [fetch_only(kind) for _run in range(RUNS)]
        assert all(len(records) == count for _s, records in fetched), [len(r) for _s, r in fetched]
        figures = {"fetch_in_process": summary([seconds for seconds, _records in fetched])}
        figures["floor"] = floor(bench, kind, fetched[0][1], count)
        cold, cached, anchor = [], [], []
        for run in range(RUNS):
            run_cold, run_cached, figures["requests_cold"], figures["requests_cached"] = ours(
                bench, kind, run, count, ca_file
            )
            cold.append(run_cold)
            cached.append(run_cached)
            if kind == "scaleway":
                before = bench.api.request_count(ca_file)
                anchor.append(bench.inventory(cg_source, count))
                results["community_general_requests"] = bench.api.request_count(ca_file) - before
        figures["cold"], figures["cached"] = summary(cold), summary(cached)
        results[kind] = figures
        if anchor:
            results["community_general_scaleway"] = summary(anchor)
    return results


def verdicts(results):
    anchor = results["community_general_scaleway"][0]
    ours_cold = results["scaleway"]["cold"][0]
    ratios = {
        "cold": ours_cold / anchor,
        "cached": results["scaleway"]["cached"][0] / anchor,
        "ovhcloud": results["ovhcloud"]["cold"][0] / ours_cold,
    }
    return ratios, {name: ratios[name] <= TARGETS[name] for name in ratios}


def report(results):
    base = results["empty_static"][0]
    print(
        "Inventory plugins against a local API stand-in over TLS, %d ms per request; median (best) of %d runs"
        % (LATENCY * 1000, RUNS)
    )
    print("  empty static inventory                   %5.2f s (%.2f s)" % results["empty_static"])
    print(
        "  community.general.scaleway, %d hosts    %5.2f s (%.2f s)  %d requests, one after another"
        % (SCALEWAY_HOSTS, *results["community_general_scaleway"], results["community_general_requests"])
    )
    for kind, hosts in (("scaleway", SCALEWAY_HOSTS), ("ovhcloud", OVH_HOSTS)):
        figures = results[kind]
        print("  sovereign.cloud.%s, %d hosts" % (kind, hosts))
        print(
            "    fetch only, in process                 %5.2f s (%.2f s)  requests and mapping, no Ansible"
            % figures["fetch_in_process"]
        )
        print(
            "    floor: records added, nothing else     %5.2f s (%.2f s)  = empty + %.2f s"
            % (*figures["floor"], figures["floor"][0] - base)
        )
        for label in ("cold", "cached"):
            print(
                "    %-6s                                 %5.2f s (%.2f s)  = empty + %.2f s, %d requests"
                % (label, *figures[label], figures[label][0] - base, figures["requests_" + label])
            )
    ratios, met = verdicts(results)
    print("Targets (issue #21), on the medians of this run:")
    lines = (
        ("cold", "sovereign.cloud.scaleway cold / community.general.scaleway"),
        ("cached", "sovereign.cloud.scaleway cached / community.general.scaleway"),
        ("ovhcloud", "sovereign.cloud.ovhcloud cold / sovereign.cloud.scaleway cold"),
    )
    for name, label in lines:
        print(
            "  %-62s %.2fx (target at most %.1fx): %s"
            % (label, ratios[name], TARGETS[name], "met" if met[name] else "NOT met")
        )
    results["ratios"], results["targets_met"] = ratios, met


def main():
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ca_file, cert, key = tls_stand_in.make_certificates(work, list(API_NAMES))
        api = FakeAPIProcess(cert, key)
        # This process's own fetch goes the same way as the plugins'.
        tls_stand_in.pin_hosts(dict.fromkeys(API_NAMES, api.port))
        os.environ["REQUESTS_CA_BUNDLE"] = str(ca_file)
        try:
            results = measure(Bench(work, api, ca_file), ca_file)
        finally:
            api.stop()
    report(results)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "inventory.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Speed of the FinOps report: 2,000 hosts, 14 days of 1-minute samples in a real Prometheus.

Hosts cycle through five shapes (steady, spiky, idle, leaking memory on Scaleway
types of the shipped price catalog, and homelab NUCs with RAPL counters and a
growing disk), two CPUs each. Their node_exporter series (2 CPUs x user and
idle, memory total and available, one filesystem's size and free bytes, RAPL
on the NUCs) are backfilled into Debian's Prometheus with promtool, one 2-hour
file at a time (promtool reads its whole input once per 2-hour block, so one
14-day file would be read 168 times), kept in .cache/benchmarks/finops for the
next run, and compacted by Prometheus before anything is timed.

Prints, against the targets of issue #18:
  report   the finops_report task over every host in ansible-playbook (the
           profile_tasks callback's figure, median of 3); target 15 s;
  queries  the PromQL queries sent to Prometheus; target: bounded (at most
           four, whatever the number of hosts);
and, to show where the time goes, Prometheus' own time for the queries.

Every host has the prometheus role's recorded CPU series
(instance:sovereign_cpu_busy_cores:rate5m), as a site converged by the
collection has once the rule has run for the window.
Run: scripts/benchmark finops   (the first run builds the TSDB: about 15 minutes)
"""

# needs: controller only (no lab containers)

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

import local_prometheus  # noqa: E402

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_prometheus as promql  # noqa: E402

HOSTS = 2_000
DAYS = 14
STEP = 60  # seconds between samples
SAMPLES = DAYS * 86400 // STEP
END = 1_795_996_800  # 2026-11-30T00:00:00Z, the last sample
BLOCK = 7200  # promtool's block length
# Three queries in parallel, a fourth only for hosts without the recorded CPU series.
TARGETS = {"report": 15.0, "queries": 4}
GIB = 1024**3
COUNTER_START = 1_000_000.0
CACHE = ROOT / ".cache" / "benchmarks" / "finops"
FORMAT_VERSION = 2  # bump when the series change, so the cached TSDB is rebuilt


def spiky(m):
    return 1.6 if m % 600 < 60 else 0.2


# name: (cloud type or None for homelab, busy cores(m), memory total GiB, used GiB(m), disk free GiB(m), RAPL watts)
SHAPES = {
    "steady": ("PLAY2-NANO", lambda m: 0.3, 4, lambda m: 1.2, lambda m: 40.0, None),
    "spiky": ("PLAY2-NANO", spiky, 4, lambda m: 2.5, lambda m: 40.0, None),
    "idle": ("PLAY2-NANO", lambda m: 0.02, 4, lambda m: 0.5, lambda m: 40.0, None),
    "leak": ("DEV1-S", lambda m: 0.4, 2, lambda m: 0.8 + 1.0 * m / SAMPLES, lambda m: 15.0, None),
    "nuc": (None, lambda m: 0.5, 16, lambda m: 6.0, lambda m: 80.0 - m / 1440, 9.5),
}
CPUS = 2


def host_shape(index):
    return list(SHAPES)[index % len(SHAPES)]


def host_name(index):
    return "%s%04d" % (host_shape(index), index)


def cumulative(busy):
    """Per-CPU user and idle counters at each sample, the busy cores spread evenly over the CPUs."""
    user, idle = [COUNTER_START], [COUNTER_START]
    for m in range(1, SAMPLES):
        share = busy(m) / CPUS
        user.append(user[-1] + share * STEP)
        idle.append(idle[-1] + (1 - share) * STEP)
    return user, idle


def window_lines(shape, values, first, last):
    """{family: text with @ in place of the instance} for samples first..last-1 of one shape."""
    _type, _busy, total, used, free, watts = SHAPES[shape]
    user, idle = values
    ts = [END - (SAMPLES - 1 - m) * STEP for m in range(first, last)]
    out = {}
    cpu = []
    for number in range(CPUS):
        for mode, series in (("user", user), ("idle", idle)):
            labels = 'cpu="%d",instance="@",job="node",mode="%s"' % (number, mode)
            cpu += [
                "node_cpu_seconds_total{%s} %r %d" % (labels, series[m], t)
                for m, t in zip(range(first, last), ts, strict=True)
            ]
    out["node_cpu_seconds"] = "\n".join(cpu)
    base = 'instance="@",job="node"'
    out["node_memory_MemTotal_bytes"] = "\n".join(
        "node_memory_MemTotal_bytes{%s} %r %d" % (base, float(total * GIB), t) for t in ts
    )
    out["node_memory_MemAvailable_bytes"] = "\n".join(
        "node_memory_MemAvailable_bytes{%s} %r %d" % (base, (total - used(m)) * GIB, t)
        for m, t in zip(range(first, last), ts, strict=True)
    )
    fs = 'device="/dev/sda1",fstype="ext4",instance="@",job="node",mountpoint="/"'
    out["node_filesystem_size_bytes"] = "\n".join(
        "node_filesystem_size_bytes{%s} %r %d" % (fs, 100.0 * GIB, t) for t in ts
    )
    out["node_filesystem_avail_bytes"] = "\n".join(
        "node_filesystem_avail_bytes{%s} %r %d" % (fs, free(m) * GIB, t)
        for m, t in zip(range(first, last), ts, strict=True)
    )
    # The prometheus role's recording rule (instance:sovereign_cpu_busy_cores:rate5m), as
    # Prometheus computes it every minute: rate(...[5m]) sees the samples of the last 5
    # minutes, 4 intervals apart from the first to the last.
    recorded = 'instance="@",job="node"'
    out["instance:sovereign_cpu_busy_cores:rate5m"] = "\n".join(
        "instance:sovereign_cpu_busy_cores:rate5m{%s} %r %d" % (recorded, CPUS * (user[m] - user[m - 4]) / 240, t)
        for m, t in zip(range(first, last), ts, strict=True)
        if m >= 4
    )
    if watts is not None:
        rapl = 'index="0",instance="@",job="node",path="/sys/class/powercap/intel-rapl:0"'
        out["node_rapl_package_joules"] = "\n".join(
            "node_rapl_package_joules_total{%s} %r %d" % (rapl, COUNTER_START + watts * STEP * m, t)
            for m, t in zip(range(first, last), ts, strict=True)
        )
    return out


FAMILIES = {
    "node_cpu_seconds": "counter",
    "node_memory_MemTotal_bytes": "gauge",
    "node_memory_MemAvailable_bytes": "gauge",
    "node_filesystem_size_bytes": "gauge",
    "node_filesystem_avail_bytes": "gauge",
    "node_rapl_package_joules": "counter",
    "instance:sovereign_cpu_busy_cores:rate5m": "gauge",
}


def build_tsdb(tsdb):
    """Backfill every host's series, one promtool run per 2-hour window, two at a time."""
    values = {shape: cumulative(spec[1]) for shape, spec in SHAPES.items()}
    start = END - (SAMPLES - 1) * STEP
    windows = []
    edge = start - start % BLOCK
    while edge <= END:
        first = max(0, (edge - start + STEP - 1) // STEP)
        last = min(SAMPLES, (edge + BLOCK - start + STEP - 1) // STEP)
        if first < last:
            windows.append((first, last))
        edge += BLOCK
    names = {shape: [host_name(i) for i in range(HOSTS) if host_shape(i) == shape] for shape in SHAPES}
    work = Path(tempfile.mkdtemp(prefix="finops-bench-"))
    started = time.perf_counter()

    def write(index, first, last):
        path = work / ("w%04d.om" % index)
        with path.open("w") as handle:
            templates = {shape: window_lines(shape, values[shape], first, last) for shape in SHAPES}
            for family, kind in FAMILIES.items():
                handle.write("# TYPE %s %s\n" % (family, kind))
                for shape, hosts in names.items():
                    text = templates[shape].get(family)
                    if text:
                        for name in hosts:
                            handle.write(text.replace('instance="@"', 'instance="%s"' % name))
                            handle.write("\n")
            handle.write("# EOF\n")
        return path

    def backfill(path):
        local_prometheus.backfill(path, tsdb)
        path.unlink()

    with ThreadPoolExecutor(max_workers=2) as pool:
        pending = []
        for index, (first, last) in enumerate(windows):
            path = write(index, first, last)
            pending.append(pool.submit(backfill, path))
            while len([p for p in pending if not p.done()]) >= 2:
                time.sleep(0.05)
            if index % 24 == 0:
                print(
                    "  backfill: %d of %d windows, %.0f s" % (index, len(windows), time.perf_counter() - started),
                    flush=True,
                )
        for future in pending:
            future.result()
    work.rmdir()
    return time.perf_counter() - started


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - loopback http
        return json.load(answer) if answer.headers.get_content_type() == "application/json" else answer.read()


def blocks_loaded(url):
    text = get(url + "/metrics").decode()
    return int(float(re.search(r"^prometheus_tsdb_blocks_loaded (\S+)$", text, re.M).group(1)))


def wait_for_compaction(url):
    """Until Prometheus has merged the 2-hour blocks: its loaded block count unchanged for 2 minutes.

    Prometheus looks for blocks to compact every minute; the first run merges
    the backfilled blocks in several minutes, and a query timed meanwhile
    competes with it for the CPU.
    """
    started = time.perf_counter()
    last, since = None, time.perf_counter()
    while time.perf_counter() - since < 120:
        blocks = blocks_loaded(url)
        if blocks != last:
            last, since = blocks, time.perf_counter()
        if time.perf_counter() - started > 1800:
            sys.exit("Prometheus was still compacting after 30 minutes (%d blocks)" % blocks)
        time.sleep(5)
    print("  compaction: %d blocks loaded, unchanged for 2 minutes, after %.0f s"
          % (last, time.perf_counter() - started), flush=True)  # fmt: skip


PLAYBOOK = """
- name: FinOps report over every host
  hosts: localhost
  gather_facts: false
  tasks:
    - name: FinOps report of every host
      sovereign.cloud.finops_report:
        hosts: "{{ groups['all'] | difference(['localhost']) }}"
        prometheus_url: "%(url)s"
        at: "%(at)d"
        today: "2026-12-01"
        tariff: {eur_per_kwh: 0.25, source: benchmark tariff}
        max_price_age_days: 36500
      register: finops

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{ finops | to_json }}"
        dest: "%(work)s/result.json"
        mode: "0600"
"""


POWER = {"idle_watts": 6, "max_watts": 28, "extra_watts": 4, "source": "benchmark figures"}
HARDWARE = {"purchase_eur": 600, "life_months": 60, "source": "benchmark figures"}


def inventory():
    hosts = {}
    for index in range(HOSTS):
        shape = host_shape(index)
        cloud_type = SHAPES[shape][0]
        if cloud_type:
            hosts[host_name(index)] = {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1",
                                       "sovereign_region": "fr-par", "cloud_type": cloud_type, "cloud_arch": "x86_64",
                                       "finops_tags": {"team": "team%d" % (index % 7)}}  # fmt: skip
        else:
            hosts[host_name(index)] = {"sovereign_provider": "homelab", "sovereign_country": "DE",
                                       "finops_power": POWER, "finops_hardware": HARDWARE}  # fmt: skip
    return {"all": {"hosts": hosts, "vars": {"ansible_connection": "local"}}}


def main():
    try:
        local_prometheus.binaries()
    except local_prometheus.PrometheusUnavailable as exc:
        sys.exit(str(exc))
    tsdb = CACHE / ("tsdb-v%d-%dh-%dd" % (FORMAT_VERSION, HOSTS, DAYS))
    if not (tsdb / ".complete").exists():
        print("Backfilling %d hosts x %d days of 1-minute samples (first run only) ..." % (HOSTS, DAYS), flush=True)
        if tsdb.exists():
            subprocess.run(["rm", "-rf", str(tsdb)], check=True)
        tsdb.mkdir(parents=True)
        seconds = build_tsdb(tsdb)
        (tsdb / ".complete").write_text("%.0f s\n" % seconds)
        print("  backfill took %.0f s" % seconds, flush=True)
    with tempfile.TemporaryDirectory(prefix="finops-bench-") as tmp:
        work = Path(tmp)
        try:
            with local_prometheus.serving(tsdb, work, start_timeout=300) as url:
                wait_for_compaction(url)
                figures = measure(work, url)
        except local_prometheus.PrometheusUnavailable as exc:
            sys.exit(str(exc))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "finops.json").write_text(json.dumps(figures, indent=2) + "\n")


def measure(work, url):
    series = get(url + "/api/v1/query?" + urllib.parse.urlencode({"query": 'count({job="node"})', "time": END}))
    count = int(float(series["data"]["result"][0]["value"][1]))

    def ask(query):
        body = urllib.parse.urlencode({"query": query, "time": END}).encode()
        with urllib.request.urlopen(url + "/api/v1/query", body, timeout=600) as answer:  # noqa: S310 - loopback http
            return json.load(answer)

    prometheus_times = []
    for _run in range(3):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(ask, promql.queries("node", "14d").values()))
        prometheus_times.append(time.perf_counter() - started)
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory()))
    (work / "play.yml").write_text(PLAYBOOK % {"url": url, "at": END, "work": work})
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".cache" / "collections"),
           "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks", "ANSIBLE_STRATEGY": "linear"}  # fmt: skip
    task_times = []
    for _run in range(3):
        proc = subprocess.run(["ansible-playbook", "-i", "inventory.yml", "play.yml"], cwd=work, env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        if proc.returncode != 0:
            sys.exit("benchmark run failed:\n" + (proc.stdout + proc.stderr)[-3000:])
        task_times.append(float(re.search(r"^FinOps report of every host -+ ([0-9.]+)s$", proc.stdout, re.M).group(1)))
    result = json.loads((work / "result.json").read_text())
    report = result["report"]
    statuses = {}
    for host in report["hosts"].values():
        statuses[host["rightsizing"]["status"]] = statuses.get(host["rightsizing"]["status"], 0) + 1
    if len(report["hosts"]) != HOSTS or report["hosts_without_series"]:
        sys.exit("benchmark run failed: %d hosts reported, %d without series"
                 % (len(report["hosts"]), len(report["hosts_without_series"])))  # fmt: skip
    task = statistics.median(task_times)
    print("series in Prometheus: %d (%d hosts x %d days of %d-second samples)" % (count, HOSTS, DAYS, STEP))
    print("Prometheus answering the report's queries, in parallel: %.1f s (median of 3)"
          % statistics.median(prometheus_times))  # fmt: skip
    print("report: the finops_report task over %d hosts in %.1f s (linear strategy, median of 3: %s)"
          % (HOSTS, task, ", ".join("%.1f" % t for t in task_times)))  # fmt: skip
    print("  report target at most %.0f s: %s" % (TARGETS["report"], "met" if task <= TARGETS["report"] else "NOT met"))
    print("queries: %d PromQL queries to Prometheus for %d hosts (%d hosts from raw counters)"
          % (result["queries"], HOSTS, len(result["raw_counter_hosts"])))  # fmt: skip
    bounded = result["queries"] <= TARGETS["queries"]
    print("  queries target: at most %d whatever the number of hosts: %s"
          % (TARGETS["queries"], "met" if bounded else "NOT met"))  # fmt: skip
    print("right-sizing: %s; total %.2f EUR a month, %.2f EUR of savings" % (
        ", ".join("%s %d" % item for item in sorted(statuses.items())), report["totals"]["monthly_eur"],
        report["totals"]["saving_eur"]))  # fmt: skip
    return {
        "hosts": HOSTS,
        "days": DAYS,
        "step_s": STEP,
        "series": count,
        "prometheus_query_s": round(statistics.median(prometheus_times), 2),
        "report_task_s": round(task, 2),
        "report_task_runs_s": task_times,
        "queries": result["queries"],
        "statuses": statuses,
        "targets": TARGETS,
    }


if __name__ == "__main__":
    main()

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The usage figures of the FinOps report, read from Prometheus in one request.

Internal to sovereign.cloud, not a public API.

One PromQL expression holds every figure: each aggregation is labelled with
`figure` and the results are joined with `or`, so the report asks Prometheus
once, whatever the number of hosts (issue #18: aggregations, never one query
per host). Every figure is an aggregation by `instance`, which the prometheus
role sets to the inventory name of the host (file_sd labels).

Series (node_exporter):
- CPU busy cores: the 5-minute rate of node_cpu_seconds_total in every mode
  but idle, iowait and steal, summed per host: node-mixin's definition of
  node CPU utilisation (instance:node_cpu_utilisation:rate5m).
- Memory used: MemTotal - MemAvailable. Its maximum over the window is
  max(MemTotal) - min(MemAvailable) over the raw samples, which is exact while
  the memory size does not change, and costs no subquery.
- Energy: the rate of node_rapl_package_joules_total plus
  node_rapl_dram_joules_total over the window, in joules per second (watts).
  A counter that wraps is taken as a reset by rate(): each wrap loses at most
  one scrape interval of energy.
- Disks: node_filesystem_{size,avail}_bytes of real filesystems, and deriv()
  of avail over the window: the linear fill rate.
"""

from __future__ import annotations

import math

from ansible_collections.sovereign.cloud.plugins.plugin_utils._finops import CPU_QUANTILE, FinopsError, Usage

REAL_FILESYSTEMS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*|autofs",mountpoint!~"/run($|/.*)|/boot($|/.*)"'
BUSY_MODES = 'mode!~"idle|iowait|steal"'
SUBQUERY_STEP = "5m"


def _window(window):
    text = str(window)
    if not text or not text[:-1].isdigit() or text[-1] not in "mhdw" or int(text[:-1]) == 0:
        raise FinopsError("window: %r is not a duration such as 14d, 72h or 1w" % window)
    return text


def _job(job):
    text = str(job)
    if not text or any(c in text for c in '"\\{}\n'):
        raise FinopsError("job: %r is not a scrape job name (no quotes, braces or backslashes)" % job)
    return text


def figures(job="node", window="14d"):
    """{figure: PromQL expression}, each an aggregation by instance (and mountpoint for disks)."""
    w = _window(window)
    job = _job(job)
    sel = 'job="%s"' % job
    busy = "sum by (instance) (rate(node_cpu_seconds_total{%s,%s}[5m]))" % (sel, BUSY_MODES)
    cores_now = 'count by (instance) (node_cpu_seconds_total{%s,mode="idle"})' % sel
    fs = "%s,%s" % (sel, REAL_FILESYSTEMS)
    return {
        "cpu_p95_cores": "quantile_over_time(%s, (%s)[%s:%s])" % (CPU_QUANTILE, busy, w, SUBQUERY_STEP),
        "cpu_mean_utilisation": "avg_over_time((%s / %s)[%s:%s])" % (busy, cores_now, w, SUBQUERY_STEP),
        "cpu_cores": 'count by (instance) (last_over_time(node_cpu_seconds_total{%s,mode="idle"}[%s]))' % (sel, w),
        "memory_bytes": "max by (instance) (max_over_time(node_memory_MemTotal_bytes{%s}[%s]))" % (sel, w),
        "memory_max_used_bytes": (
            "max by (instance) (max_over_time(node_memory_MemTotal_bytes{%s}[%s]))"
            " - min by (instance) (min_over_time(node_memory_MemAvailable_bytes{%s}[%s]))" % (sel, w, sel, w)
        ),
        "samples": "max by (instance) (count_over_time(node_memory_MemAvailable_bytes{%s}[%s]))" % (sel, w),
        "rapl_watts": 'sum by (instance) (rate({__name__=~"node_rapl_(package|dram)_joules_total",%s}[%s]))' % (sel, w),
        "fs_size_bytes": "max by (instance, mountpoint) (last_over_time(node_filesystem_size_bytes{%s}[%s]))" % (fs, w),
        "fs_avail_bytes": "max by (instance, mountpoint) (last_over_time(node_filesystem_avail_bytes{%s}[%s]))"
        % (fs, w),
        "fs_deriv_bytes_per_s": "max by (instance, mountpoint) (deriv(node_filesystem_avail_bytes{%s}[%s]))" % (fs, w),
    }


def query(job="node", window="14d"):
    """The one expression: every figure, labelled, joined with `or`."""
    return " or ".join(
        'label_replace(%s, "figure", "%s", "", "")' % (expression, name)
        for name, expression in figures(job, window).items()
    )


def _value(sample, where):
    try:
        value = float(sample["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        raise FinopsError("Prometheus answer: %s has no numeric value: %r" % (where, sample)) from None
    return value


def usages(answer):
    """{instance: Usage} from Prometheus' JSON answer to query(); FinopsError if it is not one."""
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error") if isinstance(answer, dict) else None
        raise FinopsError("Prometheus refused the query: %s" % (error or answer))
    data = answer.get("data") or {}
    if data.get("resultType") != "vector":
        raise FinopsError("Prometheus answer: expected a vector, got %r" % data.get("resultType"))
    found = {}
    disks = {}
    for sample in data.get("result") or []:
        labels = sample.get("metric") or {}
        figure, instance = labels.get("figure"), labels.get("instance")
        if not figure or not instance:
            continue
        value = _value(sample, "%s of %s" % (figure, instance))
        if math.isnan(value):  # no data in the window for this figure
            continue
        usage = found.setdefault(instance, Usage())
        if figure.startswith("fs_"):
            disks.setdefault(instance, {}).setdefault(labels.get("mountpoint", ""), {})[figure[3:]] = value
        elif figure == "samples":
            usage.samples = int(value)
        elif hasattr(usage, figure):
            setattr(usage, figure, value)
    for instance, mounts in disks.items():
        found[instance].filesystems = [
            {
                "mountpoint": mountpoint,
                "size_bytes": v["size_bytes"],
                "avail_bytes": v["avail_bytes"],
                "deriv_bytes_per_s": v.get("deriv_bytes_per_s"),
            }
            for mountpoint, v in sorted(mounts.items())
            if "size_bytes" in v and "avail_bytes" in v
        ]
    return found

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The usage figures of the FinOps report, read from Prometheus in a fixed number of queries.

Internal to sovereign.cloud, not a public API.

Every figure is an aggregation by `instance` (the prometheus role sets it to
the inventory name of the host), labelled with `figure` and joined with `or`
into three expressions that Prometheus answers in parallel (GROUPS), whatever
the number of hosts. Only hosts without enough recorded CPU series need a
fourth expression (fallback_query), which names them.

Series (node_exporter):
- CPU busy cores: the 5-minute rate of node_cpu_seconds_total in every mode
  but idle, iowait and steal, summed per host: node-mixin's definition of
  node CPU utilisation. The prometheus role records it every evaluation
  interval as RECORDED (BUSY_RULE); the 95th percentile and the mean over the
  window read that one series per host. A host whose recorded series covers
  less than 90 % of the window (the rule was deployed later) is computed from
  the raw counters instead: the percentile through a subquery at 5-minute
  steps, the mean as the rate of the counters over the window.
- Memory used: MemTotal - MemAvailable. Its maximum over the window is
  max(MemTotal) - min(MemAvailable) over the raw samples, which is exact while
  the memory size does not change, and costs no subquery.
- Energy: the rate of node_rapl_package_joules_total plus
  node_rapl_dram_joules_total over the window, in joules per second (watts).
  A counter that wraps is taken as a reset by rate(): each wrap loses at most
  one scrape interval of energy.
- Disks: node_filesystem_{size,avail}_bytes of real filesystems, and deriv()
  of avail over the window: the linear fill rate.
- Capacity now (CPUs, filesystem size and free bytes): the last value of the
  last CAPACITY_LOOKBACK, not the whole window.

k3s workloads, when Prometheus scrapes the kubelets' cAdvisor and
kube-state-metrics (the collection deploys neither): per container, the 95th
percentile of container_cpu_usage_seconds_total's 5-minute rate, the maximum
of container_memory_working_set_bytes, and the requests and limits of
kube_pod_container_resource_requests / _limits. An answer without those series
is empty and costs Prometheus nothing.
"""

from __future__ import annotations

import math

from ansible_collections.sovereign.cloud.plugins.plugin_utils._finops import CPU_QUANTILE, FinopsError, Usage

REAL_FILESYSTEMS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*|autofs",mountpoint!~"/run($|/.*)|/boot($|/.*)"'
BUSY_MODES = 'mode!~"idle|iowait|steal"'
RECORDED = "instance:sovereign_cpu_busy_cores:rate5m"
# The recording rule the prometheus role ships (roles/prometheus/templates/sovereign-rules.yml.j2;
# the render test checks they are the same).
BUSY_RULE = "sum by (instance, job) (rate(node_cpu_seconds_total{%s}[5m]))" % BUSY_MODES
SUBQUERY_STEP = "5m"
CAPACITY_LOOKBACK = "6h"
# A recorded series covering less of the window than this share of the raw samples is not used.
RECORDED_COVERAGE = 0.9


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


def groups(job="node", window="14d"):
    """{group: {figure: PromQL}}: the figures, in groups of about equal cost for Prometheus."""
    w, sel = _window(window), 'job="%s"' % _job(job)
    fs = "%s,%s" % (sel, REAL_FILESYSTEMS)
    recorded = "%s{%s}[%s]" % (RECORDED, sel, w)
    containers = 'container!="",container!="POD"'
    by = "namespace, pod, container"
    resources = 'max by (%s) (last_over_time(kube_pod_container_resource_%s{resource="%s"}[%s]))'
    container_busy = "sum by (%s) (rate(container_cpu_usage_seconds_total{%s}[5m]))" % (by, containers)
    return {
        "cpu": {
            "cpu_p95_cores": "max by (instance) (quantile_over_time(%s, %s))" % (CPU_QUANTILE, recorded),
            "cpu_mean_cores": "max by (instance) (avg_over_time(%s))" % recorded,
            "recorded_samples": "max by (instance) (count_over_time(%s))" % recorded,
        },
        "memory": {
            "memory_bytes": "max by (instance) (max_over_time(node_memory_MemTotal_bytes{%s}[%s]))" % (sel, w),
            "memory_min_available_bytes": "min by (instance) (min_over_time(node_memory_MemAvailable_bytes{%s}[%s]))"
            % (sel, w),
            "samples": "max by (instance) (count_over_time(node_memory_MemAvailable_bytes{%s}[%s]))" % (sel, w),
        },
        "other": {
            "cpu_cores": 'count by (instance) (last_over_time(node_cpu_seconds_total{%s,mode="idle"}[%s]))'
            % (sel, CAPACITY_LOOKBACK),
            "rapl_watts": 'sum by (instance) (rate({__name__=~"node_rapl_(package|dram)_joules_total",%s}[%s]))'
            % (sel, w),
            "fs_size_bytes": "max by (instance, mountpoint) (last_over_time(node_filesystem_size_bytes{%s}[%s]))"
            % (fs, CAPACITY_LOOKBACK),
            "fs_avail_bytes": "max by (instance, mountpoint) (last_over_time(node_filesystem_avail_bytes{%s}[%s]))"
            % (fs, CAPACITY_LOOKBACK),
            "fs_deriv_bytes_per_s": "max by (instance, mountpoint) (deriv(node_filesystem_avail_bytes{%s}[%s]))"
            % (fs, w),
            "wl_cpu_p95_cores": "quantile_over_time(%s, (%s)[%s:%s])"
            % (CPU_QUANTILE, container_busy, w, SUBQUERY_STEP),
            "wl_memory_max_bytes": "max by (%s) (max_over_time(container_memory_working_set_bytes{%s}[%s]))"
            % (by, containers, w),
            "wl_samples": "max by (%s) (count_over_time(container_memory_working_set_bytes{%s}[%s]))"
            % (by, containers, w),
            "wl_cpu_request": resources % (by, "requests", "cpu", CAPACITY_LOOKBACK),
            "wl_cpu_limit": resources % (by, "limits", "cpu", CAPACITY_LOOKBACK),
            "wl_memory_request": resources % (by, "requests", "memory", CAPACITY_LOOKBACK),
            "wl_memory_limit": resources % (by, "limits", "memory", CAPACITY_LOOKBACK),
        },
    }


def fallback_figures(instances, job="node", window="14d"):
    """{figure: PromQL} of CPU figures from the raw counters, for the named instances only."""
    w, sel = _window(window), 'job="%s"' % _job(job)
    names = "|".join(_regex_escape(name) for name in sorted(instances))
    busy = 'sum by (instance) (rate(node_cpu_seconds_total{%s,instance=~"%s",%s}[5m]))' % (sel, names, BUSY_MODES)
    return {
        "cpu_p95_cores": "quantile_over_time(%s, (%s)[%s:%s])" % (CPU_QUANTILE, busy, w, SUBQUERY_STEP),
        "cpu_mean_cores": 'sum by (instance) (rate(node_cpu_seconds_total{%s,instance=~"%s",%s}[%s]))'
        % (sel, names, BUSY_MODES, w),
    }


def _regex_escape(name):
    special = set("\\.+*?()|[]{}^$")
    return "".join("\\\\" + c if c in special else c for c in str(name)).replace('"', '\\"')


def join(figures):
    """One expression: every figure, labelled, joined with `or`."""
    return " or ".join(
        'label_replace(%s, "figure", "%s", "", "")' % (expression, name) for name, expression in figures.items()
    )


def queries(job="node", window="14d"):
    """{group: expression} of the main request."""
    return {name: join(figures) for name, figures in groups(job, window).items()}


def fallback_query(instances, job="node", window="14d"):
    return join(fallback_figures(instances, job, window))


def _value(sample, where):
    try:
        return float(sample["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        raise FinopsError("Prometheus answer: %s has no numeric value: %r" % (where, sample)) from None


def _samples(answer):
    if not isinstance(answer, dict) or answer.get("status") != "success":
        error = answer.get("error") if isinstance(answer, dict) else None
        raise FinopsError("Prometheus refused the query: %s" % (error or answer))
    data = answer.get("data") or {}
    if data.get("resultType") != "vector":
        raise FinopsError("Prometheus answer: expected a vector, got %r" % data.get("resultType"))
    return data.get("result") or []


def parse(answers):
    """One pass over Prometheus' answers: the figures of the hosts, of their disks and of the k3s containers.

    ({instance: {figure: value}}, {instance: {mountpoint: {figure: value}}},
    {(namespace, pod, container): {figure: value}}); a NaN (no data in the
    window for a figure) is left out.
    """
    hosts, disks, workloads = {}, {}, {}
    for answer in answers:
        for sample in _samples(answer):
            labels = sample.get("metric") or {}
            figure = labels.get("figure") or ""
            if figure.startswith("wl_"):
                key = (labels.get("namespace", ""), labels.get("pod", ""), labels.get("container", ""))
                where, target, name = "/".join(key), workloads.setdefault(key, {}), figure[3:]
            elif figure and labels.get("instance"):
                instance = labels["instance"]
                where, name = instance, figure
                if figure.startswith("fs_"):
                    target = disks.setdefault(instance, {}).setdefault(labels.get("mountpoint", ""), {})
                    name = figure[3:]
                else:
                    target = hosts.setdefault(instance, {})
            else:
                continue
            value = _value(sample, "%s of %s" % (figure, where))
            if not math.isnan(value):
                target[name] = value
    return hosts, disks, workloads


def needing_fallback(figures):
    """The instances with enough raw samples whose recorded CPU series covers too little of the window."""
    return sorted(
        instance
        for instance, values in figures.items()
        if values.get("samples", 0) and values.get("recorded_samples", 0) < RECORDED_COVERAGE * values["samples"]
    )


def usages(answers, fallback=None):
    """{instance: Usage} from the main answers and, for the hosts it names, the fallback answer."""
    hosts, disks, _workloads = parse(answers)
    return usages_of(hosts, disks, fallback)


def usages_of(found, disks, fallback=None):
    """{instance: Usage} from parsed host and disk figures (parse) and the fallback answer, if any."""
    if fallback is not None:
        redone, _no_disks, _no_workloads = parse([fallback])
        for instance, values in redone.items():
            found.setdefault(instance, {}).update(values)
    result = {}
    for instance in set(found) | set(disks):
        values = found.get(instance, {})
        usage = result[instance] = Usage()
        usage.samples = int(values.get("samples", 0))
        usage.cpu_cores = values.get("cpu_cores")
        usage.memory_bytes = values.get("memory_bytes")
        usage.cpu_p95_cores = values.get("cpu_p95_cores")
        usage.rapl_watts = values.get("rapl_watts")
        if values.get("memory_bytes") is not None and values.get("memory_min_available_bytes") is not None:
            usage.memory_max_used_bytes = values["memory_bytes"] - values["memory_min_available_bytes"]
        if values.get("cpu_mean_cores") is not None and usage.cpu_cores:
            usage.cpu_mean_utilisation = values["cpu_mean_cores"] / usage.cpu_cores
        usage.filesystems = [
            {
                "mountpoint": mountpoint,
                "size_bytes": v["size_bytes"],
                "avail_bytes": v["avail_bytes"],
                "deriv_bytes_per_s": v.get("deriv_bytes_per_s"),
            }
            for mountpoint, v in sorted(disks.get(instance, {}).items())
            if "size_bytes" in v and "avail_bytes" in v
        ]
    return result

"""node_exporter series of known shapes, as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`.

Used by the FinOps known-answer test and the FinOps benchmark. Each host has
a shape whose figures can be computed by hand:

- cpu: busy cores per minute (a function of the minute), spread over the host's
  CPUs as user time; the rest is idle, plus a constant iowait that is not busy.
- memory: MemTotal constant, MemAvailable a function of the minute.
- disk: one ext4 filesystem on /, avail a function of the minute.
- rapl_watts: a constant draw, as node_rapl_package_joules_total.

`m` below is the sample's index; samples are `step` seconds apart.

Counters start far from zero so that rate() extrapolates to the window's
edges as it does for long-running hosts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

GIB = 1024**3
COUNTER_START = 1_000_000.0


@dataclasses.dataclass
class Shape:
    name: str
    cpus: int
    busy: Callable[[int], float]  # busy cores at sample m
    memory_total: float
    available: Callable[[int], float]  # bytes at sample m
    disk_size: float = 100 * GIB
    disk_avail: Callable[[int], float] = lambda _m: 50 * GIB
    rapl_watts: float | None = None
    iowait: float = 0.05  # cores in iowait, not counted as busy
    first_sample: int = 0  # samples before this index are left out (a host added late)
    # From this sample on, the prometheus role's recording rule's series
    # (instance:sovereign_cpu_busy_cores:rate5m), as Prometheus computes it;
    # None: no recorded series (the rule is not deployed).
    recorded_from: int | None = None


@dataclasses.dataclass
class Container:
    """A k3s container as cAdvisor (through the kubelet) and kube-state-metrics show it."""

    namespace: str
    pod: str
    container: str
    busy: Callable[[int], float]  # cores at sample m
    memory: Callable[[int], float]  # working set bytes at sample m
    requests: dict = dataclasses.field(default_factory=dict)  # {"cpu": cores, "memory": bytes}
    limits: dict = dataclasses.field(default_factory=dict)


def _container_lines(containers, start, count, step):
    labels = 'container="%s",namespace="%s",pod="%s"'
    yield "# TYPE container_cpu_usage_seconds counter"
    for c in containers:
        value = COUNTER_START
        for m in range(count):
            if m:
                value += c.busy(m) * step
            yield "container_cpu_usage_seconds_total{%s} %r %d" % (labels % (c.container, c.namespace, c.pod), value,
                                                                   start + m * step)  # fmt: skip
    yield "# TYPE container_memory_working_set_bytes gauge"
    for c in containers:
        for m in range(count):
            yield "container_memory_working_set_bytes{%s} %r %d" % (labels % (c.container, c.namespace, c.pod),
                                                                    float(c.memory(m)), start + m * step)  # fmt: skip
    for kind in ("requests", "limits"):
        yield "# TYPE kube_pod_container_resource_%s gauge" % kind
        for c in containers:
            for resource, value in getattr(c, kind).items():
                unit = "core" if resource == "cpu" else "byte"
                full = labels % (c.container, c.namespace, c.pod) + ',resource="%s",unit="%s"' % (resource, unit)
                for m in range(count):
                    yield "kube_pod_container_resource_%s{%s} %r %d" % (kind, full, float(value), start + m * step)


def openmetrics(shapes, end, count, *, step=60, containers=()):
    """Yield OpenMetrics lines: `count` samples per series, `step` seconds apart, the last at `end` (Unix s)."""
    start = end - (count - 1) * step
    families = {
        "node_cpu_seconds_total": "counter",
        "node_memory_MemTotal_bytes": "gauge",
        "node_memory_MemAvailable_bytes": "gauge",
        "node_filesystem_size_bytes": "gauge",
        "node_filesystem_avail_bytes": "gauge",
        "node_rapl_package_joules_total": "counter",
        "instance:sovereign_cpu_busy_cores:rate5m": "gauge",
    }
    for family, kind in families.items():
        name = family.removesuffix("_total") if kind == "counter" else family
        yield "# TYPE %s %s" % (name, kind)
        for shape in shapes:
            yield from _series(family, shape, start, count, step)
    if containers:
        yield from _container_lines(containers, start, count, step)
    yield "# EOF"


def _labels(shape, **extra):
    labels = {"instance": shape.name, "job": "node", **extra}
    return "{%s}" % ",".join('%s="%s"' % item for item in labels.items())


def _series(family, shape, start, count, step):
    for line in _all_samples(family, shape, start, count, step):
        if int(line.rsplit(" ", 1)[1]) >= start + shape.first_sample * step:
            yield line


def _all_samples(family, shape, start, count, step):
    seconds = step
    if family == "node_cpu_seconds_total":
        for cpu in range(shape.cpus):
            for mode in ("user", "iowait", "idle"):
                labels = _labels(shape, cpu=str(cpu), mode=mode)
                value = COUNTER_START
                for m in range(count):
                    if m:
                        busy = shape.busy(m) / shape.cpus
                        per_cpu = {"user": busy, "iowait": shape.iowait / shape.cpus}
                        per_cpu["idle"] = 1 - per_cpu["user"] - per_cpu["iowait"]
                        value += per_cpu[mode] * seconds
                    yield "node_cpu_seconds_total%s %r %d" % (labels, value, start + m * step)
    elif family == "node_memory_MemTotal_bytes":
        for m in range(count):
            yield "%s%s %r %d" % (family, _labels(shape), shape.memory_total, start + m * step)
    elif family == "node_memory_MemAvailable_bytes":
        for m in range(count):
            yield "%s%s %r %d" % (family, _labels(shape), float(shape.available(m)), start + m * step)
    elif family.startswith("node_filesystem_"):
        labels = _labels(shape, device="/dev/sda1", fstype="ext4", mountpoint="/")
        for m in range(count):
            value = shape.disk_size if family == "node_filesystem_size_bytes" else shape.disk_avail(m)
            yield "%s%s %r %d" % (family, labels, float(value), start + m * step)
    elif family == "instance:sovereign_cpu_busy_cores:rate5m" and shape.recorded_from is not None:
        # rate(...[5m]) at a sample's time sees the samples of the last 5
        # minutes, `lag` intervals apart from the first to the last, and
        # extrapolates their increase to 5 minutes: the mean over those intervals.
        lag = -(-300 // step) - 1
        total = [0.0]
        for m in range(1, count):
            total.append(total[-1] + shape.busy(m) * step)
        for m in range(max(lag, shape.recorded_from), count):
            value = (total[m] - total[m - lag]) / (lag * step)
            yield "%s%s %r %d" % (family, _labels(shape), value, start + m * step)
    elif family == "node_rapl_package_joules_total" and shape.rapl_watts is not None:
        labels = _labels(shape, index="0", path="/sys/class/powercap/intel-rapl:0")
        for m in range(count):
            yield "%s%s %r %d" % (family, labels, COUNTER_START + shape.rapl_watts * seconds * m, start + m * step)


def write(path, shapes, end, count, *, step=60, containers=()):
    with open(path, "w", encoding="utf-8") as handle:
        for line in openmetrics(shapes, end, count, step=step, containers=containers):
            handle.write(line + "\n")

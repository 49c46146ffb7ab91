# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""FinOps: what each host costs a month, in euros with sources, and the cheapest type that fits its use.

Internal to sovereign.cloud, not a public API. Pure functions over plain
data: the finops_report action plugin gives them the price catalog
(data/finops/prices.yml), each host's variables and the usage figures read
from Prometheus (_finops_prometheus), and turns what they return into the
module result and the FOCUS rows (_finops_focus).

How each figure is computed, and its source, is in docs/finops.md.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import os

from ansible_collections.sovereign.cloud.plugins.plugin_utils._data import data_path

# FinOps convention for a month of running time; also Scaleway's monthly price
# (hourly x 730, see data/finops/prices.yml).
HOURS_PER_MONTH = 730
# Memory need = the window's maximum plus 15 %, CPU need = its 95th
# percentile: robusta krr's "simple" strategy (docs/finops.md, "Right-sizing").
MEMORY_MARGIN = 0.15
CPU_QUANTILE = 0.95
# krr refuses to recommend from fewer points than this.
MIN_SAMPLES = 100
GIB = 1024**3
# Headroom left by a recommendation, as the smaller of CPU and memory headroom.
RISK_LEVELS = ((0.15, "high"), (0.30, "medium"))


class FinopsError(ValueError):
    """Bad input: a catalog entry or a host variable, named in the message."""


# --- price catalog ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PriceType:
    provider: str
    name: str
    vcpus: int
    memory_gib: float
    gpus: int
    arch: str | None
    monthly_eur: float
    hourly_eur: float | None
    end_of_service: bool
    replacement: str | None
    zones: tuple | None
    source: str
    checked: datetime.date
    via: str | None

    def evidence(self):
        entry = {"source": self.source, "checked": self.checked.isoformat()}
        if self.via:
            entry["via"] = self.via
        return entry


def _date(value, where):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise FinopsError("%s: %r is not a date (YYYY-MM-DD)" % (where, value)) from None


def _number(value, where, *, minimum=0.0, integer=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise FinopsError("%s: %r is not %s" % (where, value, "an integer" if integer else "a number"))
    if value < minimum or (isinstance(value, float) and math.isnan(value)):
        raise FinopsError("%s: %r is below %s" % (where, value, minimum))
    return value


def _price_type(provider, name, entry, hours_per_month, where):
    if not isinstance(entry, dict):
        raise FinopsError("%s: not a mapping" % where)
    for key in ("vcpus", "memory_gib", "source", "checked"):
        if key not in entry:
            raise FinopsError("%s: `%s` is missing" % (where, key))
    hourly = entry.get("hourly_eur")
    monthly = entry.get("monthly_eur")
    if hourly is None and monthly is None:
        raise FinopsError("%s: neither hourly_eur nor monthly_eur is set" % where)
    if hourly is not None:
        _number(hourly, where + ".hourly_eur")
    if monthly is None:
        monthly = hourly * hours_per_month
    zones = entry.get("zones")
    if zones is not None and not (isinstance(zones, list) and all(isinstance(z, str) for z in zones)):
        raise FinopsError("%s.zones: not a list of zone names" % where)
    return PriceType(
        provider=provider,
        name=name,
        vcpus=_number(entry["vcpus"], where + ".vcpus", minimum=1, integer=True),
        memory_gib=_number(entry["memory_gib"], where + ".memory_gib"),
        gpus=_number(entry.get("gpus", 0), where + ".gpus", integer=True),
        arch=entry.get("arch"),
        monthly_eur=_number(monthly, where + ".monthly_eur"),
        hourly_eur=hourly,
        end_of_service=bool(entry.get("end_of_service", False)),
        replacement=entry.get("replacement"),
        zones=tuple(zones) if zones is not None else None,
        source=str(entry["source"]),
        checked=_date(entry["checked"], where + ".checked"),
        via=entry.get("via"),
    )


class PriceCatalog:
    """The list prices of instance types, by provider, each with its source and date."""

    def __init__(self, data, origin="prices"):
        if not isinstance(data, dict) or not isinstance(data.get("providers"), dict):
            raise FinopsError("%s: `providers` must be a mapping of provider names" % origin)
        if data.get("currency", "EUR") != "EUR":
            raise FinopsError("%s: currency %r: the report is in EUR only" % (origin, data.get("currency")))
        self.origin = origin
        self.data = data  # as read: finops_prices keeps the providers it does not refresh from it
        self.providers = {}
        self.types = {}
        for provider, block in data["providers"].items():
            where = "%s: providers.%s" % (origin, provider)
            if not isinstance(block, dict):
                raise FinopsError("%s: not a mapping" % where)
            hours = _number(block.get("hours_per_month", HOURS_PER_MONTH), where + ".hours_per_month", minimum=1)
            types = block.get("types") or {}
            if types and ("vat_included" not in block or not block.get("vat_source")):
                raise FinopsError("%s: vat_included and vat_source are required: VAT is stated, never guessed" % where)
            self.providers[provider] = {
                "hours_per_month": hours,
                "vat_included": block.get("vat_included"),
                "vat_source": block.get("vat_source"),
            }
            for name, entry in types.items():
                self.types[(provider, name)] = _price_type(provider, name, entry, hours, "%s.types.%s" % (where, name))

    def type_of(self, provider, name):
        return self.types.get((provider, name))

    def of_provider(self, provider):
        return [entry for (owner, _name), entry in self.types.items() if owner == provider]

    def hours_per_month(self, provider):
        return self.providers.get(provider, {}).get("hours_per_month", HOURS_PER_MONTH)

    def vat(self, provider):
        block = self.providers.get(provider)
        if not block or block["vat_included"] is None:
            return None
        return {"included": block["vat_included"], "source": block["vat_source"]}

    def stale(self, today, max_age_days):
        """The entries older than max_age_days on today, oldest first."""
        found = []
        for t in self.types.values():
            age = (today - t.checked).days
            if age > max_age_days:
                found.append(
                    {"provider": t.provider, "type": t.name, "checked": t.checked.isoformat(), "age_days": age}
                )
        return sorted(found, key=lambda e: (-e["age_days"], e["provider"], e["type"]))


def load_price_catalog(path=None):
    """data/finops/prices.yml, or the catalog at path."""
    import yaml  # noqa: PLC0415 - only when a catalog is read

    path = path or data_path("finops", "prices.yml")
    if not os.path.isfile(path):
        raise FinopsError("price catalog %s: no such file" % path)
    with open(path, encoding="utf-8") as handle:
        try:
            data = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise FinopsError("price catalog %s: not YAML: %s" % (path, exc)) from None
    return PriceCatalog(data, origin=path)


# --- hosts --------------------------------------------------------------------


# The host variables the report reads (the action templates only these).
HOST_KEYS = (
    "sovereign_provider",
    "sovereign_zone",
    "sovereign_region",
    "cloud_type",
    "cloud_arch",
    "cloud_state",
    "cloud_price_hourly_eur",
    "cloud_price_monthly_eur",
    "cloud_labels",
    "cloud_organization",
    "cloud_project",
    "cloud_id",
    "finops_tags",
    "finops_power",
    "finops_hardware",
    "finops_tariff",
)


@dataclasses.dataclass
class Host:
    """What the report reads of one host's variables."""

    name: str
    provider: str | None
    zone: str | None
    region: str | None
    type_name: str | None
    arch: str | None
    state: str | None
    live_hourly_eur: float | None
    live_monthly_eur: float | None
    tags: dict
    groups: list
    power: dict | None
    hardware: dict | None
    tariff: dict | None
    account: str | None = None
    project: str | None = None
    resource_id: str | None = None

    @property
    def location(self):
        """Where the host runs, as the price catalog's `zones` name it: Scaleway's zone, OVHcloud's region."""
        return self.zone or self.region

    @property
    def self_operated(self):
        return self.power is not None or self.hardware is not None or self.provider == "homelab"


def _optional_dict(variables, key, name, required=(), numbers=()):
    value = variables.get(key)
    if value is None:
        return None
    where = "host %s: %s" % (name, key)
    if not isinstance(value, dict):
        raise FinopsError("%s: must be a mapping, got %r" % (where, value))
    missing = [k for k in required if value.get(k) in (None, "")]
    if missing:
        raise FinopsError("%s: %s missing (each figure needs its source)" % (where, ", ".join(missing)))
    for k in numbers:
        if value.get(k) is not None:
            _number(value[k], "%s.%s" % (where, k))
    return dict(value)


def _optional_price(variables, key, name):
    value = variables.get(key)
    if value is None:
        return None
    return float(_number(value, "host %s: %s" % (name, key)))


def host_of(name, variables, groups, default_tariff=None):
    """The Host read from a host's variables; FinopsError names the host and variable at fault."""
    tags = {}
    for key in ("cloud_labels", "finops_tags"):
        value = variables.get(key) or {}
        if not isinstance(value, dict):
            raise FinopsError("host %s: %s must be a mapping of tag names to values" % (name, key))
        tags.update({str(k): str(v) for k, v in value.items()})
    power = _optional_dict(variables, "finops_power", name, ("idle_watts", "max_watts", "source"),
                           ("idle_watts", "max_watts", "extra_watts"))  # fmt: skip
    if power and power["max_watts"] < power["idle_watts"]:
        raise FinopsError("host %s: finops_power: max_watts is below idle_watts" % name)
    hardware = _optional_dict(variables, "finops_hardware", name, ("purchase_eur", "life_months", "source"),
                              ("purchase_eur", "life_months"))  # fmt: skip
    if hardware and hardware["life_months"] <= 0:
        raise FinopsError("host %s: finops_hardware.life_months must be above 0" % name)
    if hardware and hardware.get("purchased") is not None:
        hardware["purchased"] = _date(hardware["purchased"], "host %s: finops_hardware.purchased" % name)
    tariff = _optional_dict(variables, "finops_tariff", name, ("eur_per_kwh", "source"), ("eur_per_kwh",))
    return Host(
        name=name,
        provider=variables.get("sovereign_provider"),
        zone=variables.get("sovereign_zone"),
        region=variables.get("sovereign_region"),
        type_name=variables.get("cloud_type"),
        arch=variables.get("cloud_arch"),
        state=variables.get("cloud_state"),
        live_hourly_eur=_optional_price(variables, "cloud_price_hourly_eur", name),
        live_monthly_eur=_optional_price(variables, "cloud_price_monthly_eur", name),
        tags=tags,
        groups=sorted(g for g in groups if g not in ("all", "ungrouped")),
        power=power,
        hardware=hardware,
        tariff=tariff or default_tariff,
        account=variables.get("cloud_organization"),
        project=variables.get("cloud_project"),
        resource_id=variables.get("cloud_id"),
    )


# --- usage --------------------------------------------------------------------


@dataclasses.dataclass
class Usage:
    """One host's figures over the window, from node_exporter's series (None: no series)."""

    cpu_cores: float | None = None
    memory_bytes: float | None = None
    cpu_p95_cores: float | None = None
    cpu_mean_utilisation: float | None = None
    memory_max_used_bytes: float | None = None
    samples: int = 0
    rapl_watts: float | None = None
    filesystems: list = dataclasses.field(default_factory=list)


# --- cost ---------------------------------------------------------------------


def _round(value, digits=4):
    return None if value is None else round(value, digits)


def compute_charge(host, catalog, today):
    """The monthly list price of a cloud host's type: the inventory's live price, else the snapshot's."""
    hours = catalog.hours_per_month(host.provider)
    listed = catalog.type_of(host.provider, host.type_name) if host.type_name else None
    if host.live_monthly_eur is not None or host.live_hourly_eur is not None:
        monthly = host.live_monthly_eur if host.live_monthly_eur is not None else host.live_hourly_eur * hours
        key = "cloud_price_monthly_eur" if host.live_monthly_eur is not None else "cloud_price_hourly_eur"
        evidence = {"source": "inventory variable %s (the provider's catalog, read by the inventory)" % key,
                    "checked": today.isoformat()}  # fmt: skip
    elif listed is not None:
        monthly = listed.monthly_eur
        evidence = listed.evidence()
    else:
        return None
    return {
        "kind": "compute",
        "description": "%s %s list price" % (host.provider, host.type_name),
        "monthly_eur": monthly,
        "quantity": hours,
        "unit": "Hours",
        "unit_price_eur": monthly / hours,
        "sku": host.type_name,
        **evidence,
    }


def energy_charge(host, usage):
    """Electricity: watts (RAPL, else the declared draw at the measured utilisation) x 730 h x tariff."""
    if host.tariff is None:
        return None, "no tariff (finops_tariff or the module's tariff)"
    extra = (host.power or {}).get("extra_watts") or 0
    if usage.rapl_watts is not None:
        watts = usage.rapl_watts + extra
        basis = "RAPL counters (node_rapl_*_joules_total), mean over the window, %s W" % _round(usage.rapl_watts, 2)
        if extra:
            basis += " + %s W declared for the rest of the machine (%s)" % (extra, host.power["source"])
    elif host.power is not None and usage.cpu_mean_utilisation is not None:
        idle, peak = host.power["idle_watts"], host.power["max_watts"]
        watts = idle + (peak - idle) * usage.cpu_mean_utilisation + extra
        basis = "declared draw %s-%s W (%s) at the mean CPU utilisation %s" % (
            idle,
            peak,
            host.power["source"],
            _round(usage.cpu_mean_utilisation, 4),
        )
    elif host.power is not None:
        return None, "no CPU utilisation series for the declared draw"
    else:
        return None, "neither RAPL counters nor finops_power"
    kwh = watts * HOURS_PER_MONTH / 1000
    return {
        "kind": "energy",
        "description": "electricity, %s" % basis,
        "monthly_eur": kwh * host.tariff["eur_per_kwh"],
        "quantity": kwh,
        "unit": "kWh",
        "unit_price_eur": host.tariff["eur_per_kwh"],
        "sku": "electricity",
        "watts": watts,
        "source": host.tariff["source"],
        "checked": str(host.tariff.get("checked") or ""),
    }, None


def hardware_charge(host, today):
    """The purchase price over the declared life, straight line; nothing once it is over."""
    hardware = host.hardware
    life = hardware["life_months"]
    monthly = hardware["purchase_eur"] / life
    description = "hardware, %s EUR over %s months" % (hardware["purchase_eur"], life)
    purchased = hardware.get("purchased")
    if purchased is not None:
        description += ", bought %s" % purchased.isoformat()
        months = (today.year - purchased.year) * 12 + today.month - purchased.month
        if months >= life:
            monthly = 0.0
            description += ", fully amortised since %d months" % (months - life)
    return {
        "kind": "hardware",
        "description": description,
        "monthly_eur": monthly,
        "quantity": 1,
        "unit": "Months",
        "unit_price_eur": monthly,
        "sku": "hardware-amortisation",
        "source": hardware["source"],
        "checked": "",
    }


def host_cost(host, usage, catalog, today):
    """The host's monthly charges, their total, and what could not be priced."""
    charges, unknown = [], []
    if host.self_operated:
        energy, why = energy_charge(host, usage)
        if energy is None:
            unknown.append("energy: " + why)
        else:
            charges.append(energy)
        if host.hardware is not None:
            charges.append(hardware_charge(host, today))
        else:
            unknown.append("hardware: no finops_hardware")
    else:
        compute = compute_charge(host, catalog, today)
        if compute is None:
            unknown.append(
                "compute: no live price in the inventory and no %s type %r in the price catalog"
                % (host.provider, host.type_name)
            )
        else:
            charges.append(compute)
    total = sum(c["monthly_eur"] for c in charges) if charges else None
    return {"monthly_eur": total, "charges": charges, "unpriced": unknown}


# --- right-sizing ---------------------------------------------------------------


def needs(usage):
    """CPU cores at p95 and memory at the maximum plus 15 %, or None without enough series."""
    if usage.samples < MIN_SAMPLES or usage.cpu_p95_cores is None or usage.memory_max_used_bytes is None:
        return None
    return {
        "cpu_cores": usage.cpu_p95_cores,
        "memory_gib": usage.memory_max_used_bytes * (1 + MEMORY_MARGIN) / GIB,
    }


def _evidence(usage, window):
    return {
        "window": window,
        "samples": usage.samples,
        "cpu_p95_cores": _round(usage.cpu_p95_cores),
        "cpu_series": "busy cores, the 5-minute rate of node_cpu_seconds_total in every mode but idle, iowait "
        "and steal, summed per host (instance:sovereign_cpu_busy_cores:rate5m), p95",
        "memory_max_used_gib": _round((usage.memory_max_used_bytes or 0) / GIB),
        "memory_series": "node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes, maximum",
    }


def _risk(usage, candidate):
    cpu = 1 - usage.cpu_p95_cores / candidate.vcpus
    memory = 1 - usage.memory_max_used_bytes / (candidate.memory_gib * GIB)
    lowest = min(cpu, memory)
    level = next((name for bound, name in RISK_LEVELS if lowest < bound), "low")
    return {"cpu_headroom": _round(cpu), "memory_headroom": _round(memory), "level": level}


def _fits(candidate, need, arch):
    return (
        candidate.gpus == 0
        and not candidate.end_of_service
        and (arch is None or candidate.arch is None or candidate.arch == arch)
        and candidate.vcpus >= need["cpu_cores"]
        and candidate.memory_gib >= need["memory_gib"]
    )


def _placements(candidate, host, allowed_zones):
    """Where the host could run the candidate: its own zone, or zones the policy allows."""
    if candidate.zones is None or host.location in candidate.zones:
        return [host.location]
    return [z for z in candidate.zones if z in allowed_zones(host, candidate.zones)]


def _by_price(candidate):
    return (candidate.monthly_eur, candidate.vcpus, candidate.memory_gib, candidate.name)


def rightsize(host, usage, catalog, current_monthly, *, window, allowed_zones=None):
    """The cheapest catalog type that fits the host's measured use, with why, saving and risk.

    allowed_zones(host, zones) -> the zones among `zones` the sovereignty policy
    allows for the host; without it, only the host's own zone is considered.
    """
    result = _rightsize(host, usage, catalog, current_monthly, window, allowed_zones)
    if result.get("moves_zone"):
        result["reason"] += "; in zone %s, where the sovereignty policy allows this host's data" % result["zone"]
    if "end_of_service" in result:
        replacement = result["end_of_service"]["replacement"]
        result["reason"] = "%s is end-of-service%s. %s" % (
            host.type_name, " (replacement: %s)" % replacement if replacement else "", result["reason"])  # fmt: skip
    return result


def _rightsize(host, usage, catalog, current_monthly, window, allowed_zones):  # noqa: PLR0917 - rightsize's own
    allowed_zones = allowed_zones or (lambda _host, _zones: set())
    current = catalog.type_of(host.provider, host.type_name) if host.type_name else None
    result = {"current_type": host.type_name}
    if current is not None and current.end_of_service:
        result["end_of_service"] = {"replacement": current.replacement, **current.evidence()}
    if host.self_operated or current is None:
        result["status"] = "not_applicable"
        result["reason"] = "operated by the owner" if host.self_operated else "type not in the price catalog"
        return result
    if current.gpus:
        result.update(status="not_applicable", reason="GPU types are not right-sized")
        return result
    need = needs(usage)
    if need is None:
        reason = "%d samples, at least %d needed, and CPU and memory series" % (usage.samples, MIN_SAMPLES)
        result.update(status="insufficient_data", reason=reason)
        return result
    result["evidence"] = _evidence(usage, window)
    result["need"] = {"cpu_cores": _round(need["cpu_cores"]), "memory_gib": _round(need["memory_gib"])}
    options = []
    for candidate in catalog.of_provider(host.provider):
        if not _fits(candidate, need, host.arch or current.arch):
            continue
        zones = _placements(candidate, host, allowed_zones)
        if zones:
            options.append((candidate, zones))
    current_holds = current.vcpus >= need["cpu_cores"] and current.memory_gib >= need["memory_gib"]
    if not options:
        if current_holds:
            result.update(status="fits", reason="%s holds the measured need and no other type does" % current.name)
        else:
            result.update(status="no_fit", reason="no catalog type of %s holds the measured need" % host.provider)
        return result
    best, zones = min(options, key=lambda option: _by_price(option[0]))
    current_monthly = current_monthly if current_monthly is not None else current.monthly_eur
    saving = current_monthly - best.monthly_eur
    if current_holds and (best.name == current.name or saving <= 0):
        result.update(status="fits", reason="no cheaper type of %s holds the measured need" % host.provider)
        return result
    result.update(
        status="recommendation" if current_holds else "undersized",
        recommended_type=best.name,
        zone=host.location if host.location in zones else zones[0],
        moves_zone=host.location not in zones,
        monthly_eur=_round(best.monthly_eur),
        risk=_risk(usage, best),
        price=best.evidence(),
        reason="p95 CPU %.2f cores and memory %.2f GiB with 15 %% margin %s %s (%d vCPU, %s GiB); "
        "%s has %d vCPU, %s GiB"
        % (need["cpu_cores"], need["memory_gib"], "fit" if current_holds else "need", best.name, best.vcpus,
           best.memory_gib, current.name, current.vcpus, current.memory_gib),
    )  # fmt: skip
    if current_holds:
        result.update(saving_eur=_round(saving), saving_is="estimate from list prices")
    else:
        result.update(extra_cost_eur=_round(-saving), extra_cost_is="estimate from list prices")
    return result


def cloud_equivalents(cpu_cores, memory_gib, catalog, arch="x86_64"):
    """The cheapest type of each provider at least this size (no GPU, not end-of-life)."""
    found = []
    need = {"cpu_cores": cpu_cores, "memory_gib": memory_gib}
    for provider in sorted(catalog.providers):
        fitting = [t for t in catalog.of_provider(provider) if _fits(t, need, arch)]
        if fitting:
            best = min(fitting, key=_by_price)
            entry = {"provider": provider, "type": best.name, "vcpus": best.vcpus, "memory_gib": best.memory_gib}
            found.append({**entry, "monthly_eur": _round(best.monthly_eur), **best.evidence()})
    return found


# --- k3s workloads ---------------------------------------------------------------

# A request this far from the recommendation is worth changing.
REQUEST_TOLERANCE = 0.10
MIB = 1024**2


def _differs(current, recommended):
    return current is None or abs(current - recommended) > REQUEST_TOLERANCE * recommended


def workload(key, figures, window):
    """One container's requests and limits against its use, krr's simple strategy: no cost is claimed.

    CPU request = p95 of its usage, no CPU limit; memory request = limit = the
    maximum working set plus 15 %.
    """
    namespace, pod, container = key
    found = {"namespace": namespace, "pod": pod, "container": container, "samples": int(figures.get("samples", 0))}
    found["requests"] = {"cpu_cores": figures.get("cpu_request"), "memory_mib": _mib(figures.get("memory_request"))}
    found["limits"] = {"cpu_cores": figures.get("cpu_limit"), "memory_mib": _mib(figures.get("memory_limit"))}
    if (
        found["samples"] < MIN_SAMPLES
        or figures.get("cpu_p95_cores") is None
        or figures.get("memory_max_bytes") is None
    ):
        reason = "%d samples, at least %d needed, and CPU and memory series" % (found["samples"], MIN_SAMPLES)
        found.update(status="insufficient_data", reason=reason)
        return found
    cpu, memory = figures["cpu_p95_cores"], figures["memory_max_bytes"] * (1 + MEMORY_MARGIN)
    found["evidence"] = {
        "window": window,
        "cpu_p95_cores": _round(cpu),
        "cpu_series": "container_cpu_usage_seconds_total, p95 of its 5-minute rate",
        "memory_max_mib": _round(figures["memory_max_bytes"] / MIB, 1),
        "memory_series": "container_memory_working_set_bytes, maximum",
    }
    memory_mib = _round(memory / MIB, 1)
    found["recommended"] = {
        "cpu_request_cores": _round(cpu, 3),
        "cpu_limit": None,
        "memory_request_mib": memory_mib,
        "memory_limit_mib": memory_mib,
    }
    reasons = []
    limit = figures.get("memory_limit")
    if limit is not None and limit < memory:
        reasons.append("memory limit %.0f MiB is below the maximum used plus 15 %% (%.0f MiB): OOM kills"
                       % (limit / MIB, memory / MIB))  # fmt: skip
    request = figures.get("cpu_request")
    if _differs(request, cpu):
        reasons.append(
            "CPU request %s against p95 use %.3f cores" % ("none" if request is None else "%.3f" % request, cpu)
        )
    request = figures.get("memory_request")
    if _differs(request, memory):
        reasons.append("memory request %s against the maximum plus 15 %% %.0f MiB"
                       % ("none" if request is None else "%.0f MiB" % (request / MIB), memory / MIB))  # fmt: skip
    found["status"] = "change" if reasons else "fits"
    found["reason"] = "; ".join(reasons) or "requests within 10 % of the use"
    return found


def _mib(value):
    return None if value is None else _round(value / MIB, 1)


# --- disks --------------------------------------------------------------------


def disk_projection(filesystems, today):
    """Each filesystem's linear fill rate over the window and the day it is full (None: not filling)."""
    projected = []
    for fs in filesystems:
        rate = fs.get("deriv_bytes_per_s")
        entry = {
            "mountpoint": fs["mountpoint"],
            "size_gib": _round(fs["size_bytes"] / GIB),
            "free_gib": _round(fs["avail_bytes"] / GIB),
            "growth_gib_per_day": _round(-rate * 86400 / GIB) if rate is not None else None,
            "full_on": None,
        }
        if rate is not None and rate < 0 and fs["avail_bytes"] > 0:
            days = fs["avail_bytes"] / -rate / 86400
            entry["days_to_full"] = _round(days, 1)
            if days < 365 * 100:
                entry["full_on"] = (today + datetime.timedelta(days=math.floor(days))).isoformat()
        projected.append(entry)
    return sorted(projected, key=lambda e: e["mountpoint"])


# --- the report -------------------------------------------------------------


def _add(table, key, monthly, saving):
    row = table.setdefault(key, {"monthly_eur": 0.0, "saving_eur": 0.0, "hosts": 0})
    row["hosts"] += 1
    row["monthly_eur"] += monthly or 0.0
    row["saving_eur"] += saving or 0.0


def summarise(results):
    """Totals per group, per tag (key=value) and per provider, from the hosts' results."""
    by_group, by_tag, by_provider = {}, {}, {}
    totals = {"monthly_eur": 0.0, "saving_eur": 0.0, "hosts": 0, "unpriced_hosts": []}
    for name, result in sorted(results.items()):
        monthly = result["cost"]["monthly_eur"]
        saving = result["rightsizing"].get("saving_eur")
        totals["hosts"] += 1
        totals["monthly_eur"] += monthly or 0.0
        totals["saving_eur"] += saving or 0.0
        if result["cost"]["unpriced"]:
            totals["unpriced_hosts"].append(name)
        for group in result["groups"]:
            _add(by_group, group, monthly, saving)
        for key, value in result["tags"].items():
            _add(by_tag, "%s=%s" % (key, value), monthly, saving)
        _add(by_provider, result["provider"] or "unknown", monthly, saving)
    for table in (by_group, by_tag, by_provider, {"": totals}):
        for row in table.values():
            row["monthly_eur"] = round(row["monthly_eur"], 2)
            row["saving_eur"] = round(row["saving_eur"], 2)
    return {"totals": totals, "by_group": by_group, "by_tag": by_tag, "by_provider": by_provider}


def report(hosts, usages, catalog, today, *, window="14d", max_price_age_days=30, allowed_zones=None, workloads=None):
    """The whole report: per host cost, right-sizing and disks; totals; the catalog's age and VAT."""
    results = {}
    for host in hosts:
        usage = usages.get(host.name) or Usage()
        cost = host_cost(host, usage, catalog, today)
        compute = next((c for c in cost["charges"] if c["kind"] == "compute"), None)
        entry = {
            "provider": host.provider,
            "zone": host.zone,
            "type": host.type_name,
            "groups": host.groups,
            "tags": host.tags,
            "cost": {**cost, "monthly_eur": _round(cost["monthly_eur"], 2)},
            "rightsizing": rightsize(
                host, usage, catalog, compute and compute["monthly_eur"], window=window, allowed_zones=allowed_zones
            ),
            "disks": disk_projection(usage.filesystems, today),
            "usage": {
                "samples": usage.samples,
                "cpu_cores": usage.cpu_cores,
                "memory_gib": _round(usage.memory_bytes / GIB) if usage.memory_bytes else None,
                "cpu_p95_cores": _round(usage.cpu_p95_cores),
                "memory_max_used_gib": _round(usage.memory_max_used_bytes / GIB)
                if usage.memory_max_used_bytes is not None
                else None,
            },
        }
        if host.self_operated and usage.cpu_cores and usage.memory_bytes:
            entry["cloud_equivalents"] = cloud_equivalents(usage.cpu_cores, usage.memory_bytes / GIB, catalog)
        results[host.name] = entry
    summary = summarise(results)
    containers = [workload(key, figures, window) for key, figures in sorted((workloads or {}).items())]
    providers = sorted({h.provider for h in hosts if h.provider and h.provider in catalog.providers})
    return {
        "currency": "EUR",
        "date": today.isoformat(),
        "window": window,
        "hosts": results,
        "workloads": containers,
        **summary,
        "prices": {
            "catalog": catalog.origin,
            "max_age_days": max_price_age_days,
            "stale": catalog.stale(today, max_price_age_days),
            "vat": {p: catalog.vat(p) for p in providers},
        },
        "not_included": [
            "discounts, savings plans and committed-use prices",
            "egress, storage volumes, IP addresses and snapshots",
            "support plans and taxes (VAT is stated per provider, never added)",
        ],
    }


# --- metrics -------------------------------------------------------------------


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels):
    return "{%s}" % ",".join('%s="%s"' % (key, _label(value)) for key, value in labels.items() if value is not None)


def metrics_text(report):
    """The report as metrics for node_exporter's textfile collector (Prometheus text format).

    No timestamp inside: the file changes only when a figure does, and
    node_textfile_mtime_seconds says when it was written.
    """
    lines = [
        "# HELP sovereign_cost_eur_per_hour Estimated cost of a host by charge, in EUR per hour (monthly / 730).",
        "# TYPE sovereign_cost_eur_per_hour gauge",
    ]
    rightsizing, disks = [], []
    for name, host in sorted(report["hosts"].items()):
        for charge in host["cost"]["charges"]:
            labels = _labels(host=name, provider=host["provider"], kind=charge["kind"], sku=charge["sku"])
            per_hour = round(charge["monthly_eur"] / HOURS_PER_MONTH, 8)
            lines.append("sovereign_cost_eur_per_hour%s %s" % (labels, per_hour))
        found = host["rightsizing"]
        if found.get("saving_eur") is not None:
            labels = _labels(host=name, current_type=found["current_type"], recommended_type=found["recommended_type"])
            rightsizing.append("sovereign_rightsizing_saving_eur_per_month%s %s" % (labels, found["saving_eur"]))
        for disk in host["disks"]:
            if disk.get("full_on"):
                day = datetime.datetime.fromisoformat(disk["full_on"]).replace(tzinfo=datetime.UTC)
                labels = _labels(host=name, mountpoint=disk["mountpoint"])
                disks.append("sovereign_disk_full_timestamp_seconds%s %d" % (labels, day.timestamp()))
    lines += [
        "# HELP sovereign_rightsizing_saving_eur_per_month Estimated monthly saving of a host's right-sizing.",
        "# TYPE sovereign_rightsizing_saving_eur_per_month gauge",
        *rightsizing,
        "# HELP sovereign_disk_full_timestamp_seconds The day a filesystem is projected to be full.",
        "# TYPE sovereign_disk_full_timestamp_seconds gauge",
        *disks,
        "# HELP sovereign_finops_prices_stale Prices older than the report's max_price_age_days.",
        "# TYPE sovereign_finops_prices_stale gauge",
        "sovereign_finops_prices_stale %d" % len(report["prices"]["stale"]),
        "# HELP sovereign_finops_unpriced_hosts Hosts the report could not fully price.",
        "# TYPE sovereign_finops_unpriced_hosts gauge",
        "sovereign_finops_unpriced_hosts %d" % len(report["totals"]["unpriced_hosts"]),
    ]
    return "\n".join(lines) + "\n"

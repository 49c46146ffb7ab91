# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sovereignty policy engine: evaluates hosts against a policy and a catalog.

Internal to sovereign.cloud (controller side): not a public API. Pure Python,
unit-tested without Ansible. The catalog (providers, locations, laws,
certifications, country groups) is data: data/sovereignty/*.yml in the
collection, each entry with its source and the date it was checked. The
policy is the operator's YAML (docs/sovereignty.md).

Host facts are read from inventory variables, the same names on static
homelab hosts and on this collection's dynamic inventories:
  sovereign_provider             catalog provider id (scaleway, ovhcloud, homelab, aws...)
  sovereign_zone / sovereign_region / sovereign_datacenter
                                 location id in that provider's catalog entry
  sovereign_country              ISO country, for operator-run hosts (homelab)
  sovereign_owner                who owns operator-run hardware
  sovereign_offer                offer id, matched against certifications
  sovereign_data_classification  a classification of the policy
  sovereign_external_endpoints   [{kind, host}] the host's services talk to
  sovereign_dns_resolvers        resolver addresses or names (kind dns)
  sovereign_artifact_mirror      URL of the artifact mirror (kind artifact_mirror)
  base_chrony_servers            NTP servers of the base role (kind ntp)
  sovereign_telemetry            {service: bool}: whether a service reports home
"""

from __future__ import annotations

import datetime
import fnmatch
import functools
import ipaddress
import json
import os
import re
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import yaml  # controller side only: PyYAML comes with ansible-core

RULES = {
    "SOV-CLS-001": "data classification not defined by the policy",
    "SOV-PRV-001": "provider unknown to the catalog",
    "SOV-LOC-001": "location outside the countries allowed for the data",
    "SOV-LOC-002": "location unknown",
    "SOV-JUR-001": "provider exposed to non-EU extraterritorial law",
    "SOV-CERT-001": "required certification not held by the offer",
    "SOV-CERT-002": "certification expired or not yet valid",
    "SOV-CERT-003": "certification validity dates not recorded in the catalog",
    "SOV-EP-001": "external endpoint outside the trust perimeter",
    "SOV-TEL-001": "service telemetry enabled",
}

LOCATION_KEYS = ("sovereign_zone", "sovereign_region", "sovereign_datacenter")
# Host variables the engine reads.
HOST_KEYS = (
    "sovereign_provider",
    "sovereign_zone",
    "sovereign_region",
    "sovereign_datacenter",
    "sovereign_country",
    "sovereign_owner",
    "sovereign_offer",
    "sovereign_data_classification",
    "sovereign_external_endpoints",
    "sovereign_dns_resolvers",
    "sovereign_artifact_mirror",
    "sovereign_telemetry",
)
# Role variables that decide a host's external endpoints, and the role whose
# defaults apply when a host does not set them.
ROLE_KEYS = {"base_chrony_servers": "base", "loki_storage": "loki", "loki_s3": "loki"}
# Role defaults that are a lookup of a data file of the collection (which
# this reader cannot template): the file and its top-level key.
ROLE_DATA = {"base_chrony_servers": (("data", "time", "servers.yml"), "sovereign_time_servers")}
UNKNOWN_CHOICES = ("fail", "warn")


class PolicyError(ValueError):
    """The policy document is malformed; the message names the key."""


class CatalogError(ValueError):
    """The catalog data is malformed; the message names the entry."""


def _date(value, where):
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogError("%s: %r is not an ISO date (YYYY-MM-DD)" % (where, value)) from exc


class Catalog:
    """Providers, their locations and laws, certifications and country groups."""

    def __init__(self, providers, certifications, countries):
        self.providers = providers.get("providers") or {}
        self.laws = providers.get("laws") or {}
        self.schemes = certifications.get("schemes") or {}
        self.groups = {}
        for name, group in (countries.get("groups") or {}).items():
            members = group.get("members") or []
            bad = [m for m in members if not (isinstance(m, str) and len(m) == 2 and m.isupper())]
            if bad:
                # A bare NO (Norway) in YAML 1.1 is read as false: quote it.
                raise CatalogError("groups.%s: %r are not ISO 3166-1 alpha-2 codes (quote NO)" % (name, bad))
            self.groups[name] = set(members)
        for pid, entry in self.providers.items():
            for key in ("name", "controlled_from", "extraterritorial_laws", "source", "checked", "locations"):
                if key not in entry:
                    raise CatalogError("providers.%s lacks %s" % (pid, key))
            for law in entry["extraterritorial_laws"]:
                if law not in self.laws:
                    raise CatalogError("providers.%s names unknown law %s" % (pid, law))
        # Certifications indexed by (provider, offer) for O(1) lookups.
        self._certs = {}
        for index, cert in enumerate(certifications.get("certifications") or []):
            where = "certifications[%d] (%s)" % (index, cert.get("id", "?"))
            for key in ("id", "provider", "scheme", "offers", "source", "checked"):
                if key not in cert:
                    raise CatalogError("%s lacks %s" % (where, key))
            if cert["provider"] not in self.providers:
                raise CatalogError("%s names unknown provider %s" % (where, cert["provider"]))
            if cert["scheme"] not in self.schemes:
                raise CatalogError("%s names unknown scheme %s" % (where, cert["scheme"]))
            record = dict(cert)
            record["valid_from"] = _date(cert.get("valid_from"), where + ".valid_from")
            record["valid_until"] = _date(cert.get("valid_until"), where + ".valid_until")
            for offer in cert["offers"]:
                self._certs.setdefault((cert["provider"], offer), []).append(record)

    def expand_countries(self, names):
        """Country codes and group names (EU, EEA) to a set of country codes."""
        result = set()
        for name in names:
            text = str(name).upper()
            result |= self.groups.get(text, {text})
        return result

    def certifications(self, provider, offer):
        return self._certs.get((provider, offer), [])


# data/sovereignty of the collection: plugins/plugin_utils/ -> collection root.
DEFAULT_CATALOG_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "data", "sovereignty"
)


def _read_yaml(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError("cannot read %s: %s" % (path, exc)) from exc


def load_catalog(catalog_dir=None):
    """The catalog in `catalog_dir` (default: the collection's), read once per process."""
    return _load_catalog(os.path.abspath(catalog_dir or DEFAULT_CATALOG_DIR))


@functools.cache
def _load_catalog(directory):
    names = ("providers.yml", "certifications.yml", "countries.yml")
    return Catalog(*(_read_yaml(os.path.join(directory, name)) for name in names))


def unwrap_policy(data):
    """A policy document, or a vars file holding it as `sovereign_policy`."""
    if isinstance(data, dict) and list(data) == ["sovereign_policy"]:
        return data["sovereign_policy"]
    return data


@functools.cache
def role_defaults():
    """Defaults of the collection's roles for ROLE_KEYS, read once per process."""
    root = os.path.dirname(os.path.dirname(DEFAULT_CATALOG_DIR))
    defaults = {}
    for key, role in ROLE_KEYS.items():
        if key in ROLE_DATA:
            path, top = ROLE_DATA[key]
            defaults[key] = _read_yaml(os.path.join(root, *path)).get(top)
        else:
            defaults[key] = _read_yaml(os.path.join(root, "roles", role, "defaults", "main.yml")).get(key)
    return defaults


def parse_today(text):
    """The evaluation date option: None when unset, else an ISO date; ValueError names the option."""
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(str(text))
    except ValueError as exc:
        raise ValueError("today: %r is not a date (YYYY-MM-DD)" % text) from exc


def host_facts(values):
    """The variables of one host the engine reads, with role defaults filled in.

    `values` is any mapping of the host's variables (hostvars in a play, the
    merged host and group variables in an inventory plugin).
    """
    facts = {key: values[key] for key in HOST_KEYS if key in values}
    for key, default in role_defaults().items():
        facts[key] = values[key] if key in values else default
    return facts


_SITE_NUMBER = re.compile(r"[-_]?[0-9]+[a-z]?$")


def find_location(provider_entry, location):
    """A provider's catalog entry for a location id, or None.

    Ids are matched exactly. For a provider marked `numbered_sites` in the
    catalog (OVHcloud), an id is also matched without its trailing building
    number, so datacenter `rbx7` or region `GRA11` resolves to the site `rbx`
    / `GRA`. Other providers' unknown ids stay unknown (fail closed). Case is
    kept: OVHcloud writes regions upper case and datacenters lower case.
    """
    if not location:
        return None
    locations = provider_entry.get("locations") or {}
    found = locations.get(location)
    if found is None and provider_entry.get("numbered_sites"):
        site = _SITE_NUMBER.sub("", str(location))
        if site and site != location:
            found = locations.get(site)
    return found


def country_of(catalog, provider, location):
    """ISO country of a provider's zone, region or datacenter; ValueError when unknown."""
    entry = catalog.providers.get(provider)
    if entry is None:
        raise ValueError(
            "provider %r is not in the catalog (known: %s)" % (provider, ", ".join(sorted(catalog.providers)))
        )
    found = find_location(entry, location)
    if found is None:
        raise ValueError("location %r of provider %s is not in the catalog" % (location, provider))
    return found["country"]


def provider_facts(catalog, provider):
    """The catalog's facts about a provider, with the source and check date."""
    entry = catalog.providers.get(provider)
    if entry is None:
        raise ValueError(
            "provider %r is not in the catalog (known: %s)" % (provider, ", ".join(sorted(catalog.providers)))
        )
    return {
        "id": provider,
        "name": entry["name"],
        "legal_seat": entry.get("legal_seat"),
        "controlled_from": entry["controlled_from"],
        "extraterritorial_laws": list(entry["extraterritorial_laws"]),
        "source": entry["source"],
        "checked": str(entry["checked"]),
    }


def in_country_group(catalog, country, group):
    """Whether an ISO country code belongs to a group of the catalog (EU, EEA)."""
    if group not in catalog.groups:
        raise ValueError(
            "country group %r is not in the catalog (known: %s)" % (group, ", ".join(sorted(catalog.groups)))
        )
    return str(country).upper() in catalog.groups[group]


class ClassificationRule:
    __slots__ = ("allow_extraterritorial", "allowed_countries", "name", "on_unknown", "required")

    def __init__(self, name, spec, catalog):
        where = "classifications.%s" % name
        if not isinstance(spec, dict):
            raise PolicyError("%s must be a mapping" % where)
        unknown_keys = set(spec) - {
            "allowed_countries",
            "allow_extraterritorial_exposure",
            "required_certifications",
            "on_unknown",
            "description",
        }
        if unknown_keys:
            raise PolicyError("%s: unknown keys %s" % (where, ", ".join(sorted(unknown_keys))))
        countries = spec.get("allowed_countries")
        if countries is not None and not isinstance(countries, list):
            raise PolicyError("%s.allowed_countries must be a list of country codes or groups (EU, EEA)" % where)
        self.name = name
        self.allowed_countries = None if countries is None else catalog.expand_countries(countries)
        self.allow_extraterritorial = bool(spec.get("allow_extraterritorial_exposure", True))
        required = spec.get("required_certifications") or []
        if not isinstance(required, list):
            raise PolicyError("%s.required_certifications must be a list" % where)
        for scheme in required:
            if scheme not in catalog.schemes:
                raise PolicyError(
                    "%s.required_certifications: unknown scheme %s (known: %s)"
                    % (where, scheme, ", ".join(sorted(catalog.schemes)))
                )
        self.required = list(required)
        self.on_unknown = spec.get("on_unknown", "fail")
        if self.on_unknown not in UNKNOWN_CHOICES:
            raise PolicyError("%s.on_unknown must be one of %s" % (where, ", ".join(UNKNOWN_CHOICES)))


class Policy:
    def __init__(self, data, catalog):
        if not isinstance(data, dict):
            raise PolicyError("the policy must be a mapping")
        unknown_keys = set(data) - {"classifications", "default_classification", "endpoints", "telemetry", "name"}
        if unknown_keys:
            raise PolicyError("unknown top-level keys: %s" % ", ".join(sorted(unknown_keys)))
        classes = data.get("classifications")
        if not isinstance(classes, dict) or not classes:
            raise PolicyError("classifications: at least one data classification is needed")
        self.classifications = {name: ClassificationRule(name, spec, catalog) for name, spec in classes.items()}
        self.default = data.get("default_classification")
        if self.default is not None and self.default not in self.classifications:
            raise PolicyError("default_classification: %s is not one of the classifications" % self.default)
        endpoints = data.get("endpoints") or {}
        if not isinstance(endpoints, dict):
            raise PolicyError("endpoints must be a mapping with allow, internal_domains, allow_private_addresses")
        self.endpoint_allow = []
        for index, entry in enumerate(endpoints.get("allow") or []):
            if not isinstance(entry, dict) or bool(entry.get("host")) == bool(entry.get("provider")):
                raise PolicyError(
                    "endpoints.allow[%d] needs either a host (a name, address or glob such as *.example.eu) "
                    "or a provider of the catalog" % index
                )
            kinds = entry.get("kinds") or []
            if not isinstance(kinds, list):
                raise PolicyError("endpoints.allow[%d].kinds must be a list" % index)
            if entry.get("host"):
                patterns = [str(entry["host"]).lower()]
            else:
                provider = catalog.providers.get(entry["provider"])
                if provider is None:
                    raise PolicyError(
                        "endpoints.allow[%d].provider: %s is not in the catalog" % (index, entry["provider"])
                    )
                if not provider.get("domains"):
                    raise PolicyError(
                        "endpoints.allow[%d].provider: the catalog lists no domains for %s" % (index, entry["provider"])
                    )
                # A provider's endpoints: its domains and every name under them.
                patterns = [p for d in provider["domains"] for p in (d.lower(), "*." + d.lower())]
            for pattern in patterns:
                self.endpoint_allow.append((pattern, set(kinds), entry))
        self.internal_domains = [str(d).lower().lstrip(".") for d in endpoints.get("internal_domains") or []]
        self.allow_private = bool(endpoints.get("allow_private_addresses", True))
        self.check_endpoints = "allow" in endpoints or "internal_domains" in endpoints
        telemetry = data.get("telemetry") or {}
        self.telemetry_required = telemetry.get("required", "off")
        if self.telemetry_required not in ("off", "any"):
            raise PolicyError("telemetry.required must be off or any")
        # Per-service exceptions to the default, e.g. {home_assistant: any}.
        self.telemetry_services = telemetry.get("services") or {}
        if not isinstance(self.telemetry_services, dict):
            raise PolicyError("telemetry.services must map service names to off or any")
        for service, required in self.telemetry_services.items():
            if required not in ("off", "any"):
                raise PolicyError("telemetry.services.%s must be off or any" % service)

    def telemetry_allowed(self, service):
        return self.telemetry_services.get(service, self.telemetry_required) == "any"


def _finding(rule, severity, message, evidence, source=None, *, remediation=""):
    return {
        "rule": rule,
        "title": RULES[rule],
        "severity": severity,
        "message": message,
        "evidence": evidence,
        "source": source,
        "remediation": remediation,
    }


def _source(entry):
    return {"source": entry.get("source"), "checked": str(entry.get("checked"))} if entry else None


def host_endpoints(hostvars):
    """The external endpoints a host's configuration will talk to, as (kind, host)."""
    found = []
    for item in hostvars.get("sovereign_external_endpoints") or []:
        if isinstance(item, dict) and item.get("host"):
            found.append((str(item.get("kind", "other")), str(item["host"])))
    for resolver in hostvars.get("sovereign_dns_resolvers") or []:
        found.append(("dns", str(resolver)))
    for server in hostvars.get("base_chrony_servers") or []:
        if isinstance(server, dict) and server.get("host"):
            found.append(("ntp", str(server["host"])))
    # Loki's object storage holds every log line the platform ships.
    loki_s3 = hostvars.get("loki_s3")
    if hostvars.get("loki_storage") == "s3" and isinstance(loki_s3, dict) and loki_s3.get("endpoint"):
        endpoint = str(loki_s3["endpoint"])
        found.append(("object_storage", urlsplit("//" + endpoint.rsplit("://", maxsplit=1)[-1]).hostname or endpoint))
    mirror = hostvars.get("sovereign_artifact_mirror")
    # A file:// mirror is a directory on the controller, not an endpoint.
    if mirror and not str(mirror).startswith("file://"):
        found.append(("artifact_mirror", urlsplit(str(mirror)).hostname or str(mirror)))
    return found


class Evaluator:
    """Evaluates hosts; reuse one instance for many hosts (lookups are cached)."""

    def __init__(self, policy, catalog, today=None):
        self.policy = policy
        self.catalog = catalog
        self.today = today or datetime.date.today()

    def endpoint_allowed(self, kind, host):
        name = host.lower().rstrip(".")
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            address = None
        if address is not None and self.policy.allow_private and (address.is_private or address.is_loopback):
            return True
        if any(name == d or name.endswith("." + d) for d in self.policy.internal_domains):
            return True
        return any(fnmatch.fnmatchcase(name, pattern) and (not kinds or kind in kinds)
                   for pattern, kinds, _entry in self.policy.endpoint_allow)  # fmt: skip

    def evaluate_host(self, name, hostvars):
        policy, catalog = self.policy, self.catalog
        findings = []
        facts = {"host": name}

        cls_name = hostvars.get("sovereign_data_classification") or policy.default
        facts["classification"] = cls_name
        rule = policy.classifications.get(cls_name) if cls_name else None
        if rule is None:
            findings.append(
                _finding(
                    "SOV-CLS-001",
                    "error",
                    "data classification %r is not defined by the policy" % (cls_name,),
                    {
                        "sovereign_data_classification": cls_name,
                        "policy_classifications": sorted(policy.classifications),
                    },
                    remediation="set sovereign_data_classification to one of the policy's classifications, "
                    "or set default_classification in the policy",
                )
            )
            return self._result(name, facts, findings)
        unknown_severity = "error" if rule.on_unknown == "fail" else "warning"

        provider_id = hostvars.get("sovereign_provider")
        provider = catalog.providers.get(provider_id) if provider_id else None
        facts["provider"] = provider_id
        country = None
        location_id = next((hostvars[k] for k in LOCATION_KEYS if hostvars.get(k)), None)
        facts["location"] = location_id
        if provider is None:
            findings.append(
                _finding(
                    "SOV-PRV-001",
                    unknown_severity,
                    "provider %r is not in the catalog" % (provider_id,),
                    {"sovereign_provider": provider_id},
                    remediation="set sovereign_provider to a catalog provider (homelab for your own hardware), "
                    "or add the provider to data/sovereignty/providers.yml with its source",
                )
            )
        elif provider_id == "homelab":
            country = hostvars.get("sovereign_country")
            facts["owner"] = hostvars.get("sovereign_owner")
            if not country:
                findings.append(
                    _finding(
                        "SOV-LOC-002",
                        unknown_severity,
                        "operator-run host without sovereign_country",
                        {"sovereign_provider": provider_id},
                        _source(provider),
                        remediation="declare the host's country in sovereign_country (ISO code such as DE)",
                    )
                )
        else:
            location = find_location(provider, location_id)
            if location is None:
                findings.append(
                    _finding(
                        "SOV-LOC-002",
                        unknown_severity,
                        "location %r of provider %s is not in the catalog" % (location_id, provider_id),
                        {"provider": provider_id, "location": location_id},
                        {"source": provider.get("locations_source"), "checked": str(provider.get("checked"))},
                        remediation="check sovereign_zone/sovereign_region; add a new location to the catalog "
                        "with its source",
                    )
                )
            else:
                country = location["country"]
        facts["country"] = country

        if country and rule.allowed_countries is not None and country.upper() not in rule.allowed_countries:
            findings.append(
                _finding(
                    "SOV-LOC-001",
                    "error",
                    "%s data on a host in %s, outside the allowed countries" % (cls_name, country),
                    {"country": country, "location": location_id, "provider": provider_id,
                     "allowed": sorted(rule.allowed_countries)},
                    _source(provider),
                    remediation="move the workload to an allowed location or change the host's classification",
                )
            )  # fmt: skip

        if provider is not None and provider["extraterritorial_laws"] and not rule.allow_extraterritorial:
            laws = provider["extraterritorial_laws"]
            law_names = ", ".join(self.catalog.laws[law]["name"] for law in laws)
            findings.append(
                _finding(
                    "SOV-JUR-001",
                    "error",
                    "%s is controlled from %s and can be compelled by %s, whatever the data's region"
                    % (provider["name"], provider["controlled_from"], law_names),
                    {"provider": provider_id, "controlled_from": provider["controlled_from"], "laws": laws,
                     "country_of_location": country},
                    {"provider": _source(provider), "laws": {law: _source(self.catalog.laws[law]) for law in laws}},
                    remediation="use a provider not exposed to non-EU extraterritorial law for this classification",
                )
            )  # fmt: skip

        if rule.required and provider is not None:
            findings.extend(self._certification_findings(rule, provider_id, hostvars.get("sovereign_offer"), facts))

        if policy.check_endpoints:
            for kind, host in host_endpoints(hostvars):
                if not self.endpoint_allowed(kind, host):
                    findings.append(
                        _finding(
                            "SOV-EP-001",
                            "error",
                            "%s endpoint %s is outside the trust perimeter" % (kind, host),
                            {"kind": kind, "host": host},
                            remediation="use an endpoint from endpoints.allow or an internal one, "
                            "or add this one to the policy after review",
                        )
                    )

        for service, enabled in sorted((hostvars.get("sovereign_telemetry") or {}).items()):
            if enabled and not policy.telemetry_allowed(service):
                findings.append(
                    _finding(
                        "SOV-TEL-001",
                        "error",
                        "%s reports usage data to its vendor" % service,
                        {"service": service, "telemetry": enabled},
                        remediation="turn the service's telemetry off (the collection's roles do by default)",
                    )
                )
        return self._result(name, facts, findings)

    def _certification_findings(self, rule, provider_id, offer, facts):
        findings = []
        facts["offer"] = offer
        held = self.catalog.certifications(provider_id, offer) if offer else []
        for scheme in rule.required:
            candidates = [c for c in held if c["scheme"] == scheme]
            valid, expired, undated = [], [], []
            for cert in candidates:
                if cert["valid_until"] and cert["valid_until"] < self.today:
                    expired.append(cert)
                elif cert["valid_from"] and cert["valid_from"] > self.today:
                    expired.append(cert)
                elif cert["valid_until"] is None:
                    undated.append(cert)
                else:
                    valid.append(cert)
            if valid:
                continue
            if undated:
                cert = undated[0]
                findings.append(
                    _finding(
                        "SOV-CERT-003",
                        "warning",
                        "%s of %s/%s counted, but its validity dates are not recorded in the catalog"
                        % (scheme, provider_id, offer),
                        {"certification": cert["id"], "valid_from": str(cert["valid_from"]), "valid_until": None},
                        _source(cert),
                        remediation="read the dates off the issuer's published list and record them in "
                        "data/sovereignty/certifications.yml",
                    )
                )
                continue
            if expired:
                cert = expired[0]
                findings.append(
                    _finding(
                        "SOV-CERT-002",
                        "error",
                        "%s of %s/%s is not valid on %s (valid %s to %s)"
                        % (scheme, provider_id, offer, self.today, cert["valid_from"], cert["valid_until"]),
                        {"certification": cert["id"], "valid_from": str(cert["valid_from"]),
                         "valid_until": str(cert["valid_until"]), "today": str(self.today)},
                        _source(cert),
                        remediation="check the issuer's list for a renewal and update the catalog, "
                        "or move the workload",
                    )
                )  # fmt: skip
                continue
            findings.append(
                _finding(
                    "SOV-CERT-001",
                    "error",
                    "%s data requires %s; %s offer %r holds none" % (rule.name, scheme, provider_id, offer),
                    {"provider": provider_id, "offer": offer, "required": scheme,
                     "held": sorted({c["scheme"] for c in held})},
                    _source(self.catalog.schemes.get(scheme)),
                    remediation="run this classification on an offer qualified for %s "
                    "(sovereign_offer names the offer)" % scheme,
                )
            )  # fmt: skip
        return findings

    @staticmethod
    def _result(name, facts, findings):
        for finding in findings:
            finding["host"] = name
        errors = sum(1 for f in findings if f["severity"] == "error")
        return {
            "host": name,
            "verdict": "violation" if errors else "compliant",
            "errors": errors,
            "warnings": len(findings) - errors,
            "facts": facts,
            "findings": findings,
        }


def evaluate(policy, catalog, hosts, today=None):
    """Evaluate {host: hostvars}; return the report dictionary."""
    evaluator = Evaluator(policy, catalog, today)
    results = [evaluator.evaluate_host(name, hostvars or {}) for name, hostvars in hosts.items()]
    violations = [r["host"] for r in results if r["verdict"] == "violation"]
    return {
        "verdict": "violation" if violations else "compliant",
        "evaluated_on": str(evaluator.today),
        "hosts": {r["host"]: r for r in results},
        "compliant": [r["host"] for r in results if r["verdict"] == "compliant"],
        "violation": violations,
        "summary": {
            "hosts": len(results),
            "violations": len(violations),
            "errors": sum(r["errors"] for r in results),
            "warnings": sum(r["warnings"] for r in results),
        },
    }


# --- reports ------------------------------------------------------------------


def report_json(report):
    return json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"


def report_markdown(report):
    s = report["summary"]
    lines = [
        "# Sovereignty report",
        "",
        "Verdict: **%s** (%d hosts, %d in violation, %d errors, %d warnings; evaluated %s)"
        % (report["verdict"], s["hosts"], s["violations"], s["errors"], s["warnings"], report["evaluated_on"]),
        "",
        "| host | verdict | classification | provider | location | country |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in sorted(report["hosts"].items()):
        f = result["facts"]
        lines.append(
            "| %s | %s | %s | %s | %s | %s |"
            % tuple(
                [name, result["verdict"]]
                + [f.get(key) or "-" for key in ("classification", "provider", "location", "country")]
            )
        )
    for name, result in sorted(report["hosts"].items()):
        if not result["findings"]:
            continue
        lines += ["", "## %s" % name, ""]
        for finding in result["findings"]:
            source = finding.get("source") or {}
            lines.append(
                "- **%s** %s (%s): %s" % (finding["rule"], finding["title"], finding["severity"], finding["message"])
            )
            lines.append("  - evidence: `%s`" % json.dumps(finding["evidence"], sort_keys=True, default=str))
            if source:
                lines.append("  - source: `%s`" % json.dumps(source, sort_keys=True, default=str))
            if finding["remediation"]:
                lines.append("  - remediation: %s" % finding["remediation"])
    return "\n".join(lines) + "\n"


def report_junit(report):
    """One test case per host: a failure lists its errors; warnings go to system-out."""
    cases = []
    for name, result in sorted(report["hosts"].items()):
        errors = [f for f in result["findings"] if f["severity"] == "error"]
        warnings = [f for f in result["findings"] if f["severity"] != "error"]
        body = ""
        if errors:
            text = "\n".join(
                "%s: %s %s" % (f["rule"], f["message"], json.dumps(f["evidence"], default=str)) for f in errors
            )
            body += "<failure message=%s>%s</failure>" % (
                quoteattr("; ".join("%s %s" % (f["rule"], f["message"]) for f in errors)),
                xml_escape(text),
            )
        if warnings:
            body += "<system-out>%s</system-out>" % xml_escape(
                "\n".join("%s: %s" % (f["rule"], f["message"]) for f in warnings)
            )
        cases.append('<testcase classname="sovereignty" name=%s>%s</testcase>' % (quoteattr(name), body))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuite name="sovereignty" tests="%d" failures="%d" errors="0" skipped="0">\n%s\n</testsuite>\n'
        % (len(cases), report["summary"]["violations"], "\n".join(cases))
    )


RENDERERS = {"json": report_json, "markdown": report_markdown, "junit": report_junit}
EXTENSIONS = {"json": "json", "markdown": "md", "junit": "xml"}

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The operator's sovereignty policy (docs/sovereignty.md), checked against the catalog.

Pure Python, unit-tested without Ansible.
"""

from __future__ import annotations

UNKNOWN_CHOICES = ("fail", "warn")
# all: every host must hold the required certifications; third_party: hosts
# the operator runs itself (sovereign_operated_by: self) are exempt.
APPLY_TO_CHOICES = ("all", "third_party")


class PolicyError(ValueError):
    """The policy document is malformed; the message names the key."""


def unwrap_policy(data):
    """A policy document, or a vars file holding it as `sovereign_policy`."""
    if isinstance(data, dict) and list(data) == ["sovereign_policy"]:
        return data["sovereign_policy"]
    return data


class ClassificationRule:
    __slots__ = (
        "allow_extraterritorial",
        "allowed_countries",
        "allowed_sorted",
        "certifications_apply_to",
        "name",
        "on_unknown",
        "required",
    )

    def __init__(self, name, spec, catalog):
        where = "classifications.%s" % name
        if not isinstance(spec, dict):
            raise PolicyError("%s must be a mapping" % where)
        unknown_keys = set(spec) - {
            "allowed_countries",
            "allow_extraterritorial_exposure",
            "required_certifications",
            "certifications_apply_to",
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
        self.allowed_sorted = None if countries is None else sorted(self.allowed_countries)  # for the evidence
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
        self.certifications_apply_to = spec.get("certifications_apply_to", "all")
        if self.certifications_apply_to not in APPLY_TO_CHOICES:
            raise PolicyError("%s.certifications_apply_to must be one of %s" % (where, ", ".join(APPLY_TO_CHOICES)))
        self.on_unknown = spec.get("on_unknown", "fail")
        if self.on_unknown not in UNKNOWN_CHOICES:
            raise PolicyError("%s.on_unknown must be one of %s" % (where, ", ".join(UNKNOWN_CHOICES)))


class Policy:
    def __init__(self, data, catalog):
        if not isinstance(data, dict):
            raise PolicyError("the policy must be a mapping")
        unknown_keys = set(data) - {
            "classifications",
            "default_classification",
            "endpoints",
            "telemetry",
            "name",
            "max_catalog_age_days",
        }
        if unknown_keys:
            raise PolicyError("unknown top-level keys: %s" % ", ".join(sorted(unknown_keys)))
        classes = data.get("classifications")
        if not isinstance(classes, dict) or not classes:
            raise PolicyError("classifications: at least one data classification is needed")
        self.classifications = {name: ClassificationRule(name, spec, catalog) for name, spec in classes.items()}
        self.name = str(data["name"]) if data.get("name") else None  # named in the evidence's sources
        # Catalog facts checked longer ago than this are findings (None: not judged).
        self.max_catalog_age_days = data.get("max_catalog_age_days")
        age = self.max_catalog_age_days
        if age is not None and (isinstance(age, bool) or not isinstance(age, int) or age < 1):
            raise PolicyError("max_catalog_age_days must be a whole number of days (1 or more), got %r" % (age,))
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

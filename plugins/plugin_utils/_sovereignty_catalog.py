# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sovereignty catalog: providers, their locations and laws, certifications, country groups.

Data, not code: data/sovereignty/*.yml in the collection, each entry with its
source and the date it was checked. Pure Python, unit-tested without Ansible.
"""

from __future__ import annotations

import datetime
import functools
import os
import re

import yaml  # controller side only: PyYAML comes with ansible-core

from ansible_collections.sovereign.cloud.plugins.plugin_utils._data import data_path


class CatalogError(ValueError):
    """The catalog data is malformed; the message names the entry."""


def _date(value, where):
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogError("%s: %r is not an ISO date (YYYY-MM-DD)" % (where, value)) from exc


def add_months(day, months):
    """The same day `months` later (the last day of the month when that month is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def _endpoint_regex(pid, index, endpoint):
    """A provider endpoint's pattern (`s3.{region}.scw.cloud`) as a regular expression capturing the region."""
    where = "providers.%s.endpoints[%d]" % (pid, index)
    for key in ("pattern", "regions", "source", "checked"):
        if key not in endpoint:
            raise CatalogError("%s lacks %s" % (where, key))
    pattern = str(endpoint["pattern"]).lower()
    if pattern.count("{region}") != 1:
        raise CatalogError("%s.pattern: %s must hold {region} once" % (where, pattern))
    bad = [c for c in endpoint["regions"].values() if not (isinstance(c, str) and len(c) == 2 and c.isupper())]
    if bad:
        raise CatalogError("%s.regions: %r are not ISO 3166-1 alpha-2 codes" % (where, bad))
    before, after = (re.escape(part) for part in pattern.split("{region}"))
    # A bucket's virtual host (my-bucket.s3.gra.io.cloud.ovh.net) is under the endpoint.
    return re.compile(r"^(?:[^/]+\.)?%s([a-z0-9-]+)%s$" % (before, after))


class Catalog:
    """Providers, their locations and laws, certifications and country groups."""

    def __init__(self, providers, certifications, countries):
        self.providers = providers.get("providers") or {}
        self.laws = providers.get("laws") or {}
        self.schemes = certifications.get("schemes") or {}
        for name, scheme in self.schemes.items():
            months = scheme.get("validity_months")
            if months is not None and not (isinstance(months, int) and months > 0):
                raise CatalogError("schemes.%s.validity_months: %r is not a number of months" % (name, months))
        self.groups = {}
        for name, group in (countries.get("groups") or {}).items():
            members = group.get("members") or []
            bad = [m for m in members if not (isinstance(m, str) and len(m) == 2 and m.isupper())]
            if bad:
                # A bare NO (Norway) in YAML 1.1 is read as false: quote it.
                raise CatalogError("groups.%s: %r are not ISO 3166-1 alpha-2 codes (quote NO)" % (name, bad))
            self.groups[name] = set(members)
        # (compiled pattern, provider id, endpoint entry), tried in order.
        self.endpoint_patterns = []
        for pid, entry in self.providers.items():
            for key in ("name", "controlled_from", "extraterritorial_laws", "source", "checked", "locations"):
                if key not in entry:
                    raise CatalogError("providers.%s lacks %s" % (pid, key))
            for index, endpoint in enumerate(entry.get("endpoints") or []):
                self.endpoint_patterns.append((_endpoint_regex(pid, index, endpoint), pid, endpoint))
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
            # A qualification dated by its start only runs for its scheme's period
            # (SecNumCloud: three years), recorded with that source.
            months = self.schemes[cert["scheme"]].get("validity_months")
            record["valid_until_from"] = "entry" if record["valid_until"] else None
            if record["valid_until"] is None and record["valid_from"] is not None and months:
                record["valid_until"] = add_months(record["valid_from"], months)
                record["valid_until_from"] = "schemes.%s.validity_months" % cert["scheme"]
            for offer in cert["offers"]:
                self._certs.setdefault((cert["provider"], offer), []).append(record)

    def expand_countries(self, names):
        """Country codes and group names (EU, EEA) to a set of country codes."""
        result = set()
        for name in names:
            text = str(name).upper()
            result |= self.groups.get(text, {text})
        return result

    def endpoint_location(self, host):
        """(provider id, region, country or None, the endpoint entry) of a provider endpoint name, or None."""
        cache = self.__dict__.setdefault("_endpoint_cache", {})  # the same few names on every host
        if host in cache:
            return cache[host]
        name, found = host.lower().rstrip("."), None
        for regex, pid, endpoint in self.endpoint_patterns:
            match = regex.match(name)
            if match:
                region = match.group(1)
                found = (pid, region, endpoint["regions"].get(region), endpoint)
                break
        cache[host] = found
        return found

    def certifications(self, provider, offer):
        return self._certs.get((provider, offer), [])

    def offers(self, provider):
        """The offer identifiers the catalog knows for a provider: those its
        certifications name, and those its providers.yml entry lists (`offers`)."""
        named = {offer for (pid, offer) in self._certs if pid == provider}
        return sorted(named | set((self.providers.get(provider) or {}).get("offers") or []))


DEFAULT_CATALOG_DIR = data_path("sovereignty")


def read_yaml(path):
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
    return Catalog(*(read_yaml(os.path.join(directory, name)) for name in names))


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

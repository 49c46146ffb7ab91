# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Mechanics shared by the Scaleway and OVHcloud inventory plugins.

Internal to the collection: no stable API. Nothing here imports Ansible, so
it is unit-tested on its own (tests/unit/plugins/plugin_utils/).

A fetch produces plain host records, JSON-serialisable so the inventory cache
can hold them as they are:

    {"names": {"name": "web-1", "hostname": "web-1", "id": "...", "public_ipv4": ...},
     "vars": {"cloud_public_ipv4": "51.15.1.2", "cloud_tags": ["env=prod"], ...},
     "groups": ["scaleway", "scaleway_instances", "scaleway_fr_par_1"]}

On every run (from the API or from the cache) the plugins then choose the
inventory hostname and ansible_host from the user's preferences, add tag
groups and apply Constructable (compose, groups, keyed_groups).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import inspect
import ipaddress
import json
import re

# Responses worth another try: rate limiting and server-side failures.
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))

# Candidate names for ansible_host and the inventory hostname, per record.
ADDRESS_KEYS = ("public_ipv4", "private_ipv4", "public_ipv6", "private_ipv6")
HOSTNAME_KEYS = ("name", "hostname", "id", *ADDRESS_KEYS)

# Cache records carry this; a record written by another layout is refetched.
CACHE_FORMAT = 2


class FetchError(Exception):
    """One scope (zone, region, project, server list) could not be read."""


class InventoryError(Exception):
    """The inventory cannot be built: the message names what failed."""


def http_session(*, retries, backoff_factor, retry_after_max, pool_size, session=None):
    """A requests session that retries GETs on 429/5xx and on connection or read errors.

    `Retry-After` is honoured on 429 and 503 (capped at `retry_after_max`
    seconds), otherwise the wait grows as `backoff_factor * 2**n`. After the
    last try the final response is returned, so the SDK raises its own error
    with the API's message. The pool holds one connection per worker thread.
    """
    # Imported here, not at module level: a run served from the inventory cache
    # never needs an HTTP stack, and skipping the import keeps it fast.
    import requests  # noqa: PLC0415
    from requests.adapters import HTTPAdapter  # noqa: PLC0415
    from urllib3.util.retry import Retry  # noqa: PLC0415

    options = {
        "total": retries,
        "connect": retries,
        "read": retries,
        "status": retries,
        "other": 0,
        "allowed_methods": frozenset(("GET",)),
        "status_forcelist": RETRY_STATUSES,
        "backoff_factor": backoff_factor,
        "backoff_max": max(backoff_factor, 1.0) * 8,
        "respect_retry_after_header": True,
        "raise_on_status": False,
    }
    # urllib3 >= 2.6 caps Retry-After itself; older releases wait what the API asks.
    if "retry_after_max" in inspect.signature(Retry.__init__).parameters:
        options["retry_after_max"] = retry_after_max
    adapter = HTTPAdapter(max_retries=Retry(**options), pool_connections=pool_size, pool_maxsize=pool_size)
    session = session if session is not None else requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def run_parallel(jobs, max_workers):
    """Run {key: callable} on a thread pool; return ({key: result}, {key: exception}).

    Every job runs even when another fails, so one failure report can name
    all of the scopes that are missing.
    """
    results, errors = {}, {}
    if not jobs:
        return results, errors
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(jobs)))) as pool:
        futures = {pool.submit(job): key for key, job in jobs.items()}
        for future in concurrent.futures.as_completed(futures):
            key = futures[future]
            try:
                results[key] = future.result()
            except Exception as exc:  # reported per scope, by name
                errors[key] = exc
    return results, errors


def page_count(total, per_page):
    """Pages needed for `total` items, at least one."""
    total = int(total)
    return max(1, -(-total // per_page))


def describe_error(exc):
    """A one-line reason for a failed scope, without credentials."""
    text = str(exc).strip() or type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def missing_scopes_report(errors):
    """'scope: reason' lines, sorted by scope."""
    return ["%s: %s" % (scope, describe_error(errors[scope])) for scope in sorted(errors)]


def check_failures(errors, allow_partial, provider, warn):
    """Raise InventoryError naming every failed scope, or warn when partial results are allowed."""
    if not errors:
        return
    lines = missing_scopes_report(errors)
    if allow_partial:
        warn(
            "%s inventory is partial (allow_partial is true); hosts of these scopes are missing:\n  %s"
            % (provider, "\n  ".join(lines))
        )
        return
    raise InventoryError(
        "%s inventory failed; no host list is returned rather than an incomplete one "
        "(set allow_partial: true to accept a partial list):\n  %s" % (provider, "\n  ".join(lines))
    )


def strip_prefix_length(address):
    """'172.16.4.2/22' -> '172.16.4.2' (IPAM returns CIDR notation)."""
    return str(address).split("/", 1)[0] if address else address


def ip_family(address):
    """4 or 6 for a textual address, None when it is not one."""
    try:
        return ipaddress.ip_address(strip_prefix_length(address)).version
    except ValueError:
        return None


def first(values):
    """The first element of a list, None for an empty or missing one."""
    return values[0] if values else None


def pick(preferences, candidates):
    """The first non-empty candidate named in `preferences` (a scalar, never a list)."""
    for key in preferences:
        value = candidates.get(key)
        if isinstance(value, (list, tuple)):
            value = first(value)
        if value not in (None, ""):
            return str(value)
    return None


def tag_groups(tags):
    """Groups from tags: `key=value` gives `key_value`, a plain tag gives itself.

    Names are returned raw; the inventory plugin sanitises them the way
    Ansible does for every group name.
    """
    groups = []
    for raw in tags or ():
        tag = str(raw).strip()
        if not tag:
            continue
        key, sep, value = tag.partition("=")
        groups.append("%s_%s" % (key.strip(), value.strip()) if sep else tag)
    return groups


def tag_dict(tags):
    """`key=value` tags as a dictionary; plain tags map to an empty string."""
    result = {}
    for tag in tags or ():
        key, _sep, value = str(tag).partition("=")
        if key.strip():
            result[key.strip()] = value.strip()
    return result


_UNSAFE_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_]")


def location_group(provider, location):
    """`scaleway_fr_par_1`, `ovhcloud_gra11`: one group per zone, region or datacenter."""
    return "%s_%s" % (provider, _UNSAFE_GROUP_CHARS.sub("_", str(location).lower()))


def name_hosts(records, preferences, warn):
    """Give each record its inventory hostname from `preferences`.

    Names are unique in the result: when two servers would get the same name
    (Scaleway and OVHcloud names are not unique across zones and projects),
    each of them gets its provider id appended, with a warning, instead of one
    silently replacing the other. A record with none of the preferred fields
    falls back to its id.
    """
    for record in records:
        record["name"] = pick(preferences, record["names"]) or record["vars"]["cloud_id"]
    seen = {}
    for record in records:
        seen.setdefault(record["name"], []).append(record)
    clashes = {name: group for name, group in seen.items() if len(group) > 1}
    for name, group in sorted(clashes.items()):
        for record in group:
            record["name"] = "%s_%s" % (name, record["vars"]["cloud_id"])
        warn(
            "%d servers are named %r; they are listed as %s"
            % (len(group), name, ", ".join(sorted(r["name"] for r in group)))
        )
    records.sort(key=lambda r: r["name"])
    return records


def set_connection_address(records, preferences, warn):
    """Set a scalar ansible_host from `preferences`; list hosts that have none."""
    without = []
    for record in records:
        candidates = {key: record["vars"].get("cloud_" + key) for key in ADDRESS_KEYS}
        address = pick(preferences, candidates)
        if address:
            record["vars"]["ansible_host"] = address
        else:
            without.append(record["name"])
    if without:
        warn(
            "%d hosts have none of %s, so no ansible_host is set and Ansible will connect by name: %s"
            % (len(without), "/".join(preferences), ", ".join(without[:20]) + (" ..." if len(without) > 20 else ""))
        )
    return records


def options_fingerprint(options):
    """A stable digest of the options that change what a fetch returns."""
    text = json.dumps(options, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_payload(records, fingerprint):
    """The cache entry: the records as one JSON text.

    One string rather than nested objects because ansible-core 2.19's cache
    plugins decode every JSON object through a type-aware hook: 2,000 hosts as
    objects took seconds to load, as one string they take milliseconds.
    """
    return {"format": CACHE_FORMAT, "options": fingerprint, "hosts": json.dumps(records, separators=(",", ":"))}


def records_from_cache(payload, fingerprint):
    """The host records of a cache entry, or None when it is stale, foreign or from other options."""
    if not isinstance(payload, dict):
        return None
    if payload.get("format") != CACHE_FORMAT or payload.get("options") != fingerprint:
        return None
    try:
        hosts = json.loads(str(payload.get("hosts")))
    except ValueError:
        return None
    return hosts if isinstance(hosts, list) else None


def addresses_by_kind(entries):
    """{'public_ipv4': first public IPv4, ...} from (address, is_public) pairs, in API order."""
    found = {}
    for address, is_public in entries:
        family = ip_family(address)
        if family is None:
            continue
        key = "%s_ipv%d" % ("public" if is_public else "private", family)
        found.setdefault(key, strip_prefix_length(address))
    return found


def base_record(provider, resource, cloud_id, *, candidates, addresses, variables, groups):
    """A host record with the variables both plugins set under the same names.

    `addresses` is the output of addresses_by_kind(): one scalar per kind, so
    ansible_host and the cloud_*_ipv* variables are never lists.
    """
    record_vars = {
        "cloud_resource": resource,
        "cloud_id": cloud_id,
        "cloud_public_ipv4": addresses.get("public_ipv4"),
        "cloud_public_ipv6": addresses.get("public_ipv6"),
        "cloud_private_ipv4": addresses.get("private_ipv4"),
        "cloud_private_ipv6": addresses.get("private_ipv6"),
    }
    record_vars.update(variables)
    # The names the sovereignty checks read on every host, static or dynamic.
    record_vars["sovereign_provider"] = provider
    names = dict(candidates)
    names.update({key: addresses.get(key) for key in ADDRESS_KEYS})
    names["id"] = cloud_id
    if record_vars.get("cloud_type"):
        # One group per commercial type: its prices and offer are set there once.
        kind = _UNSAFE_GROUP_CHARS.sub("_", str(record_vars["cloud_type"]).lower())
        groups = [*groups, "%s_type_%s" % (provider, kind)]
    return {"names": names, "vars": record_vars, "groups": groups}


def shared_values(records):
    """({group: {variable: value}}, [each record's own variables]): values shared by a group's hosts, set once.

    Ansible handles every value an inventory plugin sets: it tags it on the
    way in and writes it out for --list and AWX's import. The provider, zone,
    region, country, offer, project and the prices of a commercial type are
    the same for every host of a group the plugin makes (the provider's, the
    resource kind's, the location's, the type's), so each such variable is
    set on the largest of those groups whose hosts all have the same value,
    and only on the hosts no such group covers. Each host ends with exactly
    one source for each of its variables, so its merged view is what it was.
    """
    members = {}
    for index, record in enumerate(records):
        for group in record["groups"]:
            members.setdefault(group, []).append(index)
    # Largest first: the provider's group, then resource kinds, locations, types.
    order = sorted((g for g, m in members.items() if len(m) > 1), key=lambda g: (-len(members[g]), g))
    keys = sorted({key for record in records for key in record["vars"]})
    group_vars, covered = {}, set()
    for key in keys:
        for group in order:
            indexes = members[group]
            if any((index, key) in covered for index in indexes):
                continue
            first_vars = records[indexes[0]]["vars"]
            if key not in first_vars:
                continue
            value = first_vars[key]
            if all(key in records[i]["vars"] and records[i]["vars"][key] == value for i in indexes[1:]):
                group_vars.setdefault(group, {})[key] = value
                covered.update((index, key) for index in indexes)
    own = [
        {key: value for key, value in record["vars"].items() if (index, key) not in covered}
        for index, record in enumerate(records)
    ]
    return group_vars, own

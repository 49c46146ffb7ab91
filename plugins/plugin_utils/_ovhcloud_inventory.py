# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OVHcloud Public Cloud instances, dedicated servers and VPS as inventory host records (internal).

Built on the official client (`ovh` on PyPI): it reads OVH_* environment
variables and ovh.conf files, signs every request (application key, secret,
consumer key and the server-time delta) or uses OAuth2, and raises typed
errors. Added here: retries and pooled connections on the client's own
requests session, a base-URL endpoint for gateways and tests, and parallel
requests (projects, and the one-server-at-a-time details of dedicated servers
and VPS).
"""

from __future__ import annotations

import functools
import re
import urllib.parse

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci


class MissingClient(Exception):
    """The ovh package is not installed."""


@functools.cache
def client_module():
    """The ovh package, imported on first use (a cached run does not need it)."""
    try:
        import ovh  # noqa: PLC0415
        import ovh.exceptions  # noqa: PLC0415
    except ImportError as exc:
        raise MissingClient("the ovh Python client is required (pip install ovh): %s" % exc) from None
    return ovh


PROVIDER = "ovhcloud"
PRODUCTS = ("public_cloud", "dedicated", "vps")
OFFERS = {"public_cloud": "public-cloud", "dedicated": "dedicated-server", "vps": "vps"}
# The paths of a VPS (API console, vps.json): /vps/{serviceName} (vps.VPS) has
# no location or address field; /datacenter gives its site (vps.Datacenter:
# name, longName, country) and /ips every address, primary and additional.
VPS_PARTS = {"details": "", "datacenter": "/datacenter", "addresses": "/ips"}
# Catalog prices are integers in 1/10^8 of the currency unit.
CATALOG_PRICE_UNIT = 1e8


def is_base_url(endpoint):
    parsed = urllib.parse.urlparse(str(endpoint))
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def named_endpoints():
    return sorted(client_module().client.ENDPOINTS)


def build_client(endpoint, *, timeout, session_options, config_file=None, credentials=None):
    """An ovh.Client for a named endpoint (ovh-eu, ...) or a base URL.

    With a base URL (an API gateway, a proxy, a test server) the credentials
    are read as for ovh-eu (OVH_* environment, the [ovh-eu] section of
    ovh.conf) and requests go to that URL instead.
    """
    base_url = None
    if is_base_url(endpoint):
        base_url = str(endpoint).rstrip("/")
        endpoint = "ovh-eu"
    kwargs = {key: value for key, value in (credentials or {}).items() if value}
    client = client_module().Client(endpoint=endpoint, timeout=timeout, config_file=config_file, **kwargs)
    if base_url:
        # The client has no public setting for this; _endpoint is the base it prefixes paths with.
        client._endpoint = base_url  # pylint: disable=protected-access
    # Pooled connections and retries on the session the client already uses.
    ci.http_session(session=client._session, **session_options)  # pylint: disable=protected-access
    oauth2 = getattr(client, "_oauth2", None)
    if oauth2 is not None:
        ci.http_session(session=oauth2.session, **session_options)
    return client


class Settings:
    """What to list, from the plugin's options (validated by the plugin)."""

    def __init__(
        self,
        *,
        products=PRODUCTS,
        projects=(),
        instance_states=("ACTIVE",),
        dedicated_states=("ok",),
        vps_states=("running",),
        prices=True,
        subsidiary="FR",
    ):
        self.products = list(products)
        self.projects = list(projects or ())
        self.instance_states = set(instance_states or ())
        self.dedicated_states = set(dedicated_states or ())
        self.vps_states = set(vps_states or ())
        self.prices = prices
        self.subsidiary = subsidiary

    def fingerprint_data(self):
        return {key: sorted(value) if isinstance(value, (list, set)) else value for key, value in vars(self).items()}


def fetch(client, settings, max_workers, catalog_country):
    """Host records of every instance, dedicated server and VPS the settings select.

    Returns (records, errors) like the Scaleway fetch. Two rounds of parallel
    requests: the lists (projects, dedicated servers, VPS, the price
    catalog), then each project's instances and each server's details.
    """
    first_round = {}
    projects = list(settings.projects)
    if "public_cloud" in settings.products:
        if not projects:
            first_round["project list"] = lambda: client.get("/cloud/project")
        if settings.prices:
            first_round["public cloud price catalog"] = lambda: client.get(
                "/order/catalog/public/cloud", ovhSubsidiary=settings.subsidiary, _need_auth=False
            )
    if "dedicated" in settings.products:
        first_round["dedicated server list"] = lambda: client.get("/dedicated/server")
    if "vps" in settings.products:
        first_round["VPS list"] = lambda: client.get("/vps")
    found, errors = ci.run_parallel(first_round, max_workers)
    if "project list" in first_round:
        projects = _string_list(found, errors, "project list")

    second_round = {}
    if "public_cloud" in settings.products:
        for project in projects:
            second_round["project " + project] = lambda p=project: client.get(
                "/cloud/project/%s/instance" % urllib.parse.quote(p, safe="")
            )
    for name in _string_list(found, errors, "dedicated server list"):
        second_round["dedicated server " + name] = lambda n=name: _server_get(client, "/dedicated/server", n)
    vps_names = _string_list(found, errors, "VPS list")
    for name in vps_names:
        # A VPS's details, site and addresses are three paths: three jobs, so
        # that no worker waits on three round trips in a row.
        for part, suffix in VPS_PARTS.items():
            second_round["VPS %s %s" % (name, part)] = lambda n=name, x=suffix: _server_get(client, "/vps", n, x)
    details, more_errors = ci.run_parallel(second_round, max_workers)
    errors.update(more_errors)

    prices = catalog_prices(found.get("public cloud price catalog"))
    records = []
    for key in sorted(details):
        value = details[key]
        if key.startswith("project "):
            project = key[len("project ") :]
            records.extend(_instances(value, project, settings, prices, catalog_country, errors=errors, scope=key))
        elif value is None or key.startswith("VPS "):
            continue
        elif not isinstance(value, dict):
            errors[key] = ci.FetchError("expected an object, got %s" % type(value).__name__)
        elif not settings.dedicated_states or value.get("state") in settings.dedicated_states:
            records.append(dedicated_record(value, catalog_country))
    for name in sorted(vps_names):
        parts = _vps_answer(name, details, errors)
        if parts and (not settings.vps_states or parts["details"].get("state") in settings.vps_states):
            records.append(vps_record(parts["details"], parts["datacenter"], parts["addresses"], catalog_country))
    return records, errors


def _string_list(found, errors, scope):
    value = found.get(scope)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors[scope] = ci.FetchError("expected a list of names, got %s" % type(value).__name__)
        return []
    return value


def _server_get(client, base, name, suffix=""):
    """GET {base}/{name}{suffix} of a server the list named; None when it was deleted since (404)."""
    try:
        return client.get("%s/%s%s" % (base, urllib.parse.quote(name, safe=""), suffix))
    except client_module().exceptions.ResourceNotFoundError:
        return None  # deleted between the list and this request: no longer a host


def _vps_answer(name, answers, errors):
    """{part: answer} of one VPS, or None when it failed (named in errors) or was deleted meanwhile."""
    keys = {part: "VPS %s %s" % (name, part) for part in VPS_PARTS}
    if any(key in errors for key in keys.values()):
        return None
    parts = {part: answers.get(key) for part, key in keys.items()}
    if any(value is None for value in parts.values()):
        return None
    for part, kind in (("details", dict), ("datacenter", dict), ("addresses", list)):
        if not isinstance(parts[part], kind):
            errors[keys[part]] = ci.FetchError(
                "expected %s, got %s" % ("a list" if kind is list else "an object", type(parts[part]).__name__)
            )
            return None
    return parts


def _instances(value, project, settings, prices, catalog_country, *, errors, scope):
    if not isinstance(value, list):
        errors[scope] = ci.FetchError("expected a list of instances, got %s" % type(value).__name__)
        return []
    records = []
    for instance in value:
        if not isinstance(instance, dict) or "id" not in instance:
            errors[scope] = ci.FetchError("an instance entry has no id: %r" % (instance,))
            return []
        if settings.instance_states and instance.get("status") not in settings.instance_states:
            continue
        records.append(instance_record(instance, project, prices, catalog_country))
    return records


def flavor_of(plan_code):
    """'b3-8.consumption' -> 'b3-8' (the flavor name billing plans start with)."""
    return str(plan_code).split(".", 1)[0] if plan_code else None


def catalog_prices(catalog):
    """{plan code: price in currency units} from the public catalog's add-ons."""
    if not isinstance(catalog, dict):
        return {}
    currency = (catalog.get("locale") or {}).get("currencyCode")
    prices = {"_currency": currency}
    for addon in catalog.get("addons") or ():
        plan = addon.get("planCode")
        for pricing in addon.get("pricings") or ():
            capacities = pricing.get("capacities") or ()
            if "consumption" in capacities or "renew" in capacities:
                prices[plan] = round(int(pricing.get("price") or 0) / CATALOG_PRICE_UNIT, 6)
                break
    return prices


def _region_country(catalog_country, region):
    return catalog_country(PROVIDER, region) if region else None


def instance_record(instance, project, prices, catalog_country):
    """One Public Cloud instance (GET /cloud/project/{id}/instance entry) as a host record."""
    entries = [
        (ip.get("ip"), ip.get("type") == "public") for ip in instance.get("ipAddresses") or () if isinstance(ip, dict)
    ]
    addresses = ci.addresses_by_kind(entries)
    region = instance.get("region")
    flavor = flavor_of(instance.get("planCode"))
    hourly = prices.get("%s.consumption" % flavor) if flavor else None
    monthly = prices.get("%s.monthly.postpaid" % flavor) if flavor else None
    monthly_billing = instance.get("monthlyBilling") or {}
    variables = {
        "cloud_name": instance.get("name"),
        "cloud_state": instance.get("status"),
        "cloud_type": flavor,
        "cloud_project": project,
        "cloud_organization": None,
        "cloud_tags": [],
        "cloud_labels": {},
        "cloud_arch": None,
        "cloud_image": instance.get("imageId"),
        "cloud_created": instance.get("created"),
        "cloud_public_ips": [address for address, public in entries if public and address],
        "cloud_private_ips": [address for address, public in entries if not public and address],
        "cloud_billing": "monthly" if monthly_billing.get("status") in ("ok", "activationPending") else "hourly",
        "cloud_price_hourly_eur": hourly if prices.get("_currency") == "EUR" else None,
        "cloud_price_monthly_eur": monthly if prices.get("_currency") == "EUR" else None,
        "sovereign_region": region,
        "sovereign_country": _region_country(catalog_country, region),
        "sovereign_offer": OFFERS["public_cloud"],
    }
    return ci.base_record(
        PROVIDER,
        "public_cloud_instance",
        instance["id"],
        candidates={"name": instance.get("name"), "hostname": instance.get("name")},
        addresses=addresses,
        variables=variables,
        groups=[PROVIDER, "ovhcloud_public_cloud", ci.location_group(PROVIDER, region or "unknown")],
    )


_DATACENTER_SITE = re.compile(r"^([a-z]+)")


def dedicated_record(server, catalog_country):
    """One dedicated server (GET /dedicated/server/{name}) as a host record.

    Tags come from the server's IAM block when the API returns them there.
    """
    return _datacenter_record(
        "dedicated",
        "dedicated_server",
        str(server.get("serverId") or server.get("name")),
        iam=server.get("iam"),
        name=server.get("name"),
        hostname=server.get("reverse"),
        site=server.get("datacenter"),
        public_ips=[server["ip"]] if server.get("ip") else [],
        own={
            "cloud_state": server.get("state"),
            "cloud_type": server.get("commercialRange"),
            "cloud_image": server.get("os"),
            "cloud_service_name": server.get("name"),
            "cloud_power_state": server.get("powerState"),
        },
        catalog_country=catalog_country,
    )


def vps_record(vps, datacenter, ips, catalog_country):
    """One VPS (GET /vps/{serviceName}, its /datacenter and /ips) as a host record.

    Every VPS address is public (the VPS API has no private network); tags
    and the display name come from the IAM block when the API returns one.
    """
    model = vps.get("model") or {}
    return _datacenter_record(
        "vps",
        "vps",
        str(vps.get("name")),
        iam=vps.get("iam"),
        name=vps.get("displayName") or vps.get("name"),
        hostname=vps.get("name"),
        site=datacenter.get("name"),
        public_ips=[address for address in ips if isinstance(address, str)],
        own={
            "cloud_state": vps.get("state"),
            "cloud_type": model.get("name"),
            "cloud_image": None,
            "cloud_service_name": vps.get("name"),
            "cloud_vcores": vps.get("vcore"),
            "cloud_memory_mib": vps.get("memoryLimit"),
        },
        catalog_country=catalog_country,
    )


def _datacenter_record(product, resource, cloud_id, *, iam, name, hostname, site, public_ips, own, catalog_country):
    """A dedicated server or a VPS: a service in a datacenter (site), named and tagged by its IAM block."""
    iam = iam or {}
    tags = ["%s=%s" % (key, value) for key, value in sorted((iam.get("tags") or {}).items())]
    display = iam.get("displayName") or name
    variables = {
        "cloud_name": display,
        "cloud_project": None,
        "cloud_organization": None,
        "cloud_tags": tags,
        "cloud_labels": ci.tag_dict(tags),
        "cloud_arch": None,
        "cloud_created": None,
        "cloud_public_ips": public_ips,
        "cloud_private_ips": [],
        # Their price depends on the plan, options and commitment ordered; the
        # inventory reads only the Public Cloud catalog.
        "cloud_price_hourly_eur": None,
        "cloud_price_monthly_eur": None,
        "sovereign_datacenter": site,
        "sovereign_country": catalog_country(PROVIDER, site) if site else None,
        "sovereign_offer": OFFERS[product],
        **own,
    }
    return ci.base_record(
        PROVIDER,
        resource,
        cloud_id,
        candidates={"name": display, "hostname": hostname},
        addresses=ci.addresses_by_kind([(address, True) for address in public_ips]),
        variables=variables,
        groups=[PROVIDER, "ovhcloud_" + product, ci.location_group(PROVIDER, site or "unknown")],
    )

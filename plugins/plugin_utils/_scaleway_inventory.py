# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Scaleway Instances and Elastic Metal as inventory host records (internal).

Built on the official SDK (`scaleway` on PyPI): its client reads the usual
config file, profile and SCW_* environment; its API classes build every
request and parse every response into typed objects. Two things the SDK does
not do are added here:

* Transport: the SDK sends each request with a bare `requests.request`, with
  no timeout and no retry. `_Transport._request` sends the same request
  (same URL, parameters, headers, X-Total-Count handling) through one pooled
  session with per-request timeouts and retries on 429 (Retry-After) and 5xx.
* Parallelism: every zone, product, price list and IPAM region is read at
  once; the first page of each tells the total (X-Total-Count), then all of
  the remaining pages are read at once.
"""

from __future__ import annotations

import functools
import types

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _cloud_inventory as ci


class MissingSDK(Exception):
    """The scaleway package is not installed."""


@functools.cache
def sdk():
    """The SDK modules, imported on first use.

    Not at module level: the SDK takes a large part of a second to import,
    and a run served from the inventory cache does not need it.
    """
    try:
        import scaleway  # noqa: PLC0415
        from scaleway.baremetal import v1 as baremetal  # noqa: PLC0415
        from scaleway.instance import v1 as instance  # noqa: PLC0415
        from scaleway.ipam import v1 as ipam  # noqa: PLC0415
        from scaleway_core.bridge import zone  # noqa: PLC0415
    except ImportError as exc:
        raise MissingSDK("the scaleway Python SDK is required (pip install scaleway): %s" % exc) from None
    return types.SimpleNamespace(
        Client=scaleway.Client,
        ScalewayException=scaleway.ScalewayException,
        InstanceV1API=instance.InstanceV1API,
        BaremetalV1API=baremetal.BaremetalV1API,
        IpamV1API=ipam.IpamV1API,
        ALL_ZONES=zone.ALL_ZONES,
    )


PROVIDER = "scaleway"
PRODUCTS = ("instances", "elastic_metal")
# sovereign_offer values, as data/sovereignty/certifications.yml names them.
OFFERS = {"instances": "instances", "elastic_metal": "elastic-metal"}
PER_PAGE = 100
# IPAM resource type of the private NIC addresses of Instances.
IPAM_INSTANCE_NIC = "instance_private_nic"


def sdk_zones():
    """Every zone the installed SDK knows (no table of our own to rot)."""
    return [str(zone) for zone in sdk().ALL_ZONES]


def zone_region(zone):
    """'fr-par-2' -> 'fr-par'."""
    return str(zone).rsplit("-", 1)[0]


class _Transport:
    """Mixed into the SDK API classes: their requests go through a pooled, retrying session."""

    sovereign_session = None
    sovereign_timeout = None

    def _request(self, method, path, params=None, headers=None, body=None):
        if method.upper() != "GET" or body:
            raise ValueError("the inventory only reads: %s %s refused" % (method, path))
        query = []
        for key, value in (params or {}).items():
            if value is None:
                continue
            if isinstance(value, list):
                query.extend((key, item) for item in value)
            else:
                query.append((key, value))
        send = {"accept": "application/json", "user-agent": self.client.user_agent}
        send.update(headers or {})
        if self.client.secret_key is not None:
            send["x-auth-token"] = self.client.secret_key
        response = self.sovereign_session.get(
            self.client.api_url + path,
            params=query,
            headers=send,
            timeout=self.sovereign_timeout,
            verify=not self.client.api_allow_insecure,
        )
        # As the SDK does, list totals of Instances come from a header. The SDK
        # re-serialises the body to add it; handing the parsed body to its
        # later response.json() call saves two JSON passes per page.
        if response.ok and response.headers.get("x-total-count"):
            data = response.json()
            data["total_count"] = response.headers["x-total-count"]
            response.json = lambda **_kwargs: data
        return response


def build_apis(client, session, timeout):
    """The SDK's Instance, Elastic Metal and IPAM APIs on the shared transport."""
    apis = {}
    modules = sdk()
    bases = (("instance", modules.InstanceV1API), ("baremetal", modules.BaremetalV1API), ("ipam", modules.IpamV1API))
    for key, base in bases:
        cls = type(base.__name__, (_Transport, base), {"sovereign_session": session, "sovereign_timeout": timeout})
        apis[key] = cls(client)
    return apis


class Lister:
    """One paginated listing: `call(page)` returns an SDK list response."""

    def __init__(self, call, items_attr, per_page=PER_PAGE, optional=False):
        self.call = call
        self.items_attr = items_attr
        self.per_page = per_page
        # A 404 means "this product does not exist in this zone", not a failure.
        self.optional = optional

    def page(self, number):
        try:
            response = self.call(number)
        except sdk().ScalewayException as exc:
            if self.optional and getattr(exc, "status_code", None) == 404:
                return None
            raise
        return response

    def items(self, response):
        found = getattr(response, self.items_attr)
        return list(found.items()) if isinstance(found, dict) else list(found)


def list_all(listers, max_workers):
    """Read every page of every lister in two parallel rounds.

    Returns ({scope: [items]}, {scope: exception}, {scope: True when 404}).
    Without a total (no X-Total-Count and none in the body) a full first page
    is followed page by page until a short one, as Link rel=next would.
    """
    first, errors = ci.run_parallel(
        {scope: (lambda lister=lister: lister.page(1)) for scope, lister in listers.items()}, max_workers
    )
    items, absent, rest = {}, {}, {}
    for scope, response in first.items():
        lister = listers[scope]
        if response is None:
            absent[scope] = True
            items[scope] = []
            continue
        items[scope] = lister.items(response)
        total = int(getattr(response, "total_count", 0) or 0)
        if total:
            for number in range(2, ci.page_count(total, lister.per_page) + 1):
                rest[(scope, number)] = lambda lister=lister, number=number: lister.page(number)
        elif len(items[scope]) >= lister.per_page:
            rest[(scope, "follow")] = lambda lister=lister: _follow(lister)
    pages, page_errors = ci.run_parallel(rest, max_workers)
    for (scope, number), exc in page_errors.items():
        errors.setdefault(scope, ci.FetchError("page %s: %s" % (number, ci.describe_error(exc))))
    for scope, number in sorted(pages, key=lambda key: (key[0], 0 if key[1] == "follow" else key[1])):
        if scope in errors:
            continue
        found = pages[(scope, number)]
        if number == "follow":
            items[scope].extend(found)
        elif found is not None:
            items[scope].extend(listers[scope].items(found))
    for scope in errors:
        items.pop(scope, None)
    return items, errors, absent


def _follow(lister):
    found, number = [], 2
    while True:
        response = lister.page(number)
        batch = lister.items(response) if response is not None else []
        found.extend(batch)
        if len(batch) < lister.per_page:
            return found
        number += 1


def _value(enum_or_str):
    """An SDK enum member or a plain string, as a plain string."""
    return None if enum_or_str is None else str(getattr(enum_or_str, "value", enum_or_str))


def _money(money):
    """SDK Money (units + nanos) to a float amount, None when absent."""
    if money is None:
        return None
    return round(int(money.units or 0) + int(money.nanos or 0) / 1e9, 6)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


class Settings:
    """What to list, from the plugin's options (validated by the plugin)."""

    def __init__(
        self,
        *,
        zones=None,
        products=PRODUCTS,
        projects=(),
        tags=(),
        instance_states=("running",),
        elastic_metal_states=("ready",),
        prices=True,
        private_ips=True,
    ):
        # None: every zone of the SDK, resolved when fetching (see zone_list).
        self.zones = list(zones) if zones else None
        self.products = list(products)
        self.projects = list(projects or ())
        self.tags = list(tags or ())
        self.instance_states = set(instance_states or ())
        self.elastic_metal_states = set(elastic_metal_states or ())
        self.prices = prices
        self.private_ips = private_ips

    def zone_list(self):
        return self.zones or sdk_zones()

    def fingerprint_data(self):
        return {key: sorted(value) if isinstance(value, (list, set)) else value for key, value in vars(self).items()}


def listers(apis, settings):
    """Every listing the settings need, keyed by the scope named in error messages."""
    instance, baremetal, ipam = apis["instance"], apis["baremetal"], apis["ipam"]
    # One project: filter on the server. None or several: list everything the
    # key can see and filter here (the API takes one project per request).
    project = settings.projects[0] if len(settings.projects) == 1 else None
    result = {}
    for zone in settings.zone_list():
        if "instances" in settings.products:
            result["instances " + zone] = Lister(
                lambda page, z=zone: instance.list_servers(
                    zone=z, page=page, per_page=PER_PAGE, project=project, tags=settings.tags or None
                ),
                "servers",
                optional=True,
            )
            if settings.prices:
                result["instance prices " + zone] = Lister(
                    lambda page, z=zone: instance.list_servers_types(zone=z, page=page, per_page=PER_PAGE),
                    "servers",
                    optional=True,
                )
        if "elastic_metal" in settings.products:
            result["elastic metal " + zone] = Lister(
                lambda page, z=zone: baremetal.list_servers(
                    zone=z, page=page, page_size=PER_PAGE, project_id=project, tags=settings.tags or None
                ),
                "servers",
                optional=True,
            )
            if settings.prices:
                result["elastic metal offers " + zone] = Lister(
                    lambda page, z=zone: baremetal.list_offers(zone=z, page=page, page_size=PER_PAGE),
                    "offers",
                    optional=True,
                )
    if settings.private_ips and "instances" in settings.products:
        for region in sorted({zone_region(zone) for zone in settings.zone_list()}):
            result["private addresses (IPAM) " + region] = Lister(
                lambda page, r=region: ipam.list_i_ps(
                    region=r, page=page, page_size=PER_PAGE, resource_type=IPAM_INSTANCE_NIC, project_id=project
                ),
                "ips",
                optional=True,
            )
    return result


def fetch(apis, settings, max_workers, catalog_country):
    """Host records of every server the settings select.

    Returns (records, errors): errors maps each failed scope to its exception;
    the caller decides whether that fails the inventory (allow_partial).
    `catalog_country(provider, location)` gives the ISO country or None.
    """
    scopes = listers(apis, settings)
    items, errors, absent = list_all(scopes, max_workers)
    if scopes and len(absent) == len(scopes):
        errors["all zones"] = ci.FetchError(
            "every request answered 404; check api_url (%s) and the zones" % apis["instance"].client.api_url
        )
        return [], errors

    ipam = {}
    for scope, found in items.items():
        if scope.startswith("private addresses"):
            ipam.update({ip.id: ci.strip_prefix_length(ip.address) for ip in found})
    records = []
    for zone in settings.zone_list():
        country = catalog_country(PROVIDER, zone)
        prices = dict(items.get("instance prices " + zone, []))
        for server in items.get("instances " + zone, []):
            if _keep(server.project, _value(server.state), settings, settings.instance_states):
                records.append(instance_record(server, zone, country, prices.get(server.commercial_type), ipam))
        offers = {offer.id: offer for offer in items.get("elastic metal offers " + zone, [])}
        for server in items.get("elastic metal " + zone, []):
            if _keep(server.project_id, _value(server.status), settings, settings.elastic_metal_states):
                records.append(elastic_metal_record(server, zone, country, offers.get(server.offer_id)))
    return records, errors


def _keep(project, state, settings, states):
    if settings.projects and project not in settings.projects:
        return False
    return not states or state in states


def _location_vars(zone, country, offer):
    return {
        "sovereign_zone": zone,
        "sovereign_region": zone_region(zone),
        "sovereign_country": country,
        "sovereign_offer": offer,
    }


def instance_record(server, zone, country, server_type, ipam):
    """One Instance (SDK `Server`) as a host record."""
    entries = [(ip.address, True) for ip in server.public_ips or ()]
    private = []
    for nic in server.private_nics or ():
        private.extend(ipam[ip_id] for ip_id in nic.ipam_ip_ids or () if ip_id in ipam)
    entries.extend((address, False) for address in private)
    addresses = ci.addresses_by_kind(entries)
    tags = list(server.tags or ())
    variables = {
        "cloud_name": server.name,
        "cloud_state": _value(server.state),
        "cloud_type": server.commercial_type,
        "cloud_project": server.project,
        "cloud_organization": server.organization,
        "cloud_tags": tags,
        "cloud_labels": ci.tag_dict(tags),
        "cloud_arch": _value(server.arch),
        "cloud_image": server.image.name if server.image else None,
        "cloud_created": _iso(server.creation_date),
        "cloud_public_ips": [ip.address for ip in server.public_ips or ()],
        "cloud_private_ips": private,
        "cloud_price_hourly_eur": server_type.hourly_price if server_type else None,
        "cloud_price_monthly_eur": server_type.monthly_price if server_type else None,
    }
    variables.update(_location_vars(zone, country, OFFERS["instances"]))
    return ci.base_record(
        PROVIDER,
        "instance",
        server.id,
        candidates={"name": server.name, "hostname": server.hostname},
        addresses=addresses,
        variables=variables,
        groups=[PROVIDER, "scaleway_instances", ci.location_group(PROVIDER, zone)],
    )


def elastic_metal_record(server, zone, country, offer):
    """One Elastic Metal server (SDK baremetal `Server`) as a host record.

    Its private-network addresses are not listed: the Elastic Metal private
    network API is one request per server.
    """
    entries = [(ip.address, True) for ip in server.ips or ()]
    addresses = ci.addresses_by_kind(entries)
    tags = list(server.tags or ())
    variables = {
        "cloud_name": server.name,
        "cloud_state": _value(server.status),
        "cloud_type": server.offer_name,
        "cloud_project": server.project_id,
        "cloud_organization": server.organization_id,
        "cloud_tags": tags,
        "cloud_labels": ci.tag_dict(tags),
        "cloud_arch": None,
        "cloud_image": None,
        "cloud_created": _iso(server.created_at),
        "cloud_public_ips": [ip.address for ip in server.ips or ()],
        "cloud_private_ips": [],
        "cloud_price_hourly_eur": _money(offer.price_per_hour) if offer else None,
        "cloud_price_monthly_eur": _money(offer.price_per_month) if offer else None,
    }
    variables.update(_location_vars(zone, country, OFFERS["elastic_metal"]))
    return ci.base_record(
        PROVIDER,
        "elastic_metal",
        server.id,
        candidates={"name": server.name, "hostname": server.domain},
        addresses=addresses,
        variables=variables,
        groups=[PROVIDER, "scaleway_elastic_metal", ci.location_group(PROVIDER, zone)],
    )

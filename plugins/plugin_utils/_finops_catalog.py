# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The FinOps price catalog, refreshed from the providers' own catalogs.

Internal to sovereign.cloud, not a public API. The finops_prices action reads
the catalogs through the inventory plugins' code (the official SDKs, their
pooled and retrying transport, their paging and their fault handling) and
hands the answers to the functions here, which map them to the entries of
data/finops/prices.yml: each type with its source (the URL read) and the date.

Scaleway: GET /instance/v1/zones/{zone}/products/servers, one request per zone
(the SDK's list_servers_types): price, vCPUs, RAM in bytes, GPUs, architecture
and end_of_service per commercial type.

OVHcloud: the public price catalog, GET /order/catalog/public/cloud (no key;
prices in 1/10^8 of the currency, the tax given apart from the price), and the
flavors of a Public Cloud project, GET /cloud/project/{serviceName}/flavor
(signed): vCPUs, RAM in MB, region and the plan codes of each flavor.
"""

from __future__ import annotations

import datetime

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops as finops

GIB = 1024**3
HEADER = """\
# List prices of instance types, for sovereign.cloud.finops_report
# (docs/finops.md, "Prices"). Written by sovereign.cloud.finops_prices on
# %(date)s from the providers' catalogs; every type names the URL it was read
# from and the date. Refresh it with playbooks/finops_prices.yml.
"""


class CatalogAnswerError(ValueError):
    """A provider's answer the refresh cannot map to prices (named in the message)."""


def _field(item, name):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _plain(value):
    return None if value is None else str(getattr(value, "value", value))


def scaleway_types(answers, api_url, checked):
    """{type: entry} from {zone: [(name, server type)]}; the zones list where each type is offered.

    Scaleway's prices do not depend on the zone; where two zones disagree, the
    higher price is kept and the type is named in the second value returned.
    """
    found, disagreements = {}, []
    for zone in sorted(answers):
        for name, server_type in answers[zone]:
            hourly, monthly = _field(server_type, "hourly_price"), _field(server_type, "monthly_price")
            ncpus, ram = _field(server_type, "ncpus"), _field(server_type, "ram")
            if hourly is None or not ncpus or not ram:
                continue
            entry = found.get(name)
            if entry is None:
                found[name] = {
                    "vcpus": int(ncpus),
                    "memory_gib": round(int(ram) / GIB, 3),
                    "gpus": int(_field(server_type, "gpu") or 0),
                    "arch": _plain(_field(server_type, "arch")),
                    "hourly_eur": float(hourly),
                    "monthly_eur": float(monthly) if monthly is not None else None,
                    "end_of_service": bool(_field(server_type, "end_of_service")),
                    "zones": [zone],
                    "source": "%s/instance/v1/zones/%s/products/servers" % (api_url.rstrip("/"), zone),
                    "checked": checked.isoformat(),
                }
                continue
            entry["zones"].append(zone)
            if float(hourly) != entry["hourly_eur"]:
                disagreements.append(name)
                entry["hourly_eur"] = max(entry["hourly_eur"], float(hourly))
                if monthly is not None:
                    entry["monthly_eur"] = max(entry["monthly_eur"] or 0.0, float(monthly))
    for entry in found.values():
        if entry["monthly_eur"] is None:
            del entry["monthly_eur"]
    return found, sorted(set(disagreements))


def ovhcloud_types(flavors, catalog, catalog_url, flavors_url, checked):
    """{flavor: entry} from a project's flavors and the public catalog; the VAT statement.

    Linux flavors only (a Windows flavor's price includes its licence). A
    flavor whose plan codes have no price in the catalog is left out.
    """
    if not isinstance(catalog, dict):
        raise CatalogAnswerError("OVHcloud public catalog: not a JSON object")
    currency = (catalog.get("locale") or {}).get("currencyCode")
    if currency != "EUR":
        raise CatalogAnswerError("OVHcloud public catalog: currency %r, not EUR (choose an EU subsidiary)" % currency)
    prices, taxed_apart = {}, True
    for addon in catalog.get("addons") or ():
        for pricing in addon.get("pricings") or ():
            if "price" in pricing:
                prices.setdefault(addon.get("planCode"), int(pricing["price"]) / 10**8)
                taxed_apart = taxed_apart and "tax" in pricing
                break
    if not taxed_apart:
        raise CatalogAnswerError("OVHcloud public catalog: some prices carry no tax field, so VAT cannot be stated")
    found = {}
    for flavor in flavors or ():
        if flavor.get("osType") != "linux" or not flavor.get("available", True):
            continue
        codes = flavor.get("planCodes") or {}
        hourly, monthly = prices.get(codes.get("hourly")), prices.get(codes.get("monthly"))
        if hourly is None and monthly is None:
            continue
        name, region = flavor.get("name"), flavor.get("region")
        entry = found.get(name)
        if entry is None:
            entry = found[name] = {
                "vcpus": int(flavor["vcpus"]),
                "memory_gib": round(int(flavor["ram"]) / 1024, 3),
                "gpus": 0,
                "arch": "x86_64",
                "end_of_service": False,
                "zones": [],
                "source": "%s (prices) and %s (vCPUs, RAM, plan codes)" % (catalog_url, flavors_url),
                "checked": checked.isoformat(),
            }
            if hourly is not None:
                entry["hourly_eur"] = round(hourly, 8)
            if monthly is not None:
                entry["monthly_eur"] = round(monthly, 8)
        if region and region not in entry["zones"]:
            entry["zones"].append(region)
    for entry in found.values():
        entry["zones"].sort()
    vat = {"vat_included": False,
           "vat_source": "%s: each pricing gives its price and, apart, its tax" % catalog_url}  # fmt: skip
    return found, vat


def snapshot(providers):
    """The catalog file's data, checked by the loader the report uses before anything is written."""
    data = {"currency": "EUR", "providers": providers}
    finops.PriceCatalog(data, origin="refreshed catalog")
    return data


def render(data, today):
    """The catalog file's text: a header saying where it comes from, then the data."""
    import yaml  # noqa: PLC0415 - only when a catalog is written

    return HEADER % {"date": today.isoformat()} + "---\n" + yaml.safe_dump(data, sort_keys=True, width=120)


def today_utc():
    return datetime.datetime.now(datetime.UTC).date()

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The FinOps report as FOCUS 1.2 cost-and-usage rows (CSV, and Parquet with pyarrow).

Internal to sovereign.cloud, not a public API.

One row per host and charge (compute list price, electricity, hardware
amortisation) for the report's month. They are estimates: every row's
ChargeDescription says so and names its source, and the cost columns all hold
the list-price estimate (no discount is known to the report). The rows pass
the FinOps Foundation's validator (focus-validator, FOCUS 1.2), which a test
runs on them.
"""

from __future__ import annotations

import csv
import datetime
import io
import json

FOCUS_VERSION = "1.2"
SELF_OPERATED = "Self-operated"
PROVIDER_NAMES = {"scaleway": "Scaleway", "ovhcloud": "OVHcloud"}
UNITS = {"Hours": "Hours", "kWh": "kWh", "Months": "Months"}
SERVICES = {
    "compute": ("Compute", "Virtual Machines", "Virtual Machine", "Instances"),
    "energy": ("Compute", "Other (Compute)", "Server", "Electricity of self-operated hosts"),
    "hardware": ("Compute", "Other (Compute)", "Server", "Hardware of self-operated hosts"),
}

# Column order of the files: FOCUS 1.2's columns that apply to these rows.
COLUMNS = (
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountStatus",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "AvailabilityZone",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
)
DECIMAL_COLUMNS = (
    "BilledCost",
    "ConsumedQuantity",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "ListCost",
    "ListUnitPrice",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
)


def billing_period(today):
    """The calendar month of today, as [start, end) datetimes in UTC."""
    start = datetime.datetime(today.year, today.month, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(today.year + (today.month == 12), today.month % 12 + 1, 1, tzinfo=datetime.UTC)
    return start, end


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rows(report, hosts_by_name):
    """FOCUS rows of the report's priced charges; hosts_by_name gives each host's account and project."""
    start, end = billing_period(datetime.date.fromisoformat(report["date"]))
    found = []
    for name, result in sorted(report["hosts"].items()):
        host = hosts_by_name[name]
        for charge in result["cost"]["charges"]:
            category, subcategory, resource_type, service = SERVICES[charge["kind"]]
            provider = (
                SELF_OPERATED if charge["kind"] != "compute" else PROVIDER_NAMES.get(host.provider, host.provider)
            )
            cost = round(charge["monthly_eur"], 10)
            unit_price = round(charge["unit_price_eur"], 10)
            description = "Estimate: %s. Source: %s%s" % (
                charge["description"],
                charge["source"],
                " (checked %s)" % charge["checked"] if charge.get("checked") else "",
            )
            region = host.region if charge["kind"] == "compute" else None
            found.append(
                {
                    "BilledCost": cost,
                    "BillingAccountId": host.account or name,
                    "BillingAccountName": host.account or name,
                    "BillingCurrency": "EUR",
                    "BillingPeriodEnd": _iso(end),
                    "BillingPeriodStart": _iso(start),
                    "ChargeCategory": "Usage",
                    "ChargeClass": None,
                    "ChargeDescription": description,
                    "ChargeFrequency": "Usage-Based" if charge["kind"] == "energy" else "Recurring",
                    "ChargePeriodEnd": _iso(end),
                    "ChargePeriodStart": _iso(start),
                    # The report knows no commitment discount: null says so
                    # (and the validator needs the column to judge ConsumedQuantity).
                    "CommitmentDiscountStatus": None,
                    "ConsumedQuantity": round(charge["quantity"], 10),
                    "ConsumedUnit": UNITS[charge["unit"]],
                    "ContractedCost": cost,
                    "ContractedUnitPrice": unit_price,
                    "EffectiveCost": cost,
                    # No invoice holds an estimate (see tests/integration/finops
                    # for the validator's two InvoiceId rules, of which one
                    # always fails).
                    "InvoiceId": None,
                    "InvoiceIssuerName": provider,
                    "ListCost": cost,
                    "ListUnitPrice": unit_price,
                    "PricingCategory": "Standard",
                    # Prices and bills are both in euros.
                    "PricingCurrency": "EUR",
                    "PricingCurrencyContractedUnitPrice": unit_price,
                    "PricingCurrencyEffectiveCost": cost,
                    "PricingCurrencyListUnitPrice": unit_price,
                    "PricingQuantity": round(charge["quantity"], 10),
                    "PricingUnit": UNITS[charge["unit"]],
                    "ProviderName": provider,
                    "PublisherName": provider,
                    "RegionId": region,
                    "RegionName": region,
                    "AvailabilityZone": host.zone if charge["kind"] == "compute" else None,
                    "ResourceId": host.resource_id or name,
                    "ResourceName": name,
                    "ResourceType": resource_type,
                    "ServiceCategory": category,
                    "ServiceName": service,
                    "ServiceSubcategory": subcategory,
                    "SkuId": charge["sku"],
                    "SkuMeter": {"Hours": "Compute Usage", "kWh": "Energy", "Months": "Amortisation"}[charge["unit"]],
                    "SkuPriceDetails": json.dumps({"unit": charge["unit"]}, sort_keys=True),
                    "SkuPriceId": "%s/%s" % (charge["sku"], charge["unit"]),
                    "SubAccountId": host.project,
                    "SubAccountName": host.project,
                    "Tags": json.dumps(result["tags"], sort_keys=True),
                }
            )
    return found


def _cell(value):
    return "" if value is None else value


def to_csv(focus_rows):
    """The rows as CSV text, FOCUS columns in order, nulls empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in focus_rows:
        writer.writerow({key: _cell(row[key]) for key in COLUMNS})
    return out.getvalue()


def write_parquet(focus_rows, path):
    """The rows as Parquet, typed (decimals as float64, periods as UTC timestamps); needs pyarrow."""
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional dependency, only for Parquet
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError as exc:
        raise RuntimeError("Parquet output needs pyarrow on the controller (pip install pyarrow)") from exc
    timestamp_columns = ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart")
    fields = []
    for column in COLUMNS:
        if column in DECIMAL_COLUMNS:
            fields.append(pa.field(column, pa.float64()))
        elif column in timestamp_columns:
            fields.append(pa.field(column, pa.timestamp("s", tz="UTC")))
        else:
            fields.append(pa.field(column, pa.string()))
    schema = pa.schema(fields)
    columns = {}
    for column in COLUMNS:
        values = [row[column] for row in focus_rows]
        if column in timestamp_columns:
            values = [datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC) for v in values]
        columns[column] = values
    pq.write_table(pa.table(columns, schema=schema), path)

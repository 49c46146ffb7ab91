# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The FinOps report as one self-contained HTML page: tables and inline SVG charts.

Internal to sovereign.cloud, not a public API.

No script, font, style sheet or image is loaded from anywhere: the page's
Content-Security-Policy forbids it (default-src 'none'), so it opens the same
offline, in a mail client or from an artifact store. Every value is escaped.
"""

from __future__ import annotations

from html import escape

BAR_WIDTH = 420
ROW_HEIGHT = 22
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1d2430;max-width:1100px}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #e3e6ec;padding:.3em .5em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#5a6475;font-size:.85em}.warn{background:#fff4d6;padding:.6em;border-left:4px solid #e0a800}
svg text{font-size:12px;fill:#1d2430}
"""


def _money(value):
    return "—" if value is None else "%.2f €" % value


def _bars(title, rows, unit_format, colour="#3b6fb6", limit=None):
    """A horizontal bar chart: rows of (label, value[, second value as a lighter bar])."""
    if not rows:
        return "<p class='note'>%s: nothing to show.</p>" % escape(title)
    top = limit or max((max(r[1], r[2] if len(r) > 2 else 0) for r in rows), default=0) or 1
    height = ROW_HEIGHT * len(rows) + 10
    parts = [
        "<svg role='img' aria-label='%s' width='%d' height='%d'>" % (escape(title, quote=True), BAR_WIDTH + 320, height)
    ]
    for index, row in enumerate(rows):
        label, value = row[0], row[1]
        y = index * ROW_HEIGHT + 4
        if len(row) > 2:
            parts.append(
                "<rect x='170' y='%d' width='%.1f' height='16' fill='#c9d6ea'/>" % (y, BAR_WIDTH * min(row[2] / top, 1))
            )
        parts.append(
            "<rect x='170' y='%d' width='%.1f' height='16' fill='%s'/>" % (y, BAR_WIDTH * min(value / top, 1), colour)
        )
        parts.append("<text x='0' y='%d'>%s</text>" % (y + 13, escape(str(label))))
        parts.append("<text x='%d' y='%d'>%s</text>" % (BAR_WIDTH + 180, y + 13, escape(unit_format(row))))
    parts.append("</svg>")
    return "".join(parts)


def _table(headers, rows, numeric=(), empty="None."):
    if not rows:
        return "<p class='note'>%s</p>" % escape(empty)
    head = "".join("<th>%s</th>" % escape(h) for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            css = " class='n'" if index in numeric else ""
            cells.append("<td%s>%s</td>" % (css, escape("" if cell is None else str(cell))))
        body.append("<tr>%s</tr>" % "".join(cells))
    return "<table><thead><tr>%s</tr></thead><tbody>%s</tbody></table>" % (head, "".join(body))


def _usage_rows(report):
    rows = []
    for name, host in sorted(report["hosts"].items()):
        usage = host["usage"]
        if usage.get("cpu_cores") and usage.get("cpu_p95_cores") is not None:
            rows.append(("%s CPU" % name, usage["cpu_p95_cores"] / usage["cpu_cores"] * 100, 100.0))
        if usage.get("memory_gib") and usage.get("memory_max_used_gib") is not None:
            rows.append(("%s memory" % name, usage["memory_max_used_gib"] / usage["memory_gib"] * 100, 100.0))
    return rows


def render(report):
    """The whole page, as text."""
    totals = report["totals"]
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"%s\">" % CSP,
        "<title>Platform cost %s</title><style>%s</style></head><body>" % (escape(report["date"]), STYLE),
        "<h1>Platform cost, %s</h1>" % escape(report["date"]),
        "<p><strong>%s a month</strong> for %d hosts (estimate from list prices and measured use, window %s); "
        "<strong>%s a month</strong> of savings found.</p>"
        % (_money(totals["monthly_eur"]), totals["hosts"], escape(report["window"]), _money(totals["saving_eur"])),
    ]
    warnings = []
    if report["prices"]["stale"]:
        warnings.append("%d price(s) are older than %d days: refresh the price catalog before trusting the estimates."
                        % (len(report["prices"]["stale"]), report["prices"]["max_age_days"]))  # fmt: skip
    if totals["unpriced_hosts"]:
        warnings.append("Not fully priced: %s." % ", ".join(totals["unpriced_hosts"]))
    if report.get("hosts_without_series"):
        warnings.append("No series in Prometheus for: %s." % ", ".join(report["hosts_without_series"]))
    out += ["<p class='warn'>%s</p>" % escape(w) for w in warnings]

    groups = sorted(report["by_group"].items(), key=lambda item: -item[1]["monthly_eur"])
    out.append("<h2>Cost by group</h2>")
    out.append(_bars("Cost by group", [(g, row["monthly_eur"]) for g, row in groups], lambda r: _money(r[1])))
    out.append("<h2>Usage against capacity</h2><p class='note'>CPU: 95th percentile of busy cores; memory: "
               "maximum used. Light bar: the host's capacity.</p>")  # fmt: skip
    out.append(_bars("Usage against capacity", _usage_rows(report), lambda r: "%.0f %%" % r[1], "#4a9d5b", 100.0))
    savings = [(n, h["rightsizing"]["saving_eur"]) for n, h in sorted(report["hosts"].items())
               if h["rightsizing"].get("saving_eur")]  # fmt: skip
    out.append("<h2>Savings</h2>")
    out.append(_bars("Savings", savings, lambda r: _money(r[1]) + " / month", "#c0603a"))

    out.append("<h2>Hosts</h2>")
    rows = []
    for name, host in sorted(report["hosts"].items()):
        for charge in host["cost"]["charges"]:
            source = charge["source"] + (" (checked %s)" % charge["checked"] if charge.get("checked") else "")
            rows.append(
                (name, host["provider"], charge["kind"], charge["description"], "%.2f" % charge["monthly_eur"], source)
            )
        for missing in host["cost"]["unpriced"]:
            rows.append((name, host["provider"], "unpriced", missing, "", ""))
    out.append(_table(("Host", "Provider", "Charge", "What", "EUR / month", "Source"), rows, numeric=(4,)))

    out.append("<h2>Right-sizing</h2>")
    rows = []
    for name, host in sorted(report["hosts"].items()):
        found = host["rightsizing"]
        if found["status"] == "not_applicable":
            continue
        change = found.get("saving_eur")
        if change is None and found.get("extra_cost_eur") is not None:
            change = -found["extra_cost_eur"]
        rows.append((name, found["status"], found.get("current_type"), found.get("recommended_type"),
                     "" if change is None else "%.2f" % change, (found.get("risk") or {}).get("level"),
                     found.get("reason")))  # fmt: skip
    out.append(
        _table(
            ("Host", "Status", "Type", "Recommended", "Saving EUR / month", "Risk", "Why"),
            rows,
            numeric=(4,),
            empty="No cloud host whose type is in the price catalog.",
        )
    )

    out.append(
        "<h2>Self-operated hosts against the cloud</h2><p class='note'>The cheapest type of each provider "
        "at least as large as the host (CPU and memory), from the price catalog.</p>"
    )
    rows = []
    for name, host in sorted(report["hosts"].items()):
        if "cloud_equivalents" not in host:
            continue
        own = _money(host["cost"]["monthly_eur"])
        for other in host["cloud_equivalents"] or [{}]:
            rows.append(
                (
                    name,
                    own,
                    other.get("provider", "no type this large in the catalog"),
                    other.get("type"),
                    _money(other.get("monthly_eur")) if other else "",
                    other.get("checked"),
                )
            )
    out.append(
        _table(
            ("Host", "Its cost / month", "Provider", "Type", "Type / month", "Price checked"),
            rows,
            empty="No self-operated host with CPU and memory series.",
        )
    )

    out.append(
        "<h2>k3s workloads</h2><p class='note'>Per container, from cAdvisor and kube-state-metrics "
        "when Prometheus scrapes them: CPU request at the 95th percentile of use, no CPU limit, memory "
        "request and limit at the maximum plus 15 %. No cost is claimed: the nodes carry it.</p>"
    )
    rows = []
    for found in report.get("workloads") or []:
        recommended = found.get("recommended") or {}
        name = "%s/%s/%s" % (found["namespace"], found["pod"], found["container"])
        requests = found["requests"]
        rows.append((name, found["status"], requests["cpu_cores"], recommended.get("cpu_request_cores"),
                     requests["memory_mib"], recommended.get("memory_request_mib"), found["reason"]))  # fmt: skip
    headers = ("Container", "Status", "CPU request", "Recommended", "Memory request MiB", "Recommended MiB", "Why")
    out.append(_table(headers, rows, numeric=(2, 3, 4, 5), empty="No cAdvisor or kube-state-metrics series."))

    disks = [(name, d["mountpoint"], d["free_gib"], d["growth_gib_per_day"], d["full_on"])
             for name, host in sorted(report["hosts"].items()) for d in host["disks"] if d.get("full_on")]  # fmt: skip
    out.append("<h2>Disks filling up</h2>")
    out.append(
        _table(
            ("Host", "Mount point", "Free GiB", "GiB a day", "Full on"),
            disks,
            numeric=(2, 3),
            empty="No filesystem is filling up over the window.",
        )
    )

    vat = ["%s: VAT %s (%s)" % (p, "included" if v["included"] else "excluded", v["source"])
           for p, v in sorted(report["prices"]["vat"].items()) if v]  # fmt: skip
    out.append("<h2>What this estimate does not know</h2><ul>%s</ul>"
               % "".join("<li>%s</li>" % escape(item) for item in [*report["not_included"], *vat]))  # fmt: skip
    out.append("<p class='note'>Prices: %s. Made by sovereign.cloud.finops_report.</p></body></html>"
               % escape(report["prices"]["catalog"]))  # fmt: skip
    return "\n".join(out) + "\n"

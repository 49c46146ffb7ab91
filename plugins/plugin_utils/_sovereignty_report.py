# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sovereignty reports: the evaluation's dictionary as JSON, Markdown or JUnit XML."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr


def evidence_rows(result):
    """(rule, outcome, facts, sources) of a host's evidence, as text."""
    return [
        (
            record["rule"],
            record["outcome"],
            json.dumps(record["facts"], sort_keys=True, default=str),
            "; ".join("%s (checked %s)" % (src.get("source"), src.get("checked")) for src in record["sources"]),
        )
        for record in result.get("evidence") or []
    ]


def first_lines(lines, limit, what):
    """At most `limit` lines, then one that counts the others."""
    if len(lines) <= limit:
        return lines
    return [
        *lines[:limit],
        "... and %d more %s (every one is in the findings and the reports)" % (len(lines) - limit, what),
    ]


def _md_cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


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
        lines += ["", "## %s: %s" % (name, result["verdict"]), ""]
        for finding in result["findings"]:
            lines.append(
                "- **%s** %s (%s): %s" % (finding["rule"], finding["title"], finding["severity"], finding["message"])
            )
            lines.append("  - evidence: `%s`" % json.dumps(finding["evidence"], sort_keys=True, default=str))
            lines.append("  - source: `%s`" % json.dumps(finding["source"], sort_keys=True, default=str))
            if finding["remediation"]:
                lines.append("  - remediation: %s" % finding["remediation"])
        if result.get("evidence"):
            lines += ([""] if result["findings"] else []) + [
                "| rule | outcome | facts | sources |",
                "|---|---|---|---|",
            ]
            lines += ["| %s |" % " | ".join(_md_cell(cell) for cell in row) for row in evidence_rows(result)]
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
        # Every host's evidence, compliant ones too: the auditor's reading of the verdict.
        out = ["%s: %s" % (f["rule"], f["message"]) for f in warnings]
        out += ["%s %s: %s; sources: %s" % row for row in evidence_rows(result)]
        if out:
            body += "<system-out>%s</system-out>" % xml_escape("\n".join(out))
        cases.append('<testcase classname="sovereignty" name=%s>%s</testcase>' % (quoteattr(name), body))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuite name="sovereignty" tests="%d" failures="%d" errors="0" skipped="0">\n%s\n</testsuite>\n'
        % (len(cases), report["summary"]["violations"], "\n".join(cases))
    )


RENDERERS = {"json": report_json, "markdown": report_markdown, "junit": report_junit}
EXTENSIONS = {"json": "json", "markdown": "md", "junit": "xml"}

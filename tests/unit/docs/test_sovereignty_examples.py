"""docs/sovereignty-examples.md: each level's report excerpt is what the engine produces.

The document holds one set of hosts, then per level a policy and the excerpt
of the report (the Markdown report's table and the findings). This test
evaluates each policy on the hosts, on the document's evaluation date, and
compares. When the engine or the catalog changes a verdict, the test fails
and prints the excerpt to paste.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov

DOC = Path(__file__).resolve().parents[3] / "docs" / "sovereignty-examples.md"


def blocks(text, kind):
    return re.findall(r"```%s\n(.*?)```" % kind, text, re.S)


def levels():
    text = DOC.read_text()
    head, *sections = re.split(r"^## Level ", text, flags=re.M)
    (hosts,) = blocks(head, "yaml")
    today = datetime.date.fromisoformat(re.search(r"evaluated on (\d{4}-\d\d-\d\d)", head).group(1))
    found = {}
    for section in sections:
        title = section.split("\n", 1)[0]
        policy, excerpt = blocks(section, "yaml")[0], blocks(section, "text")[0]
        found[title] = (yaml.safe_load(hosts), yaml.safe_load(policy), excerpt, today)
    return found


def excerpt_of(report):
    """The report's verdict line and table (as report_markdown writes them), then one line per finding."""
    lines = sov.report_markdown(report).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Verdict:"))
    table = [line for line in lines[start + 1 :] if line.startswith("|")][: 2 + len(report["hosts"])]
    findings = [
        "%s %s (%s): %s" % (name, f["rule"], f["severity"], f["message"])
        for name in sorted(report["hosts"])
        for f in report["hosts"][name]["findings"]
    ]
    return "\n".join([lines[start], "", *table, "", *findings]) + "\n"


def test_the_document_has_the_three_levels():
    assert [title.split(":")[0] for title in levels()] == ["1", "2", "3"]


@pytest.mark.parametrize("title", list(levels()))
def test_each_level_shows_the_report_the_engine_produces(title):
    hosts, policy_data, excerpt, today = levels()[title]
    catalog = sov.load_catalog()
    report = sov.evaluate(
        sov.Policy(policy_data, catalog), catalog, {name: sov.host_facts(v) for name, v in hosts.items()}, today=today
    )
    produced = excerpt_of(report)
    assert excerpt == produced, "paste into docs/sovereignty-examples.md, level %s:\n%s" % (title, produced)

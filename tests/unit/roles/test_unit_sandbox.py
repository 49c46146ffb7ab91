"""Every systemd unit the roles write gets the collection's sandbox through one filter (issue #15, item 1).

A unit template calls sovereign.cloud.systemd_hardening, which writes the
baseline of data/systemd/hardening.yml with the unit's exceptions, each with
its reason; no template writes a baseline directive itself, where an omission
could not be told from an intended exception. A unit left without the
sandbox is listed, with the reason, under `unsandboxed` in that file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DATA = yaml.safe_load((ROOT / "data" / "systemd" / "hardening.yml").read_text())
UNITS = sorted(
    path
    for path in ROOT.glob("roles/*/templates/*.j2")
    if path.name.endswith((".service.j2", "hardening.conf.j2")) and "[Service]" in path.read_text()
)
BASELINE_LINE = re.compile(r"^(%s)=" % "|".join(DATA["directives"]), re.M)


@pytest.mark.parametrize("unit", UNITS, ids=[str(path.relative_to(ROOT / "roles")) for path in UNITS])
def test_unit_gets_the_sandbox_through_the_filter(unit):
    relative = str(unit.relative_to(ROOT))
    text = unit.read_text()
    if relative in DATA["unsandboxed"]:
        assert "systemd_hardening" not in text
        return
    assert "sovereign.cloud.systemd_hardening" in text, f"{relative} does not use the sandbox filter"
    written = BASELINE_LINE.findall(text)
    assert not written, f"{relative} writes baseline directives itself: {written}"


def test_the_unsandboxed_units_exist_and_say_why():
    for relative, why in DATA["unsandboxed"].items():
        assert (ROOT / relative).is_file(), relative
        assert len(why.split()) > 5

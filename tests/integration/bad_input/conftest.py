"""A throwaway lab host (systemd container) shared by the tests of this folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tooling"))
import labhost
from fact_cache import gather_facts_once

IMAGE = os.environ.get("SOVEREIGN_BAD_INPUT_IMAGE", "sovereign-lab/debian:12")


@pytest.fixture(scope="session")
def target(tmp_path_factory):
    name = labhost.start(IMAGE, "sovereign-bad-input", hostname="bad-input")
    try:
        workdir = tmp_path_factory.mktemp("bad-input")
        (workdir / "inventory.yml").write_text(yaml.safe_dump(labhost.docker_inventory({"target": name})))
        gather_facts_once(workdir)
        yield name, workdir
    finally:
        labhost.remove(name)

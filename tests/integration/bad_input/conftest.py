"""A throwaway lab host (systemd container) shared by the tests of this folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tooling"))
import labhost
from fact_cache import fact_cache_env

IMAGE = os.environ.get("SOVEREIGN_BAD_INPUT_IMAGE", "sovereign-lab/debian:12")


@pytest.fixture(scope="session")
def target(tmp_path_factory):
    name = labhost.start(IMAGE, "sovereign-bad-input", hostname="bad-input")
    try:
        workdir = tmp_path_factory.mktemp("bad-input")
        (workdir / "inventory.yml").write_text(yaml.safe_dump(labhost.docker_inventory({"target": name})))
        # A play's fact gathering writes the cache (an ad-hoc setup call does not).
        (workdir / "gather.yml").write_text(yaml.safe_dump([{"hosts": "target", "gather_facts": True, "tasks": []}]))
        gather = subprocess.run(
            ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(workdir / "gather.yml")],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **fact_cache_env(workdir)},
        )
        # The cache file is the host's name after a prefix ansible-core chooses
        # (2.19 writes "s1_target": its cache schema's version).
        cached = [path.name for path in (workdir / "facts").iterdir()]
        assert gather.returncode == 0 and len(cached) == 1, gather.stdout + gather.stderr
        (workdir / "facts-prefix").write_text(cached[0][: -len("target")])
        yield name, workdir
    finally:
        labhost.remove(name)

"""The lab container's facts, gathered once and shared by every case host of the bad-input runs."""

from __future__ import annotations

import os
import subprocess

import yaml


def fact_cache_env(workdir):
    """Ansible settings that read the container's facts from a jsonfile cache instead of gathering them.

    Every case is an inventory host of its own reaching the same container:
    gathering its facts once, not once per case, saves a `setup` round trip
    per case (about 1 s over the docker connection).
    """
    return {
        "ANSIBLE_GATHERING": "smart",
        "ANSIBLE_CACHE_PLUGIN": "ansible.builtin.jsonfile",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(workdir / "facts"),
        "ANSIBLE_CACHE_PLUGIN_TIMEOUT": "86400",
    }


def gather_facts_once(workdir):
    """Gather the facts of the inventory's `target` (workdir/inventory.yml) into the cache."""
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


def share_facts(workdir, hosts):
    """The container's cached facts under each case host's name; the environment that uses them."""
    facts = workdir / "facts"
    prefix = (workdir / "facts-prefix").read_text()
    content = (facts / (prefix + "target")).read_bytes()
    for host in hosts:
        if host != "target":
            (facts / (prefix + host)).write_bytes(content)
    return fact_cache_env(workdir)

"""The lab container's facts, gathered once and shared by every case host of the bad-input runs."""

from __future__ import annotations


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


def share_facts(workdir, hosts):
    """The container's cached facts under each case host's name; the environment that uses them."""
    facts = workdir / "facts"
    prefix = (workdir / "facts-prefix").read_text()
    content = (facts / (prefix + "target")).read_bytes()
    for host in hosts:
        if host != "target":
            (facts / (prefix + host)).write_bytes(content)
    return fact_cache_env(workdir)

"""Values shared by a group's hosts are set once on the group; every host's merged view is unchanged (issue #21).

Each plugin runs twice against its API stand-in, with shared_values on (the
default) and off (every value on every host, as before): the merged view
of every host must be identical, through `ansible-inventory --list`,
`--host` and a play's hostvars, and the sovereignty inventory plugin must
give the same verdicts. `--export` (what AWX imports) shows the shared
values on the groups, and far fewer values on the hosts.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml
from ansible_inventory import ansible_inventory, plain
from cloud_providers import PROVIDERS


@pytest.fixture(params=["scaleway", "ovhcloud"])
def provider(request):
    return PROVIDERS[request.param]


def listed(provider, path, *extra):
    proc = ansible_inventory(path, env=provider.credentials, extra_args=extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return plain(json.loads(proc.stdout))


def both(tmp_path, api, provider, **options):
    on = tmp_path / "on"
    off = tmp_path / "off"
    on.mkdir()
    off.mkdir()
    return provider.write(on, api, **options), provider.write(off, api, shared_values=False, **options)


def test_stand_in_the_merged_view_of_every_host_is_unchanged(tmp_path, api, provider):
    shared, unshared = both(tmp_path, api, provider)
    new, old = listed(provider, shared), listed(provider, unshared)
    assert new["_meta"]["hostvars"] == old["_meta"]["hostvars"]
    assert len(new["_meta"]["hostvars"]) > 5
    for host in list(old["_meta"]["hostvars"])[:3]:
        assert one_host(provider, shared, host) == one_host(provider, unshared, host)


def one_host(provider, path, host):
    """ansible-inventory --host: one host's merged variables."""
    env = {**os.environ, **{k: v for k, v in provider.credentials.items() if v is not None}, "ANSIBLE_NOCOLOR": "1"}
    proc = subprocess.run(
        ["ansible-inventory", "-i", str(path), "--host", host], capture_output=True, text=True, check=False, env=env
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return plain(json.loads(proc.stdout))


def test_stand_in_export_puts_the_shared_values_on_groups(tmp_path, api, provider):
    shared, unshared = both(tmp_path, api, provider)
    new, old = listed(provider, shared, "--export"), listed(provider, unshared, "--export")
    per_host_new = sum(len(v) for v in new["_meta"]["hostvars"].values())
    per_host_old = sum(len(v) for v in old["_meta"]["hostvars"].values())
    assert per_host_new < per_host_old / 2, (per_host_new, per_host_old)
    location_groups = [g for g in new if g.startswith(provider.name + "_") and new[g].get("vars")]
    assert location_groups
    assert any("sovereign_provider" in new[g].get("vars", {}) for g in new if g != "_meta")


def test_stand_in_plays_and_the_sovereignty_plugin_see_the_same_values(tmp_path, api, provider):
    results = {}
    for label, path in zip(("on", "off"), both(tmp_path, api, provider), strict=True):
        policy = tmp_path / f"policy-{label}.yml"
        policy.write_text(yaml.safe_dump({"default_classification": "personal",
                                          "classifications": {"personal": {"allowed_countries": ["FR"]}}}))  # fmt: skip
        (path.parent / "zz.sovereignty.yml").write_text(
            yaml.safe_dump({"plugin": "sovereign.cloud.sovereignty", "policy_file": str(policy)})
        )
        data = listed(provider, path.parent)
        results[label] = {
            host: (v.get("sovereignty_verdict"), v.get("sovereign_country"), v.get("cloud_price_monthly_eur"))
            for host, v in data["_meta"]["hostvars"].items()
        }
        host = sorted(data["_meta"]["hostvars"])[0]
        play = subprocess.run(
            ["ansible", "-i", str(path.parent), host, "-m", "ansible.builtin.debug", "-a", "var=sovereign_region"],
            capture_output=True, text=True, check=False,
            env={**os.environ, **{k: v for k, v in provider.credentials.items() if v is not None},
                 "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},
        )  # fmt: skip
        assert play.returncode == 0, play.stdout[-2000:] + play.stderr[-2000:]
        results[label + "-play"] = play.stdout.split("=>", 1)[1]
    assert results["on"] == results["off"]
    assert {verdict for verdict, _c, _p in results["on"].values()} >= {"compliant", "violation"}
    assert results["on-play"] == results["off-play"]

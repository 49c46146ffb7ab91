"""The sovereign.cloud.sovereignty inventory plugin through ansible-inventory."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
import yaml
from ansible_inventory import ansible_inventory as run_ansible_inventory
from ansible_inventory import plain

HOSTS = {
    "all": {
        "children": {
            "nucs": {"hosts": {"nuc1": {}, "nuc2": {"sovereign_country": "GB"}}},
            "cloud": {
                "hosts": {
                    "scw1": {"sovereign_provider": "scaleway", "sovereign_zone": "pl-waw-1"},
                    "aws1": {"sovereign_provider": "aws", "sovereign_region": "eu-west-3"},
                }
            },
        }
    }
}
POLICY = {
    "default_classification": "personal",
    "classifications": {"personal": {"allowed_countries": ["EU"], "allow_extraterritorial_exposure": False}},
}


@pytest.fixture
def inventory(tmp_path):
    # The policy sits beside the inventory directory, not in it: Ansible would
    # read any YAML file inside as an inventory source.
    (tmp_path / "policy.yml").write_text(yaml.safe_dump(POLICY))
    tmp_path = tmp_path / "inventory"
    tmp_path.mkdir()
    (tmp_path / "10-hosts.yml").write_text(yaml.safe_dump(HOSTS))
    # Group variables come from a group_vars file, read with use_vars_plugins.
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "nucs.yml").write_text(
        yaml.safe_dump({"sovereign_provider": "homelab", "sovereign_country": "DE"})
    )
    return tmp_path


def write_plugin_config(inventory, **options):
    config = {"plugin": "sovereign.cloud.sovereignty", "policy_file": "../policy.yml", "use_vars_plugins": True}
    config.update(options)
    (inventory / "zz.sovereignty.yml").write_text(yaml.safe_dump(config))


def ansible_inventory(inventory):
    return run_ansible_inventory(inventory)


def test_verdicts_become_groups_and_variables(inventory):
    write_plugin_config(
        inventory,
        # As docs/sovereignty.md shows them on the default one-line findings.
        keyed_groups=[{"key": "sovereignty_findings | map('split') | map('first') | list", "prefix": "rule"}],
        compose={"sovereignty_errors": "sovereignty_findings | select('match', '[A-Z0-9-]+ error: ') | list | length"},
    )
    proc = ansible_inventory(inventory)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert sorted(data["sovereignty_compliant"]["hosts"]) == ["nuc1", "scw1"]
    assert sorted(data["sovereignty_violation"]["hosts"]) == ["aws1", "nuc2"]
    assert data["rule_SOV_JUR_001"]["hosts"] == ["aws1"]
    assert data["rule_SOV_LOC_001"]["hosts"] == ["nuc2"]  # host var GB overrides group var DE
    hostvars = plain(data["_meta"]["hostvars"])
    assert hostvars["aws1"]["sovereignty_verdict"] == "violation"
    assert hostvars["aws1"]["sovereignty_errors"] == 1
    assert hostvars["nuc1"]["sovereignty_findings"] == []


def debug_var(inventory, pattern, variable):
    """The output of `ansible <pattern> -m debug -a var=<variable>`: what a play sees of the variable."""
    play = subprocess.run(
        ["ansible", "-i", str(inventory), pattern, "-m", "ansible.builtin.debug", "-a", f"var={variable}"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},
    )  # fmt: skip
    assert play.returncode == 0, play.stdout + play.stderr
    return play


def test_the_verdict_is_a_variable_of_its_group_that_every_host_has(inventory):
    write_plugin_config(inventory)
    proc = run_ansible_inventory(inventory, extra_args=("--export",))
    assert proc.returncode == 0, proc.stderr
    data = plain(json.loads(proc.stdout))
    # Set once per group (what AWX imports), not on each host...
    assert data["sovereignty_violation"]["vars"] == {"sovereignty_verdict": "violation"}
    assert data["sovereignty_compliant"]["vars"] == {"sovereignty_verdict": "compliant"}
    assert "sovereignty_verdict" not in data["_meta"]["hostvars"]["aws1"]
    # ...and each host has it, in a play as in the merged listing.
    play = debug_var(inventory, "all", "sovereignty_verdict")
    assert re.search(r'aws1 \| SUCCESS => \{\s+"sovereignty_verdict": "violation"', play.stdout), play.stdout
    assert re.search(r'nuc1 \| SUCCESS => \{\s+"sovereignty_verdict": "compliant"', play.stdout), play.stdout


def test_identical_findings_are_set_once_on_a_group_every_such_host_has(inventory):
    hosts = yaml.safe_load((inventory / "10-hosts.yml").read_text())
    # A second host at the same US provider: the same findings as aws1.
    hosts["all"]["children"]["cloud"]["hosts"]["aws2"] = {"sovereign_provider": "aws", "sovereign_region": "eu-west-3"}
    (inventory / "10-hosts.yml").write_text(yaml.safe_dump(hosts))
    write_plugin_config(inventory)
    listed = plain(json.loads(run_ansible_inventory(inventory).stdout))
    findings = listed["_meta"]["hostvars"]["aws1"]["sovereignty_findings"]
    assert findings and listed["_meta"]["hostvars"]["aws2"]["sovereignty_findings"] == findings
    # nuc2 (GB) has findings of its own: a host variable.
    assert listed["_meta"]["hostvars"]["nuc2"]["sovereignty_findings"][0].startswith("SOV-LOC-001 error: ")
    exported = plain(json.loads(run_ansible_inventory(inventory, extra_args=("--export",)).stdout))
    shared = [name for name, group in exported.items() if name.startswith("sovereignty_findings_") and name != "_meta"]
    by_hosts = {tuple(sorted(exported[name]["hosts"])): name for name in shared}
    assert set(by_hosts) == {("aws1", "aws2"), ("nuc1", "scw1")}
    assert by_hosts[("nuc1", "scw1")] == "sovereignty_findings_none"
    assert exported[by_hosts[("aws1", "aws2")]]["vars"] == {"sovereignty_findings": findings}
    assert "sovereignty_findings" not in exported["_meta"]["hostvars"]["aws1"]
    assert exported["_meta"]["hostvars"]["nuc2"]["sovereignty_findings"]
    # In a play, each host has its own.
    play = debug_var(inventory, "aws2", "sovereignty_findings")
    assert json.loads(play.stdout.split("=>", 1)[1])["sovereignty_findings"] == findings


def test_without_vars_plugins_group_vars_are_unseen(inventory):
    write_plugin_config(inventory, use_vars_plugins=False)
    proc = ansible_inventory(inventory)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    # nuc1's provider lives in group_vars only: unknown provider, fail closed.
    (finding,) = plain(data["_meta"]["hostvars"]["nuc1"]["sovereignty_findings"])
    assert finding.startswith("SOV-PRV-001 error: ")


def test_bad_policy_fails_the_inventory_with_the_key_named(inventory):
    (inventory.parent / "policy.yml").write_text(
        yaml.safe_dump({"sovereign_policy": {"classifications": {"p": {"on_unknown": "shrug"}}}})
    )
    write_plugin_config(inventory)
    proc = ansible_inventory(inventory)
    assert proc.returncode != 0
    assert "classifications.p.on_unknown must be one of fail, warn" in proc.stderr


@pytest.mark.parametrize(
    ("detail", "keys"),
    [
        (None, None),  # one line per finding by default: the least Ansible has to handle for many hosts
        ("summary", {"rule", "severity", "message"}),
        ("full", {"rule", "title", "severity", "message", "evidence", "source", "remediation", "host"}),
    ],
)
def test_findings_detail(inventory, detail, keys):
    write_plugin_config(inventory, **({"findings_detail": detail} if detail else {}))
    proc = ansible_inventory(inventory)
    assert proc.returncode == 0, proc.stderr
    (finding,) = plain(json.loads(proc.stdout)["_meta"]["hostvars"]["aws1"]["sovereignty_findings"])
    if keys is None:
        assert finding.startswith("SOV-JUR-001 error: ") and "CLOUD Act" in finding
        return
    assert set(finding) == keys
    assert finding["rule"] == "SOV-JUR-001" and "CLOUD Act" in finding["message"]
    if detail == "full":
        assert finding["source"]["provider"]["source"] and finding["source"]["provider"]["checked"]


def test_a_templated_variable_is_templated_with_the_hosts_variables(inventory):
    hosts = yaml.safe_load((inventory / "10-hosts.yml").read_text())
    hosts["all"]["children"]["cloud"]["hosts"]["scw2"] = {
        "sovereign_provider": "scaleway",
        "scaleway_zone": "nl-ams-1",
        "sovereign_zone": "{{ scaleway_zone }}",
    }
    (inventory / "10-hosts.yml").write_text(yaml.safe_dump(hosts))
    write_plugin_config(inventory)
    proc = ansible_inventory(inventory)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert "scw2" in data["sovereignty_compliant"]["hosts"]  # nl-ams-1 is in the EU

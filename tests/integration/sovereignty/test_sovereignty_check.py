"""sovereign.cloud.sovereignty_check run by ansible-playbook on the controller.

No managed host is contacted: the module evaluates inventory variables.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest
import yaml

INVENTORY = {
    "all": {
        "hosts": {
            "nuc1": {"sovereign_provider": "homelab", "sovereign_country": "DE", "sovereign_owner": "lab"},
            "scw1": {"sovereign_provider": "scaleway", "sovereign_zone": "fr-par-1"},
            "aws1": {
                "sovereign_provider": "aws",
                "sovereign_region": "eu-west-3",
                "sovereign_data_classification": "personal",
            },
        },
        "vars": {"ansible_connection": "local"},
    }
}

POLICY = {
    "default_classification": "internal",
    "classifications": {
        "internal": {"allowed_countries": ["EEA"]},
        "personal": {"allowed_countries": ["EU"], "allow_extraterritorial_exposure": False},
    },
    "endpoints": {"allow": [{"host": "ptbtime*.ptb.de", "kinds": ["ntp"]}, {"host": "*.netnod.se", "kinds": ["ntp"]}]},
}


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(INVENTORY))
    (tmp_path / "policy.yml").write_text(yaml.safe_dump(POLICY))
    return tmp_path


def run_check(workdir, *extra_cli, **module_args):
    args = {"policy_file": str(workdir / "policy.yml"), "report_dir": str(workdir / "reports"), **module_args}
    play = [
        {
            "name": "Sovereignty",
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {"name": "Check", "sovereign.cloud.sovereignty_check": args, "register": "result",
                 "run_once": True, "delegate_to": "localhost"},
                {"name": "Show", "ansible.builtin.copy": {"content": "{{ result | to_json }}",
                                                          "dest": str(workdir / "result.json")},
                 "run_once": True, "delegate_to": "localhost"},
            ],
        }
    ]  # fmt: skip
    (workdir / "play.yml").write_text(yaml.safe_dump(play))
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(workdir / "play.yml"), *extra_cli],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    return proc, proc.stdout + proc.stderr


def test_enforce_fails_on_violation_with_evidence_and_reports(workdir):
    proc, out = run_check(workdir, hosts=["nuc1", "scw1", "aws1"])
    assert proc.returncode != 0
    assert "sovereignty policy violated on 1 host(s)" in out
    assert "aws1 SOV-JUR-001" in out
    report = json.loads((workdir / "reports" / "sovereignty.json").read_text())
    assert report["violation"] == ["aws1"]
    assert sorted(report["compliant"]) == ["nuc1", "scw1"]
    suite = ET.fromstring((workdir / "reports" / "sovereignty.xml").read_text())  # noqa: S314 - our own output
    assert suite.get("failures") == "1"
    assert "SOV-JUR-001" in (workdir / "reports" / "sovereignty.md").read_text()


def test_enforce_passes_when_compliant(workdir):
    proc, out = run_check(workdir, hosts=["nuc1", "scw1"])
    assert proc.returncode == 0, out
    result = json.loads((workdir / "result.json").read_text())
    assert result["verdict"] == "compliant"
    assert result["changed"] is False
    assert len(result["reports"]) == 3


def test_warn_mode_succeeds_and_warns(workdir):
    proc, out = run_check(workdir, mode="warn")
    assert proc.returncode == 0, out
    assert "aws1 SOV-JUR-001" in out  # shown as a warning
    assert json.loads((workdir / "result.json").read_text())["verdict"] == "violation"


def test_check_mode_writes_no_report(workdir):
    proc, out = run_check(workdir, "--check", mode="report")
    assert proc.returncode == 0, out
    assert not (workdir / "reports").exists()


def test_default_time_servers_count_as_endpoints(workdir):
    """The default time servers (data/time/servers.yml: PTB, Netnod) are checked though no host sets them."""
    policy = dict(POLICY, endpoints={"allow": [{"host": "ptbtime*.ptb.de", "kinds": ["ntp"]}]})
    (workdir / "policy.yml").write_text(yaml.safe_dump(policy))
    proc, out = run_check(workdir, hosts=["nuc1"])
    assert proc.returncode != 0
    assert "nuc1 SOV-EP-001: ntp endpoint nts.netnod.se is outside the trust perimeter" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"mode": "audit"}, "mode"),
        ({"hosts": ["ghost"]}, "hosts: ghost is not in the inventory"),
        ({"today": "tomorrow"}, "today: 'tomorrow' is not a date"),
        ({"report_formats": ["pdf"]}, "report_formats"),
    ],
)
def test_bad_arguments_are_named(workdir, args, message):
    proc, out = run_check(workdir, **args)
    assert proc.returncode != 0
    assert message in out


def test_bad_inline_policy_names_the_key(workdir):
    play = [{"name": "Sovereignty", "hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "Check", "sovereign.cloud.sovereignty_check": {
                 "policy": {"classifications": {"x": {"allowed_countries": "EU"}}}}}]}]  # fmt: skip
    (workdir / "play.yml").write_text(yaml.safe_dump(play))
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(workdir / "play.yml")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    assert proc.returncode != 0
    assert "policy: classifications.x.allowed_countries must be a list" in proc.stdout + proc.stderr


@pytest.mark.parametrize("return_evidence", [False, True])
def test_per_host_findings_and_evidence_are_returned_when_asked(workdir, return_evidence):
    proc, out = run_check(workdir, mode="report", return_evidence=return_evidence)
    assert proc.returncode == 0, out
    result = json.loads((workdir / "result.json").read_text())
    aws1 = result["hosts"]["aws1"]
    assert aws1["verdict"] == "violation" and aws1["errors"] == 1
    detail = {"facts", "evidence", "findings"}
    assert detail & set(aws1) == (detail if return_evidence else set())
    # Every finding is in the flat list either way: what a play needs, and
    # with return_evidence all the reports have; the reports hold every host's evidence.
    (finding,) = result["findings"]
    assert (finding["host"], finding["rule"], finding["severity"]) == ("aws1", "SOV-JUR-001", "error")
    assert "CLOUD Act" in finding["message"]
    full = {"title", "evidence", "source", "remediation"}
    assert full & set(finding) == (full if return_evidence else set())
    if return_evidence:
        assert finding["source"]["provider"]["source"] and finding["source"]["provider"]["checked"]
    report = json.loads((workdir / "reports" / "sovereignty.json").read_text())
    assert {r["rule"] for r in report["hosts"]["nuc1"]["evidence"]} >= {"SOV-LOC-001", "SOV-EP-001"}


def test_the_message_names_the_first_findings_and_counts_the_rest(workdir):
    inventory = yaml.safe_load((workdir / "inventory.yml").read_text())
    for n in range(25):
        inventory["all"]["hosts"]["aws%02d" % n] = dict(inventory["all"]["hosts"]["aws1"])
    (workdir / "inventory.yml").write_text(yaml.safe_dump(inventory))
    proc, out = run_check(workdir)
    assert proc.returncode != 0
    assert "sovereignty policy violated on 26 host(s)" in out
    assert "and 6 more errors (every one is in the findings and the reports)" in out

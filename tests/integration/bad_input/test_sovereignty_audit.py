"""playbooks/sovereignty_audit.yml on a lab host: the declared and the observed pass.

The host is declared compliant; then its chrony configuration is made to
point at a time source outside the policy's perimeter, as a hand edit would,
and the observed pass reports it while the declared pass stays compliant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import labhost  # noqa: E402

POLICY = ROOT / "inventories" / "lab" / "group_vars" / "all" / "sovereignty.yml"


def run_audit(workdir, reports):
    extra = workdir / "audit.json"
    extra.write_text(
        json.dumps(
            {
                "sovereign_provider": "homelab",
                "sovereign_country": "DE",
                "sovereign_data_classification": "personal",
                "sovereign_policy_file": str(POLICY),
                "sovereign_policy_report_dir": str(reports),
            }
        )
    )
    return subprocess.run(
        ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(ROOT / "playbooks" / "sovereignty_audit.yml"),
         "-e", f"@{extra}"],
        capture_output=True, text=True, check=False, env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip


def test_audit_reports_drift_on_the_host(target, tmp_path):
    container, workdir = target
    labhost.docker(
        "exec", container, "sh", "-c",
        "mkdir -p /etc/chrony && printf 'server time.google.com iburst\\n' > /etc/chrony/chrony.conf",
    )  # fmt: skip
    try:
        proc = run_audit(workdir, tmp_path)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]  # report mode never fails
        declared = json.loads((tmp_path / "declared" / "sovereignty.json").read_text())
        observed = json.loads((tmp_path / "observed" / "sovereignty.json").read_text())
        assert declared["verdict"] == "compliant"
        assert observed["verdict"] == "violation"
        (finding,) = observed["hosts"]["target"]["findings"]
        assert finding["rule"] == "SOV-EP-001"
        # The observed NTP source, and the variable the audit put it in.
        assert finding["evidence"] == {"kind": "ntp", "host": "time.google.com", "from": "base_chrony_servers"}
        assert "SOV-EP-001" in (tmp_path / "observed" / "sovereignty.md").read_text()
    finally:
        labhost.docker("exec", container, "rm", "-rf", "/etc/chrony", check=False)


def test_policy_file_is_not_an_inventory_source():
    """The lab keeps its policy in group_vars, which the module also accepts as a policy file."""
    data = yaml.safe_load(POLICY.read_text())
    assert list(data) == ["sovereign_policy"]


def test_audit_reads_a_service_configuration_where_its_role_published_it(target, tmp_path):
    """Issue #17, item 6: Grafana's configuration as the grafana role writes it (under
    /etc/sovereign, its path published in the endpoint fact file), with usage
    reporting planted on. The observed pass finds it; it used to read only
    /etc/grafana/grafana.ini and report nothing."""
    container, workdir = target
    endpoint = json.dumps({"name": "grafana", "config": "/etc/sovereign/grafana/grafana.ini"})
    labhost.docker(
        "exec", container, "sh", "-c",
        "mkdir -p /etc/ansible/facts.d /etc/sovereign/grafana"
        f" && printf '%s' '{endpoint}' > /etc/ansible/facts.d/sovereign_endpoint_grafana.fact"
        " && printf '[analytics]\\nreporting_enabled = true\\n' > /etc/sovereign/grafana/grafana.ini",
    )  # fmt: skip
    try:
        proc = run_audit(workdir, tmp_path)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        observed = json.loads((tmp_path / "observed" / "sovereignty.json").read_text())
        findings = observed["hosts"]["target"]["findings"]
        assert [f["evidence"] for f in findings if f["rule"] == "SOV-TEL-001"] == [
            {"service": "grafana", "telemetry": True}
        ]
    finally:
        labhost.docker(
            "exec", container, "rm", "-rf", "/etc/sovereign/grafana",
            "/etc/ansible/facts.d/sovereign_endpoint_grafana.fact", check=False,
        )  # fmt: skip

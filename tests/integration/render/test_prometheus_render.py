"""The prometheus role's `render` entry point: prometheus.yml from the Python builder, checked by promtool.

The configuration is built by plugins/plugin_utils/_prometheus.py (unit
tests beside it); this renders it the way the role does, from an inventory,
and checks the result with promtool from Debian's prometheus package
(`check config --syntax-only`: the CA and password files live on the hosts,
not here) and by reading it: targets from the inventory, passwords by file.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402
import debian_tools  # noqa: E402

NODE_PASSWORD = "node-" + secrets.token_hex(12)
JOB_PASSWORD = "job-" + secrets.token_hex(12)
ALERTMANAGER_PASSWORD = "am-" + secrets.token_hex(12)

PLAYBOOK = """
- name: Render Prometheus's configuration
  hosts: monitoring
  gather_facts: false
  tasks:
    - name: Prometheus
      ansible.builtin.include_role:
        name: sovereign.cloud.prometheus
        tasks_from: render
"""


def published_node_exporter(address, port=9100):
    endpoint = {
        "name": "node_exporter",
        "scheme": "https",
        "address": address,
        "host": address,
        "port": port,
        "url": "https://%s:%d" % ("[%s]" % address if ":" in address else address, port),
        "auth": "basic",
        "ca": "/etc/sovereign/pki/ca.crt",
        "config": "/etc/sovereign/node_exporter",
        "data": ["/var/lib/sovereign/node_exporter/textfile"],
    }
    return {"sovereign_endpoints": {"node_exporter": endpoint}}


def inventory(out):
    return {
        "all": {
            "vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
            "children": {
                "monitoring": {
                    "hosts": {
                        "mon1": {
                            "prometheus_render_dir": str(out),
                            "prometheus_node_exporter_password": NODE_PASSWORD,
                            "prometheus_scrape_jobs": [
                                {"job": "mqtt", "group": "mqtt", "port": 9234, "basic_auth_password": JOB_PASSWORD},
                            ],
                            "prometheus_alertmanagers": [
                                {"url": "https://10.0.0.11:9093", "username": "prom", "password": ALERTMANAGER_PASSWORD}
                            ],
                            "prometheus_external_labels": {"site": "render-test"},
                        }
                    }
                },
                # What the node_exporter role publishes on each host (its endpoint
                # fact, as the service role sets it); nuc5 publishes none yet.
                "node_exporter": {
                    "hosts": {
                        "mon1": published_node_exporter("127.0.0.1"),
                        "nuc2": published_node_exporter("fd00::12"),
                        "nuc3": published_node_exporter("10.0.0.13", 9101),
                        "nuc4": published_node_exporter("127.0.0.1"),  # loopback only: not a target of another host
                        "nuc5": {},
                    }
                },
                "mqtt": {"hosts": {"nuc2": {"ansible_host": "10.0.0.12"}}},
            },
        }
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    work = tmp_path_factory.mktemp("prometheus-render")
    out = work / "out"
    output = ansible_playbook.run_in(work, inventory(out), PLAYBOOK)
    return out / "mon1", output


def test_promtool_accepts_the_rendered_configuration(rendered):
    promtool = debian_tools.promtool()
    if promtool is None:
        pytest.skip("promtool unavailable: Debian's prometheus package could not be downloaded")
    check = subprocess.run(
        [str(promtool), "check", "config", "--syntax-only", str(rendered[0] / "prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    rules = subprocess.run(
        [str(promtool), "check", "rules", str(rendered[0] / "rules" / "sovereign.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rules.returncode == 0, rules.stdout + rules.stderr


def test_targets_come_from_the_inventory(rendered):
    node = json.loads((rendered[0] / "file_sd" / "node.json").read_text())
    assert node == [
        {"targets": ["127.0.0.1:9100"], "labels": {"instance": "mon1"}},
        {"targets": ["[fd00::12]:9100"], "labels": {"instance": "nuc2"}},
        {"targets": ["10.0.0.13:9101"], "labels": {"instance": "nuc3"}},
    ]
    mqtt = json.loads((rendered[0] / "file_sd" / "mqtt.json").read_text())
    assert mqtt == [{"targets": ["10.0.0.12:9234"], "labels": {"instance": "nuc2"}}]


def test_passwords_are_files_on_the_host_and_reach_no_output(rendered):
    out, output = rendered
    config = yaml.safe_load((out / "prometheus.yml").read_text())
    jobs = {scrape["job_name"]: scrape for scrape in config["scrape_configs"]}
    secrets_dir = "/etc/sovereign/prometheus/secrets"
    assert jobs["node"]["basic_auth"] == {"username": "prometheus", "password_file": f"{secrets_dir}/node"}
    assert jobs["mqtt"]["basic_auth"]["password_file"] == f"{secrets_dir}/job-mqtt"
    assert config["alerting"]["alertmanagers"][0]["basic_auth"] == {
        "username": "prom",
        "password_file": f"{secrets_dir}/alertmanager-0",
    }
    assert config["global"]["external_labels"] == {"site": "render-test"}
    written = "".join(path.read_text() for path in out.rglob("*") if path.is_file())
    for password in (NODE_PASSWORD, JOB_PASSWORD, ALERTMANAGER_PASSWORD):
        assert password not in written
        assert password not in output


def test_the_finops_recording_rule_is_the_one_the_report_reads(rendered):
    """The prometheus role records busy CPU cores exactly as sovereign.cloud.finops_report computes them."""
    sys.path.insert(0, str(ROOT / ".cache" / "collections"))
    from ansible_collections.sovereign.cloud.plugins.plugin_utils import _finops_prometheus as promql  # noqa: PLC0415

    groups = yaml.safe_load((rendered[0] / "rules" / "sovereign.yml").read_text())["groups"]
    recorded = {rule["record"]: rule["expr"] for group in groups for rule in group["rules"] if "record" in rule}
    assert recorded == {promql.RECORDED: promql.BUSY_RULE}

"""Loki, Alloy and Grafana as rendered by their roles, checked by parsers and real validators.

Loki, Alloy and Grafana cannot be installed on the build machine (their
release hosts are unreachable), so this suite runs each role's `render`
entry point and checks what it would deploy:

- grafana.ini is parsed as INI and every phone-home and open-door setting is
  asserted off; no line outside comments names a Grafana Labs host;
- the data source and dashboard provider files are parsed and checked;
- every PromQL expression of the shipped dashboards is checked by promtool
  (Debian's build, unpacked without installing);
- Loki's config.yml is parsed and its retention, analytics and TLS keys
  checked; `loki -verify-config` and `alloy validate` run when a binary is
  given (SOVEREIGN_LOKI_BINARY, SOVEREIGN_ALLOY_BINARY), else those two
  tests are SKIPPED with the reason;
- units are checked by `systemd-analyze verify` with their program path
  replaced by /bin/true (the program is what is missing here; every other
  directive is verified as written).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402
import debian_tools  # noqa: E402

# Fresh secrets per run, so a match in the output can only come from a leak.
ADMIN_PASSWORD = "admin-" + secrets.token_hex(12)
PROMETHEUS_PASSWORD = "scrape-" + secrets.token_hex(12)
S3_SECRET = "s3-" + secrets.token_hex(12)
SMTP_PASSWORD = "smtp-" + secrets.token_hex(12)
PHONE_HOME = re.compile(
    r"grafana\.com|grafana\.net|stats\.grafana\.org|gravatar\.com|raintank\.io|rudderstack|intercom\.io", re.I
)

PLAYBOOK = """
- name: Render the log and dashboard stack
  hosts: all
  gather_facts: false
  tasks:
    - name: Loki
      ansible.builtin.include_role:
        name: sovereign.cloud.loki
        tasks_from: render
      when: "'loki' in group_names"
    - name: Alloy
      ansible.builtin.include_role:
        name: sovereign.cloud.alloy
        tasks_from: render
    - name: Grafana
      ansible.builtin.include_role:
        name: sovereign.cloud.grafana
        tasks_from: render
      when: "'grafana' in group_names"
"""


def inventory(out):
    common = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    return {
        "all": {
            "vars": {
                **common,
                "loki_render_dir": str(out),
                "alloy_render_dir": str(out),
                "grafana_render_dir": str(out),
                "alloy_loki_url": "https://10.0.0.11:3100/loki/api/v1/push",
                "alloy_log_files": [{"path": "/var/log/nginx/*.log", "labels": {"job": "nginx"}}],
            },
            "children": {
                "loki": {"hosts": {"mon1": {}, "mon2": {}}},
                "grafana": {"hosts": {"mon1": {}}},
            },
            "hosts": {
                # Defaults everywhere except what must be given.
                "mon1": {
                    "grafana_admin_password": ADMIN_PASSWORD,
                    "grafana_prometheus": {
                        "url": "https://10.0.0.11:9090",
                        "username": "grafana",
                        "password": PROMETHEUS_PASSWORD,
                    },
                    "grafana_alertmanager": {
                        "url": "https://10.0.0.11:9093",
                        "username": "grafana",
                        "password": PROMETHEUS_PASSWORD,
                    },
                    "grafana_loki": {"url": "https://10.0.0.11:3100"},
                    # Settings of the user's own, merged over the role's.
                    "grafana_ini": {
                        "smtp": {"enabled": True, "host": "smtp.example.eu:587", "user": "grafana@example.eu"},
                        "users": {"auto_assign_org_role": "Editor"},
                    },
                    "grafana_ini_secrets": {"smtp.password": SMTP_PASSWORD},
                },
                # Object storage at an EU provider.
                "mon2": {
                    "loki_storage": "s3",
                    "loki_s3": {
                        "endpoint": "s3.fr-par.scw.cloud",
                        "region": "fr-par",
                        "bucket": "platform-logs",
                        "access_key_id": "SCWEXAMPLEKEY",
                        "secret_access_key": S3_SECRET,
                    },
                },
                "node3": {"alloy_install_method": "package", "alloy_journal_enabled": True, "alloy_log_files": []},
            },
        }
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    work = tmp_path_factory.mktemp("render")
    out = work / "out"
    output = ansible_playbook.run_in(work, inventory(out), PLAYBOOK)
    return out, output


def grafana_ini(out):
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=(";", "#"))
    parser.read(out / "mon1" / "grafana.ini")
    return parser


# --- telemetry off, in every rendered file --------------------------------


def config_lines(path):
    """Lines a program acts on: not comments (YAML/INI/Alloy/unit styles), not a unit's Documentation= link."""
    return [
        line
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith((";", "#", "//", "Documentation="))
    ]


def test_no_rendered_file_names_a_phone_home_host(rendered):
    out = rendered[0]
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix != ".json"]
    assert len(files) >= 9
    for path in files:
        offending = [line for line in config_lines(path) if PHONE_HOME.search(line)]
        assert not offending, f"{path.relative_to(out)}: {offending}"


def test_grafana_telemetry_and_update_checks_are_off(rendered):
    ini = grafana_ini(rendered[0])
    for section, key, value in [
        ("analytics", "reporting_enabled", "false"),
        ("analytics", "check_for_updates", "false"),
        ("analytics", "check_for_plugin_updates", "false"),
        ("analytics", "feedback_links_enabled", "false"),
        ("news", "news_feed_enabled", "false"),
        ("snapshots", "external_enabled", "false"),
        ("public_dashboards", "enabled", "false"),
        ("cloud_migration", "enabled", "false"),
        ("plugins", "preinstall_disabled", "true"),
        ("plugins", "preinstall_auto_update", "false"),
        ("plugins", "public_key_retrieval_disabled", "true"),
        ("plugins", "plugin_admin_enabled", "false"),
        ("security", "disable_gravatar", "true"),
    ]:
        assert ini.get(section, key) == value, f"[{section}] {key}"


def test_loki_usage_reporting_is_off(rendered):
    for host in ("mon1", "mon2"):
        config = yaml.safe_load((rendered[0] / host / "config.yml").read_text())
        assert config["analytics"] == {"reporting_enabled": False}


def test_alloy_runs_with_reporting_disabled(rendered):
    for host in ("mon1", "mon2", "node3"):
        unit = (rendered[0] / host / "alloy.service").read_text()
        exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
        assert " run --disable-reporting " in exec_start
        assert "--server.http.listen-addr=127.0.0.1:12345" in exec_start


# --- Grafana: access, secrets, provisioning -------------------------------


def test_grafana_access_is_closed_and_over_https(rendered):
    ini = grafana_ini(rendered[0])
    assert ini.get("auth.anonymous", "enabled") == "false"
    assert ini.get("users", "allow_sign_up") == "false"
    assert ini.get("users", "allow_org_create") == "false"
    assert ini.get("server", "protocol") == "https"
    assert ini.get("server", "http_addr") == "127.0.0.1"
    assert ini.get("server", "root_url") == "https://127.0.0.1:3000/"
    assert ini.get("security", "cookie_secure") == "true"
    assert ini.get("security", "disable_brute_force_login_protection") == "false"


def test_grafana_secrets_are_read_from_files_not_written_in_the_ini(rendered):
    out = rendered[0]
    ini = grafana_ini(out)
    assert ini.get("security", "admin_password") == "$__file{/etc/sovereign/grafana/admin_password}"
    assert ini.get("security", "secret_key") == "$__file{/etc/sovereign/grafana/secret_key}"
    assert ini.get("smtp", "password") == "$__file{/etc/sovereign/grafana/ini-secrets/smtp.password}"
    text = (out / "mon1" / "grafana.ini").read_text()
    assert ADMIN_PASSWORD not in text and SMTP_PASSWORD not in text


def test_grafana_ini_merges_the_users_settings_over_the_roles(rendered):
    ini = grafana_ini(rendered[0])
    assert dict(ini.items("smtp")) == {
        "enabled": "true",
        "host": "smtp.example.eu:587",
        "user": "grafana@example.eu",
        "password": "$__file{/etc/sovereign/grafana/ini-secrets/smtp.password}",
    }
    # One key of a section of the role's changed, the others kept.
    assert ini.get("users", "auto_assign_org_role") == "Editor"
    assert ini.get("users", "allow_sign_up") == "false"


def test_passwords_stay_out_of_the_play_output(rendered):
    output = rendered[1]
    for secret in (ADMIN_PASSWORD, PROMETHEUS_PASSWORD, S3_SECRET, SMTP_PASSWORD):
        assert secret not in output


def test_datasources_prometheus_loki_alertmanager(rendered):
    doc = yaml.safe_load((rendered[0] / "mon1" / "provisioning" / "datasources" / "sovereign.yml").read_text())
    assert doc["apiVersion"] == 1
    assert doc["prune"] is True
    by_uid = {d["uid"]: d for d in doc["datasources"]}
    assert set(by_uid) == {"sovereign-prometheus", "sovereign-alertmanager", "sovereign-loki"}
    prometheus = by_uid["sovereign-prometheus"]
    assert prometheus["type"] == "prometheus"
    assert prometheus["url"] == "https://10.0.0.11:9090"
    assert prometheus["basicAuth"] is True
    assert prometheus["secureJsonData"]["basicAuthPassword"] == PROMETHEUS_PASSWORD
    assert prometheus["jsonData"]["alertmanagerUid"] == "sovereign-alertmanager"
    assert by_uid["sovereign-alertmanager"]["jsonData"]["implementation"] == "prometheus"
    loki = by_uid["sovereign-loki"]
    assert loki["type"] == "loki"
    assert loki["jsonData"]["tlsAuth"] is True
    assert set(loki["secureJsonData"]) == {"tlsClientCert", "tlsClientKey"}
    assert all(d["editable"] is False and d["url"].startswith("https://") for d in doc["datasources"])


def test_dashboard_provider_points_at_the_shipped_dashboards(rendered):
    doc = yaml.safe_load((rendered[0] / "mon1" / "provisioning" / "dashboards" / "sovereign.yml").read_text())
    (provider,) = doc["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards/sovereign"
    assert provider["allowUiUpdates"] is False


def dashboards(out):
    return {p.name: json.loads(p.read_text()) for p in (out / "mon1" / "dashboards").glob("*.json")}


def test_shipped_dashboards_use_only_provisioned_datasources(rendered):
    found = dashboards(rendered[0])
    assert set(found) == {"node-overview.json", "logs-overview.json", "platform-cost.json"}
    uids = {"sovereign-prometheus", "sovereign-loki", "sovereign-alertmanager"}
    for name, dashboard in found.items():
        assert dashboard["uid"].startswith("sovereign-"), name
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] in uids, f"{name}: {panel['title']}"
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == panel["datasource"]["uid"]
                assert target["expr"].strip()


def grafana_variables_replaced(expr):
    """A dashboard expression with Grafana's variables replaced by values Prometheus accepts."""
    return (
        expr.replace("$__rate_interval", "5m")
        .replace("$__auto", "5m")
        .replace('=~"$instance"', '=~".*"')
        .replace("$instance", "localhost:9100")
    )


def test_dashboard_promql_is_valid_for_promtool(rendered, tmp_path):
    promtool = debian_tools.promtool()
    if promtool is None:
        pytest.skip("promtool unavailable: no promtool on PATH and Debian's prometheus package cannot be downloaded")
    rules = []
    for name, dashboard in dashboards(rendered[0]).items():
        for panel in dashboard["panels"]:
            if panel["datasource"]["uid"] != "sovereign-prometheus":
                continue
            for target in panel["targets"]:
                record = re.sub(r"[^a-z0-9_]", "_", f"dashboard:{name}:{panel['id']}:{target['refId']}".lower())
                rules.append({"record": record, "expr": grafana_variables_replaced(target["expr"])})
    assert len(rules) >= 10
    path = tmp_path / "dashboard-exprs.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    proc = subprocess.run([str(promtool), "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SUCCESS: {len(rules)} rules found" in proc.stdout + proc.stderr


# --- Loki -----------------------------------------------------------------


def test_loki_retention_tls_and_filesystem_storage(rendered):
    config = yaml.safe_load((rendered[0] / "mon1" / "config.yml").read_text())
    assert config["compactor"]["retention_enabled"] is True
    assert config["compactor"]["delete_request_store"] == "filesystem"
    assert config["limits_config"]["retention_period"] == "744h"
    assert config["server"]["http_listen_address"] == "127.0.0.1"
    assert config["server"]["http_listen_port"] == 3100
    assert config["server"]["grpc_listen_address"] == "127.0.0.1"
    tls = config["server"]["http_tls_config"]
    assert tls["client_auth_type"] == "RequireAndVerifyClientCert"
    assert tls["client_ca_file"] == "/etc/sovereign/pki/ca.crt"
    assert config["common"]["storage"]["filesystem"]["chunks_directory"] == "/var/lib/loki/chunks"
    (schema,) = config["schema_config"]["configs"]
    assert (schema["store"], schema["schema"], schema["object_store"]) == ("tsdb", "v13", "filesystem")


def test_loki_s3_storage_at_an_eu_endpoint(rendered):
    config = yaml.safe_load((rendered[0] / "mon2" / "config.yml").read_text())
    s3 = config["common"]["storage"]["s3"]
    assert s3["endpoint"] == "s3.fr-par.scw.cloud"
    assert s3["bucketnames"] == "platform-logs"
    assert s3["insecure"] is False
    assert config["compactor"]["delete_request_store"] == "s3"
    assert config["schema_config"]["configs"][0]["object_store"] == "s3"


def given_binary(variable):
    value = os.environ.get(variable, "")
    if not value:
        pytest.skip(f"{variable} not set: Loki and Alloy cannot be downloaded on this machine (GitHub unreachable)")
    return value


def test_loki_verify_config(rendered):
    loki = given_binary("SOVEREIGN_LOKI_BINARY")
    for host in ("mon1", "mon2"):
        proc = subprocess.run(
            [loki, "-verify-config", f"-config.file={rendered[0] / host / 'config.yml'}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


# --- Alloy ----------------------------------------------------------------


def test_alloy_ships_journal_and_files_over_mutual_tls(rendered):
    text = (rendered[0] / "mon1" / "config.alloy").read_text()
    assert 'url = "https://10.0.0.11:3100/loki/api/v1/push"' in text
    assert 'cert_file   = "/etc/sovereign/pki/alloy-client.crt"' in text
    assert 'min_version = "TLS12"' in text
    assert 'loki.source.journal "journal"' in text
    assert '"__path__" = "/var/log/nginx/*.log"' in text
    assert 'host = "mon1"' in text
    node3 = (rendered[0] / "node3" / "config.alloy").read_text()
    assert "local.file_match" not in node3
    assert "ExecStart=/usr/bin/alloy run" in (rendered[0] / "node3" / "alloy.service").read_text()


def test_alloy_validate(rendered):
    alloy = given_binary("SOVEREIGN_ALLOY_BINARY")
    for host in ("mon1", "node3"):
        proc = subprocess.run(
            [alloy, "validate", str(rendered[0] / host / "config.alloy")], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


# --- units ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "unit"),
    [
        ("mon1", "loki.service"),
        ("mon1", "alloy.service"),
        ("mon1", "grafana-server.service"),
        ("node3", "alloy.service"),
    ],
)
def test_units_verify(rendered, tmp_path, host, unit):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = (rendered[0] / host / unit).read_text()
    assert "NoNewPrivileges=yes" in text
    assert "ProtectSystem=strict" in text
    assert "CapabilityBoundingSet=\n" in text
    # The program itself is the missing artifact: point ExecStart at /bin/true
    # and verify every other directive as written.
    text = re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", text, flags=re.M)
    text = re.sub(r"^ExecReload=.*$", "", text, flags=re.M)
    path = tmp_path / unit
    path.write_text(text)
    proc = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(path)], capture_output=True, text=True, check=False
    )
    problems = [line for line in (proc.stdout + proc.stderr).splitlines() if str(path) in line or unit in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr

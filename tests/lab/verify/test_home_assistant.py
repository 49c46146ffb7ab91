"""Verify Home Assistant behind the proxy, for real, then upgrade, back up and restore it.

Order matters (pytest runs the file top to bottom): the read-only checks
come first, then the no-egress restart, then the version change, then the
backup restored onto nuc3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import testinfra

testinfra_hosts = ["ansible://nuc2"]

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
SCENARIO = Path(__file__).resolve().parents[1]
ROOT = SCENARIO.parents[1]
# Set by molecule verify, the only way these tests run.
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "."))
SITE = "ha.lab.home.arpa"
PROXY = "172.30.58.12"
CONFIG = "/var/lib/homeassistant"
TOKEN_FILE = "/etc/sovereign/home-assistant/prometheus.token"  # noqa: S105 (a path)
MQTT_USER = ("home-assistant", "molecule-mqtt-password-1")
NEWER = "2026.2.3"


def lab_host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


@pytest.fixture(scope="module")
def client():
    return lab_host("nuc3")


def token(host):
    return host.file(TOKEN_FILE).content_string.strip()


def curl(host, url, *args):
    """(status, headers+body) of a request made on `host`."""
    out = host.run("curl -s -i --max-time 20 " + " ".join(args) + f" '{url}'")
    first = out.stdout.split("\n", 1)[0]
    status = int(first.split()[1]) if first.startswith("HTTP/") else 0
    return status, out.stdout


def via_proxy(client, path, *args):
    return curl(client, f"https://{SITE}{path}", f"--resolve {SITE}:443:{PROXY}", *args)


def wait_for_api(host, url="http://127.0.0.1:8123/api/", seconds=300):
    deadline = time.time() + seconds
    status = 0
    while time.time() < deadline:
        status = curl(host, url)[0]
        if status == 401:
            return
        time.sleep(3)
    pytest.fail(f"{url} did not answer 401 within {seconds} s (last status {status})")


def api_config(host):
    status, body = curl(host, "http://127.0.0.1:8123/api/config", f"-H 'Authorization: Bearer {token(host)}'")
    assert status == 200, body[:300]
    return json.loads(body.split("\r\n\r\n", 1)[1])


def ansible_playbook(*args):
    """Run a playbook the way molecule runs converge (its config, its inventory directory)."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(EPHEMERAL / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(Path(INVENTORY).parent), *args]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


def test_services_run(host):
    for service in ("home-assistant", "caddy", "mosquitto"):
        assert host.service(service).is_running, service
    assert host.service("homeassistant-backup.timer").is_enabled


def test_home_assistant_listens_only_where_asked(host):
    sockets = {s for s in host.socket.get_listening_sockets() if s.endswith(":8123")}
    assert sockets == {"tcp://127.0.0.1:8123", "tcp://172.30.58.12:8123"}


def test_answers_through_the_proxy_over_tls_with_the_internal_ca(client):
    # nuc3 trusts the internal CA through the pki role: no --insecure.
    status, body = via_proxy(client, "/")
    assert status == 200, body[:500]
    assert "strict-transport-security: max-age=31536000" in body.lower()
    assert "x-content-type-options: nosniff" in body.lower()
    assert "\nserver:" not in body.lower()


def test_plain_http_redirects_to_https(client):
    status, body = curl(client, f"http://{SITE}/", f"--resolve {SITE}:80:{PROXY}")
    assert status in (301, 308), body[:300]
    assert f"location: https://{SITE}/" in body.lower()


def test_api_without_token_is_401(client):
    assert via_proxy(client, "/api/")[0] == 401


def test_forwarded_for_accepted_from_the_proxy_refused_from_elsewhere(host, client):
    # Passed on to Home Assistant's auth check, not refused as a bad proxy.
    assert via_proxy(client, "/api/", "-H 'X-Forwarded-For: 203.0.113.9'")[0] == 401
    # nuc2's own private address is not a trusted proxy: the header is refused.
    status, body = curl(host, "http://172.30.58.12:8123/api/", "-H 'X-Forwarded-For: 203.0.113.9'")
    assert status == 400, body[:300]


def test_firewall_keeps_home_assistant_port_closed_to_other_hosts(client):
    assert curl(client, "http://172.30.58.12:8123/api/", "--connect-timeout 3")[0] == 0


def test_scraper_token_reads_metrics_and_is_read_only(host):
    assert host.file(TOKEN_FILE).mode == 0o600
    status, body = curl(host, "http://127.0.0.1:8123/api/prometheus", f"-H 'Authorization: Bearer {token(host)}'")
    assert status == 200 and "# HELP" in body
    # A read-only user cannot call services.
    restart = curl(
        host,
        "http://127.0.0.1:8123/api/services/homeassistant/restart",
        "-X POST",
        f"-H 'Authorization: Bearer {token(host)}'",
    )
    assert restart[0] == 401


def test_no_cloud_no_alerts_no_analytics(host):
    components = set(api_config(host)["components"])
    assert {"cloud", "homeassistant_alerts", "default_config"}.isdisjoint(components)
    assert {"prometheus", "mqtt", "recorder", "http"} <= components
    analytics = json.loads(host.file(f"{CONFIG}/.storage/core.analytics").content_string)["data"]
    assert analytics["onboarded"] is True
    assert not any(analytics["preferences"].values()), analytics


def test_secrets_and_configuration_files(host):
    secrets = host.file(f"{CONFIG}/secrets.yaml")
    assert secrets.mode == 0o600 and secrets.user == "homeassistant"
    configuration = host.file(f"{CONFIG}/configuration.yaml")
    assert configuration.user == "root" and configuration.mode == 0o640
    assert "default_config" not in configuration.content_string.replace("instead of default_config", "")
    assert "trusted_proxies" in configuration.content_string


def test_unit_is_hardened(host):
    score = host.run("systemd-analyze security home-assistant.service --no-pager | tail -1").stdout
    exposure = float(score.split("Overall exposure level for home-assistant.service:")[1].split()[0])
    assert exposure <= 3.0, score


def test_mqtt_refuses_anonymous_and_feeds_home_assistant(host):
    anonymous = host.run("mosquitto_pub -h 127.0.0.1 -t homeassistant/x -m 1")
    assert anonymous.rc != 0
    discovery = {
        "name": "Molecule probe",
        "state_topic": "homeassistant/molecule/state",
        "unique_id": "molecule_probe",
    }
    auth = f"-u {MQTT_USER[0]} -P {MQTT_USER[1]}"
    assert host.run(
        f"mosquitto_pub -h 127.0.0.1 {auth} -r -t homeassistant/sensor/molecule/config -m '{json.dumps(discovery)}'"
    ).succeeded
    assert host.run(f"mosquitto_pub -h 127.0.0.1 {auth} -r -t homeassistant/molecule/state -m 42").succeeded
    deadline = time.time() + 60
    while time.time() < deadline:
        status, body = curl(
            host, "http://127.0.0.1:8123/api/states/sensor.molecule_probe", f"-H 'Authorization: Bearer {token(host)}'"
        )
        if status == 200 and '"state":"42"' in body.replace(" ", ""):
            break
        time.sleep(2)
    else:
        pytest.fail(f"sensor.molecule_probe never reached 42: {status} {body[-300:]}")


def test_restarts_cleanly_without_egress(host):
    """Requirements are pre-installed: with all outgoing traffic dropped, a restart still works."""
    rules = (
        "table inet molecule_no_egress {\n chain output {\n type filter hook output priority 0; policy drop;\n"
        ' oif "lo" accept\n ip daddr 172.30.58.0/24 accept\n ct state established,related accept\n }\n}\n'
    )
    assert host.run(f"printf '{rules}' | nft -f -").succeeded
    try:
        assert host.run("curl -s --max-time 5 https://pypi.org/simple/ -o /dev/null").rc != 0
        since = host.run("date '+%Y-%m-%d %H:%M:%S'").stdout.strip()
        assert host.run("systemctl restart home-assistant").succeeded
        wait_for_api(host)
        components = set(api_config(host)["components"])
        assert {"prometheus", "mqtt", "recorder", "frontend"} <= components
        log = host.run(f"journalctl -u home-assistant --since '{since}' --no-pager").stdout
        for bad in ("Unable to install package", "ModuleNotFoundError", "Setup failed for"):
            assert bad not in log, log[-3000:]
    finally:
        host.run("nft delete table inet molecule_no_egress")


def test_state_survives_a_version_change(host):
    ansible_playbook(str(SCENARIO / "converge.yml"), "--limit", "nuc2", "-e", f"home_assistant_version={NEWER}")
    wait_for_api(host)
    assert api_config(host)["version"] == NEWER
    status, body = curl(
        host, "http://127.0.0.1:8123/api/states/sensor.molecule_probe", f"-H 'Authorization: Bearer {token(host)}'"
    )
    assert status == 200 and '"state":"42"' in body.replace(" ", "")


def test_backup_restores_onto_a_fresh_host(host, client):
    fetch_dir = EPHEMERAL / "ha-backups"
    out = ansible_playbook(
        str(ROOT / "playbooks/home_assistant_backup.yml"),
        "-e", "home_assistant_backup_hosts=nuc2",
        "-e", f"home_assistant_backup_fetch_dir={fetch_dir}",
    )  # fmt: skip
    archives = sorted((fetch_dir / "nuc2").glob("homeassistant-config-*.tar.gz"))
    assert archives, out[-2000:]
    assert host.file("/var/backups/homeassistant").mode == 0o700
    # The copy also carries Home Assistant's own archives when it made any.
    assert host.file("/var/backups/homeassistant/homeassistant").is_directory

    assert not client.service("home-assistant").is_running
    ansible_playbook(
        str(ROOT / "playbooks/home_assistant_restore.yml"),
        "--limit", "nuc3",
        "-e", "home_assistant_restore_hosts=nuc3",
        "-e", "home_assistant_restore_confirm=nuc3",
        "-e", f"home_assistant_restore_archive={archives[-1]}",
        "-e", f"home_assistant_version={NEWER}",
    )  # fmt: skip
    wait_for_api(client)
    registry = client.file(f"{CONFIG}/.storage/core.entity_registry").content_string
    assert "molecule_probe" in registry
    # The owner restored from nuc2 logged in (the role's API step) and the
    # restored instance serves metrics to its own new scraper token.
    status, body = curl(client, "http://127.0.0.1:8123/api/prometheus", f"-H 'Authorization: Bearer {token(client)}'")
    assert status == 200 and "# HELP" in body

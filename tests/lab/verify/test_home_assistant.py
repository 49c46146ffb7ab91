"""Home Assistant on nuc2 behind the proxy, for real, checked from nuc3 and on the host.

The read-only checks come first (pytest runs the file top to bottom), then
the restart with all egress dropped. The version change and the backup
restored onto nuc3 are in tests/lab/lifecycle.
"""

from __future__ import annotations

import json
import re
import time

import ha_lab
import pytest
import testlab
from ha_lab import CONFIG, SITE, TOKEN_FILE, api_config, curl, token, wait_for_api
from testlab import lab_host

testinfra_hosts = testlab.testinfra_hosts("nuc2")

LAB = testlab.lab()
HA_HOST = LAB.address("nuc2")
MQTT_USER = ("home-assistant", LAB.secret("mqtt-home-assistant"))


@pytest.fixture(scope="module")
def client():
    return lab_host("nuc3")


def via_proxy(client, path, *args):
    return ha_lab.via_proxy(client, path, *args, proxy=HA_HOST)


def test_services_run(host):
    for service in ("home-assistant", "caddy", "mosquitto"):
        assert host.service(service).is_running, service
    assert host.service("homeassistant-backup.timer").is_enabled


def test_home_assistant_listens_only_where_asked(host):
    sockets = {s for s in host.socket.get_listening_sockets() if s.endswith(":8123")}
    assert sockets == {"tcp://127.0.0.1:8123", f"tcp://{HA_HOST}:8123"}


def test_answers_through_the_proxy_over_tls_with_the_internal_ca(client):
    # nuc3 trusts the internal CA through the pki role: no --insecure.
    status, body = via_proxy(client, "/")
    assert status == 200, body[:500]
    assert "strict-transport-security: max-age=31536000" in body.lower()
    assert "x-content-type-options: nosniff" in body.lower()
    assert "\nserver:" not in body.lower()


def test_plain_http_redirects_to_https(client):
    status, body = curl(client, f"http://{SITE}/", f"--resolve {SITE}:80:{HA_HOST}")
    assert status in (301, 308), body[:300]
    assert f"location: https://{SITE}/" in body.lower()


def test_api_without_token_is_401(client):
    assert via_proxy(client, "/api/")[0] == 401


def test_forwarded_for_accepted_from_the_proxy_refused_from_elsewhere(host, client):
    # Passed on to Home Assistant's auth check, not refused as a bad proxy.
    assert via_proxy(client, "/api/", "-H 'X-Forwarded-For: 203.0.113.9'")[0] == 401
    # nuc2's own private address is not a trusted proxy: the header is refused.
    status, body = curl(host, f"http://{HA_HOST}:8123/api/", "-H 'X-Forwarded-For: 203.0.113.9'")
    assert status == 400, body[:300]


def test_firewall_keeps_home_assistant_port_closed_to_other_hosts(client):
    assert curl(client, f"http://{HA_HOST}:8123/api/", "--connect-timeout 3")[0] == 0


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
    """The broker on the same host feeds a sensor through MQTT discovery; Home Assistant reads it over TLS."""
    tls = "-p 8883 --cafile /etc/sovereign/pki/ca.crt"
    anonymous = host.run(f"mosquitto_pub -h {HA_HOST} {tls} -t homeassistant/x -m 1")
    assert anonymous.rc != 0
    discovery = {
        "name": "Lab probe",
        "state_topic": "homeassistant/lab/state",
        "unique_id": "lab_probe",
    }
    auth = f"-u {MQTT_USER[0]} -P {MQTT_USER[1]}"
    assert host.run(
        f"mosquitto_pub -h {HA_HOST} {tls} {auth} -r -t homeassistant/sensor/lab/config -m '{json.dumps(discovery)}'"
    ).succeeded
    assert host.run(f"mosquitto_pub -h {HA_HOST} {tls} {auth} -r -t homeassistant/lab/state -m 42").succeeded
    deadline = time.time() + 60
    while time.time() < deadline:
        status, body = curl(
            host, "http://127.0.0.1:8123/api/states/sensor.lab_probe", f"-H 'Authorization: Bearer {token(host)}'"
        )
        if status == 200 and '"state":"42"' in body.replace(" ", ""):
            break
        time.sleep(2)
    else:
        pytest.fail(f"sensor.lab_probe never reached 42: {status} {body[-300:]}")


def test_restarts_cleanly_without_egress(host):
    """Requirements are pre-installed: with all outgoing traffic dropped, a restart still works."""
    rules = (
        "table inet lab_no_egress {\n chain output {\n type filter hook output priority 0; policy drop;\n"
        f' oif "lo" accept\n ip daddr {LAB.hosts["nuc1"]["lab_address"].rsplit(".", 1)[0]}.0/24 accept\n'
        " ct state established,related accept\n }\n}\n"
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
        host.run("nft delete table inet lab_no_egress")


def test_mqtt_entry_uses_tls_with_the_internal_ca(host):
    """The role set up Home Assistant's MQTT entry for the broker's TLS listener, verified against the lab CA."""
    entries = json.loads(host.file(f"{CONFIG}/.storage/core.config_entries").content_string)["data"]["entries"]
    (entry,) = [e for e in entries if e["domain"] == "mqtt"]
    data = entry["data"]
    assert (data["broker"], int(data["port"])) == (HA_HOST, 8883)
    assert data["certificate"].strip() == (LAB.pki / "ca.crt").read_text().strip()
    assert not data.get("tls_insecure", False)


ROOT_DIR = "/opt/homeassistant"
LOCKS = testlab.ROOT / "data" / "versions" / "home_assistant"


def lock_pins(text):
    """{normalised name: {versions}} of a lock (a package may be pinned per Python marker)."""
    pins = {}
    for name, version in re.findall(r"(?m)^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", text):
        pins.setdefault(re.sub(r"[-_.]+", "-", name).lower(), set()).add(version)
    return pins


def test_installed_from_the_hash_lock_only(host):
    """Every distribution in the venv is the one the release's lock pins (with its hashes); nothing else."""
    version = host.check_output(
        f"{ROOT_DIR}/venv/bin/python -c \"import importlib.metadata as m; print(m.version('homeassistant'))\""
    )
    lock = host.file(f"{ROOT_DIR}/requirements-{version}.lock.txt")
    assert lock.content_string == (LOCKS / f"{version}.txt").read_text()
    # The marker of a complete install holds this lock's checksum (sha1, as the copy module reports it).
    lock_sha1 = host.check_output(f"sha1sum {ROOT_DIR}/requirements-{version}.lock.txt").split()[0]
    assert host.file(f"{ROOT_DIR}/requirements.installed").content_string.strip() == lock_sha1
    pins = lock_pins(lock.content_string)
    freeze = host.check_output(f"{ROOT_DIR}/venv/bin/uv pip freeze --python {ROOT_DIR}/venv/bin/python 2>/dev/null")
    outside = []
    for line in freeze.splitlines():
        name, _equals, installed = line.partition("==")
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key != "pip" and installed not in pins.get(key, set()):
            outside.append(line)
    assert not outside, f"installed outside the lock: {outside}"


def test_the_installer_refuses_a_file_whose_hash_is_not_the_locked_one(host):
    """What --require-hashes buys: uv, as the role runs it, refuses a distribution that does not match the lock."""
    host.run("rm -rf /tmp/lock-probe && mkdir -p /tmp/lock-probe")
    host.run(
        "printf 'six==1.17.0 \\\\\\n    --hash=sha256:%s\\n' $(printf '0%.0s' $(seq 64)) > /tmp/lock-probe/lock.txt"
    )
    result = host.run(
        f"{ROOT_DIR}/venv/bin/uv pip install --native-tls --require-hashes --target /tmp/lock-probe/target "
        f"--python {ROOT_DIR}/venv/bin/python --requirement /tmp/lock-probe/lock.txt"
    )
    assert result.rc != 0
    assert "hash mismatch" in (result.stderr + result.stdout).lower(), result.stderr[-1500:]
    assert not host.file("/tmp/lock-probe/target/six.py").exists  # noqa: S108 - a path on the lab host

"""The broker on nuc2, from the other lab hosts: authentication, ACLs, firewall, TLS.

nuc3 may connect (mosquitto_allowed_sources in tests/lab/inventory); nuc1 is
the host the firewall keeps out. Other hosts reach the broker over TLS only
(port 8883, verified against the internal CA); the plain listener is on
loopback.
"""

from __future__ import annotations

import time

import pytest
import testlab
from testlab import lab_host

testinfra_hosts = testlab.testinfra_hosts("nuc2")

LAB = testlab.lab()
BROKER = LAB.address("nuc2")
HA = ("home-assistant", LAB.secret("mqtt-home-assistant"))
TLS = "-p 8883 --cafile /etc/sovereign/pki/ca.crt"
SENSOR = ("sensor-kitchen", LAB.secret("mqtt-sensor-kitchen"))


@pytest.fixture(scope="module")
def client():
    return lab_host("nuc3")


def publish(client, topic, message, user=None, retain=True):
    auth = f"-u {user[0]} -P {user[1]}" if user else ""
    return client.run(f"mosquitto_pub -h {BROKER} {TLS} -q 1 {'-r' if retain else ''} {auth} -t {topic} -m {message}")


def receive(client, topic, user, wait=3):
    """Retained message on `topic` as seen by `user`, or '' when none arrives."""
    out = client.run(f"mosquitto_sub -h {BROKER} {TLS} -u {user[0]} -P {user[1]} -t '{topic}' -C 1 -W {wait}")
    return out.stdout.strip()


def test_tls_on_the_private_address_plain_on_loopback_only(host):
    assert host.service("mosquitto").is_running
    assert host.socket(f"tcp://{BROKER}:8883").is_listening
    assert host.socket("tcp://127.0.0.1:1883").is_listening
    # No password in clear on the network: nothing plain beyond loopback.
    assert not host.socket(f"tcp://{BROKER}:1883").is_listening
    assert not host.socket("tcp://0.0.0.0:1883").is_listening


def test_plain_mqtt_does_not_reach_the_network(client):
    result = client.run(f"timeout 5 mosquitto_pub -h {BROKER} -p 1883 -u {HA[0]} -P {HA[1]} -t x -m y")
    assert result.rc != 0


def test_anonymous_client_refused(client):
    result = publish(client, "sensors/kitchen/temp", "21", user=None)
    assert result.rc != 0
    assert "not authorised" in (result.stderr + result.stdout).lower()


def test_wrong_password_refused(client):
    result = publish(client, "sensors/kitchen/temp", "21", user=(SENSOR[0], "wrong-password-123"))
    assert result.rc != 0


def test_configured_user_accepted_and_acl_applied(client):
    stamp = str(int(time.time()))
    assert publish(client, "sensors/kitchen/temp", stamp, user=SENSOR).rc == 0
    # home-assistant may read sensors/#: it gets the retained value.
    assert receive(client, "sensors/kitchen/temp", HA) == stamp
    # sensor-kitchen may only write sensors/kitchen/#: its publish elsewhere is dropped.
    assert publish(client, "homeassistant/switch/x", stamp, user=SENSOR).rc == 0
    assert receive(client, "homeassistant/switch/x", HA, wait=2) == ""
    # ...and it cannot read what it wrote (write-only access).
    assert receive(client, "sensors/kitchen/temp", SENSOR, wait=2) == ""


def test_firewall_keeps_other_hosts_out():
    outsider = lab_host("nuc1")
    result = outsider.run(f"timeout 5 mosquitto_pub -h {BROKER} {TLS} -u {HA[0]} -P {HA[1]} -t x -m y")
    assert result.rc != 0


def test_secrets_on_disk(host):
    passwd = host.file("/etc/mosquitto/sovereign.passwd")
    assert passwd.mode == 0o600 and passwd.user == "mosquitto"
    assert HA[1] not in passwd.content_string
    # Mosquitto's current default iteration count (plugin_utils/_mosquitto.py).
    assert passwd.content_string.startswith("home-assistant:$7$1000$")
    assert host.file("/etc/mosquitto/sovereign.acl").mode == 0o600


def test_unit_hardened(host):
    exposure = host.check_output("systemd-analyze security mosquitto.service --no-pager | tail -n 1")
    print(f"\nsystemd-analyze security mosquitto: {exposure}")
    score = float(exposure.split("exposure level for mosquitto.service:")[1].split()[0])
    assert score < 5.0, exposure


def test_tls_listener_with_the_internal_ca(client):
    """Over TLS on 8883, verified against the internal CA, with the broker's IP as name."""
    ca = TLS
    auth = f"-u {HA[0]} -P {HA[1]}"
    assert client.run(f"mosquitto_pub -h {BROKER} {ca} {auth} -q 1 -r -t homeassistant/tls -m over-tls").succeeded
    got = client.run(f"mosquitto_sub -h {BROKER} {ca} {auth} -t homeassistant/tls -C 1 -W 3")
    assert got.stdout.strip() == "over-tls"
    # Checked against another CA (a public root), the certificate is refused.
    other_ca = "--cafile /etc/ssl/certs/ISRG_Root_X1.pem -p 8883"
    assert client.run(f"mosquitto_pub -h {BROKER} {other_ca} {auth} -t homeassistant/tls -m 1").rc != 0


def test_broker_starts_after_a_reboot_emptied_run(host):
    """/run is a tmpfs: after a reboot /run/mosquitto is gone, and the sandbox
    (ReadWritePaths=/run/mosquitto) must not keep the broker from starting.
    Found when the lab's containers were restarted: 226/NAMESPACE."""
    host.run_expect([0], "systemctl stop mosquitto && rm -rf /run/mosquitto")
    try:
        host.run_expect([0], "systemctl start mosquitto")
        assert host.service("mosquitto").is_running
        assert host.file("/run/mosquitto").is_directory
    finally:
        host.run("systemctl start mosquitto")

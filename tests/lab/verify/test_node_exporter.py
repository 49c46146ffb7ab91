"""node_exporter on the three lab hosts, checked from outside the role.

nuc1 and nuc3 are the monitoring hosts, allowed through every host's
firewall (tests/lab/inventory); nuc2 is not allowed to reach the exporters.
nuc1 and nuc2 run Debian's package, nuc3 the pinned binary from the mirror
tests/lab/prepare.yml makes.
"""

from __future__ import annotations

import time

import pytest
import testlab
from testlab import lab_host, name_of

testinfra_hosts = testlab.testinfra_hosts()

LAB = testlab.lab()
ADDRESSES = {name: LAB.address(name) for name in LAB.hosts}
USER, PASSWORD = "prometheus", LAB.secret("node-exporter-prometheus")
SERVICES = {"nuc1": "prometheus-node-exporter", "nuc2": "prometheus-node-exporter", "nuc3": "node_exporter"}


def curl(client, url, auth=True):
    """(HTTP status, body) of a request from `client`; status 0 when nothing answers."""
    credentials = f"-u {USER}:{PASSWORD}" if auth else ""
    result = client.run(f"curl -s -m 5 -o /tmp/body -w '%{{http_code}}' {credentials} {url}; echo; cat /tmp/body")
    status, _newline, body = result.stdout.partition("\n")
    return int(status or 0), body


@pytest.fixture(scope="module")
def scraper():
    return lab_host("nuc1")


def test_runs_unprivileged_on_the_private_address_only(host):
    name = name_of(host)
    service = host.service(SERVICES[name])
    assert service.is_running and service.is_enabled
    assert host.socket(f"tcp://{ADDRESSES[name]}:9100").is_listening
    assert not host.socket("tcp://0.0.0.0:9100").is_listening
    props = host.run(
        f"systemctl show {SERVICES[name]} -p User -p ProtectSystem -p NoNewPrivileges -p CapabilityBoundingSet"
    )
    assert "User=root" not in props.stdout and "User=\n" not in props.stdout
    assert "ProtectSystem=strict" in props.stdout and "NoNewPrivileges=yes" in props.stdout
    assert "CapabilityBoundingSet=\n" in props.stdout + "\n"


def test_metrics_over_https_with_the_internal_ca_and_basic_auth(host, scraper):
    """From the scraper, TLS verified against the CA the hosts trust (no --insecure)."""
    status, body = curl(scraper, f"https://{ADDRESSES[name_of(host)]}:9100/metrics")
    assert status == 200
    assert "node_exporter_build_info" in body
    assert "node_systemd_unit_state" in body  # the systemd collector the role turns on


def test_without_credentials_401(host, scraper):
    status, _body = curl(scraper, f"https://{ADDRESSES[name_of(host)]}:9100/metrics", auth=False)
    assert status == 401


def test_plain_http_is_refused(host, scraper):
    status, _body = curl(scraper, f"http://{ADDRESSES[name_of(host)]}:9100/metrics")
    assert status in (0, 400)


@pytest.mark.parametrize("target", ["nuc1", "nuc3"])
def test_a_host_that_is_not_allowed_cannot_connect(target):
    """nuc2 is not in node_exporter_allowed_sources: its packets are dropped."""
    outsider = lab_host("nuc2")
    result = outsider.run(f"curl -s -m 4 -o /dev/null -w '%{{http_code}}' https://{ADDRESSES[target]}:9100/")
    assert result.stdout.strip() == "000" and result.rc != 0


def test_web_config_holds_bcrypt_hashes_not_passwords(host):
    config = host.file("/etc/sovereign/node_exporter/web.yml")
    assert config.mode == 0o640 and config.user == "root"
    text = host.run("cat /etc/sovereign/node_exporter/web.yml").stdout
    assert "$2b$" in text and PASSWORD not in text
    assert "min_version: TLS12" in text


def test_textfile_collector_reads_the_directory(host, scraper):
    host.run("printf 'sovereign_lab_probe 42\\n' > /var/lib/sovereign/node_exporter/textfile/probe.prom")
    try:
        _status, body = curl(scraper, f"https://{ADDRESSES[name_of(host)]}:9100/metrics")
        assert "sovereign_lab_probe 42" in body
    finally:
        host.run("rm -f /var/lib/sovereign/node_exporter/textfile/probe.prom")


def test_binary_method_runs_the_pinned_release():
    binary_host = lab_host("nuc3")
    releases = binary_host.run("ls /opt/sovereign/node_exporter").stdout.split()
    assert len(releases) == 1 and releases[0].endswith("-debian")
    release = f"/opt/sovereign/node_exporter/{releases[0]}"
    assert binary_host.file(f"{release}/node_exporter").mode == 0o755
    recorded = binary_host.file(f"{release}/.sovereign-sha256").content_string.split()[0]
    assert len(recorded) == 64
    unit = binary_host.file("/etc/systemd/system/node_exporter.service").content_string
    assert f"ExecStart={release}/node_exporter" in unit
    assert not binary_host.package("prometheus-node-exporter").is_installed


def test_package_method_uses_the_drop_in():
    nuc1 = lab_host("nuc1")
    assert nuc1.package("prometheus-node-exporter").is_installed
    assert not nuc1.package("prometheus-node-exporter-collectors").is_installed  # no recommends
    drop_in = nuc1.file("/etc/systemd/system/prometheus-node-exporter.service.d/sovereign.conf").content_string
    assert "--web.config.file=/etc/sovereign/node_exporter/web.yml" in drop_in
    assert not nuc1.file("/opt/sovereign/node_exporter").exists


def test_certificate_expiry_is_exported(host, scraper):
    """The hourly check's first run (15 s to 2 min after the timer starts) exports the CA and the exporter's cert."""
    deadline = time.monotonic() + 180
    while True:
        _status, body = curl(scraper, f"https://{ADDRESSES[name_of(host)]}:9100/metrics")
        found = {
            line.split('path="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in body.splitlines()
            if line.startswith("sovereign_certificate_expiry_timestamp_seconds{")
        }
        if found or time.monotonic() > deadline:
            break
        time.sleep(10)
    assert {"/etc/sovereign/pki/ca.crt", "/etc/sovereign/pki/node_exporter.crt"} <= set(found), found
    assert all(expiry > time.time() + 30 * 86400 for expiry in found.values())

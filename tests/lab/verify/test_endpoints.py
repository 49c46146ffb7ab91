"""Published endpoints (issue #15, item 2), on every host.

Each service role publishes what it offers as a local fact file
(/etc/ansible/facts.d/sovereign_endpoint_<service>.fact): these checks read
the files as a consumer would and hold the services to them: the URL answers,
HTTPS verifies with the CA named, and nothing secret is in the file.
"""

from __future__ import annotations

import json
import re

import testlab
from testlab import lab_host, name_of

testinfra_hosts = testlab.testinfra_hosts()
FACTS = "/etc/ansible/facts.d"
KEYS = {"name", "scheme", "address", "host", "port", "url", "auth", "ca", "config", "data"}
SECRET = re.compile(r"password|secret|token[\"']?\s*:|BEGIN .*PRIVATE KEY", re.IGNORECASE)


def published(host):
    """{service: endpoint} from the host's local fact files."""
    names = host.check_output(f"ls {FACTS} 2>/dev/null || true").split()
    found = {}
    for file in names:
        match = re.fullmatch(r"sovereign_endpoint_([a-z0-9_]+)\.fact", file)
        if match:
            found[match.group(1)] = (f"{FACTS}/{file}", json.loads(host.file(f"{FACTS}/{file}").content_string))
    return found


# The unit(s) of each service that publishes an endpoint (by install method).
UNITS = {
    "node_exporter": ("prometheus-node-exporter", "node_exporter"),
    "prometheus": ("prometheus",),
    "alertmanager": ("prometheus-alertmanager", "alertmanager"),
    "mosquitto": ("mosquitto",),
    "home_assistant": ("home-assistant",),
    "reverse_proxy": ("caddy",),
    "loki": ("loki",),
    "alloy": ("alloy",),
    "grafana": ("grafana-server",),
    "wireguard": ("wg-quick@wg0",),
}


def test_a_host_publishes_exactly_the_services_it_runs(host):
    running = {service for service, units in UNITS.items() if any(host.service(unit).is_running for unit in units)}
    assert "node_exporter" in running
    assert set(published(host)) == running


def test_endpoint_files_are_complete_world_readable_and_hold_no_secret(host):
    for service, (path, endpoint) in published(host).items():
        assert set(endpoint) == KEYS, (service, set(endpoint) ^ KEYS)
        assert endpoint["name"] == service
        facts_file = host.file(path)
        assert (facts_file.user, facts_file.group, facts_file.mode) == ("root", "root", 0o644), path
        # The auth method's name ("password", "token") is no secret; every other value is looked at.
        values = json.dumps({key: value for key, value in endpoint.items() if key != "auth"})
        assert not SECRET.search(values), path
        assert endpoint["auth"] in {"none", "basic", "client_certificate", "password", "token", "public_key"}
        for data in endpoint["data"]:
            assert host.file(data).is_directory, (service, data)


# Run on the publishing host, which may reach its own listeners whoever else
# its firewall lets in: connects to the address, verifies TLS with the
# published CA for the published host name (SNI, as a client using the URL
# does), and prints the HTTP status (0 and the reason when nothing answers).
PROBE = """
import socket, ssl, sys
scheme, address, host, port, ca = sys.argv[1:6]
try:
    sock = socket.create_connection((address, int(port)), timeout=10)
    if scheme == "https":
        sock = ssl.create_default_context(cafile=ca or None).wrap_socket(sock, server_hostname=host)
    sock.sendall(("GET / HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n" % host).encode())
    print(sock.recv(64).decode(errors="replace").split()[1])
except Exception as exc:
    print(0, exc)
"""


def test_published_urls_answer_with_the_published_ca(host):
    """Each HTTP(S) endpoint answers at its published host and port, its TLS verified with the published CA."""
    for service, (_path, endpoint) in published(host).items():
        if endpoint["scheme"] not in ("http", "https"):
            continue
        address = "127.0.0.1" if endpoint["address"] in ("0.0.0.0", "::") else endpoint["address"]  # noqa: S104
        args = [endpoint["scheme"], address, endpoint["host"], str(endpoint["port"]), endpoint["ca"] or '""']
        answer = host.run("python3 -c '%s' %s" % (PROBE.replace("'", "'\\''"), " ".join(args))).stdout.strip()
        # Any HTTP status counts (401 without credentials, 404 on /): 0 is no answer or a TLS failure.
        assert answer.split()[0] != "0", (name_of(host), service, endpoint["url"], answer)


def test_the_brokers_endpoint_accepts_a_tls_connection_verified_with_its_ca():
    host = lab_host("nuc2")  # the lab's mqtt host
    endpoint = published(host)["mosquitto"][1]
    assert endpoint["scheme"] == "mqtts" and endpoint["auth"] == "password"
    target = f"{endpoint['host']}:{endpoint['port']}"
    result = host.run(f"echo | openssl s_client -connect {target} -CAfile {endpoint['ca']} -verify_return_error -brief")
    assert "Verification: OK" in result.stderr + result.stdout, result.stderr

"""Home Assistant checks run from inside lab hosts (testinfra), shared by the test lab's verifiers."""

from __future__ import annotations

import json
import time

import pytest

SITE = "ha.lab.home.arpa"
CONFIG = "/var/lib/homeassistant"
TOKEN_FILE = "/etc/sovereign/home-assistant/prometheus.token"  # noqa: S105 (a path)


def token(host):
    """The read-only scraper token the role leaves on the host (0600)."""
    return host.file(TOKEN_FILE).content_string.strip()


def curl(host, url, *args):
    """(status, headers+body) of a request made on `host`."""
    out = host.run("curl -s -i --max-time 20 " + " ".join(args) + f" '{url}'")
    first = out.stdout.split("\n", 1)[0]
    status = int(first.split()[1]) if first.startswith("HTTP/") else 0
    return status, out.stdout


def via_proxy(client, path, *args, proxy):
    """A request from `client` to the proxy at address `proxy`, for the lab's Home Assistant site."""
    return curl(client, f"https://{SITE}{path}", f"--resolve {SITE}:443:{proxy}", *args)


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

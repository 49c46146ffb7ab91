"""Both cloud plugins reuse their TLS connections across zones, projects and pages (stand-in API over HTTPS).

Issue #21: one pooled session per API host name, sized to `max_workers`.
The stand-in (tests/tooling/fake_api_core.py) serves HTTPS with a throwaway
CA (tests/tooling/tls_stand_in.py) and counts the connections it accepts:
each is a TLS handshake. A plugin that opened a connection per request
(community.general.scaleway does, through open_url) would open as many as
it sends requests.
"""

from __future__ import annotations

import pytest
from ansible_inventory import listing
from cloud_providers import PROVIDERS
from tls_stand_in import make_certificates

WORKERS = 4


@pytest.fixture(params=sorted(PROVIDERS))
def provider(request):
    return PROVIDERS[request.param]


@pytest.fixture
def tls_api(provider, tmp_path_factory):
    ca_file, cert, key = make_certificates(tmp_path_factory.mktemp("tls"), ["localhost"])
    for server in provider.serve(tls=(str(cert), str(key))):
        yield server, ca_file


def test_stand_in_connections_pooled_and_reused_over_tls(provider, tls_api, tmp_path):
    api, ca_file = tls_api
    assert api.url.startswith("https://")
    path = provider.write(tmp_path, api, max_workers=WORKERS)
    groups, _hostvars = listing(provider.run(path, REQUESTS_CA_BUNDLE=str(ca_file)))
    assert len(groups[provider.name]) > 10
    requests = len(api.requests)
    # Many more requests than connections: at most one per worker, plus one
    # the OVHcloud client opens for its server-time request before the pool.
    assert requests >= 5 * WORKERS, requests
    assert api.connections <= WORKERS + 1, (api.connections, requests)


def test_stand_in_untrusted_certificate_is_refused(provider, tls_api, tmp_path):
    """The stand-in's CA is what makes the runs above work: without it, TLS verification fails loudly."""
    api, _ca_file = tls_api
    proc = provider.run(provider.write(tmp_path, api, retries=0))
    assert proc.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in proc.stderr or "certificate verify failed" in proc.stderr

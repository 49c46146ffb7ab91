"""What both cloud inventory plugins promise, checked once per provider through ansible-inventory.

Credentials missing are named, secrets never reach the output (even at -vvvv),
a second run within the cache's lifetime asks the API nothing, a failing scope
(a Scaleway zone, an OVHcloud project) fails the inventory and is named, and
with allow_partial the other scopes are listed, the failure said, and the
partial result not cached. The plugins run on the official SDKs, against the
local API stand-ins (tests/tooling/fake_*_api.py).
"""

from __future__ import annotations

import pytest
from ansible_inventory import listing
from cloud_providers import PROVIDERS


@pytest.fixture(params=sorted(PROVIDERS), ids=lambda name: name + "-api-stand-in")
def provider(request):
    return PROVIDERS[request.param]


def cached(tmp_path):
    return {
        "cache": True,
        "cache_plugin": "ansible.builtin.jsonfile",
        "cache_connection": str(tmp_path / "cache"),
        "cache_timeout": 600,
    }


def test_missing_credentials_are_named(tmp_path, provider, api):
    proc = provider.run(provider.write(tmp_path, api), **provider.credentials_removed)
    assert proc.returncode != 0
    assert provider.missing_credentials_message in proc.stderr


def test_secrets_are_never_printed(tmp_path, provider, api):
    proc = provider.run(provider.write(tmp_path, api), ANSIBLE_VERBOSITY="4")
    assert proc.returncode == 0, proc.stderr[-2000:]
    output = proc.stdout + proc.stderr
    assert [secret for secret in provider.secrets if secret in output] == []


def test_a_second_run_is_served_from_the_cache(tmp_path, provider, api):
    config = provider.write(tmp_path, api, **cached(tmp_path))
    first = listing(provider.run(config))
    before = len(api.requests)
    assert listing(provider.run(config)) == first
    assert len(api.requests) == before


def test_a_failing_scope_fails_the_inventory_by_name(tmp_path, provider, api):
    api.fault(provider.failing_path, status=500, times=20)
    proc = provider.run(provider.write(tmp_path, api, retries=1))
    assert proc.returncode != 0
    text = " ".join(proc.stderr.split())
    assert "%s inventory failed" % provider.name in text
    assert provider.failing_scope_named in text


def test_allow_partial_lists_the_other_scopes_and_names_the_failure(tmp_path, provider, api):
    api.fault(provider.failing_path, status=500, times=20)
    proc = provider.run(provider.write(tmp_path, api, retries=1, allow_partial=True))
    _groups, hostvars = listing(proc)
    assert provider.host_elsewhere in hostvars
    assert provider.host_of_failing_scope not in hostvars
    text = " ".join(proc.stderr.split())
    assert "%s inventory is partial" % provider.name in text and provider.failing_scope_named in text


def test_a_partial_result_is_not_cached(tmp_path, provider, api):
    api.fault(provider.failing_path, status=500, times=20)
    options = {"retries": 0, "allow_partial": True, **cached(tmp_path)}
    listing(provider.run(provider.write(tmp_path, api, **options)))
    api.faults.clear()
    _groups, hostvars = listing(provider.run(provider.write(tmp_path, api, **options)))
    assert provider.host_of_failing_scope in hostvars

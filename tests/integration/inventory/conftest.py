"""The API stand-in of the provider a test module names (PROVIDER), or of each provider (`provider` fixture)."""

from __future__ import annotations

import pytest


@pytest.fixture
def api(request):
    provider = request.getfixturevalue("provider") if "provider" in request.fixturenames else request.module.PROVIDER
    yield from provider.serve()

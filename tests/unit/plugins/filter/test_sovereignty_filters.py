"""Sovereignty filter and test plugins: wiring and error messages."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.filter import sovereignty as filters
from ansible_collections.sovereign.cloud.plugins.test import country_in as tests


def test_country_of_filter():
    country_of = filters.FilterModule().filters()["country_of"]
    assert country_of("fr-par-2", "scaleway") == "FR"
    with pytest.raises(AnsibleFilterError, match="country_of: location 'mars-1'"):
        country_of("mars-1", "scaleway")


def test_provider_facts_filter():
    facts = filters.FilterModule().filters()["provider_facts"]("ovhcloud")
    assert facts["extraterritorial_laws"] == [] and facts["controlled_from"] == "FR"
    with pytest.raises(AnsibleFilterError, match="provider_facts: provider 'x'"):
        filters.FilterModule().filters()["provider_facts"]("x")


def test_country_in_test():
    country_in = tests.TestModule().tests()["country_in"]
    assert country_in("DE") is True
    assert country_in("GB") is False
    assert country_in("NO", "EEA") is True
    with pytest.raises(AnsibleFilterError, match="country_in"):
        country_in("DE", "NATO")

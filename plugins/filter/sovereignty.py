# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Sovereignty filters over the collection's catalog; thin adapters over
plugins/plugin_utils/_sovereignty*.py. Each filter is documented in the YAML
file of its name beside this one."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov


def _catalog():
    try:
        return sov.load_catalog()
    except sov.CatalogError as exc:
        raise AnsibleFilterError("sovereignty catalog: %s" % exc) from exc


def country_of(location, provider):
    try:
        return sov.country_of(_catalog(), provider, location)
    except ValueError as exc:
        raise AnsibleFilterError("country_of: %s" % exc) from exc


def provider_facts(provider):
    try:
        return sov.provider_facts(_catalog(), provider)
    except ValueError as exc:
        raise AnsibleFilterError("provider_facts: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"country_of": country_of, "provider_facts": provider_facts}

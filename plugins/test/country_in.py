# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Jinja test ``country_in``; documented in country_in.yml beside this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _sovereignty as sov


def country_in(country, group="EU"):
    try:
        return sov.in_country_group(sov.load_catalog(), country, group)
    except (ValueError, sov.CatalogError) as exc:
        raise AnsibleFilterError("country_in: %s" % exc) from exc


class TestModule:
    def tests(self):
        return {"country_in": country_in}

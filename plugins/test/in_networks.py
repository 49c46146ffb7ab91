# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Jinja test ``in_networks``; documented in in_networks.yml beside this file."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.module_utils import _network


def in_networks(address, networks):
    try:
        return _network.address_in_networks(address, networks)
    except ValueError as exc:
        raise AnsibleFilterError("in_networks: %s" % exc) from exc


class TestModule:
    def tests(self):
        return {"in_networks": in_networks}

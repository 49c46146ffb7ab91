# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter in_container: thin adapter over plugin_utils/_host.py; documented in in_container.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _host


def in_container(facts):
    try:
        return _host.in_container(facts)
    except ValueError as exc:
        raise AnsibleFilterError("in_container: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"in_container": in_container}

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter systemd_hardening: thin adapter over plugin_utils/_systemd.py; documented in systemd_hardening.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _systemd


def systemd_hardening(exceptions, additions=None):
    if not isinstance(exceptions, dict) or not isinstance(additions or {}, dict):
        raise AnsibleFilterError("systemd_hardening expects a dict of exceptions and a dict of additions")
    try:
        return _systemd.render(exceptions, additions or {})
    except ValueError as exc:
        raise AnsibleFilterError("systemd_hardening: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"systemd_hardening": systemd_hardening}

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter grafana_ini_problems: thin adapter over plugin_utils/_grafana_ini.py; docs in grafana_ini_problems.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _grafana_ini


def grafana_ini_problems(grafana_ini, secrets, role):
    if not isinstance(grafana_ini, dict) or not isinstance(secrets, dict) or not isinstance(role, dict):
        raise AnsibleFilterError("grafana_ini_problems expects dicts: grafana_ini, its secrets, the role's data")
    try:
        return _grafana_ini.problems(grafana_ini, secrets, role)
    except KeyError as exc:
        raise AnsibleFilterError("grafana_ini_problems: the role's data lacks %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"grafana_ini_problems": grafana_ini_problems}

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter awx_survey: thin adapter over plugin_utils/_awx.py; docs in awx_survey.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _awx


def awx_survey(declared, playbook):
    if not isinstance(declared, dict):
        raise AnsibleFilterError("awx_survey expects the playbooks' extra vars (meta/extra_vars.yml) as a dict")
    if playbook not in declared:
        known = ", ".join(sorted(declared))
        raise AnsibleFilterError("awx_survey: %s is not in meta/extra_vars.yml (known: %s)" % (playbook, known))
    return _awx.survey(playbook, declared[playbook])[0]


class FilterModule:
    def filters(self):
        return {"awx_survey": awx_survey}

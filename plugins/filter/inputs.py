# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters unit_argument_problems and backup_target_problems; documented in their .yml files."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _inputs


def unit_argument_problems(values, escaped=""):
    if not isinstance(values, dict):
        raise AnsibleFilterError("unit_argument_problems expects a dictionary of variable name to value")
    return _inputs.unit_argument_problems(values, str(escaped))


def backup_target_problems(recipients, s3, recipients_variable, s3_variable):
    return _inputs.backup_target_problems(recipients, s3, str(recipients_variable), str(s3_variable))


class FilterModule:
    def filters(self):
        return {"unit_argument_problems": unit_argument_problems, "backup_target_problems": backup_target_problems}

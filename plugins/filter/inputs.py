# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter unit_argument_problems; documented in unit_argument_problems.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _inputs


def unit_argument_problems(values, escaped=""):
    if not isinstance(values, dict):
        raise AnsibleFilterError("unit_argument_problems expects a dictionary of variable name to value")
    return _inputs.unit_argument_problems(values, str(escaped))


class FilterModule:
    def filters(self):
        return {"unit_argument_problems": unit_argument_problems}

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters gitlab_settings_drift, gitlab_rb_problems and gitlab_runner_problems.

Thin adapters over plugin_utils/_gitlab.py; docs in the .yml file of each.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _gitlab


def gitlab_settings_drift(now, wanted, wanted_service_ping):
    if not all(isinstance(value, dict) for value in (now, wanted, wanted_service_ping)):
        raise AnsibleFilterError(
            "gitlab_settings_drift expects dicts: the settings GitLab runs with, the wanted ones, "
            "the wanted service_ping_settings"
        )
    return _gitlab.settings_drift(now, wanted, wanted_service_ping)


def gitlab_rb_problems(values, extra_lines):
    if not isinstance(values, dict) or not isinstance(extra_lines, list):
        raise AnsibleFilterError("gitlab_rb_problems expects a dict of values by variable name and a list of lines")
    return _gitlab.rb_problems(values, extra_lines)


def gitlab_runner_problems(runners):
    return _gitlab.runner_problems(runners)


class FilterModule:
    def filters(self):
        return {
            "gitlab_settings_drift": gitlab_settings_drift,
            "gitlab_rb_problems": gitlab_rb_problems,
            "gitlab_runner_problems": gitlab_runner_problems,
        }

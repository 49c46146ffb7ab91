# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters password_problem and password_problems; documented in the YAML files of the same names."""

from __future__ import annotations

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _passwords


def password_problem(password, minimum=16, maximum_bytes=None):
    return _passwords.password_problem(password, int(minimum), None if maximum_bytes is None else int(maximum_bytes))


def password_problems(users, minimum=16, maximum_bytes=None):
    return _passwords.password_problems(users, int(minimum), None if maximum_bytes is None else int(maximum_bytes))


class FilterModule:
    def filters(self):
        return {"password_problem": password_problem, "password_problems": password_problems}

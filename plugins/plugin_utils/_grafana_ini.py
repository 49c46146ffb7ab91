# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the grafana role refuses in grafana_ini and grafana_ini_secrets, one message each.

The role merges grafana_ini over its own grafana.ini (data in its vars); the
preflight asserts that this returns nothing. Pure Python, unit-tested
without Ansible; the filter plugin `grafana_ini_problems` is the adapter.
"""

from __future__ import annotations

import re

_SECRET_KEY = re.compile(r"(^|_)(password|secret|token|api_key)$")
# Grafana reads a value from a file, the environment or a vault provider.
_INDIRECT_VALUE = re.compile(r"[$]__(file|env|vault)[{]")
_SECTION_KEY = re.compile(r"^[A-Za-z0-9_.]+[.][A-Za-z0-9_]+$")


def _single_line(value):
    return not isinstance(value, (dict, list, tuple, set)) and len(str(value).splitlines()) <= 1


def _problem_of_setting(section, key, value, role):
    name = "%s.%s" % (section, key)
    if not _single_line(value):
        return "%s must be a single-line value" % name
    if name in role["owned"]:
        return "%s is set by %s" % (name, role["owned"][name])
    if (
        key in role["protected"].get(section, [])
        and not role["allow_telemetry"]
        and str(value).lower() != str(role["defaults"][section][key]).lower()
    ):
        return "%s would make Grafana talk to a third party; set grafana_allow_telemetry: true to allow it" % name
    if _SECRET_KEY.search(key) and not _INDIRECT_VALUE.match(str(value)):
        return "%s is a secret: give it in grafana_ini_secrets (written to a 0600 file)" % name
    return None


def problems(grafana_ini, secrets, role):
    """The messages for grafana_ini ({section: {key: value}}) and grafana_ini_secrets ({section.key: secret}).

    `role` is what the role knows: `defaults` (its grafana.ini as data),
    `protected` ({section: [keys]} kept as in defaults unless
    `allow_telemetry`), `owned` ({section.key: the variable that sets it}).
    """
    found = []
    for section, settings in grafana_ini.items():
        if not isinstance(settings, dict):
            found.append("%s must be a mapping of settings" % section)
            continue
        for key, value in settings.items():
            problem = _problem_of_setting(section, key, value, role)
            if problem:
                found.append(problem)
    for name in secrets:
        if not _SECTION_KEY.match(name):
            found.append("grafana_ini_secrets: %s is not section.key" % name)
        elif name in role["owned"]:
            found.append("grafana_ini_secrets: %s is set by %s" % (name, role["owned"][name]))
    return found

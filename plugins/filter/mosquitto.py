# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter mosquitto_password_file; documented in mosquitto_password_file.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _mosquitto


def mosquitto_password_file(users, existing=""):
    if not isinstance(users, (list, tuple)):
        raise AnsibleFilterError("mosquitto_password_file expects a list of {name, password}")
    try:
        return _mosquitto.password_file(
            [{"name": str(u["name"]), "password": str(u["password"])} for u in users], existing or ""
        )
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("mosquitto_password_file: each user needs name and password") from exc
    except ValueError as exc:
        raise AnsibleFilterError("mosquitto_password_file: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"mosquitto_password_file": mosquitto_password_file}

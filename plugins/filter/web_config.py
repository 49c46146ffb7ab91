# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter web_config_users; documented in web_config_users.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _web_config


def web_config_users(users, existing=""):
    if not isinstance(users, (list, tuple)):
        raise AnsibleFilterError("web_config_users expects a list of {name, password}")
    try:
        return _web_config.basic_auth_users(users, existing or "")
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("web_config_users: each user needs name and password") from exc
    except ValueError as exc:
        raise AnsibleFilterError("web_config_users: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"web_config_users": web_config_users}

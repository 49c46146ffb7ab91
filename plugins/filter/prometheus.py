# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters prometheus_config and prometheus_secret_files: thin adapters over
plugin_utils/_prometheus.py; documented in the YAML files of the same names."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _prometheus


def prometheus_config(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("prometheus_config expects a dict of settings, got %s" % type(settings).__name__)
    try:
        return _prometheus.scrape_config(settings)
    except KeyError as exc:
        raise AnsibleFilterError("prometheus_config: missing setting %s" % exc) from exc
    except ValueError as exc:
        raise AnsibleFilterError("prometheus_config: %s" % exc) from exc


def prometheus_secret_files(self_users, node_password, jobs, alertmanagers):
    try:
        return _prometheus.secret_files(self_users or [], node_password or "", jobs or [], alertmanagers or [])
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("prometheus_secret_files: malformed entry (%s)" % exc) from exc


class FilterModule:
    def filters(self):
        return {"prometheus_config": prometheus_config, "prometheus_secret_files": prometheus_secret_files}

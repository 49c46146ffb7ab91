# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters kubeconfig_rename and kubeconfig_merge; documented in their YAML files."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _kubeconfig


def kubeconfig_rename(text, name, server):
    try:
        return _kubeconfig.rename(str(text), str(name), str(server))
    except (ValueError, _kubeconfig.yaml.YAMLError) as exc:
        raise AnsibleFilterError("kubeconfig_rename: %s" % exc) from exc


def kubeconfig_merge(existing_text, new_text):
    try:
        return _kubeconfig.merge(str(existing_text or ""), str(new_text))
    except (ValueError, _kubeconfig.yaml.YAMLError) as exc:
        raise AnsibleFilterError("kubeconfig_merge: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"kubeconfig_rename": kubeconfig_rename, "kubeconfig_merge": kubeconfig_merge}

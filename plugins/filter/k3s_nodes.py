# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filter k3s_node_changes: thin adapter over plugin_utils/_k3s_nodes.py; documented in k3s_node_changes.yml."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _k3s_nodes


def k3s_node_changes(node, labels, taints):
    if not isinstance(node, dict):
        raise AnsibleFilterError(
            "k3s_node_changes expects the Node object (kubectl get node -o json), got %s" % type(node).__name__
        )
    try:
        return _k3s_nodes.node_changes(node, labels or [], taints or [])
    except ValueError as exc:
        raise AnsibleFilterError("k3s_node_changes: %s" % exc) from exc


class FilterModule:
    def filters(self):
        return {"k3s_node_changes": k3s_node_changes}

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Labels and taints of a k3s node, reconciled through the API.

Internal to sovereign.cloud: not a public API, may change without notice.

k3s applies `node-label` and `node-taint` from its configuration only when a
node registers: they "only add labels and/or taints at registration time"
(https://docs.k3s.io/cli/agent, "Node Labels and Taints"); later changes do
nothing. The k3s role so sets them through the API too, with `kubectl label`
and `kubectl taint --overwrite` (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_taint:
`key=value:Effect` sets or replaces, `key:Effect-` removes). It removes only what it set
before: the keys it manages are kept in two annotations on the node, so labels
and taints that k3s, Kubernetes or another tool set are never touched.
"""

from __future__ import annotations

import re

MANAGED_LABELS = "sovereign.cloud/managed-labels"
MANAGED_TAINTS = "sovereign.cloud/managed-taints"
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_KEY = r"([A-Za-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?"
_LABEL = re.compile(r"^(%s)=([A-Za-z0-9_.-]*)$" % _KEY)
_TAINT = re.compile(r"^(%s)(=([A-Za-z0-9_.-]*))?:(%s)$" % (_KEY, "|".join(EFFECTS)))


def parse_labels(labels):
    """{key: value} from ["key=value", ...]; ValueError names the bad entry."""
    found = {}
    for entry in labels or []:
        match = _LABEL.match(entry) if isinstance(entry, str) else None
        if not match:
            raise ValueError("k3s_node_labels: %r is not key=value" % (entry,))
        found[match.group(1)] = match.group(4)
    return found


def parse_taints(taints):
    """{(key, effect): value} from ["key[=value]:Effect", ...]; ValueError names the bad entry."""
    found = {}
    for entry in taints or []:
        match = _TAINT.match(entry) if isinstance(entry, str) else None
        if not match:
            raise ValueError("k3s_node_taints: %r is not key[=value]:%s" % (entry, "|".join(EFFECTS)))
        found[(match.group(1), match.group(6))] = match.group(5) or ""
    return found


def _split(annotation):
    return [item for item in (annotation or "").split(",") if item]


def node_changes(node, labels, taints):
    """The kubectl arguments that bring `node` (the Node object as JSON) to the wanted labels and taints.

    Returns {"label": [...], "taint": [...], "annotate": [...], "changed": bool}: the
    arguments after `kubectl label node <name>`, `kubectl taint node <name>` and
    `kubectl annotate node <name>` (each list empty when there is nothing to do).
    """
    wanted_labels = parse_labels(labels)
    wanted_taints = parse_taints(taints)
    metadata = node.get("metadata") or {}
    current_labels = metadata.get("labels") or {}
    annotations = metadata.get("annotations") or {}
    current_taints = {
        (taint.get("key"), taint.get("effect")): taint.get("value") or ""
        for taint in (node.get("spec") or {}).get("taints") or []
    }

    label_args = [
        "%s=%s" % (key, value) for key, value in sorted(wanted_labels.items()) if current_labels.get(key) != value
    ]
    label_args += [
        "%s-" % key
        for key in _split(annotations.get(MANAGED_LABELS))
        if key not in wanted_labels and key in current_labels
    ]

    taint_args = []
    for (key, effect), value in sorted(wanted_taints.items()):
        if current_taints.get((key, effect)) != value:
            taint_args.append("%s%s:%s" % (key, "=" + value if value else "", effect))
    for item in _split(annotations.get(MANAGED_TAINTS)):
        key, _sep, effect = item.rpartition(":")
        if (key, effect) not in wanted_taints and (key, effect) in current_taints:
            taint_args.append("%s:%s-" % (key, effect))

    managed_labels = ",".join(sorted(wanted_labels))
    managed_taints = ",".join("%s:%s" % item for item in sorted(wanted_taints))
    annotate_args = []
    if annotations.get(MANAGED_LABELS, "") != managed_labels:
        annotate_args.append("%s=%s" % (MANAGED_LABELS, managed_labels))
    if annotations.get(MANAGED_TAINTS, "") != managed_taints:
        annotate_args.append("%s=%s" % (MANAGED_TAINTS, managed_taints))
    return {
        "label": label_args,
        "taint": taint_args,
        "annotate": annotate_args,
        "changed": bool(label_args or taint_args or annotate_args),
    }

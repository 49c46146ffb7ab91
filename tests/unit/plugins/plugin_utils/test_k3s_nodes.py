"""Unit tests of plugin_utils/_k3s_nodes.py: labels and taints reconciled through the API (issue #16, defect 5)."""

from __future__ import annotations

import pytest

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _k3s_nodes
from ansible_collections.sovereign.cloud.plugins.plugin_utils._k3s_nodes import MANAGED_LABELS, MANAGED_TAINTS


def node(labels=None, taints=None, annotations=None):
    return {
        "metadata": {"name": "nuc3", "labels": labels or {}, "annotations": annotations or {}},
        "spec": {"taints": taints or []},
    }


K3S_OWN = {"kubernetes.io/hostname": "nuc3", "node.kubernetes.io/instance-type": "k3s"}


def test_a_registered_node_gets_the_labels_and_taints_added_later():
    changes = _k3s_nodes.node_changes(node(labels=K3S_OWN), ["site=home", "gpu=true"], ["dedicated=ml:NoSchedule"])
    assert changes["label"] == ["gpu=true", "site=home"]
    assert changes["taint"] == ["dedicated=ml:NoSchedule"]
    assert changes["annotate"] == [f"{MANAGED_LABELS}=gpu,site", f"{MANAGED_TAINTS}=dedicated:NoSchedule"]
    assert changes["changed"]


def test_a_node_as_wanted_needs_nothing():
    current = node(
        labels={**K3S_OWN, "site": "home"},
        taints=[{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}],
        annotations={MANAGED_LABELS: "site", MANAGED_TAINTS: "dedicated:NoSchedule"},
    )
    changes = _k3s_nodes.node_changes(current, ["site=home"], ["dedicated=ml:NoSchedule"])
    assert changes == {"label": [], "taint": [], "annotate": [], "changed": False}


def test_a_changed_value_is_set_again():
    current = node(
        labels={"site": "home"},
        taints=[{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}],
        annotations={MANAGED_LABELS: "site", MANAGED_TAINTS: "dedicated:NoSchedule"},
    )
    changes = _k3s_nodes.node_changes(current, ["site=office"], ["dedicated=web:NoSchedule"])
    assert changes["label"] == ["site=office"]
    assert changes["taint"] == ["dedicated=web:NoSchedule"]
    assert changes["annotate"] == []


def test_what_the_role_set_before_and_no_longer_wants_is_removed_and_nothing_else():
    current = node(
        labels={**K3S_OWN, "site": "home", "team": "a", "set-by-someone-else": "x"},
        taints=[
            {"key": "dedicated", "value": "ml", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
        ],
        annotations={MANAGED_LABELS: "site,team", MANAGED_TAINTS: "dedicated:NoSchedule"},
    )
    changes = _k3s_nodes.node_changes(current, ["site=home"], [])
    assert changes["label"] == ["team-"]
    assert changes["taint"] == ["dedicated:NoSchedule-"]
    assert changes["annotate"] == [f"{MANAGED_LABELS}=site", f"{MANAGED_TAINTS}="]


def test_a_managed_label_already_gone_is_not_removed_again():
    current = node(labels={"site": "home"}, annotations={MANAGED_LABELS: "site,team"})
    assert _k3s_nodes.node_changes(current, ["site=home"], [])["label"] == []


def test_taints_with_the_same_key_and_other_effects_are_distinct():
    current = node(
        taints=[{"key": "gpu", "effect": "NoSchedule"}],
        annotations={MANAGED_TAINTS: "gpu:NoSchedule"},
    )
    changes = _k3s_nodes.node_changes(current, [], ["gpu:NoExecute"])
    assert changes["taint"] == ["gpu:NoExecute", "gpu:NoSchedule-"]


def test_prefixed_keys_and_empty_values():
    changes = _k3s_nodes.node_changes(node(), ["example.com/tier=", "topology.kubernetes.io/zone=home-1"], [])
    assert changes["label"] == ["example.com/tier=", "topology.kubernetes.io/zone=home-1"]


@pytest.mark.parametrize(
    "labels, taints, fragment",
    [
        (["site"], [], "k3s_node_labels: 'site' is not key=value"),
        (["site=a b"], [], "k3s_node_labels"),
        ([], ["gpu"], "k3s_node_taints: 'gpu' is not key"),
        ([], ["gpu:NoWay"], "k3s_node_taints"),
    ],
)
def test_bad_entries_are_named(labels, taints, fragment):
    with pytest.raises(ValueError, match=fragment):
        _k3s_nodes.node_changes(node(), labels, taints)

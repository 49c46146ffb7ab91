"""kubeconfig naming and merging: the user's own entries survive a merge."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _kubeconfig

K3S = """
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
"""

USER = """
apiVersion: v1
kind: Config
clusters:
- {name: work, cluster: {server: "https://work.example.eu:6443"}}
- {name: home, cluster: {server: "https://old.home:6443"}}
users:
- {name: work, user: {token: abc}}
contexts:
- {name: work, context: {cluster: work, user: work}}
current-context: work
"""


def test_rename_names_everything_after_the_cluster_and_sets_the_server():
    data = _kubeconfig.rename(K3S, "home", "https://10.0.0.10:6443")
    assert [c["name"] for c in data["clusters"]] == ["home"]
    assert data["clusters"][0]["cluster"]["server"] == "https://10.0.0.10:6443"
    assert data["clusters"][0]["cluster"]["certificate-authority-data"] == "Q0E="
    assert data["users"][0]["name"] == "home"
    assert data["contexts"][0] == {"name": "home", "context": {"cluster": "home", "user": "home"}}
    assert data["current-context"] == "home"


def test_merge_keeps_the_users_entries_and_current_context():
    new = yaml.safe_dump(_kubeconfig.rename(K3S, "home", "https://10.0.0.10:6443"))
    merged = _kubeconfig.merge(USER, new)
    assert [c["name"] for c in merged["clusters"]] == ["work", "home"]
    assert next(c for c in merged["clusters"] if c["name"] == "home")["cluster"]["server"] == "https://10.0.0.10:6443"
    assert [u["name"] for u in merged["users"]] == ["work", "home"]
    assert merged["current-context"] == "work"


def test_merge_into_nothing_makes_the_new_context_current():
    new = yaml.safe_dump(_kubeconfig.rename(K3S, "home", "https://10.0.0.10:6443"))
    assert _kubeconfig.merge("", new)["current-context"] == "home"


@pytest.mark.parametrize("text", ["- a list", "clusters: {a: b}", "users: [{user: {}}]"])
def test_malformed_kubeconfigs_are_refused(text):
    with pytest.raises(ValueError):
        _kubeconfig.load(text)


def test_rename_refuses_a_file_with_several_clusters():
    with pytest.raises(ValueError, match="one cluster"):
        _kubeconfig.rename(USER, "home", "https://10.0.0.10:6443")

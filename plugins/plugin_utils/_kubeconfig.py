# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""kubeconfig documents: name a cluster's admin kubeconfig, merge it into a user's file.

Internal to sovereign.cloud: not a public API. k3s writes its admin
kubeconfig with every name set to `default` and the server at
https://127.0.0.1:6443; several clusters in one file then collide. These
helpers give a cluster's entries their own names and server, and merge them
into an existing kubeconfig the way `kubectl config view --flatten` would
with the new file last: entries of the same name are replaced, every other
entry of the user's file is kept, and the user's current context stays.
"""

from __future__ import annotations

import yaml

SECTIONS = (("clusters", "cluster"), ("users", "user"), ("contexts", "context"))


def load(text):
    """A kubeconfig mapping from YAML text; empty text is an empty kubeconfig."""
    data = yaml.safe_load(text or "") or {}
    if not isinstance(data, dict):
        raise ValueError("a kubeconfig is a YAML mapping")
    for section, _key in SECTIONS:
        entries = data.get(section) or []
        if not isinstance(entries, list) or any(not isinstance(e, dict) or "name" not in e for e in entries):
            raise ValueError("%s must be a list of entries with a name" % section)
        data[section] = entries
    return data


def rename(text, name, server):
    """The single-cluster kubeconfig `text` with cluster, user and context called `name`, server `server`."""
    if not name:
        raise ValueError("the cluster name is empty")
    data = load(text)
    if len(data["clusters"]) != 1 or len(data["contexts"]) != 1 or len(data["users"]) != 1:
        raise ValueError("expected one cluster, one user and one context (a k3s admin kubeconfig)")
    cluster, user, context = data["clusters"][0], data["users"][0], data["contexts"][0]
    cluster["name"] = name
    cluster.setdefault("cluster", {})["server"] = server
    user["name"] = name
    context["name"] = name
    context.setdefault("context", {}).update({"cluster": name, "user": name})
    data["current-context"] = name
    data.setdefault("apiVersion", "v1")
    data.setdefault("kind", "Config")
    return data


def merge(existing_text, new_text):
    """`existing_text` with the entries of `new_text` added or replacing those of the same name."""
    existing = load(existing_text)
    new = load(new_text)
    merged = dict(existing)
    for section, _key in SECTIONS:
        names = {entry["name"] for entry in new[section]}
        merged[section] = [e for e in existing[section] if e["name"] not in names] + new[section]
    merged["current-context"] = existing.get("current-context") or new.get("current-context", "")
    merged.setdefault("apiVersion", "v1")
    merged.setdefault("kind", "Config")
    merged.setdefault("preferences", {})
    return merged

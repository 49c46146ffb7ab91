"""Stand-in of the k3s CLI, for tests that exercise the k3s role's orchestration
where the k3s release cannot be had. It is NOT k3s: it implements the calls
below and refuses every other, so a test can only pass on what the role asks.

State: the nodes the "cluster" knows, in a file under k3s's data directory
(`/var/lib/rancher/k3s/stand-in/nodes.json`, a list of Node objects: metadata.name,
labels, annotations, spec.taints), seeded by the test as k3s would have
registered them.

Implemented, each as its documentation says:
- `k3s kubectl get --raw /readyz`: prints `ok`, exit 0, as a healthy API
  server's readiness endpoint answers
  (https://kubernetes.io/docs/reference/using-api/health-checks/); k3s embeds
  kubectl as `k3s kubectl` (https://docs.k3s.io/cli). With `<this file>.down`
  present it fails as a stopped server does.
- `k3s kubectl get node NAME -o json`: the Node object; a name it does not
  know fails with `Error from server (NotFound)`, exit 1.
- `k3s kubectl label node NAME [--overwrite] key=value... key-...`
  (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_label/):
  changing an existing label's value without --overwrite is refused, as
  kubectl refuses it; `key-` removes (a missing key is reported, not an error).
- `k3s kubectl taint node NAME [--overwrite] key[=value]:Effect... key:Effect-...`
  (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_taint/):
  the effect must be NoSchedule, PreferNoSchedule or NoExecute; an existing
  key:effect with another value needs --overwrite; removing a taint the node
  does not have is refused (`not found`).
- `k3s kubectl annotate node NAME [--overwrite] key=value...`
  (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_annotate/):
  changing an existing annotation needs --overwrite.

- `k3s server --config FILE --cluster-reset [--etcd-s3] --cluster-reset-restore-path=P`
  (https://docs.k3s.io/cli/etcd-snapshot, "Restoring a Cluster from a
  Snapshot"; https://docs.k3s.io/datastore/backup-restore, S3): with
  `etcd-s3: true` in FILE or `--etcd-s3`, P is the name of a snapshot in the
  bucket (the names in `s3.json` of the state), and a local path is not found
  there; without, P must be a file on the host. While the k3s unit is active
  the reset is refused, as etcd's ports are taken. A restore is recorded in
  `restores.json` (source, snapshot, the S3 keys FILE held) and answered
  with k3s's message to restart without the flag.

Everything else exits 1 with "k3s stand-in: not implemented", so an
orchestration step that needs more than this fails loudly instead of passing.

Installed as an executable with a `#!/usr/bin/python3` line put in front
(tests/tooling/k3s_standin_lab.py); the file here has none, as the sanity
tests want of files that are not modules.
"""

import json
import os
import re
import subprocess
import sys

HERE = os.path.realpath(__file__)
# Under k3s's data directory, as k3s keeps its own state.
STATE = "/var/lib/rancher/k3s/stand-in"
READYZ = ["kubectl", "get", "--raw", "/readyz"]
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
TAINT = re.compile(r"^([^=:]+)(=([^:]*))?:(%s)$" % "|".join(EFFECTS))


class Refused(Exception):
    """What kubectl refuses: printed on stderr, exit 1."""


def load_nodes():
    try:
        with open(os.path.join(STATE, "nodes.json")) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return []


def save_nodes(nodes):
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, "nodes.json"), "w") as handle:
        json.dump(nodes, handle, indent=2, sort_keys=True)


def find(nodes, name):
    for node in nodes:
        if node["metadata"]["name"] == name:
            return node
    raise Refused('Error from server (NotFound): nodes "%s" not found' % name)


def set_pairs(mapping, pairs, overwrite, kind):
    for pair in pairs:
        if pair.endswith("-") and "=" not in pair:
            if mapping.pop(pair[:-1], None) is None:
                sys.stdout.write('%s "%s" not found.\n' % (kind, pair[:-1]))
            continue
        key, sep, value = pair.partition("=")
        if not sep:
            raise Refused("error: at least one %s update is required (got %r)" % (kind, pair))
        if key in mapping and mapping[key] != value and not overwrite:
            raise Refused("error: '%s' already has a value (%s), and --overwrite is false" % (key, mapping[key]))
        mapping[key] = value


def taint(node, specs, overwrite):
    taints = node.setdefault("spec", {}).setdefault("taints", [])
    for spec in specs:
        removing = spec.endswith("-")
        match = TAINT.match(spec[:-1] if removing else spec)
        if not match:
            raise Refused("error: invalid taint spec: %s" % spec)
        key, value, effect = match.group(1), match.group(3) or "", match.group(4)
        same = [t for t in taints if t["key"] == key and t["effect"] == effect]
        if removing:
            if not same:
                raise Refused('error: taint "%s:%s" not found' % (key, effect))
            taints.remove(same[0])
            continue
        if same and (same[0].get("value") or "") != value and not overwrite:
            raise Refused(
                "error: node %s already has %s taint(s) with same effect(s) and --overwrite is false"
                % (node["metadata"]["name"], key)
            )
        for old in same:
            taints.remove(old)
        taints.append({"key": key, "effect": effect, **({"value": value} if value else {})})


def kubectl(args):
    if args == ["get", "--raw", "/readyz"]:
        if os.path.exists(HERE + ".down"):
            raise Refused("The connection to the server 127.0.0.1:6443 was refused")
        sys.stdout.write("ok")
        return
    nodes = load_nodes()
    if len(args) == 5 and args[:2] == ["get", "node"] and args[3:] == ["-o", "json"]:
        sys.stdout.write(json.dumps(find(nodes, args[2])))
        return
    if len(args) >= 3 and args[0] in ("label", "taint", "annotate") and args[1] in ("node", "nodes"):
        node = find(nodes, args[2])
        rest = [arg for arg in args[3:] if arg != "--overwrite"]
        overwrite = "--overwrite" in args[3:]
        metadata = node.setdefault("metadata", {})
        if args[0] == "label":
            set_pairs(metadata.setdefault("labels", {}), rest, overwrite, "label")
        elif args[0] == "annotate":
            set_pairs(metadata.setdefault("annotations", {}), rest, overwrite, "annotation")
        else:
            taint(node, rest, overwrite)
        save_nodes(nodes)
        sys.stdout.write("node/%s %s\n" % (args[2], {"label": "labeled", "taint": "tainted"}.get(args[0], "annotated")))
        return
    raise NotImplementedError


def cluster_reset(args):
    """`k3s server --config F --cluster-reset [--etcd-s3] --cluster-reset-restore-path=P`."""
    config = args[args.index("--config") + 1] if "--config" in args else "/etc/rancher/k3s/config.yaml"
    restore = [arg.split("=", 1)[1] for arg in args if arg.startswith("--cluster-reset-restore-path=")]
    if "--cluster-reset" not in args or len(restore) != 1:
        raise NotImplementedError
    with open(config) as handle:
        text = handle.read()
    s3_keys = sorted(set(re.findall(r"^(etcd-s3[a-z-]*):", text, re.M)))
    s3 = "--etcd-s3" in args or re.search(r"^etcd-s3:\s*true\s*$", text, re.M) is not None
    if subprocess.run(["systemctl", "is-active", "--quiet", "k3s"], check=False).returncode == 0:
        raise Refused("listen tcp 127.0.0.1:2380: bind: address already in use")
    snapshot = restore[0]
    if s3:
        try:
            with open(os.path.join(STATE, "s3.json")) as handle:
                bucket = json.load(handle)
        except FileNotFoundError:
            bucket = []
        if snapshot not in bucket:
            raise Refused('etcd-snapshot: snapshot "%s" not found in S3' % snapshot)
    elif not os.path.isfile(snapshot):
        raise Refused("open %s: no such file or directory" % snapshot)
    path = os.path.join(STATE, "restores.json")
    try:
        with open(path) as handle:
            restores = json.load(handle)
    except FileNotFoundError:
        restores = []
    restores.append({"source": "s3" if s3 else "local", "snapshot": snapshot, "config_s3_keys": s3_keys})
    os.makedirs(STATE, exist_ok=True)
    with open(path, "w") as handle:
        json.dump(restores, handle, indent=2)
    sys.stdout.write("Managed etcd cluster membership has been reset, restart without --cluster-reset flag now.\n")


def main(argv):
    try:
        if argv[:1] == ["kubectl"]:
            kubectl(argv[1:])
            return 0
        if argv[:1] == ["server"]:
            cluster_reset(argv[1:])
            return 0
        raise NotImplementedError
    except Refused as refused:
        sys.stderr.write("%s\n" % refused)
        return 1
    except NotImplementedError:
        sys.stderr.write("k3s stand-in: not implemented: k3s %s\n" % " ".join(argv))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

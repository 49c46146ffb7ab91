"""Stand-in of k3s (server, agent and the CLI subset the k3s role and its
playbooks call), for tests of the collection's orchestration where the k3s
release cannot be had. It is NOT k3s: it runs no containers and no
Kubernetes; it implements the calls below and refuses every other, so a test
can only pass on what the role and playbooks ask of it.

Installed through the artifact mechanism as the pinned "release" (a test-only
pin table, tests/tooling/k3s_standin_lab.py), with `#!/usr/bin/python3` put in
front and RELEASE set to the version the table pins (the file here has no
interpreter line, as the sanity tests want of files that are not modules).

Behaviours, each after the page it follows:

Daemons (the role's systemd unit runs `k3s server|agent --config FILE`,
Type=notify: READY=1 is sent once the server listens, or once the agent is
registered, as k3s does; https://docs.k3s.io/installation/configuration):
- config.yaml keys read: token-file, agent-token-file, server, cluster-init,
  node-label, node-taint, node-ip, https-listen-port, etcd-s3
  (https://docs.k3s.io/cli/server, https://docs.k3s.io/cli/agent). The node
  name is K3S_NODE_NAME (the unit sets it).
- Datastore: `cluster-init: true` (or `--cluster-init`) keeps the cluster in
  `<data>/server/db/etcd/`, else in `<data>/server/db/state.db` (SQLite), as
  https://docs.k3s.io/datastore describes.
- HA, embedded etcd (https://docs.k3s.io/datastore/ha-embedded): a server
  with `server:` and no datastore of its own joins that server: it checks the
  CA against its token's hash, then asks for the bootstrap data (CA
  certificate and key, the datastore) as the user `server` with the token
  (https://docs.k3s.io/cli/token: a joining server needs the server token; a
  wrong one is refused with 401 and the joining server exits, as k3s does).
  A SQLite server cannot be joined ("Existing clusters using SQLite ... must
  be converted", the same page): refused. A server that has its datastore
  ignores `server:` and rejoins its members. Members talk etcd peer traffic
  on 2380 (https://docs.k3s.io/installation/requirements, "Inbound Rules for
  K3s Server Nodes": 2379-2380 between servers), so the role's etcd
  openings are needed: every write is pushed there to the other members, and
  a starting member first catches up from them. Stand-in simplifications: the
  whole datastore is one document, the newest revision wins (no Raft, no
  leader), and writes are not refused without quorum. `/readyz` and
  `/readyz/etcd` fail while a majority of the members does not answer on
  2380 (etcd without quorum). Deleting a server's node removes its member
  (k3s's etcd member controller, https://github.com/k3s-io/k3s/discussions/9818).
  An agent learns every server from the one it joined and goes to the next
  when one does not answer (the agent's client load balancer,
  https://docs.k3s.io/architecture#fixed-registration-address-for-agent-nodes).
- Tokens (https://docs.k3s.io/cli/token): the server token file is
  `<data>/server/token` in the secure format `K10<sha256 of the CA>::server:<password>`,
  the agent token `K10<hash>::node:<password>`; a bare password is accepted
  as the token too. A server whose datastore exists refuses to start with a
  token that is not the datastore's ("bootstrap data already found and
  encrypted with different token"). Agents join with the agent token (or the
  server token); a wrong one is refused with 401 and the agent keeps
  retrying without becoming ready, as k3s's agent does. A full token whose
  CA hash is not the server's CA is refused by the agent before it sends it.
- `PUT /v1-k3s/token` (`k3s token rotate`; pkg/server/handlers/token.go),
  as the user `server` with the current password: the datastore's token
  becomes the new one and `<data>/server/token` is rewritten with it (as
  tokenRotate does); the running server goes on, and restarts need the new
  token in token-file ("all servers ... must be restarted with the new
  token", https://docs.k3s.io/cli/token#k3s-token-rotate).
- TLS on 6443 (https-listen-port): a cluster CA made at bootstrap
  (`<data>/server/tls/server-ca.crt`), `/cacerts` and `/ping` without
  authentication (https://docs.k3s.io/architecture), `/readyz`,
  `/readyz/etcd`, `/livez` for the admin (the kubeconfig the server writes
  to /etc/rancher/k3s/k3s.yaml, mode from write-kubeconfig-mode).
- Node labels and taints from config.yaml are applied when a node first
  registers, never later (https://docs.k3s.io/cli/agent, "Node Labels and
  Taints"). A node is Ready while its kubelet (here: the agent's heartbeat
  every 5 s) was heard within 40 s (node-monitor-grace-period,
  https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/);
  it reports the release it runs as status.nodeInfo.kubeletVersion.

`k3s kubectl` (https://docs.k3s.io/cli; kubectl's reference pages), through
the server's API with the admin kubeconfig; a stopped server gives "The
connection to the server 127.0.0.1:6443 was refused":
- `get --raw /readyz|/readyz/etcd|/livez`;
  `get node NAME -o json|jsonpath={.status.conditions[?(@.type=="Ready")].status}`;
  `get nodes|pods|pdb -o json`; a node it does not know is NotFound.
- `label|annotate node NAME [--overwrite] k=v... k-...`: a changed value
  without --overwrite is refused.
- `taint node NAME [--overwrite] k[=v]:Effect... k:Effect-`: the effect is
  NoSchedule, PreferNoSchedule or NoExecute; removing a taint the node does
  not have is refused.
- `cordon|uncordon NAME` (spec.unschedulable).
- `drain NAME [--ignore-daemonsets] [--delete-emptydir-data] [--force]
  [--timeout=D] [--disable-eviction[=false]]`
  (https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/,
  https://kubernetes.io/docs/concepts/scheduling-eviction/api-eviction/):
  cordons, refuses DaemonSet pods without --ignore-daemonsets, emptyDir pods
  without --delete-emptydir-data and pods without a controller without
  --force; evicts the others, and an eviction a PodDisruptionBudget
  (minAvailable or maxUnavailable over matchLabels) forbids is retried every
  5 s until the timeout, with kubectl's "Cannot evict pod as it would violate
  the pod's disruption budget" naming the pod; --disable-eviction deletes
  instead, budgets ignored. A controller's evicted pod comes back on another
  Ready, schedulable node (or Pending), as its ReplicaSet would make it.
- `create -f FILE` (Pod, PodDisruptionBudget; JSON), `delete node|pod|pdb NAME
  [--wait=false]`.

`k3s etcd-snapshot save [--name N] | ls | list | delete NAME...`
(https://docs.k3s.io/cli/etcd-snapshot): embedded etcd only; the snapshot is
`<data>/server/db/snapshots/<N>-<node>-<unix time>`, holding the datastore;
with etcd-s3 on it goes to the bucket as well (the bucket stand-in:
`<data>/stand-in/s3.json`, a list of names).

`k3s server --cluster-reset --cluster-reset-restore-path=P [--etcd-s3]`
(https://docs.k3s.io/cli/etcd-snapshot, "Restoring a Cluster from a Snapshot";
https://docs.k3s.io/datastore/backup-restore): refused while the k3s unit
runs (etcd's ports are taken); with etcd-s3 (config or flag) P is a name in
the bucket and a local path is not found there; without, P is a file. The
snapshot's token must be the token-file's ("you must use the token value
that was used when the snapshot was taken"). The datastore becomes the
snapshot's; the restore is recorded in `<data>/stand-in/restores.json`.

`k3s --version` prints the release as k3s does ("k3s version v1.34.2+k3s1 (hash)").

Everything else exits 1 with "k3s stand-in: not implemented", so an
orchestration step that needs more than this fails loudly instead of passing.
"""

import base64
import hashlib
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RELEASE = "v0.0.0+k3s0"  # set to the pinned version when installed
DATA = "/var/lib/rancher/k3s"
CONFIG = "/etc/rancher/k3s/config.yaml"
KUBECONFIG = "/etc/rancher/k3s/k3s.yaml"
STANDIN = DATA + "/stand-in"  # what stands in for things outside the host (the S3 bucket), and records
EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
TAINT = re.compile(r"^([^=:]+)(=([^:]*))?:(%s)$" % "|".join(EFFECTS))
GRACE = 40  # node-monitor-grace-period, seconds
HEARTBEAT = 5
REFUSED = "The connection to the server 127.0.0.1:%s was refused - did you specify the right host or port?"


class Refused(Exception):
    """What k3s or kubectl refuses: printed on stderr, exit 1."""


# --- config.yaml (the subset of YAML the role writes: to_nice_yaml of a flat mapping) ---


def scalar(text):  # noqa: PLR0911 - one return per YAML scalar form
    text = text.strip()
    if text in ("", "null", "~"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if text == "[]":
        return []
    if text == "{}":
        return {}
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        inner = text[1:-1]
        return inner.replace("''", "'") if text[0] == "'" else json.loads(text)
    return text


def read_config(path):
    config, key = {}, None
    with open(path) as handle:
        for line in handle:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            item = re.match(r"^\s*- (.*)$", line)
            if item and key is not None:
                config.setdefault(key, [])
                config[key] = (config[key] or []) + [scalar(item.group(1))]
                continue
            pair = re.match(r"^([A-Za-z0-9_.-]+):(.*)$", line.rstrip("\n"))
            if not pair:
                raise Refused("k3s stand-in: cannot read %s: %r" % (path, line))
            key = pair.group(1)
            config[key] = scalar(pair.group(2))
    return config


def option(args, name):
    """`--name value` or `--name=value` from a command line."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def load(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return default


def save(path, data, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".tmp"
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(temporary, path)


def password_of(token):
    """The password of a token in the secure format (K10<hash>::<user>:<password>) or a bare one."""
    token = token.strip()
    if token.startswith("K10") and "::" in token:
        return token.split("::", 1)[1].split(":", 1)[1]
    return token


def ca_hash_of(token):
    token = token.strip()
    return token[3:].split("::", 1)[0] if token.startswith("K10") and "::" in token else None


def read_token(path):
    with open(path) as handle:
        return handle.read().strip()


def notify_ready():
    """sd_notify(READY=1), for the unit's Type=notify."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(b"READY=1")


def log(message):
    sys.stderr.write("k3s stand-in: %s\n" % message)
    sys.stderr.flush()


# --- the server ---


class Cluster:
    """The datastore of a server: one JSON document, written as a whole under a lock.

    With embedded etcd and more than one member, each write is pushed to the
    other members on their peer port; the newest (revision, writer) wins, and
    node heartbeats are merged (the latest of each), so a heartbeat never
    hides a write.
    """

    def __init__(self, path, name):
        self.path = path
        self.name = name
        self.lock = threading.RLock()
        self.state = load(path, None)
        self.outbox = None
        self.wake = threading.Event()

    def write(self, bump=True):
        """Save; `bump`: a change of the cluster's objects (a heartbeat alone is not)."""
        if bump:
            self.state["revision"] = self.state.get("revision", 0) + 1
            self.state["writer"] = self.name
        save(self.path, self.state)
        if self.peers():
            self.outbox = json.dumps(self.state)
            self.wake.set()

    def peers(self):
        return {n: url for n, url in (self.state.get("members") or {}).items() if n != self.name}

    def push_forever(self):
        """The replication thread: the latest state to every other member (one that is down catches up at start)."""
        while True:
            self.wake.wait()
            self.wake.clear()
            with self.lock:
                body, peers, secret = self.outbox, self.peers(), self.state.get("peer", "")
            for url in peers.values():
                try:
                    peer_call(url, "/state", secret, body)
                except (OSError, urllib.error.URLError):
                    pass

    def merge(self, incoming):
        """Another member's state: the newer wins, heartbeats are the latest of both."""
        with self.lock:
            mine = self.state

            def rank(state):
                return (state.get("revision", 0), state.get("writer", ""))

            newer, older = (incoming, mine) if rank(incoming) > rank(mine) else (mine, incoming)
            for name, node in newer["nodes"].items():
                other = older["nodes"].get(name)
                if other:
                    node["status"]["lastHeartbeat"] = max(
                        node["status"].get("lastHeartbeat", 0), other["status"].get("lastHeartbeat", 0)
                    )
            self.state = newer
            save(self.path, self.state)

    def catch_up(self):
        """At start: the newest state among the members that answer."""
        for url in self.peers().values():
            try:
                self.merge(json.loads(peer_call(url, "/state", self.state.get("peer", ""))))
            except (OSError, urllib.error.URLError, ValueError):
                pass

    def quorum(self):
        """Whether a majority of the etcd members answers (this one included)."""
        members = self.state.get("members") or {}
        if len(members) <= 1:
            return True
        secret = self.state.get("peer", "")
        answering = 1
        for url in self.peers().values():
            try:
                answering += peer_call(url, "/ping", secret) == "pong"
            except (OSError, urllib.error.URLError):
                pass
        return answering * 2 > len(members)


PEER_PORT = 2380  # etcd's peer port (https://docs.k3s.io/installation/requirements)


def peer_call(url, path, secret, body=None):
    """A call to another member's peer port; `body` makes it a PUT. Returns the answer's text."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # members are authenticated by the peer secret (etcd: peer certificates)
    request = urllib.request.Request(  # noqa: S310 - https, a member's address from the datastore
        url + path,
        data=body.encode() if body is not None else None,
        method="PUT" if body is not None else "GET",
        headers={"Authorization": "Basic " + base64.b64encode(("peer:" + secret).encode()).decode()},
    )
    with urllib.request.urlopen(request, context=context, timeout=3) as response:  # noqa: S310 - see above
        return response.read().decode()


def write_token(path, user, password, ca_pem):
    """A token file in the secure format, K10<sha256 of the CA PEM>::<user>:<password>, 0600."""
    ca_hash = hashlib.sha256(ca_pem.encode()).hexdigest()
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write("K10%s::%s:%s\n" % (ca_hash, user, password))


def datastore_path(data, embedded_etcd):
    return data + ("/server/db/etcd/state.json" if embedded_etcd else "/server/db/state.db")


def existing_datastore(data):
    for embedded in (True, False):
        if os.path.exists(datastore_path(data, embedded)):
            return datastore_path(data, embedded), embedded
    return None, None


def run(argv):
    subprocess.run(argv, check=True, capture_output=True)


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def make_ca(tls):
    """The cluster CA, with openssl (k3s makes its own in Go)."""
    os.makedirs(tls, mode=0o700, exist_ok=True)
    run(
        [
            "openssl",
            "req",
            "-x509",
            *EC,
            "-keyout",
            tls + "/server-ca.key",
            "-out",
            tls + "/server-ca.crt",
            "-days",
            "3650",
            "-subj",
            "/CN=k3s-server-ca@%d" % int(time.time()),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]
    )


def make_serving(tls, addresses):
    """This server's serving certificate, from the cluster CA, for its own addresses."""
    with tempfile.TemporaryDirectory() as work:
        names = ",".join(["DNS:localhost", "DNS:kubernetes"] + ["IP:" + a for a in addresses])
        with open(work + "/ext", "w") as handle:
            handle.write("subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n" % names)
        run(
            [
                "openssl",
                "req",
                *EC,
                "-keyout",
                tls + "/serving-kube-apiserver.key",
                "-out",
                work + "/csr",
                "-subj",
                "/CN=kube-apiserver",
            ]
        )
        run(
            [
                "openssl",
                "x509",
                "-req",
                "-in",
                work + "/csr",
                "-CA",
                tls + "/server-ca.crt",
                "-CAkey",
                tls + "/server-ca.key",
                "-CAcreateserial",
                "-days",
                "365",
                "-extfile",
                work + "/ext",
                "-out",
                tls + "/serving-kube-apiserver.crt",
            ]
        )
    for name in os.listdir(tls):
        os.chmod(os.path.join(tls, name), 0o600 if name.endswith(".key") else 0o644)


def host_addresses():
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False).stdout
    return ["127.0.0.1", *out.split()]


def node_object(name, labels, taints, role):
    base = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    if role == "server":
        base["node-role.kubernetes.io/control-plane"] = "true"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {**base, **labels}, "annotations": {}},
        "spec": {"taints": taints},
        "status": {},
    }


def parse_labels(items):
    labels = {}
    for item in items or []:
        key, _sep, value = str(item).partition("=")
        labels[key] = value
    return labels


def parse_taints(items):
    taints = []
    for item in items or []:
        match = TAINT.match(str(item))
        if not match:
            raise Refused("invalid node-taint %r" % item)
        taints.append(
            {"key": match.group(1), "effect": match.group(4), **({"value": match.group(3)} if match.group(3) else {})}
        )
    return taints


def register(cluster, report):
    """A node's kubelet reporting in: registered with its config's labels and taints the first time only."""
    with cluster.lock:
        nodes = cluster.state["nodes"]
        node = nodes.get(report["name"])
        new = node is None
        if new:
            node = node_object(report["name"], report["labels"], report["taints"], report["role"])
            nodes[report["name"]] = node
        status = {
            "nodeInfo": {"kubeletVersion": report["version"]},
            "addresses": [{"type": "InternalIP", "address": report["address"]}],
        }
        changed = new or any(node["status"].get(key) != value for key, value in status.items())
        node["status"].update(status)
        node["status"]["lastHeartbeat"] = time.time()
        cluster.write(bump=changed)


def kubelet_report(config, name, role):
    """What a node's kubelet reports: its config's labels and taints (used at registration), release, address."""
    return {
        "name": name,
        "labels": parse_labels(config.get("node-label")),
        "taints": parse_taints(config.get("node-taint")),
        "role": role,
        "version": RELEASE,
        "address": config.get("node-ip") or host_addresses()[-1],
    }


def with_conditions(node):
    node = json.loads(json.dumps(node))
    heard = node["status"].pop("lastHeartbeat", 0)
    ready = "True" if time.time() - heard < GRACE else "Unknown"
    node["status"]["conditions"] = [{"type": "Ready", "status": ready}]
    return node


START_FAILURE = None  # the test table sets it for a release whose server cannot start


def advertised(config):
    return config.get("node-ip") or host_addresses()[-1]


def bootstrap(config, token, name, data, embedded):
    """A new cluster: CA, datastore (etcd when `embedded`), secrets. Returns the datastore's path."""
    path = datastore_path(data, embedded)
    make_ca(data + "/server/tls")
    state = {
        "token": password_of(token),
        "admin": base64.b16encode(os.urandom(16)).decode().lower(),
        # etcd's peer authentication (certificates in etcd; a shared secret here).
        "peer": base64.b16encode(os.urandom(16)).decode().lower(),
        "members": {name: "https://%s:%d" % (advertised(config), PEER_PORT)} if embedded else {},
        "nodes": {},
        "pods": {},
        "pdbs": {},
        "created": time.time(),
        "revision": 1,
        "writer": name,
    }
    save(path, state)
    log("cluster bootstrapped, datastore %s" % ("etcd" if embedded else "sqlite"))
    return path


def join(config, token, name, data):
    """A new server joining the cluster of config's `server`: bootstrap data from it, then a member."""
    url = config["server"]
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url + "/cacerts", context=insecure, timeout=10) as response:  # noqa: S310 - https, from config.yaml
            ca_pem = response.read().decode()
        expected = ca_hash_of(token)
        if expected and expected != hashlib.sha256(ca_pem.encode()).hexdigest():
            raise Refused("token CA hash does not match the Cluster CA certificate hash")
        verified = ssl.create_default_context(cadata=ca_pem)
        verified.check_hostname = False  # the URL names a node address the certificate holds as an IP
        request = urllib.request.Request(  # noqa: S310 - https, from config.yaml
            url + "/v1-k3s/stand-in/join",
            data=json.dumps({"name": name, "peer": "https://%s:%d" % (advertised(config), PEER_PORT)}).encode(),
            headers={
                "Authorization": "Basic " + base64.b64encode(("server:" + password_of(token)).encode()).decode(),
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, context=verified, timeout=10) as response:  # noqa: S310 - see above
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise Refused(
            "failed to get bootstrap data from %s: %s %s %s" % (url, error.code, error.reason, error.read().decode())
        ) from None
    except (OSError, urllib.error.URLError) as error:
        raise Refused("failed to join the cluster at %s: %s" % (url, error)) from None
    tls = data + "/server/tls"
    os.makedirs(tls, mode=0o700, exist_ok=True)
    for file_name, text in (("server-ca.crt", ca_pem), ("server-ca.key", answer["ca_key"])):
        with open(os.open(os.path.join(tls, file_name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(text)
    path = datastore_path(data, True)
    save(path, answer["state"])
    log("joined the cluster at %s as an etcd member" % url)
    return path


def serve(args):
    config_path = option(args, "--config") or CONFIG
    config = read_config(config_path)
    if "--cluster-reset" in args:
        return cluster_reset(args, config)
    if START_FAILURE:
        raise Refused(START_FAILURE)
    data = config.get("data-dir") or DATA
    name = os.environ.get("K3S_NODE_NAME") or socket.gethostname().lower()
    token = read_token(config["token-file"]) if config.get("token-file") else None
    if not token:
        raise Refused("--token is required")  # a stand-in simplification: k3s makes one when none is given
    path, embedded = existing_datastore(data)
    tls = data + "/server/tls"
    if path is None and config.get("server"):
        path, embedded = join(config, token, name, data), True
    elif path is None:
        embedded = bool(config.get("cluster-init") or "--cluster-init" in args)
        path = bootstrap(config, token, name, data, embedded)
    elif config.get("server"):
        log("datastore found: rejoining its members, not %s" % config["server"])
    if not os.path.exists(tls + "/serving-kube-apiserver.crt"):
        make_serving(tls, host_addresses() + ([config["node-ip"]] if config.get("node-ip") else []))
    cluster = Cluster(path, name)
    if embedded:
        cluster.catch_up()
    if cluster.state["token"] != password_of(token):
        raise Refused("bootstrap data already found and encrypted with different token")
    with open(tls + "/server-ca.crt") as handle:
        ca_pem = handle.read()
    agent_token = read_token(config["agent-token-file"]) if config.get("agent-token-file") else None
    write_token(data + "/server/token", "server", cluster.state["token"], ca_pem)
    if agent_token:
        write_token(data + "/server/agent-token", "node", password_of(agent_token), ca_pem)
    port = int(config.get("https-listen-port") or 6443)
    mode = int(str(config.get("write-kubeconfig-mode") or "0600"), 8)
    write_kubeconfig(port, ca_pem, cluster.state["admin"], mode)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls + "/serving-kube-apiserver.crt", tls + "/serving-kube-apiserver.key")
    handler = make_handler(cluster, ca_pem, agent_token, embedded, config, name, data)
    httpd = ThreadingHTTPServer(("0.0.0.0", port), handler)  # noqa: S104 - k3s listens on every address
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    if embedded:
        peers = ThreadingHTTPServer(("0.0.0.0", PEER_PORT), make_peer_handler(cluster))  # noqa: S104 - as etcd
        peers.daemon_threads = True
        peers.socket = context.wrap_socket(peers.socket, server_side=True)
        threading.Thread(target=peers.serve_forever, daemon=True).start()
        threading.Thread(target=cluster.push_forever, daemon=True).start()
    own = kubelet_report(config, name, "server")

    def own_kubelet():
        while True:
            register(cluster, own)
            time.sleep(HEARTBEAT)

    threading.Thread(target=own_kubelet, daemon=True).start()
    log("server %s %s listening on :%d" % (name, RELEASE, port))
    notify_ready()
    httpd.serve_forever()
    return 0


def write_kubeconfig(port, ca_pem, admin, mode):
    text = (
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
        "    certificate-authority-data: %s\n    server: https://127.0.0.1:%d\n  name: default\n"
        "contexts:\n- context:\n    cluster: default\n    user: default\n  name: default\n"
        "current-context: default\nusers:\n- name: default\n  user:\n    username: admin\n    password: %s\n"
    ) % (base64.b64encode(ca_pem.encode()).decode(), port, admin)
    os.makedirs(os.path.dirname(KUBECONFIG), exist_ok=True)
    with open(os.open(KUBECONFIG, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as handle:
        handle.write(text)
    os.chmod(KUBECONFIG, mode)


def make_handler(cluster, ca_pem, agent_token, embedded, config, name, data):  # noqa: PLR0917 - the server's settings
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # quiet: the journal gets what matters
            pass

        def reply(self, status, body, kind="text/plain"):
            raw = body if isinstance(body, bytes) else body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def user(self):
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None, None
            user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def allowed(self, *users):
            user, password = self.user()
            secrets = {
                "admin": [cluster.state["admin"]],
                "server": [cluster.state["token"]],
                "node": [cluster.state["token"]] + ([password_of(agent_token)] if agent_token else []),
            }
            if user in users and password in secrets.get(user, []):
                return True
            self.reply(401, "Unauthorized")
            return False

        def do_GET(self):
            if self.path == "/ping":
                return self.reply(200, "pong")
            if self.path == "/cacerts":
                return self.reply(200, ca_pem)
            if self.path in ("/readyz", "/livez", "/readyz/etcd"):
                return self.readiness()
            return self.reply(404, "not implemented by the stand-in")

        def readiness(self):
            if not self.allowed("admin"):
                return None
            if self.path == "/readyz/etcd" and not embedded:
                return self.reply(404, "etcd is not this cluster's datastore")
            if self.path != "/livez" and not cluster.quorum():
                return self.reply(500, "[-]etcd failed: etcd cluster is unavailable or misconfigured")
            return self.reply(200, "ok")

        def join_member(self):
            """A server joining: it becomes an etcd member and gets the bootstrap data."""
            if not self.allowed("server"):
                return None
            if not embedded:
                return self.reply(
                    400,
                    "this server's datastore is SQLite: servers cannot join it "
                    "(https://docs.k3s.io/datastore/ha-embedded)",
                )
            request = self.body()
            with cluster.lock:
                cluster.state.setdefault("members", {})[request["name"]] = request["peer"]
                cluster.write()
                state = json.loads(json.dumps(cluster.state))
            with open(data + "/server/tls/server-ca.key") as handle:
                ca_key = handle.read()
            return self.reply(200, json.dumps({"ca_key": ca_key, "state": state}), "application/json")

        def do_PUT(self):
            if self.path != "/v1-k3s/token":
                return self.reply(404, "not implemented by the stand-in")
            if not self.allowed("server"):
                return None
            new = self.body().get("newToken", "")
            if len(new) < 1:
                return self.reply(400, "newToken is required")
            with cluster.lock:
                cluster.state["token"] = password_of(new)
                cluster.write()
                write_token(data + "/server/token", "server", cluster.state["token"], ca_pem)
            return self.reply(200, "")

        def do_POST(self):
            if self.path == "/v1-k3s/stand-in/join":
                return self.join_member()
            if self.path == "/v1-k3s/stand-in/node":
                if self.allowed("node"):
                    register(cluster, self.body())
                    port = config.get("https-listen-port") or 6443
                    hosts = [
                        url.split("//", 1)[1].rsplit(":", 1)[0] for url in (cluster.state.get("members") or {}).values()
                    ]
                    servers = sorted("https://%s:%s" % (host, port) for host in hosts)
                    self.reply(200, json.dumps({"servers": servers}), "application/json")
                return None
            if self.path == "/v1-k3s/stand-in/kubectl":
                if self.allowed("admin"):
                    request = self.body()
                    out, err, rc = run_captured(kubectl, cluster, request["args"], request.get("stdin", ""))
                    self.reply(200, json.dumps({"stdout": out, "stderr": err, "rc": rc}), "application/json")
                return None
            if self.path == "/v1-k3s/stand-in/etcd-snapshot":
                if self.allowed("admin"):
                    request = self.body()
                    out, err, rc = run_captured(etcd_snapshot, cluster, request["args"], (embedded, config, name, data))
                    self.reply(200, json.dumps({"stdout": out, "stderr": err, "rc": rc}), "application/json")
                return None
            return self.reply(404, "not implemented by the stand-in")

    return Handler


def make_peer_handler(cluster):
    """etcd's peer port, as far as the stand-in needs it: liveness and the datastore's replication."""

    class PeerHandler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def reply(self, status, body):
            raw = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def peer(self):
            expected = "Basic " + base64.b64encode(("peer:" + cluster.state.get("peer", "")).encode()).decode()
            if self.headers.get("Authorization") == expected:
                return True
            self.reply(401, "Unauthorized")
            return False

        def do_GET(self):
            if not self.peer():
                return
            if self.path == "/ping":
                self.reply(200, "pong")
            elif self.path == "/state":
                with cluster.lock:
                    self.reply(200, json.dumps(cluster.state))
            else:
                self.reply(404, "not implemented by the stand-in")

        def do_PUT(self):
            if not self.peer():
                return
            if self.path != "/state":
                self.reply(404, "not implemented by the stand-in")
                return
            cluster.merge(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.reply(200, "")

    return PeerHandler


class Output:
    def __init__(self):
        self.out, self.err = [], []


def run_captured(function, cluster, args, extra):
    output = Output()
    try:
        function(cluster, args, extra, output)
        rc = 0
    except Refused as refused:
        output.err.append("%s\n" % refused)
        rc = 1
    except NotImplementedError:
        output.err.append("k3s stand-in: not implemented: %s\n" % " ".join(args))
        rc = 1
    return "".join(output.out), "".join(output.err), rc


# --- kubectl, inside the server (the state's only writer) ---


def find(cluster, name):
    node = cluster.state["nodes"].get(name)
    if node is None:
        raise Refused('Error from server (NotFound): nodes "%s" not found' % name)
    return node


def set_pairs(mapping, pairs, overwrite, kind, output):
    for pair in pairs:
        if pair.endswith("-") and "=" not in pair:
            if mapping.pop(pair[:-1], None) is None:
                output.out.append('%s "%s" not found.\n' % (kind, pair[:-1]))
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


def ready(cluster, name):
    node = cluster.state["nodes"].get(name)
    return node is not None and with_conditions(node)["status"]["conditions"][0]["status"] == "True"


def pod_status(cluster, pod):
    running = pod["spec"].get("nodeName") and ready(cluster, pod["spec"]["nodeName"])
    return "Running" if running else "Pending"


def listing(cluster, kind):
    if kind in ("node", "nodes", "no"):
        items = [with_conditions(n) for n in cluster.state["nodes"].values()]
    elif kind in ("pod", "pods", "po"):
        items = [dict(p, status={"phase": pod_status(cluster, p)}) for p in cluster.state["pods"].values()]
    elif kind in ("pdb", "poddisruptionbudget", "poddisruptionbudgets"):
        items = list(cluster.state["pdbs"].values())
    else:
        raise NotImplementedError
    return {"apiVersion": "v1", "kind": "List", "items": sorted(items, key=lambda i: i["metadata"]["name"])}


def matches(selector, pod):
    wanted = (selector or {}).get("matchLabels") or {}
    labels = pod["metadata"].get("labels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def eviction_allowed(cluster, pod):
    """The eviction API's answer: no PodDisruptionBudget over the pod may go below what it allows."""
    for pdb in cluster.state["pdbs"].values():
        if pdb["metadata"].get("namespace", "default") != pod["metadata"].get("namespace", "default"):
            continue
        if not matches(pdb["spec"].get("selector"), pod):
            continue
        selected = [p for p in cluster.state["pods"].values() if matches(pdb["spec"].get("selector"), p)]
        healthy = sum(1 for p in selected if pod_status(cluster, p) == "Running")
        if "minAvailable" in pdb["spec"]:
            allowed = healthy - int(pdb["spec"]["minAvailable"])
        else:
            allowed = int(pdb["spec"].get("maxUnavailable", 0)) - (len(selected) - healthy)
        if allowed < 1:
            return False
    return True


def remove_pod(cluster, pod, node_name):
    """A pod gone from the node; its controller (ReplicaSet, StatefulSet) makes it again elsewhere."""
    key = "%s/%s" % (pod["metadata"].get("namespace", "default"), pod["metadata"]["name"])
    del cluster.state["pods"][key]
    owners = pod["metadata"].get("ownerReferences") or []
    if any(o.get("kind") in ("ReplicaSet", "StatefulSet") for o in owners):
        targets = [
            n
            for n, node in sorted(cluster.state["nodes"].items())
            if n != node_name and not node["spec"].get("unschedulable") and ready(cluster, n)
        ]
        again = json.loads(json.dumps(pod))
        again["spec"]["nodeName"] = targets[0] if targets else ""
        cluster.state["pods"][key] = again


def parse_duration(text):
    match = re.fullmatch(r"([0-9]+)(s|m|h)?", text or "0s")
    if not match:
        raise Refused('error: invalid argument "%s" for "--timeout" flag' % text)
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]


def drain(cluster, name, flags, output):
    find(cluster, name)["spec"]["unschedulable"] = True
    cluster.write()
    output.out.append("node/%s cordoned\n" % name)
    timeout = parse_duration(option(flags, "--timeout") or "0s") or 10**9
    disable_eviction = "--disable-eviction" in flags or "--disable-eviction=true" in flags
    on_node = [p for p in cluster.state["pods"].values() if p["spec"].get("nodeName") == name]
    refusals = []
    for pod in on_node:
        kinds = [o.get("kind") for o in pod["metadata"].get("ownerReferences") or []]
        volumes = pod["spec"].get("volumes") or []
        if "DaemonSet" in kinds and "--ignore-daemonsets" not in flags:
            refusals.append("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)")
        elif not kinds and "--force" not in flags:
            refusals.append("cannot delete Pods that declare no controller (use --force to override)")
        elif any("emptyDir" in v for v in volumes) and "--delete-emptydir-data" not in flags:
            refusals.append("cannot delete Pods with local storage (use --delete-emptydir-data to override)")
    if refusals:
        raise Refused("error: unable to drain node %r due to error: %s" % (name, "; ".join(sorted(set(refusals)))))
    pending = [
        p for p in on_node if "DaemonSet" not in [o.get("kind") for o in p["metadata"].get("ownerReferences") or []]
    ]
    deadline = time.time() + timeout
    while pending:
        for pod in list(pending):
            label = 'pods/"%s" -n "%s"' % (pod["metadata"]["name"], pod["metadata"].get("namespace", "default"))
            if disable_eviction or eviction_allowed(cluster, pod):
                remove_pod(cluster, pod, name)
                pending.remove(pod)
                output.out.append(
                    "%s %s\n" % ("pod/" + pod["metadata"]["name"], "deleted" if disable_eviction else "evicted")
                )
            else:
                output.err.append(
                    "error when evicting %s (will retry after 5s): Cannot evict pod as it would "
                    "violate the pod's disruption budget.\n" % label
                )
        cluster.write()
        if not pending:
            break
        if time.time() + 5 > deadline:
            raise Refused(
                "error: unable to drain node %r due to error: [error when evicting %s: global timeout "
                "reached: %ds], continuing command..."
                % (name, ", ".join('pods/"%s"' % p["metadata"]["name"] for p in pending), timeout)
            )
        cluster.lock.release()
        try:
            time.sleep(5)
        finally:
            cluster.lock.acquire()
    output.out.append("node/%s drained\n" % name)


def jsonpath_ready(node):
    """`-o jsonpath={.status.conditions[?(@.type=="Ready")].status}` of a node with its conditions."""
    return next(c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready")


def kubectl(cluster, args, stdin, output):
    with cluster.lock:
        return kubectl_locked(cluster, args, stdin, output)


def kubectl_locked(cluster, args, stdin, output):  # noqa: PLR0911 - one return per kubectl verb
    if args[:2] == ["get", "--raw"] and len(args) == 3 and args[2] in ("/readyz", "/livez", "/readyz/etcd"):
        if args[2] != "/livez" and not cluster.quorum():
            raise Refused(
                'Error from server (InternalServerError): an error on the server ("[-]etcd failed: '
                'etcd cluster is unavailable or misconfigured") has prevented the request from succeeding'
            )
        output.out.append("ok")  # the request reached a running server with its quorum: it is the answer
        return
    if len(args) == 5 and args[:2] == ["get", "node"] and args[3] == "-o":
        node = with_conditions(find(cluster, args[2]))
        if args[4] == "json":
            output.out.append(json.dumps(node))
            return
        if args[4] == 'jsonpath={.status.conditions[?(@.type=="Ready")].status}':
            output.out.append(jsonpath_ready(node))
            return
        raise NotImplementedError
    if len(args) == 4 and args[0] == "get" and args[2:] == ["-o", "json"]:
        output.out.append(json.dumps(listing(cluster, args[1])))
        return
    if len(args) >= 3 and args[0] in ("label", "taint", "annotate") and args[1] in ("node", "nodes"):
        node = find(cluster, args[2])
        rest = [arg for arg in args[3:] if arg != "--overwrite"]
        overwrite = "--overwrite" in args[3:]
        metadata = node.setdefault("metadata", {})
        if args[0] == "label":
            set_pairs(metadata.setdefault("labels", {}), rest, overwrite, "label", output)
        elif args[0] == "annotate":
            set_pairs(metadata.setdefault("annotations", {}), rest, overwrite, "annotation", output)
        else:
            taint(node, rest, overwrite)
        cluster.write()
        output.out.append(
            "node/%s %s\n" % (args[2], {"label": "labeled", "taint": "tainted"}.get(args[0], "annotated"))
        )
        return
    if len(args) == 2 and args[0] in ("cordon", "uncordon"):
        node = find(cluster, args[1])
        node["spec"]["unschedulable"] = args[0] == "cordon"
        if args[0] == "uncordon":
            node["spec"].pop("unschedulable")
        cluster.write()
        output.out.append("node/%s %sed\n" % (args[1], args[0]))
        return
    if len(args) >= 2 and args[0] == "drain":
        drain(cluster, args[1], args[2:], output)
        return
    if len(args) >= 3 and args[0] == "delete" and all(a in ("--wait=false", "--wait=true") for a in args[3:]):
        kind, name = args[1], args[2]
        if kind in ("node", "nodes"):
            find(cluster, name)
            del cluster.state["nodes"][name]
            # A deleted server leaves the etcd cluster (k3s's etcd member controller).
            (cluster.state.get("members") or {}).pop(name, None)
        elif kind in ("pod", "pods", "pdb", "poddisruptionbudget"):
            store = cluster.state["pods" if kind.startswith("pod") and kind != "poddisruptionbudget" else "pdbs"]
            if "default/" + name not in store:
                raise Refused('Error from server (NotFound): %s "%s" not found' % (kind, name))
            del store["default/" + name]
        else:
            raise NotImplementedError
        cluster.write()
        output.out.append('%s "%s" deleted\n' % (kind, name))
        return
    if args[:2] == ["create", "-f"] and len(args) == 3:
        item = json.loads(stdin)
        store = {"Pod": "pods", "PodDisruptionBudget": "pdbs"}.get(item.get("kind"))
        if store is None:
            raise NotImplementedError
        key = "%s/%s" % (item["metadata"].get("namespace", "default"), item["metadata"]["name"])
        if key in cluster.state[store]:
            raise Refused('Error from server (AlreadyExists): "%s" already exists' % item["metadata"]["name"])
        cluster.state[store][key] = item
        cluster.write()
        output.out.append("%s/%s created\n" % (item["kind"].lower(), item["metadata"]["name"]))
        return
    raise NotImplementedError


# --- etcd-snapshot, inside the server ---


def bucket_path(data):
    return data + "/stand-in/s3.json"


def etcd_snapshot(cluster, args, server, output):
    embedded, config, name, data = server
    if not embedded:
        raise Refused("etcd datastore disabled")
    directory = data + "/server/db/snapshots"
    if args[:1] == ["save"]:
        snapshot = "%s-%s-%d" % (option(args, "--name") or "etcd-snapshot", name, int(time.time()))
        with cluster.lock:
            save(os.path.join(directory, snapshot), cluster.state)
        if config.get("etcd-s3"):
            save(bucket_path(data), sorted(set([*load(bucket_path(data), []), snapshot])))
        output.out.append("Snapshot %s saved.\n" % snapshot)
        return
    if args[:1] in (["ls"], ["list"]):
        output.out.append("%-60s %-80s %s\n" % ("Name", "Location", "Size"))
        for entry in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
            path = os.path.join(directory, entry)
            output.out.append("%-60s %-80s %d\n" % (entry, "file://" + path, os.path.getsize(path)))
        for entry in load(bucket_path(data), []) if config.get("etcd-s3") else []:
            output.out.append("%-60s %-80s %d\n" % (entry, "s3://" + str(config.get("etcd-s3-bucket")), 0))
        return
    if args[:1] == ["delete"] and len(args) > 1:
        for entry in args[1:]:
            path = os.path.join(directory, entry)
            if not os.path.isfile(path):
                raise Refused("snapshot %s not found" % entry)
            os.remove(path)
            output.out.append("Snapshot %s deleted.\n" % entry)
        return
    raise NotImplementedError


# --- restore (k3s stopped) ---


def cluster_reset(args, config):
    data = config.get("data-dir") or DATA
    restore = option(args, "--cluster-reset-restore-path")
    if restore is None:
        raise NotImplementedError
    s3 = "--etcd-s3" in args or config.get("etcd-s3") is True
    if subprocess.run(["systemctl", "is-active", "--quiet", "k3s"], check=False).returncode == 0:
        raise Refused("listen tcp 127.0.0.1:2380: bind: address already in use")
    if s3:
        if restore not in load(bucket_path(data), []):
            raise Refused('etcd-snapshot: snapshot "%s" not found in S3' % restore)
        local = data + "/server/db/snapshots/" + restore
        snapshot = load(local, None)
        if snapshot is None:
            raise Refused("stand-in: the bucket's snapshot %s has no local copy to read" % restore)
    else:
        if not os.path.isfile(restore):
            raise Refused("open %s: no such file or directory" % restore)
        snapshot = load(restore, None)
    token = read_token(config["token-file"]) if config.get("token-file") else ""
    if snapshot.get("token") != password_of(token):
        raise Refused(
            "bootstrap data already found and encrypted with different token: "
            "restore with the token that was used when the snapshot was taken"
        )
    # Membership reset: this server alone, the others rejoin it (https://docs.k3s.io/datastore/backup-restore).
    name = os.environ.get("K3S_NODE_NAME") or socket.gethostname().lower()
    snapshot["members"] = {name: "https://%s:%d" % (advertised(config), PEER_PORT)}
    snapshot["revision"] = snapshot.get("revision", 0) + 1
    snapshot["writer"] = name
    save(datastore_path(data, True), snapshot)
    records = load(data + "/stand-in/restores.json", [])
    s3_keys = sorted(key for key in config if key.startswith("etcd-s3"))
    records.append({"source": "s3" if s3 else "local", "snapshot": restore, "config_s3_keys": s3_keys})
    save(data + "/stand-in/restores.json", records)
    sys.stdout.write("Managed etcd cluster membership has been reset, restart without --cluster-reset flag now.\n")
    return 0


# --- the agent ---


def agent(args):
    config = read_config(option(args, "--config") or CONFIG)
    data = config.get("data-dir") or DATA
    name = os.environ.get("K3S_NODE_NAME") or socket.gethostname().lower()
    url = config.get("server")
    if not url:
        raise Refused("--server is required")
    token = read_token(config["token-file"])
    report = kubelet_report(config, name, "agent")
    auth = "Basic " + base64.b64encode(("node:" + password_of(token)).encode()).decode()
    known = []  # the servers the cluster told of (the agent's load balancer)
    notified = False
    while True:
        for server in [url] + [other for other in known if other != url]:
            try:
                known = heartbeat(server, token, auth, report, data) or known
                if not notified:
                    log("agent %s %s registered with %s" % (name, RELEASE, server))
                    notify_ready()
                    notified = True
                break
            except urllib.error.HTTPError as error:
                log("Failed to retrieve agent configuration: %s %s (retrying)" % (error.code, error.reason))
                break
            except (OSError, urllib.error.URLError) as error:
                log("Waiting to connect to the server %s: %s" % (server, error))
        time.sleep(HEARTBEAT)


def heartbeat(url, token, auth, report, data):
    """One kubelet report to a server, after checking its CA against the token; returns the servers it knows."""
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(url + "/cacerts", context=insecure, timeout=10) as response:  # noqa: S310 - https, from config.yaml or the cluster
        ca_pem = response.read().decode()
    expected = ca_hash_of(token)
    if expected and expected != hashlib.sha256(ca_pem.encode()).hexdigest():
        raise Refused("token CA hash does not match the Cluster CA certificate hash")
    os.makedirs(data + "/agent", mode=0o700, exist_ok=True)
    with open(data + "/agent/server-ca.crt", "w") as handle:
        handle.write(ca_pem)
    verified = ssl.create_default_context(cadata=ca_pem)
    verified.check_hostname = False  # the URL names a node address the certificate holds as an IP
    request = urllib.request.Request(  # noqa: S310 - https, from config.yaml or the cluster
        url + "/v1-k3s/stand-in/node",
        data=json.dumps(report).encode(),
        headers={"Authorization": auth, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, context=verified, timeout=10) as response:  # noqa: S310 - see above
        return json.loads(response.read() or b"{}").get("servers") or []


# --- the CLI's client side ---


def call_server(path, payload):
    """POST to the local server as the admin of the kubeconfig the server wrote."""
    try:
        with open(KUBECONFIG) as handle:
            text = handle.read()
    except FileNotFoundError:
        raise Refused(REFUSED % 6443) from None
    server = re.search(r"server: (\S+)", text).group(1)
    ca_pem = base64.b64decode(re.search(r"certificate-authority-data: (\S+)", text).group(1)).decode()
    admin = re.search(r"password: (\S+)", text).group(1)
    context = ssl.create_default_context(cadata=ca_pem)
    request = urllib.request.Request(  # noqa: S310 - https, from config.yaml or the kubeconfig
        server + path,
        data=json.dumps(payload).encode(),
        headers={
            "Authorization": "Basic " + base64.b64encode(("admin:" + admin).encode()).decode(),
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, context=context, timeout=600) as response:  # noqa: S310 - https, from config.yaml or the kubeconfig
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise Refused("error: You must be logged in to the server (%s)" % error.reason) from None
    except (OSError, urllib.error.URLError):
        raise Refused(REFUSED % int(server.rsplit(":", 1)[1])) from None
    sys.stdout.write(answer["stdout"])
    sys.stderr.write(answer["stderr"])
    return answer["rc"]


def main(argv):  # noqa: PLR0911 - one return per k3s subcommand
    try:
        if argv[:1] in (["--version"], ["-v"], ["version"]):
            sys.stdout.write("k3s version %s (stand-in)\ngo version go0.0 (none: the stand-in is Python)\n" % RELEASE)
            return 0
        if argv[:1] == ["kubectl"]:
            stdin = ""
            if argv[1:3] == ["create", "-f"] and len(argv) == 4:
                with open(argv[3]) if argv[3] != "-" else sys.stdin as handle:
                    stdin = handle.read()
            return call_server("/v1-k3s/stand-in/kubectl", {"args": argv[1:], "stdin": stdin})
        if argv[:1] == ["etcd-snapshot"]:
            return call_server("/v1-k3s/stand-in/etcd-snapshot", {"args": argv[1:]})
        if argv[:1] == ["server"]:
            return serve(argv[1:])
        if argv[:1] == ["agent"]:
            return agent(argv[1:])
        raise NotImplementedError
    except Refused as refused:
        sys.stderr.write("%s\n" % refused)
        return 1
    except NotImplementedError:
        sys.stderr.write("k3s stand-in: not implemented: k3s %s\n" % " ".join(argv))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

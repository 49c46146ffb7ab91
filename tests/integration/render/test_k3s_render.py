"""The k3s role's rendered files, checked against k3s's flag list and systemd, and for secrets.

k3s cannot be installed on the build machine (its release host is
unreachable), so the role's `render` entry point writes what it would deploy
for a cluster of three servers and two agents, and these tests check it:
config.yaml keys against data/versions/k3s_flags.yml, join keys, token files,
units through `systemd-analyze verify` (with the missing binary replaced by
/bin/true), registries.yaml, the kube-vip manifest, and that the tokens and
registry password appear in no rendered file and nowhere in the play output.
The role's task files are read to check the modes of the secret files.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import k3s_render  # noqa: E402

FLAGS = yaml.safe_load((ROOT / "data" / "versions" / "k3s_flags.yml").read_text())["sovereign_k3s_flags"]
TOKEN = "srv" + secrets.token_hex(20)
AGENT_TOKEN = "agt" + secrets.token_hex(20)
REGISTRY_PASSWORD = "reg" + secrets.token_hex(12)
S3_SECRET = "s3k" + secrets.token_hex(12)
# Where Ansible reaches each host (never contacted: the render runs on the controller).
ADDRESSES = {"s1": "10.0.0.11", "s2": "10.0.0.12", "s3": "10.0.0.13", "a1": "10.0.0.21", "a2": "10.0.0.22"}
KUBE_VIP = "ghcr.io/kube-vip/kube-vip@sha256:" + "0" * 64


def inventory(out, servers=("s1", "s2", "s3"), agents=("a1", "a2"), extra=None):
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    return {
        "all": {
            "vars": {
                **local,
                "k3s_render_dir": str(out),
                "k3s_token": TOKEN,
                "k3s_agent_token": AGENT_TOKEN,
                "k3s_api_endpoint": "10.0.0.10",
                "k3s_kube_vip": {"address": "10.0.0.10", "interface": "eth0", "image": KUBE_VIP},
                "k3s_node_labels": ["site=home"],
                "k3s_registries": {
                    "mirrors": {"docker.io": {"endpoint": ["https://registry.example.eu"]}},
                    "configs": {"registry.example.eu": {"auth": {"username": "k3s", "password": REGISTRY_PASSWORD}}},
                },
                "k3s_etcd_s3": {
                    "endpoint": "s3.fr-par.scw.cloud",
                    "bucket": "etcd",
                    "region": "fr-par",
                    "access_key": "SCWKEY",
                    "secret_key": S3_SECRET,
                },
                **(extra or {}),
            },
            "children": {
                "k3s_server": {"hosts": {name: {"ansible_host": ADDRESSES[name]} for name in servers}},
                "k3s_agent": {
                    "hosts": {
                        name: {"ansible_host": ADDRESSES[name], "k3s_node_taints": ["dedicated=edge:NoSchedule"]}
                        for name in agents
                    }
                },
            },
        }
    }


def render(tmp_path, name, **kwargs):
    out = tmp_path / name / "out"
    return k3s_render.render(tmp_path / name, inventory(out, **kwargs)), out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    proc, out = render(tmp_path_factory.mktemp("k3s"), "cluster")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return out, proc.stdout + proc.stderr


def config(out, host):
    text = (out / host / "config.yaml").read_text()
    return yaml.safe_load(text)


@pytest.mark.parametrize("host", ["s1", "s2", "s3", "a1", "a2"])
def test_config_keys_are_k3s_flags_and_hold_no_token(cluster, host):
    data = config(cluster[0], host)
    allowed = set(FLAGS["agent"]) | (set(FLAGS["server"]) if host.startswith("s") else set())
    assert set(data) <= allowed, set(data) - allowed
    assert not set(data) & {"token", "t", "agent-token"}


def test_first_server_initialises_the_others_join_through_the_endpoint(cluster):
    out = cluster[0]
    assert config(out, "s1")["cluster-init"] is True
    assert "server" not in config(out, "s1")
    for host in ("s2", "s3", "a1", "a2"):
        assert config(out, host)["server"] == "https://10.0.0.10:6443"
        assert "cluster-init" not in config(out, host)


def test_without_an_endpoint_nodes_join_the_first_server_at_its_address(tmp_path):
    proc, out = render(tmp_path, "no-endpoint", extra={"k3s_api_endpoint": "", "k3s_kube_vip": {}})
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert config(out, "s1")["cluster-init"] is True
    for host in ("s2", "s3", "a1", "a2"):
        assert config(out, host)["server"] == "https://10.0.0.11:6443"
    assert config(out, "s2")["tls-san"] == ["10.0.0.12"]


def test_token_files_servers_hold_both_agents_only_theirs(cluster):
    out = cluster[0]
    for host in ("s1", "s2", "s3"):
        data = config(out, host)
        assert data["token-file"] == "/etc/sovereign/k3s/token"
        assert data["agent-token-file"] == "/etc/sovereign/k3s/agent-token"
    for host in ("a1", "a2"):
        data = config(out, host)
        assert data["token-file"] == "/etc/sovereign/k3s/agent-token"
        assert "agent-token-file" not in data


def test_server_settings(cluster):
    data = config(cluster[0], "s2")
    assert data["secrets-encryption"] is True
    assert data["write-kubeconfig-mode"] == "0600"
    assert data["tls-san"][0] == "10.0.0.10"
    assert data["etcd-snapshot-schedule-cron"] == "0 */6 * * *"
    assert data["etcd-s3"] is True and data["etcd-s3-endpoint"] == "s3.fr-par.scw.cloud"
    assert data["node-label"] == ["site=home"]
    assert config(cluster[0], "a1")["node-taint"] == ["dedicated=edge:NoSchedule"]


def test_no_secret_in_any_rendered_file_but_where_it_belongs(cluster):
    out, _output = cluster
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text()
        assert TOKEN not in text and AGENT_TOKEN not in text, path
        if path.name != "registries.yaml":
            assert REGISTRY_PASSWORD not in text, path
        if path.name != "config.yaml" or not path.parent.name.startswith("s"):
            assert S3_SECRET not in text, path


def test_no_secret_in_the_play_output(cluster):
    output = cluster[1]
    for secret in (TOKEN, AGENT_TOKEN, REGISTRY_PASSWORD, S3_SECRET):
        assert secret not in output


def test_registries_and_kube_vip(cluster):
    out = cluster[0]
    registries = yaml.safe_load((out / "a1" / "registries.yaml").read_text())
    assert registries["mirrors"]["docker.io"]["endpoint"] == ["https://registry.example.eu"]
    docs = list(yaml.safe_load_all((out / "s1" / "kube-vip.yaml").read_text()))
    daemonset = next(d for d in docs if d["kind"] == "DaemonSet")
    container = daemonset["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == KUBE_VIP
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["address"] == "10.0.0.10" and env["vip_interface"] == "eth0"
    assert not (out / "a1" / "kube-vip.yaml").exists()


@pytest.mark.parametrize(("host", "unit"), [("s1", "k3s.service"), ("a1", "k3s-agent.service")])
def test_units(cluster, tmp_path, host, unit):
    text = (cluster[0] / host / unit).read_text()
    exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    assert exec_start.endswith("--config /etc/rancher/k3s/config.yaml")
    assert "token" not in exec_start.lower()
    assert not re.search(r"^Environment(File)?=.*TOKEN", text, re.M)
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # The k3s binary is the missing artifact: verify every other directive.
    path = tmp_path / unit
    path.write_text(re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", text, flags=re.M))
    proc = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(path)], capture_output=True, text=True, check=False
    )
    problems = [line for line in (proc.stdout + proc.stderr).splitlines() if unit in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr


def role_tasks():
    tasks = []
    for path in (ROOT / "roles" / "k3s" / "tasks").glob("*.yml"):
        tasks += [(path.name, t) for t in yaml.safe_load(path.read_text()) or []]
    return tasks


@pytest.mark.parametrize(
    "destination",
    [
        "{{ __k3s_token_file }}",
        "{{ __k3s_agent_token_file }}",
        "{{ __k3s_config_dir }}/config.yaml",
        "{{ __k3s_config_dir }}/registries.yaml",
        "{{ __k3s_secret_dir }}/datastore.env",
    ],
)
def test_secret_files_are_written_0600_by_root_and_never_logged(destination):
    writers = [
        (name, task)
        for name, task in role_tasks()
        for module in ("ansible.builtin.copy", "ansible.builtin.template")
        if isinstance(task.get(module), dict) and task[module].get("dest") == destination
    ]
    assert writers, f"no task writes {destination}"
    for name, task in writers:
        args = task.get("ansible.builtin.copy") or task.get("ansible.builtin.template")
        assert args["mode"] == "0600" and args.get("owner") == "root", (name, task["name"])
        assert "no_log" in task, (name, task["name"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"servers": ("s1", "s2"), "agents": ("a1",)}, "embedded etcd needs an odd number of servers"),
        (
            {"servers": ("s1", "s2", "s3"), "agents": (), "extra": {"k3s_datastore": "sqlite"}},
            "sqlite serves one server only",
        ),
    ],
)
def test_topologies_refused(tmp_path, kwargs, message):
    proc, out = render(tmp_path, "refused", **kwargs)
    assert proc.returncode != 0
    assert message in " ".join((proc.stdout + proc.stderr).split())
    assert not list(out.rglob("config.yaml"))


def test_even_servers_with_the_override(tmp_path):
    proc, _out = render(tmp_path, "even", servers=("s1", "s2"), agents=(), extra={"k3s_allow_even_servers": True})
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]

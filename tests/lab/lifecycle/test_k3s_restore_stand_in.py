"""etcd_restore.yml from a local file or from S3, chosen explicitly (issue #16, defect 4), on a stand-in.

With etcd-s3 in config.yaml, `k3s server --cluster-reset
--cluster-reset-restore-path=P` looks P up in S3. The playbook passed that
config with a local path, so a local restore failed once S3 was set up, and
a restore from S3 could not be asked for. Now `k3s_restore_source` (local or
s3) is required: a local restore runs with a 0600 copy of config.yaml
without the etcd-s3 settings (removed afterwards), an S3 one with them.

Stand-in (tests/tooling/k3s_cli_standin.py): `k3s server --cluster-reset`
as k3s's docs describe it, refusing a local path when S3 is on, a missing
file, and a reset while the k3s unit runs; it records what was restored.
This proves the playbook's steps (checks, stop, the command and the config
it is given, the clean-up), not k3s's restore. The last play (the k3s role
starting the servers again) needs a k3s server: it is skipped (--skip-tags k3s).
"""

from __future__ import annotations

import json

import pytest
import testlab
from k3s_standin_lab import STATE, StandInCluster, put

PLAYBOOK = testlab.ROOT / "playbooks" / "etcd_restore.yml"
SECRET = "planted-s3-secret-" + "0123456789abcdef"
CONFIG = f"""cluster-init: true
token-file: /etc/sovereign/k3s/token
etcd-s3: true
etcd-s3-endpoint: s3.fr-par.scw.cloud
etcd-s3-bucket: k3s-backups
etcd-s3-access-key: SCWPLANTEDACCESSKEY
etcd-s3-secret-key: {SECRET}
"""
LOCAL = "/var/lib/rancher/k3s/server/db/snapshots/on-demand-nuc1-1764540000"
UNIT = "[Unit]\nDescription=k3s stand-in\n[Service]\nExecStart=/bin/sleep infinity\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = StandInCluster(tmp_path_factory.mktemp("k3s-restore")).set_up()
    server = cluster.server
    put(server, "/etc/rancher/k3s/config.yaml", CONFIG, "0600")
    put(server, LOCAL, "etcd snapshot bytes\n", "0600")
    put(server, f"{STATE}/s3.json", json.dumps(["etcd-snapshot-nuc1-1764500000"]), "0600")
    put(server, "/etc/systemd/system/k3s.service", UNIT, "0644")
    yield cluster
    server.run("systemctl stop k3s; rm -f /etc/systemd/system/k3s.service; systemctl daemon-reload")
    server.run("rm -rf /etc/rancher/k3s /var/lib/rancher/k3s/server; rmdir /etc/rancher 2>/dev/null || true")
    cluster.tear_down()


def restore(cluster, **extra):
    cluster.server.run_expect([0], "systemctl daemon-reload && systemctl start k3s")
    proc = cluster.run(PLAYBOOK, "--skip-tags", "k3s", extra={"k3s_restore_confirm": "k3s", **extra})
    restores = json.loads(cluster.server.run(f"cat {STATE}/restores.json 2>/dev/null || echo []").stdout)
    return proc, restores


def test_stand_in_local_restore_with_s3_configured(cluster):
    proc, restores = restore(cluster, k3s_restore_source="local", k3s_restore_snapshot=LOCAL)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert restores[-1] == {"source": "local", "snapshot": LOCAL, "config_s3_keys": []}
    assert not cluster.server.file("/etc/sovereign/k3s/restore-config.yaml").exists
    assert not cluster.server.service("k3s").is_running
    assert SECRET not in output


def test_stand_in_restore_from_s3(cluster):
    proc, restores = restore(cluster, k3s_restore_source="s3", k3s_restore_snapshot="etcd-snapshot-nuc1-1764500000")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert restores[-1]["source"] == "s3"
    assert restores[-1]["snapshot"] == "etcd-snapshot-nuc1-1764500000"
    assert "etcd-s3-secret-key" in restores[-1]["config_s3_keys"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"k3s_restore_snapshot": LOCAL}, "k3s_restore_source=local with the snapshot's absolute path"),
        ({"k3s_restore_source": "s3", "k3s_restore_snapshot": LOCAL}, "with the snapshot's name in the bucket"),
        (
            {"k3s_restore_source": "local", "k3s_restore_snapshot": LOCAL + "-missing"},
            "on-demand-nuc1-1764540000-missing",
        ),
    ],
)
def test_stand_in_restore_refused_before_anything_stops(cluster, extra, message):
    count = len(restore(cluster, k3s_restore_source="local", k3s_restore_snapshot=LOCAL)[1])
    proc, restores = restore(cluster, **extra)
    output = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0
    assert message in output
    assert len(restores) == count
    assert cluster.server.service("k3s").is_running

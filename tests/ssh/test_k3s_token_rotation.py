"""playbooks/k3s_token_rotate.yml against a stand-in of the k3s supervisor, over SSH and sudo.

k3s cannot be had here, so the rotation request goes to
tests/tooling/k3s_supervisor_standin.py, which follows the k3s sources for
the one call the playbook makes (PUT /v1-k3s/token, basic auth as "server",
TLS with the server CA). This tests the playbook, not k3s.

What matters most here is where the tokens go. The playbook runs as users
run it on real hosts: over SSH, with become through sudo (which logs the
command line of everything it runs to the journal), and with Ansible's own
strategy (under mitogen an `environment:` would not reach a command line,
and the leak this guards against would go unseen). While it runs, the
process table is sampled on the host; afterwards the journal, the samples
and the play output are searched for both tokens.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import subprocess
import sysconfig
from pathlib import Path

import ansible_playbook
import labhost
import pytest
import sshhost
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "172.30.60.22"
OLD_PASSWORD = "planted-old-server-token-0123456789abcdef"  # noqa: S105 - a test value planted to be searched for
NEW_TOKEN = "planted-new-server-token-fedcba9876543210"  # noqa: S105 - a test value planted to be searched for
STANDIN_DIR = "/root/k3s-standin"


def certificate_pair(common_name, issuer=None, issuer_key=None, ca=False):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    pem_cert = cert.public_bytes(serialization.Encoding.PEM)
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert, key, pem_cert, pem_key


def put_file(container, path, content, mode="0600"):
    labhost.docker("exec", container, "install", "-d", "-m", "0700", os.path.dirname(path))
    return subprocess.run(
        ["docker", "exec", "-i", container, "sh", "-c", f"umask 077 && cat > {path} && chmod {mode} {path}"],
        input=content,
        capture_output=True,
        check=True,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A host with the stand-in supervisor on 127.0.0.1:6443 and the role's token file holding the old token."""
    work = tmp_path_factory.mktemp("k3s-rotation")
    with sshhost.ssh_host(work, ADDRESS, "sovereign-ssh-k3s") as (name, key, known_hosts):
        ca_cert, ca_key, ca_pem, _ca_key_pem = certificate_pair("k3s-server-ca stand-in", ca=True)
        _cert, _key, cert_pem, key_pem = certificate_pair("127.0.0.1", issuer=ca_cert.subject, issuer_key=ca_key)
        put_file(name, "/var/lib/rancher/k3s/server/tls/server-ca.crt", ca_pem, "0644")
        put_file(name, f"{STANDIN_DIR}/tls.crt", cert_pem)
        put_file(name, f"{STANDIN_DIR}/tls.key", key_pem)
        put_file(name, f"{STANDIN_DIR}/password", OLD_PASSWORD.encode() + b"\n")
        standin = (ROOT / "tests" / "tooling" / "k3s_supervisor_standin.py").read_bytes()
        put_file(name, f"{STANDIN_DIR}/k3s_supervisor_standin.py", standin)
        # The role keeps the server token in this 0600 file, in k3s's full format.
        put_file(name, "/etc/sovereign/k3s/token", f"K10{'0' * 64}::server:{OLD_PASSWORD}\n".encode())
        labhost.docker(
            "exec", name, "systemd-run", "--unit=k3s-standin", "python3",
            f"{STANDIN_DIR}/k3s_supervisor_standin.py", STANDIN_DIR, "6443",
        )  # fmt: skip
        inventory = work / "inventory.yml"
        inventory.write_text(
            yaml.safe_dump(
                {
                    "k3s_server": {"hosts": {"nuc1": {"ansible_host": ADDRESS}}},
                    "all": {
                        "vars": {
                            "ansible_user": "debian",
                            "ansible_ssh_private_key_file": str(key),
                            "ansible_ssh_common_args": f"-o UserKnownHostsFile={known_hosts}",
                        }
                    },
                }
            )
        )
        yield name, work, inventory


def test_rotation_through_the_k3s_supervisor_stand_in_leaves_no_token_behind(server):
    name, work, inventory = server
    vault = work / "vault.yml"
    vault.write_text(yaml.safe_dump({"k3s_new_token": NEW_TOKEN}))
    # The process table, every 20 ms, for as long as the playbook runs.
    labhost.docker(
        "exec", name, "systemd-run", "--unit=ps-sampler", "/bin/sh", "-c",
        "while true; do ps -eo args; sleep 0.02; done > /root/ps-samples.txt",
    )  # fmt: skip
    env = {
        **os.environ,
        "ANSIBLE_STRATEGY": "linear",
        "ANSIBLE_COLLECTIONS_PATH": f"{ROOT / '.cache' / 'collections'}:{sysconfig.get_paths()['purelib']}",
        "ANSIBLE_NOCOLOR": "1",
    }
    env.pop("ANSIBLE_STRATEGY_PLUGINS", None)
    _seconds, proc = ansible_playbook.timed(
        ["-i", inventory, ROOT / "playbooks" / "k3s_token_rotate.yml", "--tags", "rotate", "-e", f"@{vault}"],
        env=env,
    )
    labhost.docker("exec", name, "systemctl", "stop", "ps-sampler")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]

    # The stand-in got one authenticated PUT carrying the given token, not an empty one.
    requests = [
        json.loads(line)
        for line in labhost.docker("exec", name, "cat", f"{STANDIN_DIR}/requests.jsonl").stdout.splitlines()
    ]
    assert requests == [{"method": "PUT", "path": "/v1-k3s/token", "status": 200, "new_token": "given"}], requests
    token = labhost.docker("exec", name, "cat", f"{STANDIN_DIR}/token").stdout
    assert token.rstrip().endswith(f"::server:{NEW_TOKEN}")

    # Neither token in the journal (sudo logs every command line), the process table or the play output.
    journal = labhost.docker("exec", name, "journalctl", "--no-pager", "-o", "cat").stdout
    samples = labhost.docker("exec", name, "cat", "/root/ps-samples.txt").stdout
    assert "COMMAND=" in journal, "sudo logged nothing: the search below would prove nothing"
    assert len(samples.splitlines()) > 100, "too few process samples to prove anything"
    for secret in (OLD_PASSWORD, NEW_TOKEN):
        assert secret not in journal, "a token is in the journal"
        assert secret not in samples, "a token was on a command line"
        assert secret not in output, "a token is in the play output"


def test_a_wrong_current_token_is_refused_by_the_k3s_supervisor_stand_in(server):
    """The stand-in refuses what k3s refuses: the playbook must fail, not rotate."""
    name, work, inventory = server
    put_file(name, "/etc/sovereign/k3s/token", b"not-the-server-password-0123456789\n")
    vault = work / "vault2.yml"
    vault.write_text(yaml.safe_dump({"k3s_new_token": NEW_TOKEN + "-2"}))
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1"}
    proc = ansible_playbook.run(
        inventory, ROOT / "playbooks" / "k3s_token_rotate.yml", "--tags", "rotate", "-e", f"@{vault}", env=env
    )
    assert proc.returncode != 0
    last = labhost.docker("exec", name, "tail", "-n", "1", f"{STANDIN_DIR}/requests.jsonl").stdout
    assert json.loads(last)["status"] == 401

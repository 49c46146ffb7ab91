"""Checks that concern nuc1 only: its firewall seen from the other lab hosts,
and the admin user tests/lab/inventory gives it."""

from __future__ import annotations

import time

import pytest
import testlab
from testlab import lab_host

testinfra_hosts = testlab.testinfra_hosts("nuc1")


def _reachable(src, address, port, timeout=3):
    """Try a TCP connect from the lab host `src`; True when it connects."""
    probe = (
        "import socket,sys\n"
        "s=socket.socket(); s.settimeout(%d)\n"
        "try:\n s.connect((%r,%d)); print('open')\n"
        "except OSError as e:\n print('closed', e)\n" % (timeout, address, port)
    )
    return src.check_output("python3 -c %s", probe).startswith("open")


@pytest.fixture(scope="module")
def probe_listeners():
    """Listen on nuc1 on the opened port 8765 and the unopened port 8766."""
    nuc1 = lab_host("nuc1")
    for port in (8765, 8766):
        nuc1.run("systemd-run --unit=probe-%d --collect python3 -m http.server %d --bind 0.0.0.0" % (port, port))
    for _attempt in range(50):
        if nuc1.socket("tcp://0.0.0.0:8765").is_listening and nuc1.socket("tcp://0.0.0.0:8766").is_listening:
            break
        time.sleep(0.2)
    yield nuc1
    for port in (8765, 8766):
        nuc1.run("systemctl stop probe-%d" % port)


def test_firewall_from_other_lab_hosts(host, probe_listeners):
    nuc2, nuc3 = lab_host("nuc2"), lab_host("nuc3")
    nuc1_ip = testlab.lab().address("nuc1")
    # The listener answers locally (loopback is accepted)...
    assert _reachable(probe_listeners, "127.0.0.1", 8766)
    # ...SSH is open to the lab network...
    assert _reachable(nuc3, nuc1_ip, 22)
    # ...the drop-in opens 8765 to nuc2 only...
    assert _reachable(nuc2, nuc1_ip, 8765)
    assert not _reachable(nuc3, nuc1_ip, 8765)
    # ...and a port nobody opened is unreachable.
    assert not _reachable(nuc2, nuc1_ip, 8766)
    dropin = probe_listeners.file("/etc/nftables.d/input/lab-probe.nft")
    assert dropin.exists and dropin.mode == 0o640


def test_admin_user(host):
    user = host.user("alice")
    assert user.exists
    assert host.file("/home/alice/.ssh/authorized_keys").mode == 0o600
    assert "alice@example.eu" in host.file("/home/alice/.ssh/authorized_keys").content_string
    # No usable password: the account is locked for password logins.
    assert host.check_output("passwd -S alice").split()[1] == "L"
    assert host.run("visudo -cf /etc/sudoers.d/sovereign-alice").rc == 0

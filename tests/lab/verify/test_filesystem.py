"""SUID/SGID programs, temporary mounts and needrestart (base role), on every host (issue #14, item 15)."""

from __future__ import annotations

import stat
import textwrap

import testlab
import yaml
from testlab import lab_host

testinfra_hosts = testlab.testinfra_hosts()
REMOVED = yaml.safe_load((testlab.ROOT / "roles/base/vars/main.yml").read_text())["__base_suid_sgid_removed"]
# What base leaves as Debian ships it (roles/base/vars/main.yml says why).
KEPT_SUID = ["/usr/bin/sudo", "/usr/bin/su", "/usr/bin/passwd"]
KEPT_OTHERS = {
    "/usr/sbin/unix_chkpwd",
    "/usr/lib/dbus-1.0/dbus-daemon-launch-helper",
    "/usr/sbin/pam-tmpdir-helper",  # Debian 12
    "/usr/libexec/pam-tmpdir/pam-tmpdir-helper",  # Debian 13
    "/usr/bin/ssh-agent",
}
HARDENED = {"nodev", "nosuid", "noexec"}
TMP, VAR_TMP, SHM = "/tmp", "/var/tmp", "/dev/shm"  # noqa: S108 - the mount points under test


def special_bits(host, path):
    return host.file(path).mode & (stat.S_ISUID | stat.S_ISGID)


def test_suid_sgid_bits_removed_by_dpkg_overrides(host):
    overrides = host.check_output("dpkg-statoverride --list").splitlines()
    for entry in REMOVED:
        expected = f"{entry['owner']} {entry['group']} {entry['mode'].lstrip('0')} {entry['path']}"
        assert expected in overrides, f"no dpkg override for {entry['path']}"
        if host.file(entry["path"]).exists:
            assert special_bits(host, entry["path"]) == 0, f"{entry['path']} still has its SUID/SGID bit"
    # The programs the collection needs keep theirs, and no other program
    # on the host has the bit.
    for path in KEPT_SUID:
        assert special_bits(host, path) == stat.S_ISUID, path
    found = set(host.check_output("find / -xdev -type f -perm /6000 2>/dev/null || true").split())
    assert found <= {*KEPT_SUID, *KEPT_OTHERS}, found - {*KEPT_SUID, *KEPT_OTHERS}


def test_suid_bit_stays_removed_when_its_package_is_reinstalled():
    """A package upgrade applies dpkg's override instead of restoring the bit (a plain chmod would not last)."""
    host = lab_host("nuc1")
    host.run_expect([0], "apt-get install -y -q --reinstall passwd")
    for path in ("/usr/bin/chsh", "/usr/bin/chfn", "/usr/bin/gpasswd", "/usr/bin/newgrp"):
        assert special_bits(host, path) == 0, f"{path} got its bit back from the reinstalled package"


def test_temporary_mounts_have_nodev_nosuid_noexec(host):
    lines = host.file("/proc/mounts").content_string.splitlines()
    mounts = {line.split()[1]: set(line.split()[3].split(",")) for line in lines}
    for target in (TMP, SHM):
        assert mounts[target] >= HARDENED, (target, mounts[target])
    if testlab.name_of(host) == "nuc3":
        # The lab starts nuc3's /var/tmp without these options (lab_extra_tmpfs):
        # base remounted it and wrote fstab, so a reboot keeps them.
        assert mounts[VAR_TMP] >= HARDENED, mounts[VAR_TMP]
        fstab = [line.split() for line in host.file("/etc/fstab").content_string.splitlines()]
        entries = [fields for fields in fstab if len(fields) > 3 and fields[1] == VAR_TMP]
        assert len(entries) == 1 and set(entries[0][3].split(",")) >= HARDENED, entries
        probe = f"{VAR_TMP}/probe-true"
        noexec = host.run(f"cp /usr/bin/true {probe} && {probe}; rc=$?; rm -f {probe}; exit $rc")
        assert noexec.rc == 126, "a program copied to /var/tmp could run"


PROBE_UNIT = textwrap.dedent("""\
    [Service]
    ExecStart=/usr/local/lib/needrestart-probe/sleep infinity
    """)


def test_needrestart_restarts_a_service_running_a_replaced_program():
    """base's needrestart settings (automatic) restart a service whose program was replaced, as by an upgrade."""
    host = lab_host("nuc1")
    host.run_expect([0], "install -D -m 0755 /usr/bin/sleep /usr/local/lib/needrestart-probe/sleep")
    host.run_expect([0], f"printf '%s' '{PROBE_UNIT}' > /etc/systemd/system/needrestart-probe.service")
    try:
        host.run_expect([0], "systemctl daemon-reload && systemctl start needrestart-probe.service")
        before = host.check_output("systemctl show -p MainPID --value needrestart-probe.service")
        # What dpkg does on an upgrade: the new file replaces the old one,
        # which the running process still maps.
        probe_dir = "/usr/local/lib/needrestart-probe"
        host.run_expect([0], f"cp /usr/bin/sleep {probe_dir}/sleep.new && mv {probe_dir}/sleep.new {probe_dir}/sleep")
        listed = host.check_output("needrestart -b")  # batch mode only lists
        assert "NEEDRESTART-SVC: needrestart-probe.service" in listed, listed
        # As apt's hook runs it after an upgrade (DPkg::Post-Invoke, no
        # options, no terminal): the mode comes from base's configuration.
        host.run_expect([0], "needrestart </dev/null")
        after = host.check_output("systemctl show -p MainPID --value needrestart-probe.service")
        assert after not in ("0", before), "needrestart did not restart the service"
        # k3s is never restarted by needrestart (its role orders those restarts).
        never = host.check_output(
            "perl -e 'our %nrconf; do q(/etc/needrestart/needrestart.conf); "
            "print join(qq(\\n), grep { $nrconf{override_rc}{$_} == 0 } keys %{$nrconf{override_rc}})'"
        )
        assert "k3s(-agent)?\\.service$" in never, never
    finally:
        host.run(
            "systemctl stop needrestart-probe.service; rm -rf /etc/systemd/system/needrestart-probe.service"
            " /usr/local/lib/needrestart-probe; systemctl daemon-reload"
        )

"""File integrity (base role, AIDE) on nuc3, from outside the role (issue #14, item 15).

This module runs first among the verifiers (they install Lynis and plant
files): right after the converges, the check must have nothing to report,
since site.yml takes the baseline again at the end of the first converge.
Then a planted program is reported once, fails the check's unit, and
node_exporter (scraped from nuc1, the monitoring host) exposes the failed
unit that the prometheus role's FileIntegrityChanged alert watches.
"""

from __future__ import annotations

import re

import testlab
from testlab import lab_host

LAB = testlab.lab()
USER, PASSWORD = "prometheus", LAB.secret("node-exporter-prometheus")


def metrics(scraper, address):
    result = scraper.run(
        f"curl -s -m 5 --cacert /etc/sovereign/pki/ca.crt -u {USER}:{PASSWORD} https://{address}:9100/metrics"
    )
    assert result.rc == 0, result.stderr
    return result.stdout


def aide_check(host):
    """Run the daily file integrity check now; (unit failed?, what it reported)."""
    since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
    host.run("systemctl start sovereign-aide-check.service")
    failed = host.run("systemctl is-failed --quiet sovereign-aide-check.service").rc == 0
    report = host.check_output(f"journalctl -u sovereign-aide-check.service --since '{since}' --no-pager -o cat")
    return failed, report


def test_file_integrity_check_reports_a_planted_file_once_and_reaches_the_metrics():
    """AIDE (base role): the daily check fails its unit on a change, once, and node_exporter exposes that."""
    target, scraper = lab_host("nuc3"), lab_host("nuc1")
    assert target.file("/var/lib/aide/aide.db").exists
    assert target.service("sovereign-aide-check.timer").is_enabled
    assert not target.service("dailyaidecheck.timer").is_enabled
    # aide-common recommends a mailer, which would bring a mail server.
    assert not target.package("exim4-daemon-light").is_installed
    # apt-listchanges' one-time database build (an hourly timer that disables
    # itself) ran in the converge, before the baseline, not at the next hour.
    if target.file("/usr/lib/systemd/system/apt-listchanges.service").exists:
        assert target.file("/var/lib/apt/listchanges").exists
        assert not target.service("apt-listchanges.timer").is_enabled
    # The converge took the baseline again at its end: nothing to report.
    failed, report = aide_check(target)
    assert not failed, report[-3000:]
    planted = "/usr/local/bin/sovereign-integrity-probe"
    target.run(f"printf '#!/bin/sh\\n' > {planted} && chmod 755 {planted}")
    try:
        failed, report = aide_check(target)
        assert failed
        assert re.search(rf"^f\+*: {re.escape(planted)}$", report, re.M), report[-3000:]
        body = metrics(scraper, LAB.address("nuc3"))
        failed_unit = r'node_systemd_unit_state\{name="sovereign-aide-check.service",state="failed"(,[^}]*)?\} 1'
        assert re.search(failed_unit, body)
    finally:
        target.run(f"rm -f {planted}")
    # The removal is the next change, reported once too; then all is quiet.
    failed, report = aide_check(target)
    assert failed and planted in report
    failed, report = aide_check(target)
    assert not failed, report[-3000:]

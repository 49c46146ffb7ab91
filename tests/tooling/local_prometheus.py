"""Debian's Prometheus on loopback over a TSDB of backfilled series, for the FinOps test and benchmark.

The binaries come from Debian's prometheus package, unpacked under .cache/tools
(debian_tools.py), never installed: no service or user is added to the machine.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import debian_tools


class PrometheusUnavailable(RuntimeError):
    """Debian's package cannot be had, or Prometheus did not start (its log's end in the message)."""


def binaries() -> tuple[Path, Path]:
    prometheus = debian_tools.unpacked("prometheus", "usr/bin/prometheus")
    promtool = debian_tools.promtool()
    if prometheus is None or promtool is None:
        raise PrometheusUnavailable("Debian's prometheus package could not be downloaded and unpacked")
    return prometheus, promtool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def backfill(openmetrics: Path, tsdb: Path) -> None:
    """promtool tsdb create-blocks-from openmetrics: one file's samples into blocks under tsdb."""
    _prometheus, promtool = binaries()
    subprocess.run([str(promtool), "tsdb", "create-blocks-from", "openmetrics", "-q", str(openmetrics), str(tsdb)],
                   check=True, capture_output=True)  # fmt: skip


@contextlib.contextmanager
def serving(tsdb: Path, work: Path, start_timeout=60):
    """A Prometheus over tsdb on 127.0.0.1, scraping nothing; yields its URL and stops it after."""
    prometheus, _promtool = binaries()
    (work / "prometheus.yml").write_text("global: {scrape_interval: 1m}\n")
    url = "http://127.0.0.1:%d" % free_port()
    with (work / "prometheus.log").open("w") as log:
        proc = subprocess.Popen(
            [str(prometheus), "--config.file", str(work / "prometheus.yml"), "--storage.tsdb.path", str(tsdb),
             "--storage.tsdb.retention.time", "100y", "--web.listen-address", url.removeprefix("http://")],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + start_timeout
            while not _ready(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise PrometheusUnavailable(
                        "Prometheus did not start:\n" + (work / "prometheus.log").read_text()[-3000:]
                    )
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def _ready(url):
    try:
        with urllib.request.urlopen(url + "/-/ready", timeout=2) as answer:  # noqa: S310 - loopback http
            return answer.status == 200
    except OSError:
        return False

"""Validators taken from Debian's own packages, unpacked into .cache/tools without installing.

`promtool` checks PromQL (dashboards, rules); it comes with Debian's
`prometheus` package. Installing that package on the test machine would
start a Prometheus there, so the package is downloaded with apt-get and
unpacked with dpkg-deb instead.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".cache" / "tools"


def unpacked(package: str, relative: str) -> Path | None:
    """Path of `relative` inside Debian's `package`, unpacked under .cache/tools; None if unavailable."""
    target = TOOLS / package / relative
    if target.exists():
        return target
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        return None
    download = TOOLS / "debs"
    download.mkdir(parents=True, exist_ok=True)
    fetched = subprocess.run(
        ["apt-get", "download", package], cwd=download, capture_output=True, text=True, check=False
    )
    debs = sorted(download.glob(f"{package}_*.deb"))
    if fetched.returncode != 0 or not debs:
        return None
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(TOOLS / package)], check=True)
    return target if target.exists() else None


def promtool() -> Path | None:
    found = shutil.which("promtool")
    return Path(found) if found else unpacked("prometheus", "usr/bin/promtool")

"""Run every check of the project and end with one line: N passed, N failed, N skipped.

Called by scripts/run-tests (the README's test command), which first sets up
the venv, the collection link, the Docker engine check and the lab images.

Checks, in order: ruff (lint and format), yamllint, ansible-lint (production
profile), ansible-test sanity (empty ignore files), unit tests, bad-input
tests, collection build/install/ansible-doc, and every molecule scenario
(create, converge, idempotence, check mode with zero changes, verify).

Pytest-based checks count each test case; the others count as one check.
A molecule scenario whose directory holds a `requires.env` file runs only
when the environment variable named there is set; otherwise it is reported
SKIPPED with the reason written in that file.

  python tests/run.py                      everything
  tests/run.py --only lint,unit     some groups (lint, sanity, unit, integration, build, molecule)
  tests/run.py --scenario base      some molecule scenarios
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".cache" / "test-logs"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
GROUPS = ("lint", "sanity", "unit", "integration", "build", "molecule")
GET_PIP_VERSION = "24_2"  # the bootstrap script name ansible-test 2.19 looks for


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures: list[str] = []

    def record(self, name, status, detail="", seconds=None):
        timing = f" ({seconds:.1f} s)" if seconds is not None else ""
        print(f"{status:<4} {name}{timing}{(' - ' + detail) if detail else ''}", flush=True)
        if status == "PASS":
            self.passed += 1
        elif status == "SKIP":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(name)

    def add_counts(self, name, counts, seconds, log):
        passed, failed, skipped = counts
        status = "FAIL" if failed else "PASS"
        print(
            f"{status:<4} {name} ({seconds:.1f} s): {passed} passed, {failed} failed, {skipped} skipped",
            flush=True,
        )
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        if failed:
            self.failures.append(name)
            show_tail(log)


def show_tail(log: Path, lines=80):
    text = ANSI.sub("", log.read_text(errors="replace")).splitlines()
    print(f"---- last {lines} lines of {log.relative_to(ROOT)} ----")
    print("\n".join(text[-lines:]))
    print("----")


def run(cmd, log: Path, cwd=ROOT, env=None):
    """Run a command with its output to `log`; return (rc, seconds)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w") as handle:
        handle.write(f"$ {' '.join(str(c) for c in cmd)}\n")
        handle.flush()
        proc = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd,
            env=env or os.environ.copy(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    return proc.returncode, time.monotonic() - started


def check(results, name, cmd, **kwargs):
    log = LOGS / f"{name.replace(' ', '_').replace('/', '_')}.log"
    rc, seconds = run(cmd, log, **kwargs)
    results.record(name, "PASS" if rc == 0 else "FAIL", seconds=seconds)
    if rc:
        show_tail(log)
    return rc == 0


def junit_counts(path: Path):
    """(passed, failed, skipped) from a pytest JUnit XML report."""
    tree = ET.parse(path)  # noqa: S314 - a report pytest just wrote here, not outside input
    passed = failed = skipped = 0
    for case in tree.iter("testcase"):
        if case.find("skipped") is not None:
            skipped += 1
        elif case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        else:
            passed += 1
    return passed, failed, skipped


def pytest_check(results, name, args, env=None):
    log = LOGS / f"{name}.log"
    junit = LOGS / f"{name}.xml"
    junit.unlink(missing_ok=True)
    rc, seconds = run([sys.executable, "-m", "pytest", f"--junitxml={junit}", "-rs", *args], log, env=env)
    if not junit.exists():
        results.record(name, "FAIL", f"pytest produced no report (rc {rc})", seconds)
        show_tail(log)
        return
    counts = junit_counts(junit)
    if rc not in (0, 5) and counts[1] == 0:
        # pytest failed outside any test case (collection error, crash).
        counts = (counts[0], 1, counts[2])
    results.add_counts(name, counts, seconds, log)


# --- groups -----------------------------------------------------------------


def drop_stale_collection_copies():
    """Remove copies of this collection from ~/.ansible/collections.

    ansible-lint (through ansible-compat) can install the project collection
    there and later prefer that copy to this checkout, judging stale code.
    """
    stale = Path.home() / ".ansible" / "collections" / "ansible_collections" / "sovereign" / "cloud"
    if stale.exists() and not (stale.is_symlink() and stale.resolve() == ROOT):
        print(f"note: removing stale copy of the collection at {stale}", flush=True)
        if stale.is_symlink():
            stale.unlink()
        else:
            shutil.rmtree(stale)


def lint(results):
    drop_stale_collection_copies()
    check(results, "ruff check", ["ruff", "check", "."])
    check(results, "ruff format", ["ruff", "format", "--check", "."])
    check(results, "yamllint", ["yamllint", "--strict", "."])
    check(results, "ansible-lint", ["ansible-lint", "--profile", "production", "--strict"])


def sanity(results):
    """ansible-test sanity --local on a copy at .../ansible_collections/sovereign/cloud."""
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "tests" / "tooling" / "get_pip_offline.py", cache / f"get_pip_{GET_PIP_VERSION}.py")
    work = Path(tempfile.mkdtemp(prefix="sovereign-sanity-"))
    dest = work / "ansible_collections" / "sovereign" / "cloud"
    dest.mkdir(parents=True)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for raw in filter(None, files):
        rel = raw.decode()
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    ignores = [p for p in (ROOT / "tests" / "sanity").glob("ignore-*.txt") if p.read_text().strip()]
    if ignores:
        results.record("sanity ignore files are empty", "FAIL", ", ".join(p.name for p in ignores))
    try:
        check(results, "ansible-test sanity", ["ansible-test", "sanity", "--local", "--python", "3.11"], cwd=dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def unit(results):
    env = os.environ.copy()
    env["PYTHONPATH"] = str(ROOT / ".cache" / "collections")
    pytest_check(results, "unit", ["tests/unit"], env=env)


def integration(results):
    """Each folder of tests/integration holding pytest files is one check."""
    for folder in sorted(p for p in (ROOT / "tests" / "integration").iterdir() if p.is_dir()):
        if any(folder.glob("test_*.py")):
            pytest_check(results, f"integration-{folder.name}", [str(folder.relative_to(ROOT))])


def build(results):
    out = ROOT / ".cache" / "build"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = LOGS / "build.log"
    rc, seconds = run(["ansible-galaxy", "collection", "build", "--force", "--output-path", out], log)
    tarballs = list(out.glob("sovereign-cloud-*.tar.gz"))
    if rc or len(tarballs) != 1:
        results.record("collection build", "FAIL", seconds=seconds)
        show_tail(log)
        return
    results.record("collection build", "PASS", tarballs[0].name, seconds)
    install_dir = out / "installed"
    ok = check(
        results,
        "collection install",
        ["ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", install_dir, tarballs[0]],
    )
    if not ok:
        return
    # ansible-doc from the installed tarball only (plus the bundled dependencies).
    env = os.environ.copy()
    bundled = [p for p in env.get("ANSIBLE_COLLECTIONS_PATH", "").split(":") if "site-packages" in p]
    env["ANSIBLE_COLLECTIONS_PATH"] = ":".join([str(install_dir), *bundled])
    plugins = []
    for kind in ("filter", "test", "module", "inventory", "lookup", "callback"):
        listing = subprocess.run(
            ["ansible-doc", "-t", kind, "-l", "sovereign.cloud", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if listing.returncode == 0 and listing.stdout.strip():
            plugins += [(kind, name) for name in json.loads(listing.stdout)]
    missing = []
    for kind, name in plugins:
        doc = subprocess.run(["ansible-doc", "-t", kind, name], env=env, capture_output=True, text=True, check=False)
        if doc.returncode != 0 or "ERROR" in doc.stderr:
            missing.append(f"{kind}:{name}")
    expected = expected_plugins()
    found = {f"{k}:{n}" for k, n in plugins}
    missing += sorted(expected - found)
    results.record(
        "ansible-doc shows every plugin",
        "FAIL" if missing or not plugins else "PASS",
        f"not documented: {', '.join(missing)}" if missing else f"{len(plugins)} plugins",
    )


def expected_plugins():
    """Every plugin file in the checkout, as kind:sovereign.cloud.name."""
    expected = set()
    kinds = {"filter": "filter", "test": "test", "modules": "module", "inventory": "inventory", "lookup": "lookup"}
    for directory, kind in kinds.items():
        base = ROOT / "plugins" / directory
        if not base.is_dir():
            continue
        if kind in ("filter", "test"):
            names = [p.stem for p in base.glob("*.yml")]
        else:
            names = [p.stem for p in base.glob("*.py") if not p.name.startswith("_")]
        expected |= {f"{kind}:sovereign.cloud.{n}" for n in names}
    return expected


def molecule(results, only):
    scenarios = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))
    if only:
        scenarios = [s for s in scenarios if s in only]
    for scenario in scenarios:
        molecule_scenario(results, scenario)


def molecule_scenario(results, scenario):
    directory = ROOT / "molecule" / scenario
    gate = directory / "requires.env"
    if gate.exists():
        lines = [ln.strip() for ln in gate.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        variable, reason = lines[0], " ".join(lines[1:])
        if not os.environ.get(variable):
            results.record(f"molecule {scenario}", "SKIP", f"{variable} not set: {reason}")
            return
    base = ["molecule"]
    run([*base, "destroy", "-s", scenario], LOGS / f"molecule-{scenario}-predestroy.log")
    steps = [
        ("create", ["create"]),
        ("converge", ["converge"]),
        ("idempotence", ["idempotence"]),
        ("check mode, zero changes", ["converge", "--", "--check"]),
    ]
    ok = True
    for label, args in steps:
        name = f"molecule {scenario}: {label}"
        if not ok:
            results.record(name, "FAIL", "not run: an earlier step failed")
            continue
        log = LOGS / f"molecule-{scenario}-{args[0]}{'-check' if '--check' in args else ''}.log"
        rc, seconds = run([*base, args[0], "-s", scenario, *args[1:]], log)
        detail = ""
        if rc == 0 and "--check" in args:
            changed = recap_changes(log)
            if changed is None:
                rc, detail = 1, "no PLAY RECAP found"
            elif changed:
                rc, detail = 1, f"changes reported in check mode: {changed}"
        results.record(name, "PASS" if rc == 0 else "FAIL", detail, seconds)
        if rc:
            show_tail(log)
            ok = False
    name = f"molecule {scenario}: verify"
    if ok:
        junit = LOGS / f"molecule-{scenario}-verify.xml"
        junit.unlink(missing_ok=True)
        env = os.environ.copy()
        env["PYTEST_ADDOPTS"] = f"--junitxml={junit} -rs"
        log = LOGS / f"molecule-{scenario}-verify.log"
        rc, seconds = run([*base, "verify", "-s", scenario], log, env=env)
        if junit.exists():
            counts = junit_counts(junit)
            if rc and not counts[1]:
                counts = (counts[0], 1, counts[2])
            results.add_counts(name, counts, seconds, log)
        else:
            results.record(name, "PASS" if rc == 0 else "FAIL", "no verifier report", seconds)
            if rc:
                show_tail(log)
    else:
        results.record(name, "FAIL", "not run: an earlier step failed")
    rc, _seconds = run([*base, "destroy", "-s", scenario], LOGS / f"molecule-{scenario}-destroy.log")
    if rc:
        results.record(f"molecule {scenario}: destroy", "FAIL")


def recap_changes(log: Path):
    """Hosts with changed>0 in the PLAY RECAP of a log, or None without a recap."""
    text = ANSI.sub("", log.read_text(errors="replace"))
    # molecule wraps long lines and prefixes them with a box border.
    text = re.sub(r"^\s*[│|]\s?", "", text, flags=re.M)
    recaps = re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", text, flags=re.M)
    if not recaps:
        return None
    return {host: int(n) for host, n in recaps if int(n)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(GROUPS), help="comma-separated groups")
    parser.add_argument("--scenario", action="append", default=[], help="molecule scenario (repeatable)")
    args = parser.parse_args()
    groups = [g for g in args.only.split(",") if g]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")
    results = Results()
    started = time.monotonic()
    for group in GROUPS:
        if group not in groups:
            continue
        print(f"\n== {group}", flush=True)
        if group == "molecule":
            molecule(results, args.scenario)
        else:
            globals()[group](results)
    minutes = (time.monotonic() - started) / 60
    print(f"\nall checks done in {minutes:.1f} min; logs in {LOGS.relative_to(ROOT)}/")
    if results.failures:
        print("failed: " + "; ".join(results.failures))
    print(f"{results.passed} passed, {results.failed} failed, {results.skipped} skipped")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every check of the project and end with one line: N passed, N failed, N skipped.

Called by scripts/run-tests (the README's test command), which sets up the
venv and the collection link first. Docker, the lab images and the test
tools are set up here, through scripts/setup, only for the groups that need
them.

Groups, in order:
  lint         ruff (lint and format), yamllint, ansible-lint (production profile)
  sanity       ansible-test sanity (empty ignore files)
  unit         unit tests of the Python logic
  integration  one check per folder of tests/integration (render, bad_input, ...)
  build        collection build, install, ansible-doc of every plugin
  lab          the platform as users run it: the test lab (three systemd
               containers) converged once from playbooks/site.yml, again with
               zero changes, in check mode with zero changes, then every
               verifier (tests/lab/verify) and the lifecycle checks that change
               the lab (tests/lab/lifecycle)
  ssh          the README's path for real hosts: the built tarball installed
               into a user project, converging a fresh host over SSH as a
               sudoer (check mode first, then for real, then zero changes)
  molecule     scenarios that cannot share the lab (each with a requires.env
               file names what it needs; without it: SKIPPED with the reason)

Pytest-based checks count each test case; the others count as one check.
The run ends with a table of every check with its seconds, also written to
.cache/test-logs/timings.json.

  tests/run.py                               everything (what CI runs)
  tests/run.py --quick                       lint, sanity, unit, render, bad_input (no lab)
  tests/run.py --only lint,unit              some groups
  tests/run.py --only integration:render     one folder of tests/integration
  tests/run.py --only molecule --scenario k3s_single
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
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import testlab  # noqa: E402

LOGS = ROOT / ".cache" / "test-logs"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
GROUPS = ("lint", "sanity", "unit", "integration", "build", "lab", "ssh", "molecule")
QUICK = ("lint", "sanity", "unit", "integration:render", "integration:bad_input")
GET_PIP_VERSION = "24_2"  # the bootstrap script name ansible-test 2.19 looks for


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures: list[str] = []
        self.rows: list[dict] = []
        self.group = ""

    def _row(self, name, status, seconds, counts=None, detail=""):
        self.rows.append(
            {
                "group": self.group,
                "check": name,
                "status": status,
                "seconds": round(seconds, 1) if seconds is not None else None,
                "counts": dict(zip(("passed", "failed", "skipped"), counts, strict=True)) if counts else None,
                "detail": detail,
            }
        )

    def record(self, name, status, detail="", seconds=None):
        timing = f" ({seconds:.1f} s)" if seconds is not None else ""
        print(f"{status:<4} {name}{timing}{(' - ' + detail) if detail else ''}", flush=True)
        self._row(name, status, seconds, detail=detail)
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
        self._row(name, status, seconds, counts)
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        if failed:
            self.failures.append(name)
            show_tail(log)

    def table(self, total_seconds):
        """Every check with its seconds and the total of each group; also written as JSON."""
        width = max([len(r["check"]) for r in self.rows] + [20])
        print(f"\n== timings (seconds)\n{'group':<12} {'check':<{width}} {'seconds':>8}  result")
        group_totals: dict[str, float] = {}
        for row in self.rows:
            seconds = row["seconds"] or 0.0
            group_totals[row["group"]] = group_totals.get(row["group"], 0.0) + seconds
            counts = row["counts"]
            result = row["status"] + (f" {counts['passed']}/{counts['failed']}/{counts['skipped']}" if counts else "")
            print(f"{row['group']:<12} {row['check']:<{width}} {seconds:>8.1f}  {result}")
        for group, seconds in group_totals.items():
            print(f"{group:<12} {'(group total)':<{width}} {seconds:>8.1f}")
        print(f"{'':<12} {'(whole run, set-up included)':<{width}} {total_seconds:>8.1f}")
        LOGS.mkdir(parents=True, exist_ok=True)
        (LOGS / "timings.json").write_text(
            json.dumps(
                {
                    "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "total_seconds": round(total_seconds, 1),
                    "groups": {g: round(s, 1) for g, s in group_totals.items()},
                    "checks": self.rows,
                },
                indent=2,
            )
            + "\n"
        )


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


def log_name(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") + ".log"


def check(results, name, cmd, **kwargs):
    log = LOGS / log_name(name)
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
    """Run pytest; count its test cases. Returns True when nothing failed."""
    log = LOGS / log_name(name)
    junit = log.with_suffix(".xml")
    junit.unlink(missing_ok=True)
    rc, seconds = run([sys.executable, "-m", "pytest", f"--junitxml={junit}", "-rs", *args], log, env=env)
    if not junit.exists():
        results.record(name, "FAIL", f"pytest produced no report (rc {rc})", seconds)
        show_tail(log)
        return False
    counts = junit_counts(junit)
    if rc not in (0, 5) and counts[1] == 0:
        # pytest failed outside any test case (collection error, crash).
        counts = (counts[0], 1, counts[2])
    results.add_counts(name, counts, seconds, log)
    return counts[1] == 0


# --- set-up -------------------------------------------------------------------

_prepared: set[str] = set()


def setup(results, *steps):
    """Run scripts/setup for the steps not done yet in this run; take the environment it reports."""
    wanted = [s for s in steps if s not in _prepared]
    if not wanted:
        return True
    log = LOGS / log_name(f"setup {' '.join(wanted)}")
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = subprocess.run(
        [str(ROOT / "scripts" / "setup"), *wanted], capture_output=True, text=True, check=False, cwd=ROOT
    )
    seconds = time.monotonic() - started
    log.write_text(proc.stderr + proc.stdout)
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isupper():
            os.environ[key] = value
    if proc.returncode:
        results.record(f"set-up: {' '.join(wanted)}", "FAIL", seconds=seconds)
        show_tail(log)
        return False
    _prepared.update(wanted)
    results.record(f"set-up: {' '.join(wanted)}", "PASS", seconds=seconds)
    return True


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


def lint(results, _selection):
    drop_stale_collection_copies()
    check(results, "ruff check", ["ruff", "check", "."])
    check(results, "ruff format", ["ruff", "format", "--check", "."])
    check(results, "yamllint", ["yamllint", "--strict", "."])
    check(results, "ansible-lint", ["ansible-lint", "--profile", "production", "--strict"])


def sanity(results, _selection):
    """ansible-test sanity --local on a copy at .../ansible_collections/sovereign/cloud."""
    if not setup(results, "test-tools"):
        return
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


def unit(results, _selection):
    env = os.environ.copy()
    env["PYTHONPATH"] = str(ROOT / ".cache" / "collections")
    pytest_check(results, "unit", ["tests/unit"], env=env)


def integration_folders():
    return sorted(p for p in (ROOT / "tests" / "integration").iterdir() if p.is_dir() and any(p.glob("test_*.py")))


def integration(results, selection):
    """Each folder of tests/integration holding pytest files is one check.

    A folder whose tests start lab containers (they import tests/tooling/labhost.py)
    gets the Docker engine and the lab images first; one whose tests run the
    FOCUS validator (they import tests/tooling/focus_validator.py) gets its
    image too; the others need neither.
    """
    for folder in integration_folders():
        if selection is not None and folder.name not in selection:
            continue
        sources = [p.read_text() for p in folder.glob("*.py")]
        steps = ("test-tools",)
        if any("import labhost" in text for text in sources):
            steps += ("docker", "images")
        if any("import focus_validator" in text for text in sources):
            steps += ("focus-validator",)
        if not setup(results, *steps):
            results.record(f"integration-{folder.name}", "FAIL", "not run: set-up failed")
            continue
        pytest_check(results, f"integration-{folder.name}", [str(folder.relative_to(ROOT))])


def build(results, _selection):
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
    started = time.monotonic()
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
        time.monotonic() - started,
    )
    # The docs site users read: antsibull-docs' linter, Sphinx with warnings as errors.
    check(results, "docs site (antsibull-docs, Sphinx -W)", [str(ROOT / "scripts" / "docs-site")])


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


def converge_step(results, name, lab, args=(), zero_changes=False):
    """One ansible-playbook run on the test lab; with zero_changes, any change in the recap fails it."""
    log = LOGS / log_name(name)
    rc, seconds = run(lab.playbook_command("playbooks/site.yml", *args), log)
    detail = ""
    if rc == 0:
        recap = testlab.recap(log.read_text(errors="replace"))
        # ok counts the tasks that ran on the host (changed included); skipped ones cost no round trip.
        detail = "tasks run (skipped) " + ", ".join(
            f"{host} {counts['ok']} ({counts['skipped']})" for host, counts in sorted(recap.items())
        )
        changed = {host: counts["changed"] for host, counts in recap.items() if counts["changed"]}
        if not recap:
            rc, detail = 1, "no PLAY RECAP found"
        elif zero_changes and changed:
            rc, detail = 1, f"changes reported: {changed}"
    results.record(name, "PASS" if rc == 0 else "FAIL", detail, seconds)
    if rc:
        show_tail(log)
    return rc == 0


def lab(results, _selection):
    """The platform as users run it, once, on the test lab; then every verifier against it."""
    if not setup(results, "docker", "images"):
        return
    test_lab = testlab.TestLab()
    started = time.monotonic()
    test_lab.reset()
    results.record("lab: remove an earlier test lab and its state", "PASS", seconds=time.monotonic() - started)
    steps_ok = check(results, "lab: create (fresh hosts)", test_lab.playbook_command("playbooks/lab.yml"))
    steps_ok = steps_ok and check(
        results, "lab: prepare (test CA, mirror, clients)", test_lab.playbook_command("tests/lab/prepare.yml")
    )
    steps = [
        ("lab: converge site.yml", (), False),
        ("lab: converge again, zero changes", (), True),
        ("lab: check mode, zero changes", ("--check",), True),
        # Prometheus on nuc1 names every host; nuc3 is a mesh peer of the other two.
        ("lab: --limit nuc1, zero changes", ("--limit", "nuc1"), True),
        ("lab: --limit nuc3 in check mode, zero changes", ("--limit", "nuc3", "--check"), True),
    ]
    for name, args, zero in steps:
        if not steps_ok:
            results.record(name, "FAIL", "not run: an earlier step failed")
            continue
        steps_ok = converge_step(results, name, test_lab, args, zero)
    for folder in ("verify", "lifecycle"):
        name = f"lab: {folder}"
        if not steps_ok:
            results.record(name, "FAIL", "not run: an earlier step failed")
            continue
        pytest_check(results, name, [f"tests/lab/{folder}"])
    if os.environ.get("SOVEREIGN_KEEP_LAB"):
        print("note: SOVEREIGN_KEEP_LAB is set: the test lab is left running", flush=True)
    else:
        remove = test_lab.playbook_command("playbooks/lab.yml", "-e", "lab_state=absent")
        check(results, "lab: remove the test lab", remove)


def ssh(results, _selection):
    """The README's path for real hosts, over SSH, from the built tarball (tests/ssh/)."""
    if not setup(results, "docker", "images"):
        return
    pytest_check(results, "ssh: README path from the tarball, k3s token rotation", ["tests/ssh"])


def molecule(results, selection):
    scenarios = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))
    if selection:
        scenarios = [s for s in scenarios if s in selection]
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
    if not setup(results, "docker", "images"):
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
            recap = testlab.recap(log.read_text(errors="replace"))
            changed = {host: counts["changed"] for host, counts in recap.items() if counts["changed"]}
            if not recap:
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


def selection_of(names):
    """{group: None (all of it) or a set of parts} from names like `lint` or `integration:render`."""
    selected: dict[str, set[str] | None] = {}
    for name in names:
        group, _sep, part = name.partition(":")
        if group not in GROUPS:
            raise ValueError(f"unknown group {group!r} (groups: {', '.join(GROUPS)})")
        if not part:
            selected[group] = None
        elif selected.get(group, set()) is not None:
            selected.setdefault(group, set()).add(part)
    return selected


def main():
    started = time.monotonic()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated groups, or group:part (integration:render)")
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    parser.add_argument("--scenario", action="append", default=[], help="molecule scenario (repeatable)")
    args = parser.parse_args()
    if args.quick and args.only:
        parser.error("--quick and --only do not go together")
    names = QUICK if args.quick else (args.only.split(",") if args.only else GROUPS)
    try:
        selected = selection_of([n for n in names if n])
    except ValueError as error:
        parser.error(str(error))
    if args.scenario:
        selected["molecule"] = set(args.scenario)
    results = Results()
    for group in GROUPS:
        if group not in selected:
            continue
        print(f"\n== {group}", flush=True)
        results.group = group
        globals()[group](results, selected[group])
    total = time.monotonic() - started
    results.table(total)
    print(f"\nall checks done in {total / 60:.1f} min; logs in {LOGS.relative_to(ROOT)}/")
    if results.failures:
        print("failed: " + "; ".join(results.failures))
    print(f"{results.passed} passed, {results.failed} failed, {results.skipped} skipped")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the hash-locked requirements of a Home Assistant release (scripts/ha-lock).

The home_assistant role installs Home Assistant, its dependencies and the
requirements of the integrations it sets up from one lock file per release,
with `uv pip install --require-hashes`: every distribution is checked against
a sha256 recorded here, whatever index or mirror serves it. This script makes
that file, on a machine that can reach PyPI (or the mirror given):

  1. downloads the release's wheel and checks it against the sha256 pinned in
     data/versions/home_assistant.yml;
  2. reads, from the wheel and without importing it, the integrations Home
     Assistant always sets up (bootstrap.py), the discovery integrations
     (requirements.py), every manifest, the check_config script's
     requirements and package_constraints.txt;
  3. walks the manifests from the integrations the role configures by
     default plus --integrations, as Home Assistant's requirements manager
     does (dependencies, after_dependencies, discovery), and collects their
     requirements;
  4. resolves homeassistant==<release> and those requirements under the
     release's constraints with `uv pip compile --universal --generate-hashes`
     for the Python the release needs, and writes
     data/versions/home_assistant/<release>.txt with a header saying what it
     covers, from where and when.

The role refuses to start Home Assistant when an integration in use needs a
package the lock lacks: regenerate with that integration in --integrations
(or point home_assistant_requirements_lock at your own lock).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import hashlib
import importlib.util
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RELEASES = ROOT / "data" / "versions" / "home_assistant.yml"
LOCKS = ROOT / "data" / "versions" / "home_assistant"
ROLE_DEFAULTS = ROOT / "roles" / "home_assistant" / "defaults" / "main.yml"
# The role's own walk of the manifests (it runs on the host against the
# installed release; here it walks the wheel): one implementation for both.
_SPEC = importlib.util.spec_from_file_location(
    "ha_requirements", ROOT / "roles" / "home_assistant" / "files" / "ha_requirements.py"
)
ha_requirements = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(ha_requirements)
# What the role always adds to the configured domains (vars/main.yml,
# __home_assistant_domains), with the prometheus exporter and MQTT, which the
# role sets up when asked and the lab uses.
ROLE_DOMAINS = ("recorder", "frontend", "http", "prometheus", "mqtt")


def literal(source: str, name: str):
    """The literal value assigned to a module-level `name` (plain or annotated assignment)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return ast.literal_eval(node.value)
    raise KeyError(f"{name} is not a literal assignment")


class Release:
    """What a Home Assistant wheel says about its integrations, read from the zip."""

    def __init__(self, wheel: Path) -> None:
        self.zip = zipfile.ZipFile(wheel)
        bootstrap = self.text("homeassistant/bootstrap.py")
        self.always = set(literal(bootstrap, "CORE_INTEGRATIONS")) | set(literal(bootstrap, "DEFAULT_INTEGRATIONS"))
        self.discovery = {
            k: tuple(v)
            for k, v in literal(self.text("homeassistant/requirements.py"), "DISCOVERY_INTEGRATIONS").items()
        }
        self.check_config = tuple(literal(self.text("homeassistant/scripts/check_config.py"), "REQUIREMENTS"))
        self.constraints = self.text("homeassistant/package_constraints.txt")

    def text(self, name: str) -> str:
        return self.zip.read(name).decode()

    def manifest(self, domain: str) -> dict:
        try:
            return json.loads(self.text(f"homeassistant/components/{domain}/manifest.json"))
        except KeyError:
            raise SystemExit(f"unknown integration {domain!r}: the release has no manifest for it") from None

    def closure(self, domains: set[str]) -> set[str]:
        """The domains whose requirements Home Assistant installs for `domains` (ha_requirements.py's walk)."""
        return ha_requirements.requirement_closure(domains, self.manifest, self.discovery)

    def requirements(self, domains: set[str]) -> tuple[list[str], list[str]]:
        loaded = self.closure(domains | self.always)
        wanted = {req for domain in loaded for req in self.manifest(domain).get("requirements", [])}
        wanted.update(self.check_config)
        return sorted(wanted), sorted(loaded)


def default_domains() -> set[str]:
    defaults = yaml.safe_load(ROLE_DEFAULTS.read_text())
    return (
        set(defaults["home_assistant_integrations"])
        | set(defaults["home_assistant_preinstall_integrations"])
        | set(ROLE_DOMAINS)
    )


def header(version: str, release: dict, integrations: list[str], index: str) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        f"# Home Assistant {version}: the release, its dependencies and the requirements of",
        "# the integrations below, each with the sha256 of every distribution of the pinned",
        "# version. The home_assistant role installs it with uv pip install --require-hashes.",
        f"# Made by scripts/ha-lock on {today} from {index}, under the release's",
        "# package_constraints.txt, for Python " + release["python"] + " and later, every platform",
        f"# (uv pip compile --universal). Wheel sha256: {release['sha256']} ({release['source']}).",
        "# Integrations covered (with what they load):",
    ]
    line = "#  "
    for name in integrations:
        if len(line) + len(name) + 1 > 88:
            lines.append(line)
            line = "#  "
        line += " " + name
    lines.append(line)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("version", help="a release of data/versions/home_assistant.yml")
    parser.add_argument("--integrations", default="", help="more domains, comma separated (e.g. shelly,zha)")
    parser.add_argument("--index-url", default="https://pypi.org/simple", help="https:// or file:// index")
    parser.add_argument("--output", type=Path, help="default: data/versions/home_assistant/<version>.txt")
    parser.add_argument("--uv", default=str(Path(sys.executable).parent / "uv"))
    args = parser.parse_args()
    if not args.index_url.startswith(("https://", "file://")):
        parser.error("--index-url must be https:// or file://")
    release = yaml.safe_load(RELEASES.read_text())["home_assistant_releases"].get(args.version)
    if release is None:
        parser.error(f"{args.version} is not in {RELEASES.relative_to(ROOT)}: pin its wheel first")
    extra = {d.strip() for d in args.integrations.split(",") if d.strip()}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "--python-version", release["python"], "--index-url", args.index_url, "--dest", str(work),
             f"homeassistant=={args.version}"],
            check=True,
        )  # fmt: skip
        wheel = work / release["wheel"]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != release["sha256"]:
            raise SystemExit(f"{wheel.name} has sha256 {digest}, not the pinned {release['sha256']}")
        ha = Release(wheel)
        requirements, loaded = ha.requirements(default_domains() | extra)
        (work / "requirements.in").write_text("\n".join([f"homeassistant=={args.version}", *requirements]) + "\n")
        (work / "constraints.txt").write_text(ha.constraints)
        out = work / "lock.txt"
        # Relative paths: the "# via" comments name requirements.in, not a temporary directory.
        subprocess.run(
            [args.uv, "pip", "compile", "--quiet", "--universal", "--generate-hashes", "--no-header",
             "--python-version", release["python"], "--index-url", args.index_url,
             "--constraint", "constraints.txt", "--output-file", "lock.txt", "requirements.in"],
            check=True,
            cwd=work,
        )  # fmt: skip
        output = args.output or LOCKS / f"{args.version}.txt"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(header(args.version, release, loaded, args.index_url) + out.read_text())
    print(f"{output}: {len(requirements) + 1} requirements, {output.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

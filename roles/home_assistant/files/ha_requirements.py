"""Print the pip requirements of the integrations Home Assistant will load.

Run with the Python of Home Assistant's venv (sovereign.cloud.home_assistant
role). Argument: a JSON list of the domains the configuration uses. The
integrations Home Assistant always sets up are read from the installed
release's own bootstrap module, then the manifests are walked the way
Home Assistant's requirements manager walks them. Output, as JSON: the sorted
requirements, those not installed at a version they accept (the role's lock
must provide them all), the path of the release's package_constraints.txt
and the installed version. The requirements of the check_config
script, which the role runs, are included.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path

import homeassistant
from homeassistant import bootstrap
from homeassistant.requirements import DISCOVERY_INTEGRATIONS
from homeassistant.scripts import check_config
from packaging.requirements import Requirement

COMPONENTS = Path(homeassistant.__file__).parent / "components"


def manifest(domain: str) -> dict:
    path = COMPONENTS / domain / "manifest.json"
    if not path.is_file():
        raise SystemExit(f"unknown integration {domain!r}: no {path}")
    return json.loads(path.read_text())


def requirement_closure(domains: set[str]) -> set[str]:
    """Domains whose requirements Home Assistant itself would install for `domains`.

    The same walk as homeassistant.requirements: dependencies and
    after_dependencies, recursively, plus a discovery integration when a
    manifest has its key (an integration with a "zeroconf" entry needs the
    zeroconf integration's requirements). after_dependencies count here even
    though they are not set up: the integrations import them.
    """
    done: set[str] = set()
    pending = set(domains)
    while pending:
        domain = pending.pop()
        if domain in done:
            continue
        done.add(domain)
        data = manifest(domain)
        pending.update(set(data.get("dependencies", [])) | set(data.get("after_dependencies", [])))
        for discovery, keys in DISCOVERY_INTEGRATIONS.items():
            if any(key in data for key in keys):
                pending.add(discovery)
    return done


def unsatisfied(requirements: list[str]) -> list[str]:
    """The requirements no installed distribution satisfies (markers that do not apply here are skipped)."""
    missing = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(f"{text} (not installed)")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            missing.append(f"{text} (installed {installed})")
    return missing


def main() -> None:
    configured = set(json.loads(sys.argv[1]))
    always = set(bootstrap.CORE_INTEGRATIONS) | set(bootstrap.DEFAULT_INTEGRATIONS)
    loaded = requirement_closure(configured | always)
    requirements = {req for domain in loaded for req in manifest(domain).get("requirements", [])}
    # The role runs `hass --script check_config` before each restart; the
    # script would otherwise try to install its own requirements then.
    requirements.update(getattr(check_config, "REQUIREMENTS", ()))
    requirements = sorted(requirements)
    print(
        json.dumps(
            {
                "requirements": requirements,
                "unsatisfied": unsatisfied(requirements),
                "constraints": str(Path(homeassistant.__file__).parent / "package_constraints.txt"),
                "version": importlib.metadata.version("homeassistant"),
                "integrations": sorted(loaded),
            }
        )
    )


if __name__ == "__main__":
    main()

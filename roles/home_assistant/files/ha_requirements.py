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
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from packaging.requirements import Requirement


def manifest_reader(components: Path) -> Callable[[str], dict]:
    """A function returning the manifest of a domain from an installed release's components directory."""

    def manifest(domain: str) -> dict:
        path = components / domain / "manifest.json"
        if not path.is_file():
            raise SystemExit(f"unknown integration {domain!r}: no {path}")
        return json.loads(path.read_text())

    return manifest


def requirement_closure(
    domains: set[str], manifest: Callable[[str], dict], discovery_integrations: Mapping[str, Iterable[str]]
) -> set[str]:
    """Domains whose requirements Home Assistant itself would install for `domains`.

    The same walk as homeassistant.requirements: dependencies and
    after_dependencies, recursively, plus a discovery integration when a
    manifest has its key (an integration with a "zeroconf" entry needs the
    zeroconf integration's requirements). after_dependencies count here even
    though they are not set up: the integrations import them.

    Pure: scripts/ha_lock.py walks a release's wheel with it, on the controller.
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
        for discovery, keys in discovery_integrations.items():
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
    # Imported here: the functions above are also used where Home Assistant is not installed.
    import homeassistant  # noqa: PLC0415
    from homeassistant import bootstrap  # noqa: PLC0415
    from homeassistant.requirements import DISCOVERY_INTEGRATIONS  # noqa: PLC0415
    from homeassistant.scripts import check_config  # noqa: PLC0415

    manifest = manifest_reader(Path(homeassistant.__file__).parent / "components")
    configured = set(json.loads(sys.argv[1]))
    always = set(bootstrap.CORE_INTEGRATIONS) | set(bootstrap.DEFAULT_INTEGRATIONS)
    loaded = requirement_closure(configured | always, manifest, DISCOVERY_INTEGRATIONS)
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

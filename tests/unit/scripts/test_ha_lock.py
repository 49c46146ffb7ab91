"""scripts/ha_lock.py and the Home Assistant locks it wrote (data/versions/home_assistant/).

The manifest walk is checked on a small wheel made here; the shipped locks are
checked for what the home_assistant role relies on: one per pinned release,
pinning the release's wheel by its sha256 from data/versions/home_assistant.yml,
every requirement pinned with == and hashes, and an entry for uv that the
role's extraction (the regex of install_venv.yml) finds whole.
"""

from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
SPEC = importlib.util.spec_from_file_location("ha_lock", ROOT / "scripts" / "ha_lock.py")
ha_lock = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(ha_lock)

RELEASES = yaml.safe_load((ROOT / "data" / "versions" / "home_assistant.yml").read_text())["home_assistant_releases"]
# The pattern install_venv.yml gives regex_search for the lock's uv entry.
UV_ENTRY = re.compile(r"(?ms)^uv==.*?(?=^[^\s#]|\Z)")


def fake_wheel(tmp_path, manifests):
    path = tmp_path / "homeassistant-0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(
            "homeassistant/bootstrap.py",
            'CORE_INTEGRATIONS = {"homeassistant"}\n# comment\nDEFAULT_INTEGRATIONS = {\n    "frontend",  # why\n}\n',
        )
        wheel.writestr(
            "homeassistant/requirements.py",
            'DISCOVERY_INTEGRATIONS: dict[str, tuple] = {"zeroconf": ("zeroconf", "homekit"), "mqtt": ("mqtt",)}\n',
        )
        wheel.writestr("homeassistant/scripts/check_config.py", 'REQUIREMENTS = ("colorlog==1.0",)\n')
        wheel.writestr("homeassistant/package_constraints.txt", "aiohttp==3.0\n")
        for domain, manifest in manifests.items():
            wheel.writestr(f"homeassistant/components/{domain}/manifest.json", json.dumps(manifest))
    return path


def test_walk_follows_dependencies_after_dependencies_and_discovery(tmp_path):
    release = ha_lock.Release(
        fake_wheel(
            tmp_path,
            {
                "homeassistant": {},
                "frontend": {"requirements": ["hass-frontend==1"], "dependencies": ["http"]},
                "http": {"requirements": ["aiohttp-cors==1"]},
                "shelly": {
                    "requirements": ["aioshelly==2"],
                    "zeroconf": ["_http._tcp.local."],
                    "after_dependencies": ["bluetooth"],
                },
                "bluetooth": {"requirements": ["bleak==1"]},
                "zeroconf": {"requirements": ["zeroconf==0.1"]},
                "sun": {},
                "mqtt": {"requirements": ["paho-mqtt==2"]},
            },
        )
    )
    requirements, loaded = release.requirements({"shelly", "sun"})
    assert loaded == ["bluetooth", "frontend", "homeassistant", "http", "shelly", "sun", "zeroconf"]
    assert requirements == [
        "aiohttp-cors==1",
        "aioshelly==2",
        "bleak==1",
        "colorlog==1.0",
        "hass-frontend==1",
        "zeroconf==0.1",
    ]
    # mqtt is not pulled in: no manifest above has an "mqtt" key.
    assert "paho-mqtt==2" not in requirements


def test_unknown_integration_is_refused(tmp_path):
    release = ha_lock.Release(fake_wheel(tmp_path, {"homeassistant": {}, "frontend": {}}))
    with pytest.raises(SystemExit, match="unknown integration 'shelly'"):
        release.requirements({"shelly"})


def test_literal_refuses_computed_values():
    with pytest.raises(KeyError):
        ha_lock.literal("X = {1} | {2}\n", "Y")
    with pytest.raises(ValueError):
        ha_lock.literal("X = {1} | {2}\n", "X")


@pytest.mark.parametrize("version", sorted(RELEASES))
def test_each_pinned_release_has_a_lock_that_pins_its_wheel(version):
    lock = (ROOT / "data" / "versions" / "home_assistant" / f"{version}.txt").read_text()
    entry = re.search(rf"(?ms)^homeassistant=={re.escape(version)} \\\n(.*?)(?=^[^\s#]|\Z)", lock)
    assert entry, f"no homeassistant=={version} entry"
    assert f"--hash=sha256:{RELEASES[version]['sha256']}" in entry.group(1)


@pytest.mark.parametrize("version", sorted(RELEASES))
def test_every_requirement_is_pinned_with_hashes(version):
    lock = (ROOT / "data" / "versions" / "home_assistant" / f"{version}.txt").read_text()
    entries = re.findall(r"(?ms)^(\S[^\n]*?) \\\n(.*?)(?=^[^\s#]|\Z)", lock)
    assert len(entries) > 100
    for requirement, body in entries:
        assert re.match(r"^[A-Za-z0-9._-]+(\[[^\]]+\])?==[^\s;]+( ; .+)?$", requirement), requirement
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", body), requirement
    names = [re.split(r"[=\[]", requirement)[0].lower() for requirement, _body in entries]
    assert len(names) == len(set(names)), "a package pinned twice"


@pytest.mark.parametrize("version", sorted(RELEASES))
def test_the_role_finds_the_whole_uv_entry(version):
    lock = (ROOT / "data" / "versions" / "home_assistant" / f"{version}.txt").read_text()
    entry = UV_ENTRY.search(lock).group(0)
    assert entry.startswith(f"uv=={RELEASES[version]['uv']} \\\n")
    hashes = re.findall(r"--hash=sha256:[0-9a-f]{64}", entry)
    assert len(hashes) > 5
    # Nothing of the next entry.
    assert entry.count("==") == 1

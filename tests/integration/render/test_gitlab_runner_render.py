"""The gitlab_runner role's files as its `render` entry point writes them, parsed and verified.

GitLab Runner cannot be installed here (packages.gitlab.com is unreachable).
config.toml is parsed with Python's TOML parser; the service's sandbox
drop-in is verified by `systemd-analyze verify` on a unit standing for the
package's one (ExecStart=/bin/true); daemon.json is parsed. The API token
must appear in none of them, nor in the play's output.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402

API_TOKEN = "glpat-" + secrets.token_hex(12)

HOSTS = {
    # Defaults: one docker runner, the internal CA, concurrency from the CPUs.
    "runner1": {"gitlab_runner_concurrent": 4},
    # A shell runner and a docker runner for a group, images restricted, a mirror.
    "runner2": {
        "gitlab_runner_concurrent": 2,
        "gitlab_runner_ca": "system",
        "gitlab_runner_docker_registry_mirror": "https://mirror.registry.example.eu",
        "gitlab_runner_docker_allowed_images": ["registry.example.eu/*:*", "debian:*"],
        "gitlab_runner_runners": [
            {"name": "shell", "executor": "shell", "tags": ["shell", "eu"]},
            {
                "name": "build",
                "executor": "docker",
                "runner_type": "group_type",
                "group_id": 42,
                "description": 'builds "fast"',
                "docker": {"image": "registry.example.eu/ci/debian:13", "memory": "2g", "cpus": 1.5},
            },
        ],
    },
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return ansible_playbook.render_role(
        tmp_path_factory.mktemp("runner-render"),
        "gitlab_runner",
        HOSTS,
        {"gitlab_runner_url": "https://gitlab.example.eu", "gitlab_runner_api_token": API_TOKEN},
    )


def config(rendered, host):
    return tomllib.loads((rendered[0] / host / "config.toml").read_text())


def test_config_toml_parses_and_holds_the_runners(rendered):
    one = config(rendered, "runner1")
    assert one["concurrent"] == 4
    assert one["listen_address"] == "127.0.0.1:9252"
    assert "session_server" not in one  # no interactive web terminal listener
    [runner] = one["runners"]
    assert runner["name"] == "runner1-docker"
    assert runner["url"] == "https://gitlab.example.eu"
    assert runner["executor"] == "docker"
    assert runner["tls-ca-file"].endswith("ca.crt")
    assert runner["docker"]["privileged"] is False
    assert runner["docker"]["image"] == "debian:13"
    assert runner["docker"]["pull_policy"] == ["if-not-present"]
    # render registers nothing: no token, no id.
    assert runner["token"] == "" and runner["id"] == 0


def test_two_runners_with_their_own_settings(rendered):
    two = config(rendered, "runner2")
    shell, build = two["runners"]
    assert shell["name"] == "runner2-shell" and shell["executor"] == "shell" and "docker" not in shell
    assert "tls-ca-file" not in shell  # the system's CA bundle
    assert build["docker"]["image"] == "registry.example.eu/ci/debian:13"
    assert build["docker"]["allowed_images"] == ["registry.example.eu/*:*", "debian:*"]
    assert build["docker"]["memory"] == "2g" and build["docker"]["cpus"] == "1.5"


def test_docker_pulls_through_the_mirror(rendered):
    daemon = json.loads((rendered[0] / "runner2" / "daemon.json").read_text())
    assert daemon["registry-mirrors"] == ["https://mirror.registry.example.eu"]
    assert json.loads((rendered[0] / "runner1" / "daemon.json").read_text())["registry-mirrors"] == []


def test_the_api_token_is_nowhere(rendered):
    out, output = rendered
    for path in out.rglob("*"):
        if path.is_file():
            assert API_TOKEN not in path.read_text(), path
    assert API_TOKEN not in output


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_sandbox_drop_in_verifies(rendered, tmp_path):
    drop_in = (rendered[0] / "runner1" / "sovereign-sandbox.conf").read_text()
    assert "ProtectSystem=strict" in drop_in and "PrivateTmp=yes" in drop_in
    # Each exception carries its reason.
    assert re.search(r"^# .*su as the gitlab-runner user", drop_in, re.M)
    assert "NoNewPrivileges" not in "\n".join(line for line in drop_in.splitlines() if not line.startswith("#"))
    # The package's unit, as `gitlab-runner install` writes it, with the
    # program (missing here) replaced by /bin/true, and the drop-in's lines.
    unit = (
        "[Unit]\nDescription=GitLab Runner\nAfter=network.target\n\n[Service]\nStartLimitInterval=5\n"
        "ExecStart=/bin/true run --config /etc/gitlab-runner/config.toml\nRestart=always\nRestartSec=120\n"
        + drop_in.split("[Service]", 1)[1]
        + "\n[Install]\nWantedBy=multi-user.target\n"
    )
    path = tmp_path / "gitlab-runner.service"
    path.write_text(unit)
    proc = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(path)], capture_output=True, text=True, check=False
    )
    problems = [line for line in (proc.stdout + proc.stderr).splitlines() if "gitlab-runner.service" in line]
    assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr

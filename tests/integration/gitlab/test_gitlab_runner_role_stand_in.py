"""The gitlab_runner role's `register` entry point on a lab container, against the GitLab stand-in over HTTPS.

GitLab and GitLab Runner cannot be installed here. The stand-in of GitLab's
runners API (tests/tooling/fake_gitlab_api.py) runs inside a Debian 13 lab
container on 127.0.0.1:8443 with a certificate made for the test; a unit
that sleeps stands for the gitlab-runner service. The role then runs for
real: the module over Ansible's open_url with the CA checked, config.toml
written 0600, the restart handler. Checked: two runners created, a second
run changes nothing, no token in the output, a runner deleted on the server
is created again, and the unregister playbook removes them. It is not GitLab
or GitLab Runner having been tested.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import labhost
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402

API_TOKEN = "glpat-" + secrets.token_hex(12)
URL = "https://127.0.0.1:8443"
PLAYBOOK = """
- name: Runners of this host in GitLab (stand-in)
  hosts: all
  become: true
  gather_facts: false
  tasks:
    - name: Register
      ansible.builtin.include_role:
        name: sovereign.cloud.gitlab_runner
        tasks_from: register
"""
STAND_IN_UNIT = "sovereign-gitlab-stand-in"


def in_container(container, *command, check=True):
    return labhost.docker("exec", container, *command, check=check)


def stand_in_runners(container):
    code = (
        "import json,ssl,urllib.request;"
        "c=ssl.create_default_context(cafile='/srv/stand-in/cert.pem');"
        f"print(urllib.request.urlopen('{URL}/api/v4/_stand_in/runners',context=c).read().decode())"
    )
    return json.loads(in_container(container, "python3", "-c", code).stdout)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("runner-role")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
         "-subj", "/CN=gitlab stand-in", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    (work / "token").write_text(API_TOKEN)
    container = labhost.start("sovereign-lab/debian:13", "sovereign-runner-role", hostname="runner1")
    try:
        in_container(container, "mkdir", "-p", "/srv/stand-in", "/etc/gitlab-runner")
        for source in ("fake_api_core.py", "fake_gitlab_api.py"):
            labhost.docker("cp", str(ROOT / "tests" / "tooling" / source), f"{container}:/srv/stand-in/{source}")
        for name in ("cert.pem", "key.pem", "token"):
            labhost.docker("cp", str(work / name), f"{container}:/srv/stand-in/{name}")
        in_container(
            container, "systemd-run", f"--unit={STAND_IN_UNIT}", "--working-directory=/srv/stand-in",
            "python3", "fake_gitlab_api.py", "8443", "cert.pem", "key.pem", "token",
        )  # fmt: skip
        # The package's service, standing: a unit that sleeps (the handler restarts it).
        in_container(
            container, "sh", "-c",
            "printf '[Service]\\nExecStart=/bin/sleep infinity\\n' > /etc/systemd/system/gitlab-runner.service"
            " && systemctl daemon-reload && systemctl start gitlab-runner",
        )  # fmt: skip
        inventory = labhost.docker_inventory({"runner1": container})
        inventory["all"]["children"] = {"gitlab_runner": {"hosts": {"runner1": {}}}}
        inventory["all"]["vars"] = {
            "gitlab_runner_url": URL,
            "gitlab_runner_ca": "/srv/stand-in/cert.pem",
            "gitlab_runner_api_token": API_TOKEN,
            "gitlab_runner_concurrent": 2,
            "gitlab_runner_runners": [
                {"name": "shell", "executor": "shell", "tags": ["shell"]},
                {"name": "docker", "executor": "docker", "tags": ["docker", "eu"], "locked": False},
            ],
        }
        (work / "inventory.yml").write_text(yaml.safe_dump(inventory))
        (work / "play.yml").write_text(PLAYBOOK)
        yield {"work": work, "container": container}
    finally:
        labhost.remove(container)


def converge(lab):
    proc = ansible_playbook.run(lab["work"] / "inventory.yml", lab["work"] / "play.yml")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    changed = int(re.search(r"runner1\s+:\s+ok=\d+\s+changed=(\d+)", proc.stdout).group(1))
    return changed, output


def tokens_in_config(lab):
    text = in_container(lab["container"], "cat", "/etc/gitlab-runner/config.toml").stdout
    return re.findall(r'token = "(glrt-[^"]+)"', text)


def test_stand_in_first_run_creates_both_runners_and_writes_their_tokens(lab):
    changed, output = converge(lab)
    assert changed >= 2
    runners = stand_in_runners(lab["container"])
    assert sorted(r["description"] for r in runners) == ["runner1 docker", "runner1 shell"]
    assert {r["description"]: r["tag_list"] for r in runners}["runner1 docker"] == ["docker", "eu"]
    tokens = tokens_in_config(lab)
    assert len(tokens) == 2
    assert in_container(lab["container"], "stat", "-c", "%a %U", "/etc/gitlab-runner/config.toml").stdout.strip() == (
        "600 root"
    )
    for secret in [API_TOKEN, *tokens]:
        assert secret not in output


def test_stand_in_second_run_changes_nothing(lab):
    before = stand_in_runners(lab["container"])
    changed, output = converge(lab)
    assert changed == 0, output[-3000:]
    assert stand_in_runners(lab["container"]) == before


def test_stand_in_runners_deleted_on_the_server_are_created_again(lab):
    old = tokens_in_config(lab)
    code = (
        "import ssl,urllib.request;"
        "c=ssl.create_default_context(cafile='/srv/stand-in/cert.pem');"
        f"urllib.request.urlopen(urllib.request.Request('{URL}/api/v4/_stand_in/clear',method='POST'),context=c)"
    )
    in_container(lab["container"], "python3", "-c", code)
    changed, _output = converge(lab)
    assert changed >= 2
    assert len(stand_in_runners(lab["container"])) == 2
    new = tokens_in_config(lab)
    assert len(new) == 2 and not set(new) & set(old)


def test_stand_in_unregister_playbook_removes_them_with_their_own_tokens(lab):
    proc = ansible_playbook.run(
        lab["work"] / "inventory.yml",
        ROOT / "playbooks" / "gitlab_runner_unregister.yml",
        "-e", json.dumps({"gitlab_runner_api_token": ""}),
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert stand_in_runners(lab["container"]) == []
    state = in_container(lab["container"], "systemctl", "is-active", "gitlab-runner", check=False).stdout.strip()
    assert state == "inactive"

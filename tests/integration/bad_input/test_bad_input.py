"""Bad input is refused before any change, with a message naming the variable.

Each file in cases/ holds the cases of one role: the variables to pass and
the strings the failure message must contain. Every case runs the role for
real against one throwaway lab container (Debian 12 image from
scripts/lab-images) and then checks from outside that nothing on the host
changed: no file under the directories the roles manage is newer than a
marker written just before the run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
IMAGE = os.environ.get("SOVEREIGN_BAD_INPUT_IMAGE", "sovereign-lab/debian:12")
WATCHED = "/etc /usr/local /home /var/lib/sovereign /opt"


def load_cases():
    cases = []
    for path in sorted((HERE / "cases").glob("*.yml")):
        data = yaml.safe_load(path.read_text())
        for case in data["cases"]:
            cases.append(pytest.param(data["role"], case, id=f"{path.stem}-{case['id']}"))
    return cases


def docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="session")
def target(tmp_path_factory):
    name = f"sovereign-bad-input-{uuid.uuid4().hex[:8]}"
    docker(
        "run", "-d", "--name", name, "--hostname", "bad-input",
        "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cgroupns=host",
        "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
        IMAGE, "/lib/systemd/systemd",
    )  # fmt: skip
    try:
        docker("exec", name, "systemctl", "is-system-running", "--wait", check=False)
        workdir = tmp_path_factory.mktemp("bad-input")
        (workdir / "inventory.yml").write_text(
            yaml.safe_dump(
                {
                    "all": {
                        "hosts": {
                            "target": {
                                "ansible_connection": "community.docker.docker",
                                "ansible_host": name,
                                "ansible_python_interpreter": "/usr/bin/python3",
                            }
                        }
                    }
                }
            )
        )
        yield name, workdir
    finally:
        docker("rm", "-f", name, check=False)


@pytest.mark.parametrize(("role", "case"), load_cases())
def test_bad_input_fails_before_any_change(target, role, case):
    container, workdir = target
    playbook = workdir / f"{role}.yml"
    playbook.write_text(
        yaml.safe_dump([{"name": "Bad input", "hosts": "all", "become": True, "roles": [f"sovereign.cloud.{role}"]}])
    )
    extra = workdir / f"{case['id']}.json"
    extra.write_text(json.dumps(case["vars"]))
    marker = f"/root/.bad-input-marker-{case['id']}"
    docker("exec", container, "touch", marker)
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(workdir / "inventory.yml"), str(playbook), "-e", f"@{extra}"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"the role accepted bad input {case['vars']}:\n{output[-3000:]}"
    flat = re.sub(r"\s+", " ", output)
    for expected in case["expect"]:
        assert expected in flat, f"message lacks {expected!r}:\n{output[-3000:]}"
    recap = re.search(r"target\s+:\s+ok=\d+\s+changed=(\d+)", output)
    assert recap and recap.group(1) == "0", f"changes reported before the failure:\n{output[-3000:]}"
    changed = docker(
        "exec", container, "sh", "-c",
        f"find {WATCHED} -newer {marker} -not -path '/etc/ansible*' 2>/dev/null | head -20",
        check=False,
    ).stdout.strip()  # fmt: skip
    assert not changed, f"files changed on the host: {changed}"

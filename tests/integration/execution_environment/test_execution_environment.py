"""The execution environment of execution-environment/, built here with ansible-builder and used (issue #20).

Galaxy and container registries are out of reach here, so the build differs
from a user's in two places only, both said here: the base image is built
locally from the lab's Debian 13 image (scripts/lab-images: debootstrap),
with python3-pip and this machine's CA bundle; and the collections come
from local tarballs (this collection, built from the checkout, and its
dependencies from the `ansible` package of the venv) instead of Galaxy,
installed with `ansible-galaxy collection install --offline`. Everything
else is the definition file as shipped: ansible-builder create, then a
docker build of the context it writes.

Inside the image: ansible-doc on every plugin of the collection; the
Scaleway and OVHcloud inventory plugins against the local API stand-ins
(tests/tooling/fake_cloud_api.py, over the host's network); and site.yml
in check mode over SSH against a fresh lab host, as a job would run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "inventory"))
import sshhost  # noqa: E402
import testlab  # noqa: E402
from cloud_providers import PROVIDERS  # noqa: E402

BASE_IMAGE = "sovereign-ee-base:debian13"
IMAGE = "sovereign-test/execution-environment:test"
DEPENDENCIES = ["ansible/posix", "community/general", "community/crypto", "community/docker", "awx/awx"]
BASE_DOCKERFILE = """FROM sovereign-lab/debian:13
# The CA bundle of the machine that builds the image, for pip behind a TLS-inspecting proxy.
COPY ca-bundle.pem /etc/ssl/certs/build-ca-bundle.pem
ENV PIP_CERT=/etc/ssl/certs/build-ca-bundle.pem PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip >/dev/null \\
 && rm -rf /var/lib/apt/lists/*
"""
ADDRESS = "172.30.60.31"


def sh(*args, **kwargs):
    proc = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, args))}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def collections(work):
    """This collection built from the checkout, and its dependencies copied from the venv's `ansible` package.

    The `ansible` package drops files its collections' FILES.json lists, so
    they cannot be repacked as artifacts: they are copied as installed trees.
    """
    out = work / "collections"
    out.mkdir()
    sh("ansible-galaxy", "collection", "build", "--output-path", str(out), str(ROOT))
    bundled = Path(sysconfig.get_paths()["purelib"]) / "ansible_collections"
    wanted, copied = list(DEPENDENCIES), set()
    while wanted:
        name = wanted.pop()
        if name in copied:
            continue
        copied.add(name)
        source = bundled / name
        shutil.copytree(source, work / "deps" / name, ignore=shutil.ignore_patterns("__pycache__"))
        info = json.loads((source / "MANIFEST.json").read_text())["collection_info"]
        # Their own dependencies too (community.docker needs community.library_inventory_filtering_v1).
        wanted += [dependency.replace(".", "/") for dependency in info.get("dependencies") or {}]
    return next(out.glob("sovereign-cloud-*.tar.gz"))


def offline_definition(work, tarball):
    """The shipped definition, with the collections taken from the checkout and the venv instead of Galaxy."""
    definition = yaml.safe_load((ROOT / "execution-environment" / "execution-environment.yml").read_text())
    definition["dependencies"]["python"] = str(ROOT / "requirements.txt")
    definition["dependencies"]["system"] = str(ROOT / "execution-environment" / "bindep.txt")
    this_one = {"name": f"/build/collections/{tarball.name}", "type": "file"}
    definition["dependencies"]["galaxy"] = {"collections": [this_one]}
    # Relative to the definition file, which sits beside them.
    definition["additional_build_files"] = [
        {"src": "collections/*.tar.gz", "dest": "collections"},
        {"src": "deps", "dest": "deps"},
    ]
    definition["additional_build_steps"]["append_galaxy"] = [
        "COPY _build/deps/ /usr/share/ansible/collections/ansible_collections/"
    ]
    path = work / "execution-environment.yml"
    path.write_text(yaml.safe_dump(definition))
    return path


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    work = tmp_path_factory.mktemp("execution-environment")
    base = work / "base"
    base.mkdir()
    (base / "Dockerfile").write_text(BASE_DOCKERFILE)
    shutil.copy("/etc/ssl/certs/ca-certificates.crt", base / "ca-bundle.pem")
    sh("docker", "build", "-q", "-t", BASE_IMAGE, str(base))
    definition = offline_definition(work, collections(work))
    sh("ansible-builder", "create", "-f", str(definition), "--context", str(work / "context"))
    sh(
        "docker", "build", "-q", "-t", IMAGE, "--build-arg", "ANSIBLE_GALAXY_CLI_COLLECTION_OPTS=--offline --no-deps",
        "-f", str(work / "context" / "Dockerfile"), str(work / "context"),
    )  # fmt: skip
    size = int(sh("docker", "image", "inspect", "--format", "{{.Size}}", IMAGE).stdout)
    print(f"\nexecution environment {IMAGE}: {size / 1e6:.0f} MB")
    return IMAGE


def run_in(image, *command, docker_args=()):
    return subprocess.run(
        ["docker", "run", "--rm", *docker_args, image, *command], capture_output=True, text=True, check=False
    )


def plugins():
    """(type, name) of every plugin of the collection, from the checkout."""
    found = []
    for kind, folder in (("module", "modules"), ("inventory", "inventory"), ("lookup", "lookup")):
        found += [(kind, p.stem) for p in (ROOT / "plugins" / folder).glob("*.py") if not p.stem.startswith("_")]
    for kind, folder in (("filter", "filter"), ("test", "test")):
        found += [(kind, p.stem) for p in (ROOT / "plugins" / folder).glob("*.yml")]
    return sorted(found)


def test_the_image_runs_jobs_as_an_unprivileged_user(image):
    proc = run_in(image, "id", "-u")
    assert proc.returncode == 0 and proc.stdout.strip() == "1000", proc.stdout + proc.stderr


def test_ansible_doc_reads_every_plugin(image):
    script = "; ".join(
        f"ansible-doc -t {kind} sovereign.cloud.{name} >/dev/null 2>/tmp/err || echo FAILED {kind} {name}"
        for kind, name in plugins()
    )
    proc = run_in(image, "sh", "-c", script)
    assert proc.returncode == 0, proc.stderr
    assert "FAILED" not in proc.stdout, proc.stdout
    assert len(plugins()) > 40


@pytest.mark.parametrize("provider", ["scaleway", "ovhcloud"])
def test_the_cloud_inventory_plugins_work_inside(image, tmp_path, provider):
    provider = PROVIDERS[provider]
    serving = provider.serve()  # a generator: it stops the server when closed
    server = next(serving)
    try:
        config = provider.write(tmp_path, server)
        tmp_path.chmod(0o755)
        config.chmod(0o644)
        credentials = {name: value for name, value in provider.credentials.items() if value is not None}
        env = [arg for name, value in credentials.items() for arg in ("-e", f"{name}={value}")]
        proc = run_in(
            image, "ansible-inventory", "-i", f"/inventory/{config.name}", "--list",
            docker_args=("--network", "host", "-v", f"{tmp_path}:/inventory:ro", *env,
                         "-e", "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true"),
        )  # fmt: skip
    finally:
        serving.close()
    assert proc.returncode == 0, proc.stderr[-3000:]
    hostvars = json.loads(proc.stdout)["_meta"]["hostvars"]
    assert provider.host_elsewhere in hostvars


def test_site_check_mode_over_ssh_against_a_fresh_lab_host(image, tmp_path):
    tmp_path.chmod(0o755)
    with sshhost.ssh_host(tmp_path, ADDRESS, "sovereign-ee-target") as (_name, key, known_hosts):
        key.chmod(0o644)  # read by the image's user; the directory is the test's own
        known_hosts.chmod(0o644)
        inventory = {
            "all": {
                "hosts": {"nuc1": {"ansible_host": ADDRESS}},
                "vars": {
                    "ansible_user": "debian",
                    "ansible_ssh_private_key_file": "/work/debian",
                    "ansible_ssh_common_args": "-o UserKnownHostsFile=/work/known_hosts",
                    "base_ssh_allowed_networks": [sshhost.SUBNET],
                    "sovereign_provider": "homelab",
                    "sovereign_country": "DE",
                },
            }
        }
        (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
        (tmp_path / "hosts.yml").chmod(0o644)
        proc = run_in(
            image, "ansible-playbook", "-i", "/work/hosts.yml", "sovereign.cloud.site", "--check",
            docker_args=("--network", "host", "-v", f"{tmp_path}:/work:ro", "-e", "HOME=/runner",
                         "-e", "ANSIBLE_HOST_KEY_CHECKING=True"),
        )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    recap = testlab.recap(proc.stdout)["nuc1"]
    # A fresh host: check mode reports what a converge would change, and fails nowhere.
    assert recap["failed"] == 0 and recap["unreachable"] == 0 and recap["changed"] > 0, recap

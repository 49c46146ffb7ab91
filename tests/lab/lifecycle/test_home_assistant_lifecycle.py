"""Home Assistant's lifecycle on the converged test lab: a version change, then an encrypted backup restored onto nuc3.

Runs after tests/lab/verify (it changes the lab): site.yml with a newer
pinned release on nuc2 keeps the state the verifiers left (the MQTT sensor
at 42), then the backup playbook fetches an archive and the restore
playbook puts it on nuc3, a host that has never run Home Assistant. nuc3
joins the home_assistant group for that run only, as a replacement host
would in a user's inventory, and talks to nuc2's broker.
"""

from __future__ import annotations

import gzip
import subprocess

import pytest
import testlab
import yaml
from ha_lab import CONFIG, api_config, curl, token, wait_for_api
from testlab import lab_host

testinfra_hosts = testlab.testinfra_hosts("nuc2")

LAB = testlab.lab()
NEWER = "2026.2.3"


@pytest.fixture(scope="module")
def client():
    return lab_host("nuc3")


def playbook(*args, inventories=()):
    proc = LAB.run_playbook(*args, inventories=inventories)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


def test_state_survives_a_version_change(host):
    playbook("playbooks/site.yml", "--limit", "nuc2", "-e", f"home_assistant_version={NEWER}")
    wait_for_api(host)
    assert api_config(host)["version"] == NEWER
    status, body = curl(
        host, "http://127.0.0.1:8123/api/states/sensor.lab_probe", f"-H 'Authorization: Bearer {token(host)}'"
    )
    assert status == 200 and '"state":"42"' in body.replace(" ", "")


def readable(data: bytes) -> bytes:
    """The bytes, plus what gzip would give back from them: a secret hidden only by compression is not hidden."""
    try:
        return data + gzip.decompress(data)
    except (OSError, EOFError):
        return data


def test_backup_restores_onto_a_fresh_host(host, client, tmp_path):
    # Secrets the configuration archive would hold in clear: the MQTT password
    # (in Home Assistant's config entries) and the backup password (secrets.yaml).
    secrets = [LAB.secret("mqtt-home-assistant").encode(), LAB.secret("ha-backup").encode()]
    fetch_dir = tmp_path / "ha-backups"
    out = playbook(
        "playbooks/home_assistant_backup.yml",
        "-e", "home_assistant_backup_hosts=nuc2",
        "-e", f"home_assistant_backup_fetch_dir={fetch_dir}",
    )  # fmt: skip
    archives = sorted((fetch_dir / "nuc2").glob("homeassistant-config-*.tar.gz.age"))
    assert archives, out[-2000:]
    assert host.file("/var/backups/homeassistant").mode == 0o700
    # The copy also carries Home Assistant's own archives when it made any.
    assert host.file("/var/backups/homeassistant/homeassistant").is_directory

    # The fetched copy: age-encrypted, 0600 in 0700 directories.
    fetched = archives[-1].read_bytes()
    assert fetched.startswith(b"age-encryption.org/v1\n")
    assert archives[-1].stat().st_mode & 0o777 == 0o600
    assert fetch_dir.stat().st_mode & 0o777 == 0o700 and archives[-1].parent.stat().st_mode & 0o777 == 0o700
    # What would be uploaded (rclone syncs this directory as it is): no secret
    # in clear in any file, compressed or not.
    synced = tmp_path / "synced"
    subprocess.run(["docker", "cp", f"{LAB.container('nuc2')}:/var/backups/homeassistant/.", str(synced)], check=True)
    files = [path for path in synced.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".tar.gz.age") for path in files), files
    for path in files:
        data = readable(path.read_bytes())
        assert not any(secret in data for secret in secrets), f"a secret in clear in {path.relative_to(synced)}"

    assert not client.service("home-assistant").is_running
    replacement = tmp_path / "replacement.yml"
    replacement.write_text(
        yaml.safe_dump(
            {
                "home_assistant": {
                    "hosts": {
                        "nuc3": {
                            "home_assistant_mqtt": {
                                "broker": LAB.address("nuc2"),
                                "port": 8883,
                                "ca_certificate": (LAB.pki / "ca.crt").read_text(),
                                "username": "home-assistant",
                                "password": LAB.secret("mqtt-home-assistant"),
                            }
                        }
                    }
                }
            }
        )
    )
    playbook(
        "playbooks/home_assistant_restore.yml",
        "--limit", "nuc3",
        "-e", "home_assistant_restore_confirm=nuc3",
        "-e", f"home_assistant_restore_archive={archives[-1]}",
        "-e", f"home_assistant_version={NEWER}",
        inventories=[replacement],
    )  # fmt: skip
    wait_for_api(client)
    registry = client.file(f"{CONFIG}/.storage/core.entity_registry").content_string
    assert "lab_probe" in registry
    # The owner restored from nuc2 logged in (the role's API step) and the
    # restored instance serves metrics to its own new scraper token.
    status, body = curl(client, "http://127.0.0.1:8123/api/prometheus", f"-H 'Authorization: Bearer {token(client)}'")
    assert status == 200 and "# HELP" in body

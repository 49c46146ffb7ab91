"""The gitlab role's application_settings.rb, run by Debian's Ruby against a stand-in of GitLab's models.

GitLab cannot be installed here. tests/tooling/gitlab_rails_stand_in.rb
follows the documented interface of the few model methods the script calls
(ActiveRecord's dirty tracking, Devise's valid_password?), keeps its state in
a JSON file, and refuses what the real models refuse (an unknown
attribute). It tests the script's own logic: only differing settings are
saved, columns a release lacks are skipped, the root password is set only
when it does not match, the password is read from standard input and never
printed. It is not GitLab having been tested: the molecule scenario does
that, with the real package.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "roles" / "gitlab" / "files" / "application_settings.rb"
STAND_IN = ROOT / "tests" / "tooling" / "gitlab_rails_stand_in.rb"
WANTED = {"usage_ping_enabled": False, "version_check_enabled": False, "snowplow_enabled": False}
PASSWORD = "stand-in-root-" + secrets.token_hex(8)
NEW_PASSWORD = "stand-in-root-" + secrets.token_hex(8)

pytestmark = pytest.mark.skipif(shutil.which("ruby") is None, reason="Debian's ruby is not installed")


def run(state_file, root_password=None, wanted=None):
    document = {
        "settings": wanted or WANTED,
        "service_ping_settings": {"gitlab_product_usage_data_enabled": False},
        "root_password": root_password,
    }
    proc = subprocess.run(
        ["ruby", str(STAND_IN), SCRIPT.read_text()],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        check=False,
        env={"STAND_IN_STATE": str(state_file), "PATH": "/usr/bin:/bin"},
    )
    result = next((line for line in proc.stdout.splitlines() if line.startswith("SOVEREIGN_RESULT ")), None)
    changed = json.loads(result.split(" ", 1)[1])["changed"] if result else None
    return proc, changed


@pytest.fixture
def fresh_gitlab(tmp_path):
    """A new instance's defaults: phone-home on, a random root password, no Snowplow column (an older release)."""
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "application_settings": {
                    "usage_ping_enabled": True,
                    "version_check_enabled": True,
                    "service_ping_settings": {"gitlab_product_usage_data_enabled": True, "other": "kept"},
                    "runners_registration_token_encrypted": "secret-column",
                },
                "users": {"root": {"password": "generated-by-gitlab"}},
            }
        )
    )
    return state


def test_stand_in_first_run_sets_what_differs_and_the_root_password(fresh_gitlab):
    proc, changed = run(fresh_gitlab, PASSWORD)
    assert proc.returncode == 0, proc.stderr
    assert sorted(changed) == ["root_password", "service_ping_settings", "usage_ping_enabled", "version_check_enabled"]
    state = json.loads(fresh_gitlab.read_text())
    settings = state["application_settings"]
    assert settings["usage_ping_enabled"] is False and settings["version_check_enabled"] is False
    # Keys of service_ping_settings the role does not manage are kept.
    assert settings["service_ping_settings"] == {"gitlab_product_usage_data_enabled": False, "other": "kept"}
    # A column this release lacks (snowplow_enabled) is skipped, not added.
    assert "snowplow_enabled" not in settings
    assert state["users"]["root"] == {"password": PASSWORD, "automatically_set": False}
    assert PASSWORD not in proc.stdout + proc.stderr


def test_stand_in_second_run_changes_nothing(fresh_gitlab):
    run(fresh_gitlab, PASSWORD)
    saves = json.loads(fresh_gitlab.read_text())["saves"]
    proc, changed = run(fresh_gitlab, PASSWORD)
    assert proc.returncode == 0, proc.stderr
    assert changed == []
    assert json.loads(fresh_gitlab.read_text())["saves"] == saves


def test_stand_in_settings_only_when_the_password_is_already_applied(fresh_gitlab):
    run(fresh_gitlab, PASSWORD)
    state = json.loads(fresh_gitlab.read_text())
    state["application_settings"]["version_check_enabled"] = True  # switched back on in the admin area
    fresh_gitlab.write_text(json.dumps(state))
    proc, changed = run(fresh_gitlab, None)
    assert proc.returncode == 0, proc.stderr
    assert changed == ["version_check_enabled"]
    assert json.loads(fresh_gitlab.read_text())["users"]["root"]["password"] == PASSWORD


def test_stand_in_a_changed_vault_password_is_applied(fresh_gitlab):
    run(fresh_gitlab, PASSWORD)
    _proc, changed = run(fresh_gitlab, NEW_PASSWORD)
    assert changed == ["root_password"]
    assert json.loads(fresh_gitlab.read_text())["users"]["root"]["password"] == NEW_PASSWORD


def test_stand_in_no_root_user_fails_loudly(fresh_gitlab):
    state = json.loads(fresh_gitlab.read_text())
    state["users"] = {}
    fresh_gitlab.write_text(json.dumps(state))
    proc, changed = run(fresh_gitlab, PASSWORD)
    assert proc.returncode != 0 and changed is None
    assert "GitLab has no user named root" in proc.stderr

"""Runner registration against a stand-in of GitLab's runners API on loopback.

The module's logic (plugins/module_utils/_gitlab_runner.py) and its HTTP
adapter over Ansible's open_url talk to tests/tooling/fake_gitlab_api.py,
which follows GitLab's documented runners API and refuses what it refuses.
The cases of issue #19: a re-run finds the runner and creates no duplicate;
a runner deleted on the server is created again; a 401 stops with a message
naming the variable; a 5xx is retried; a changed description updates the
runner instead of adding one. It is not GitLab having been tested.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
sys.path.insert(0, str(ROOT / ".cache" / "collections"))
from fake_api_core import FakeAPIServer  # noqa: E402
from fake_gitlab_api import FakeGitLab  # noqa: E402

from ansible_collections.sovereign.cloud.plugins.module_utils import _gitlab_runner as runners  # noqa: E402

ADMIN_TOKEN = "glpat-" + secrets.token_hex(10)
SPEC = {
    "runner_type": "instance_type",
    "description": "nuc3 docker",
    "tag_list": ["docker", "eu"],
    "run_untagged": False,
    "locked": True,
    "paused": False,
}


@pytest.fixture
def gitlab():
    fake = FakeGitLab(ADMIN_TOKEN, {"glpat-reader": {"admin": False, "scopes": ["read_api"]}})
    server = FakeAPIServer([fake]).start()
    yield fake, server
    server.stop()


def api(server, token=ADMIN_TOKEN):
    return runners.RunnersAPI(server.url, token, runners.open_url_request(), backoff=0.01)


def config_toml(result, name="nuc3"):
    """What the role writes into config.toml, as the module reads it back."""
    return f'concurrent = 2\n\n[[runners]]\n  name = "{name}"\n  url = "https://gitlab.example.eu"\n' + (
        f'  id = {result["id"]}\n  token = "{result["token"]}"\n  executor = "docker"\n'
        '  [runners.docker]\n    image = "debian:13"\n'
    )


def existing(result):
    return runners.runners_in_config(config_toml(result))[0]


def test_stand_in_first_run_creates_one_runner_with_an_authentication_token(gitlab):
    fake, server = gitlab
    result = runners.ensure(api(server), SPEC, None)
    assert result["changed"] and result["action"] == "created"
    assert result["token"].startswith("glrt-")
    [runner] = fake.described("nuc3 docker")
    assert runner["tag_list"] == ["docker", "eu"] and runner["locked"] is True and runner["run_untagged"] is False


def test_stand_in_rerun_finds_the_runner_and_creates_no_duplicate(gitlab):
    fake, server = gitlab
    first = runners.ensure(api(server), SPEC, None)
    again = runners.ensure(api(server), SPEC, existing(first))
    assert again == {**first, "changed": False, "action": "unchanged", "updated": []}
    assert len(fake.runners) == 1
    assert server.count("/api/v4/user/runners") == 1


def test_stand_in_runner_deleted_on_the_server_is_created_again(gitlab):
    fake, server = gitlab
    first = runners.ensure(api(server), SPEC, None)
    fake.runners.clear()  # an administrator deleted it in the UI
    again = runners.ensure(api(server), SPEC, existing(first))
    assert again["action"] == "created" and again["id"] != first["id"]
    assert len(fake.described("nuc3 docker")) == 1


def test_stand_in_token_lost_on_the_host_is_reset_not_duplicated(gitlab):
    fake, server = gitlab
    first = runners.ensure(api(server), SPEC, None)
    again = runners.ensure(api(server), SPEC, None)  # config.toml was lost (host rebuilt)
    assert again["action"] == "token_reset" and again["id"] == first["id"]
    assert again["token"] != first["token"] and fake.runner_by_token(first["token"]) is None
    assert len(fake.runners) == 1


def test_stand_in_changed_description_updates_the_runner(gitlab):
    fake, server = gitlab
    first = runners.ensure(api(server), SPEC, None)
    renamed = {**SPEC, "description": "nuc3 docker (eu-west)", "tag_list": ["eu", "docker", "arm"]}
    again = runners.ensure(api(server), renamed, existing(first))
    assert again["action"] == "updated" and again["updated"] == ["description", "tag_list"]
    assert [r["id"] for r in fake.described("nuc3 docker (eu-west)")] == [first["id"]]
    assert len(fake.runners) == 1


def test_stand_in_unauthorised_token_fails_naming_the_variable(gitlab):
    _fake, server = gitlab
    with pytest.raises(runners.RunnerAPIError, match="gitlab_runner_api_token"):
        runners.ensure(api(server, "glpat-wrong"), SPEC, None)


def test_stand_in_token_without_create_runner_scope_is_refused(gitlab):
    _fake, server = gitlab
    with pytest.raises(runners.RunnerAPIError, match="403"):
        runners.ensure(api(server, "glpat-reader"), SPEC, None)


def test_stand_in_server_errors_are_retried(gitlab):
    fake, server = gitlab
    server.fault("/api/v4/user/runners", status=502, times=2)
    server.fault("/api/v4/runners/all", status=503, retry_after=0, times=1)
    result = runners.ensure(api(server), SPEC, None)
    assert result["action"] == "created"
    assert server.count("/api/v4/user/runners") == 3
    assert len(fake.runners) == 1


def test_stand_in_persistent_server_errors_give_up_with_the_status(gitlab):
    _fake, server = gitlab
    server.fault("/api/v4/runners/all", status=500, times=10)
    with pytest.raises(runners.RunnerAPIError, match="answered 500 after 5 tries"):
        runners.ensure(api(server), SPEC, None)


def test_stand_in_two_runners_with_the_description_is_an_error_not_a_guess(gitlab):
    fake, server = gitlab
    runners.ensure(api(server), SPEC, None)
    fake._create(fake.tokens[ADMIN_TOKEN], {"runner_type": "instance_type", "description": "nuc3 docker"})
    with pytest.raises(runners.RunnerAPIError, match="2 runners described 'nuc3 docker'"):
        runners.ensure(api(server), SPEC, None)


def test_stand_in_check_mode_changes_nothing(gitlab):
    fake, server = gitlab
    result = runners.ensure(api(server), SPEC, None, check_mode=True)
    assert result["changed"] and fake.runners == {}


def test_stand_in_many_runners_are_paged_through(gitlab):
    fake, server = gitlab
    for index in range(230):
        fake._create(fake.tokens[ADMIN_TOKEN], {"runner_type": "instance_type", "description": f"other {index}"})
    first = runners.ensure(api(server), SPEC, None)
    again = runners.ensure(api(server), SPEC, None)
    assert again["action"] == "token_reset" and again["id"] == first["id"]
    assert server.count("/api/v4/runners/all") == 6  # 3 pages, twice


def test_stand_in_group_runner_needs_its_group(gitlab):
    fake, server = gitlab
    spec = {**SPEC, "runner_type": "group_type", "group_id": 42}
    created = runners.ensure(api(server), spec, None)
    assert fake.runners[created["id"]]["runner_type"] == "group_type"


def test_stand_in_unregister_deletes_with_the_runners_own_token(gitlab):
    fake, server = gitlab
    first = runners.ensure(api(server), SPEC, None)
    removed = runners.remove(api(server), existing(first))
    assert removed == {"changed": True, "action": "deleted", "id": first["id"]}
    assert fake.runners == {}
    assert runners.remove(api(server), existing(first))["changed"] is False

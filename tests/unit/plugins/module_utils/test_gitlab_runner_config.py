"""config.toml as the gitlab_runner role writes it, read back by the registration module."""

from __future__ import annotations

from ansible_collections.sovereign.cloud.plugins.module_utils import _gitlab_runner as runners

CONFIG = """# Managed by sovereign.cloud
concurrent = 4
check_interval = 0

[session_server]
  session_timeout = 1800

[[runners]]
  name = "nuc3-docker"
  url = "https://gitlab.example.eu"
  id = 101
  token = "glrt-abc\\"def"
  executor = "docker"
  [runners.docker]
    image = "debian:13"
    # a key named like the runner's own, in a sub-table: not the runner's
    token = "not-this-one"
  [[runners.docker.services]]
    name = "postgres:17"

[[runners]]
  name = "nuc3-shell"
  url = "https://gitlab.example.eu"
  id = 102
  token = "glrt-xyz"
  executor = "shell"
"""


def test_each_runner_with_its_own_keys():
    assert runners.runners_in_config(CONFIG) == [
        {"name": "nuc3-docker", "url": "https://gitlab.example.eu", "id": 101, "token": 'glrt-abc"def'},
        {"name": "nuc3-shell", "url": "https://gitlab.example.eu", "id": 102, "token": "glrt-xyz"},
    ]


def test_missing_or_unreadable_file_gives_no_runner():
    assert runners.runners_in_config(None) == []
    assert runners.runners_in_config("concurrent = 1\n") == []
    # A value this reader does not understand is left out (the API finds the runner again).
    assert runners.runners_in_config("[[runners]]\n  name = 'single quotes'\n  id = abc\n") == [{}]

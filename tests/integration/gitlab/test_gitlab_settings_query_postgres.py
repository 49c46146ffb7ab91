"""The query the gitlab role reads GitLab's application settings with, run on a real PostgreSQL.

GitLab cannot be installed here, but its database is PostgreSQL: Debian's
PostgreSQL runs in a lab container with an application_settings table that
has the columns the role asks for under GitLab's names, plus columns that
hold secrets. The role's query (rendered from its vars/main.yml by Ansible)
must return exactly the wanted columns the table has, never another, and
the role's drift filter must read the answer. The table is this test's, not
GitLab's schema.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import labhost
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
sys.path.insert(0, str(ROOT / ".cache" / "collections"))

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _gitlab  # noqa: E402

VARS = yaml.safe_load((ROOT / "roles" / "gitlab" / "vars" / "main.yml").read_text())
WANTED = VARS["__gitlab_application_settings"]
WANTED_PING = VARS["__gitlab_service_ping_settings"]
TABLE = """
create table application_settings (
  id serial primary key,
  usage_ping_enabled boolean default true not null,
  usage_ping_features_enabled boolean default false not null,
  usage_ping_generation_enabled boolean default true not null,
  include_optional_metrics_in_service_ping boolean default true not null,
  version_check_enabled boolean default true,
  update_runner_versions_enabled boolean default true not null,
  gravatar_enabled boolean default true,
  service_ping_settings jsonb default '{}'::jsonb not null,
  runners_registration_token_encrypted character varying default 'planted-token-column',
  encrypted_ci_jwt_signing_key text default 'planted-key-column',
  home_page_url character varying
);
insert into application_settings default values;
"""


def rendered_query():
    proc = subprocess.run(
        ["ansible", "localhost", "-m", "ansible.builtin.debug", "-a", "msg={{ __gitlab_settings_query }}",
         "-e", f"@{ROOT / 'roles' / 'gitlab' / 'vars' / 'main.yml'}"],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={**os.environ, "ANSIBLE_CALLBACK_RESULT_FORMAT": "json", "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip
    return json.loads(proc.stdout.split("=>", 1)[1])["msg"]


@pytest.fixture(scope="module")
def postgres():
    container = labhost.start("sovereign-lab/debian:13", "sovereign-gitlab-psql", hostname="gitlab-psql")
    try:
        labhost.docker(
            "exec", container, "sh", "-c",
            "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null",
        )  # fmt: skip
        psql = ["exec", "-i", container, "runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1"]
        labhost.docker(*psql, "-c", "create database gitlabhq_production")
        subprocess.run(
            ["docker", *psql, "-d", "gitlabhq_production"], input=TABLE, text=True, check=True, capture_output=True
        )
        yield container, psql
    finally:
        labhost.remove(container)


def run_query(postgres, query):
    _container, psql = postgres
    # The role's flags: gitlab-psql -d gitlabhq_production -A -t -c <query>.
    proc = labhost.docker(*psql, "-d", "gitlabhq_production", "-A", "-t", "-c", query)
    return json.loads(proc.stdout.strip())


def test_the_query_returns_the_wanted_columns_the_table_has_and_nothing_else(postgres):
    now = run_query(postgres, rendered_query())
    # snowplow_enabled is wanted but this table (an older release) lacks it.
    assert set(now) == (set(WANTED) | {"service_ping_settings"}) - {"snowplow_enabled"}
    assert "planted" not in json.dumps(now)
    assert _gitlab.settings_drift(now, WANTED, WANTED_PING) == [
        "gravatar_enabled",
        "include_optional_metrics_in_service_ping",
        "update_runner_versions_enabled",
        "usage_ping_enabled",
        "usage_ping_generation_enabled",
        "version_check_enabled",
        "service_ping_settings",
    ]


def test_after_the_role_set_them_nothing_drifts(postgres):
    _container, psql = postgres
    # The role's own values (booleans from its data), as its Ruby script sets them.
    assignments = [f"{name} = {str(value).lower()}" for name, value in WANTED.items() if name != "snowplow_enabled"]
    ping = '{"gitlab_product_usage_data_enabled": false, "other": 1}'
    update = "update application_settings set %s, service_ping_settings = '%s'" % (", ".join(assignments), ping)  # noqa: S608
    labhost.docker(*psql, "-d", "gitlabhq_production", "-c", update)
    now = run_query(postgres, rendered_query())
    assert _gitlab.settings_drift(now, WANTED, WANTED_PING) == []
    assert now["service_ping_settings"] == {"gitlab_product_usage_data_enabled": False, "other": 1}

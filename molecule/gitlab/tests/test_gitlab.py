"""GitLab and GitLab Runner converged from their real packages.

Checked on nuc1: GitLab is ready, serves HTTPS with a certificate of the
internal CA, runs with every phone-home setting off (its database and the
configuration Rails runs with), the vault's root password is the one that
works, the sovereignty audit reads the telemetry GitLab runs with, nuc2's
runner is registered once and online, and a pipeline runs on it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "tooling"))
from lab_http import eventually

testinfra_hosts = ["ansible://nuc1"]

URL = "https://172.30.58.11"
CA = "/usr/local/share/ca-certificates/sovereign-internal-ca.crt"


def test_ready_over_https_with_the_internal_ca(host):
    result = host.run(f"curl -sS --cacert {CA} -H 'Host: gitlab.molecule.home.arpa' {URL}/-/readiness")
    assert result.rc == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"


def test_phone_home_settings_are_off_in_the_database(host):
    query = (
        "select usage_ping_enabled, version_check_enabled, snowplow_enabled, gravatar_enabled, "
        "service_ping_settings->>'gitlab_product_usage_data_enabled' from application_settings "
        "order by id desc limit 1"
    )
    result = host.run(f'gitlab-psql -d gitlabhq_production -A -t -c "{query}"')
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "f|f|f|f|false"


def test_rails_runs_with_service_ping_and_product_usage_data_off(host):
    gitlab_yml = host.file("/var/opt/gitlab/gitlab-rails/etc/gitlab.yml").content_string
    assert "usage_ping_enabled: false" in gitlab_yml
    env = host.file("/opt/gitlab/etc/gitlab-rails/env/GITLAB_PRODUCT_USAGE_DATA_ENABLED").content_string
    assert env.strip() == "false"


def test_no_initial_root_password_file_and_gitlab_rb_is_private(host):
    assert not host.file("/etc/gitlab/initial_root_password").exists
    assert host.file("/etc/gitlab/gitlab.rb").mode == 0o600
    assert "molecule-gitlab-root-1" not in host.file("/etc/gitlab/gitlab.rb").content_string


def test_the_vaults_root_password_works(host):
    result = host.run(
        "printf %s molecule-gitlab-root-1"
        " | gitlab-rails runner \"puts User.find_by_username('root').valid_password?(STDIN.read)\""
    )
    assert result.stdout.strip().endswith("true"), result.stdout + result.stderr


def test_the_sovereignty_audit_reads_what_gitlab_runs_with(host):
    facts = host.ansible("sovereign.cloud.sovereignty_facts", check=False)
    assert facts["telemetry"]["gitlab"] is False, facts


RUNNER_TOKEN = "molecule-runner-creator-token-1"  # noqa: S105 (the scenario's, in molecule.yml)


def api(host, method, path, data=""):
    """GitLab's API from nuc1, with the scenario's token."""
    result = host.run(
        f"curl -sS --cacert {CA} -H 'Host: gitlab.molecule.home.arpa' -H 'PRIVATE-TOKEN: {RUNNER_TOKEN}' "
        f"-X {method} {data} {URL}/api/v4{path}"
    )
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_the_runner_is_registered_once_and_online(host):
    runners = api(host, "GET", "/runners/all?type=instance_type")
    mine = [r for r in runners if r["description"] == "nuc2 shell"]
    assert len(mine) == 1, runners

    def online():
        assert api(host, "GET", f"/runners/{mine[0]['id']}")["status"] == "online"

    eventually(online)


def test_a_pipeline_runs_on_the_runner(host):
    project = api(host, "POST", "/projects", "--data-urlencode name=molecule-ci --data initialize_with_readme=true")
    ci = "job:\n  tags: [molecule]\n  script: [echo sovereign]\n"
    api(
        host,
        "POST",
        f"/projects/{project['id']}/repository/files/.gitlab-ci.yml",
        f"--data branch=main --data-urlencode 'content={ci}' --data commit_message=ci",
    )

    def succeeded():
        pipelines = api(host, "GET", f"/projects/{project['id']}/pipelines")
        assert pipelines and pipelines[0]["status"] == "success", pipelines

    eventually(succeeded, seconds=600)


def test_a_backup_is_encrypted_and_holds_gitlabs_archive_and_secrets(host):
    result = host.run("systemctl start sovereign-gitlab-backup.service")
    assert result.rc == 0, result.stderr
    archives = host.run("ls -1t /var/backups/gitlab/").stdout.split()
    assert archives and archives[0].startswith("gitlab-") and archives[0].endswith(".tar.age"), archives
    assert host.run("ls /var/opt/gitlab/backups/").stdout.strip() == ""  # no clear archive left
    identity = "/root/molecule-backup-identity"
    key = host.ansible.get_variables()["gitlab_backup_age_identity"]
    assert host.run(f"umask 077 && cat > {identity} <<'KEY'\n{key.strip()}\nKEY").rc == 0
    listing = host.run(f"age --decrypt --identity {identity} /var/backups/gitlab/{archives[0]} | tar --list --file -")
    host.run(f"rm -f {identity}")
    assert listing.rc == 0, listing.stderr
    names = listing.stdout.split()
    assert "gitlab-secrets.json" in names and "gitlab.rb" in names
    assert any(name.endswith("_gitlab_backup.tar") for name in names)

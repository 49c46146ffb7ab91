"""GitLab converged from its real package.

Checked on the host: GitLab is ready, serves HTTPS with a certificate of the
internal CA, runs with every phone-home setting off (its database and the
configuration Rails runs with), the vault's root password is the one that
works, and the sovereignty audit reads the telemetry GitLab runs with.
"""

from __future__ import annotations

import json

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
        "gitlab-rails runner \"puts User.find_by_username('root').valid_password?(STDIN.read)\"",
        stdin="molecule-gitlab-root-1",
    )
    assert result.stdout.strip().endswith("true"), result.stdout + result.stderr


def test_the_sovereignty_audit_reads_what_gitlab_runs_with(host):
    facts = host.ansible("sovereign.cloud.sovereignty_facts", check=False)
    assert facts["telemetry"]["gitlab"] is False, facts

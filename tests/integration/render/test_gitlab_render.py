"""gitlab.rb as the gitlab role renders it, checked by Ruby and by its settings.

GitLab cannot be installed on the build machine (packages.gitlab.com is
unreachable), so this suite runs the role's `render` entry point for hosts of
different sizes and settings and checks what it would deploy:

- every gitlab.rb passes `ruby -c` (Debian's Ruby);
- each phone-home setting is present with its "off" value, and no line
  outside comments names a phone-home host;
- TLS, storage (Gitaly's keys, never git_data_dirs), SMTP verification,
  the registry switch and the bundled monitoring being off;
- the memory profile's values per RAM size, as GitLab's documentation gives
  them (docs/gitlab.md);
- no secret (root password, SMTP password, private key) in gitlab.rb or in
  the play's output.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests" / "tooling"))
import ansible_playbook  # noqa: E402

ROOT_PASSWORD = "root-" + secrets.token_hex(12)
S3_SECRET = "s3-" + secrets.token_hex(12)
AGE_RECIPIENT = "age1" + "q" * 58
SMTP_PASSWORD = "smtp-" + secrets.token_hex(12)
PHONE_HOME = re.compile(r"version\.gitlab\.com|snowplow|gravatar\.com|sentry\.io|acme-v0|letsencrypt\.org", re.I)

HOSTS = {
    # 4 GiB homelab box: the small profile, GitLab's nginx with the internal CA.
    "small": {"gitlab_memory_mb": 3900, "gitlab_cpu_count": 2},
    # 8 GiB, behind the collection's reverse proxy, mail and registry on.
    "medium": {
        "gitlab_memory_mb": 7900,
        "gitlab_cpu_count": 4,
        "gitlab_tls_termination": "reverse_proxy",
        "gitlab_smtp": {"host": "smtp.example.eu", "user": "gitlab@example.eu", "from": "gitlab@example.eu"},
        "gitlab_smtp_password": SMTP_PASSWORD,
        "gitlab_registry_enabled": True,
        "gitlab_registry_external_url": "https://registry.example.eu",
    },
    # 32 GiB, 8 CPUs, two storages, on the private network.
    "large": {
        "gitlab_memory_mb": 32000,
        "gitlab_cpu_count": 8,
        "gitlab_listen_address": "10.0.0.21",
        "gitlab_allowed_sources": ["10.0.0.0/24"],
        "gitlab_storages": [
            {"name": "default", "path": "/var/opt/gitlab/git-data/repositories"},
            {"name": "fast", "path": "/srv/nvme/repositories"},
        ],
        "gitlab_rb_extra": ["# site policy", "gitlab_rails['time_zone'] = 'Europe/Paris'"],
        # Backups off-site, at an EU provider.
        "gitlab_backup_s3": {
            "endpoint": "https://s3.fr-par.scw.cloud",
            "region": "fr-par",
            "bucket": "gitlab-backups",
            "access_key_id": "SCWEXAMPLEKEY",
            "secret_access_key": S3_SECRET,
        },
        "gitlab_backup_skip": ["registry"],
    },
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out, output = ansible_playbook.render_role(
        tmp_path_factory.mktemp("gitlab-render"),
        "gitlab",
        HOSTS,
        {
            "gitlab_external_url": "https://gitlab.example.eu",
            "gitlab_root_password": ROOT_PASSWORD,
            "gitlab_backup_age_recipients": [AGE_RECIPIENT],
        },
    )
    return {host: (out / host / "gitlab.rb").read_text() for host in HOSTS}, output, out


def code(text):
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def setting(text, key):
    """The right-hand side of `key = ...` (one line), or None."""
    for line in code(text):
        if line.startswith(key + " = "):
            return line[len(key) + 3 :].strip()
    return None


@pytest.mark.skipif(shutil.which("ruby") is None, reason="Debian's ruby is not installed (scripts/lib.sh installs it)")
def test_every_gitlab_rb_is_valid_ruby(rendered, tmp_path):
    for host, text in rendered[0].items():
        path = tmp_path / f"{host}.rb"
        path.write_text(text)
        checked = subprocess.run(["ruby", "-c", str(path)], capture_output=True, text=True, check=False)
        assert checked.returncode == 0 and "Syntax OK" in checked.stdout, (host, checked.stderr)


def test_telemetry_settings_are_off_on_every_host(rendered):
    for host, text in rendered[0].items():
        for key, value in [
            ("gitlab_rails['usage_ping_enabled']", "false"),
            ("gitlab_rails['initial_gitlab_product_usage_data']", "false"),
            ("gitlab_rails['sentry_enabled']", "false"),
            ("gitlab_rails['gravatar_enabled']", "false"),
            ("letsencrypt['enable']", "false"),
            ("gitlab_rails['store_initial_root_password']", "false"),
            ("gitlab_rails['display_initial_root_password']", "false"),
            ("prometheus_monitoring['enable']", "false"),
            ("mattermost['enable']", "false"),
        ]:
            assert setting(text, key) == value, (host, key)
        assert "'GITLAB_PRODUCT_USAGE_DATA_ENABLED' => 'false'" in text, host
        offending = [line for line in code(text) if PHONE_HOME.search(line)]
        assert not offending, (host, offending)


def test_no_secret_in_gitlab_rb_or_in_the_output(rendered):
    files, output, _out = rendered
    for host, text in files.items():
        assert ROOT_PASSWORD not in text and SMTP_PASSWORD not in text, host
        assert "gitlab_rails['initial_root_password']" not in "\n".join(code(text)), host
    assert ROOT_PASSWORD not in output and SMTP_PASSWORD not in output and S3_SECRET not in output
    for path in rendered[2].rglob("*"):
        if path.is_file():
            assert S3_SECRET not in path.read_text(), path  # rclone reads it from a 0600 environment file


def test_tls_by_omnibus_nginx_with_the_internal_ca(rendered):
    text = rendered[0]["small"]
    assert setting(text, "external_url") is None  # a method call, not an assignment
    assert "external_url 'https://gitlab.example.eu'" in text
    assert setting(text, "nginx['listen_https']") == "true"
    assert setting(text, "nginx['listen_addresses']") == "['127.0.0.1']"
    assert setting(text, "nginx['ssl_certificate']").endswith("/gitlab.crt'")
    assert setting(text, "nginx['ssl_certificate_key']").endswith("/gitlab.key'")


def test_plain_http_on_loopback_behind_the_reverse_proxy(rendered):
    text = rendered[0]["medium"]
    assert setting(text, "nginx['listen_https']") == "false"
    assert setting(text, "nginx['listen_addresses']") == "['127.0.0.1']"
    assert setting(text, "nginx['listen_port']") == "8929"
    assert "'X-Forwarded-Proto' => 'https'" in text


def test_storage_through_gitalys_keys_never_git_data_dirs(rendered):
    for host, text in rendered[0].items():
        assert "git_data_dirs" not in "\n".join(code(text)), host
    large = rendered[0]["large"]
    assert "{ name: 'default', path: '/var/opt/gitlab/git-data/repositories' }" in large
    assert "{ name: 'fast', path: '/srv/nvme/repositories' }" in large
    assert "'fast' => { 'gitaly_address' => 'unix:/var/opt/gitlab/gitaly/gitaly.socket' }" in large


def test_smtp_verifies_certificates_and_reads_its_password_from_a_file(rendered):
    text = rendered[0]["medium"]
    assert setting(text, "gitlab_rails['smtp_enable']") == "true"
    assert setting(text, "gitlab_rails['smtp_openssl_verify_mode']") == "'peer'"
    assert setting(text, "gitlab_rails['smtp_password']") == "File.read('/etc/sovereign/gitlab/smtp-password').strip"
    assert setting(rendered[0]["small"], "gitlab_rails['smtp_enable']") == "false"


def test_registry_switch(rendered):
    assert setting(rendered[0]["medium"], "registry['enable']") == "true"
    assert "registry_external_url 'https://registry.example.eu'" in rendered[0]["medium"]
    assert setting(rendered[0]["small"], "registry['enable']") == "false"
    assert setting(rendered[0]["small"], "gitlab_rails['registry_enabled']") == "false"


def test_bundled_monitoring_is_off_and_the_allow_list_holds_the_listener(rendered):
    for host, text in rendered[0].items():
        for key in (
            "prometheus",
            "alertmanager",
            "node_exporter",
            "redis_exporter",
            "postgres_exporter",
            "gitlab_exporter",
        ):
            assert setting(text, f"{key}['enable']") == "false", (host, key)
    assert setting(rendered[0]["large"], "gitlab_rails['monitoring_whitelist']") == (
        "['127.0.0.0/8', '::1/128', '10.0.0.21/32']"
    )
    assert setting(rendered[0]["small"], "gitlab_rails['monitoring_whitelist']") == "['127.0.0.0/8', '::1/128']"


@pytest.mark.parametrize(
    ("host", "puma", "sidekiq", "constrained"),
    [
        # GitLab's memory-constrained settings: Puma single mode, Sidekiq 10,
        # jemalloc decay and Gitaly limits (docs/gitlab.md gives the sources).
        ("small", "0", "10", True),
        ("medium", "2", "20", False),
        # One Puma worker per CPU.
        ("large", "8", "20", False),
    ],
)
def test_memory_profile_per_ram_size(rendered, host, puma, sidekiq, constrained):
    text = rendered[0][host]
    assert setting(text, "puma['worker_processes']") == puma
    assert setting(text, "sidekiq['concurrency']") == sidekiq
    assert ("'MALLOC_CONF' => 'dirty_decay_ms:1000,muzzy_decay_ms:1000'" in text) is constrained
    assert ("'GITALY_COMMAND_SPAWN_MAX_PARALLEL' => '2'" in text) is constrained
    assert ("'max_per_repo' => 3" in text) is constrained
    assert f"## Memory profile: {host} (" in text


def test_operator_lines_are_appended(rendered):
    assert rendered[0]["large"].rstrip().endswith("gitlab_rails['time_zone'] = 'Europe/Paris'")


# --- backups -------------------------------------------------------------


def test_backup_script_is_valid_bash_and_encrypts_before_anything_leaves(rendered):
    for host in HOSTS:
        script = (rendered[2] / host / "sovereign-gitlab-backup.sh").read_text()
        checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)
        assert checked.returncode == 0, (host, checked.stderr)
        lines = script.splitlines()
        create = next(i for i, line in enumerate(lines) if "gitlab-backup create" in line)
        encrypt = next(i for i, line in enumerate(lines) if "age --encrypt" in line)
        remove = next(i for i, line in enumerate(lines) if line.startswith('rm -f -- "$rails_backups/$archive"'))
        assert create < encrypt < remove
        assert "gitlab-secrets.json gitlab.rb" in script
        assert ("rclone sync" in script) is (host == "large")
    large = (rendered[2] / "large" / "sovereign-gitlab-backup.sh").read_text()
    assert "SKIP=registry" in large
    lines = large.splitlines()
    encrypt = next(i for i, line in enumerate(lines) if "age --encrypt" in line)
    assert all("rclone" not in line for line in lines[:encrypt])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_backup_unit_and_timer_verify(rendered, tmp_path):
    for host in ("small", "large"):
        unit = (rendered[2] / host / "sovereign-gitlab-backup.service").read_text()
        assert "ProtectSystem=strict" in unit and "NoNewPrivileges=yes" in unit
        assert ("EnvironmentFile=/etc/sovereign/gitlab/backup-s3.env" in unit) is (host == "large")
        # The script is what is missing here: /bin/true stands in; the
        # dependency on GitLab's supervisor unit is left out.
        unit = re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", unit, flags=re.M)
        unit = re.sub(r"^(Requires|After)=gitlab-runsvdir.service$", "", unit, flags=re.M)
        service = tmp_path / host / "sovereign-gitlab-backup.service"
        service.parent.mkdir()
        service.write_text(unit)
        (tmp_path / host / "sovereign-gitlab-backup.timer").write_text(
            (rendered[2] / host / "sovereign-gitlab-backup.timer").read_text()
        )
        proc = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(service), str(service.with_suffix(".timer"))],
            capture_output=True,
            text=True,
            check=False,
        )
        problems = [line for line in (proc.stdout + proc.stderr).splitlines() if "sovereign-gitlab-backup" in line]
        assert proc.returncode == 0 and not problems, proc.stdout + proc.stderr

"""The gitlab role's checks: which phone-home settings drift, what gitlab.rb refuses."""

from __future__ import annotations

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _gitlab

WANTED = {"usage_ping_enabled": False, "version_check_enabled": False, "snowplow_enabled": False}
SERVICE_PING = {"gitlab_product_usage_data_enabled": False}


def test_nothing_drifts_when_gitlab_runs_with_the_wanted_values():
    now = {**WANTED, "service_ping_settings": {"gitlab_product_usage_data_enabled": False, "other": True}}
    assert _gitlab.settings_drift(now, WANTED, SERVICE_PING) == []


def test_each_setting_switched_back_on_is_named():
    now = {**WANTED, "version_check_enabled": True, "snowplow_enabled": True, "service_ping_settings": {}}
    assert _gitlab.settings_drift(now, WANTED, SERVICE_PING) == [
        "snowplow_enabled",
        "version_check_enabled",
        "service_ping_settings",
    ]


def test_a_column_the_release_lacks_is_not_judged():
    # An older GitLab without service_ping_settings or snowplow_enabled.
    now = {"usage_ping_enabled": False, "version_check_enabled": False}
    assert _gitlab.settings_drift(now, WANTED, SERVICE_PING) == []


def test_a_null_service_ping_settings_column_drifts():
    now = {**WANTED, "service_ping_settings": None}
    assert _gitlab.settings_drift(now, WANTED, SERVICE_PING) == ["service_ping_settings"]


def test_values_that_would_break_out_of_a_ruby_string_are_named():
    problems = _gitlab.rb_problems(
        {"gitlab_external_url": "https://gitlab.example.eu", "gitlab_storages": "/srv/it's", "x": "a\\b", "y": "a\nb"},
        [],
    )
    assert [p.split(" ")[0] for p in problems] == ["gitlab_storages", "x", "y"]


def test_extra_lines_that_set_what_the_role_owns_are_refused():
    problems = _gitlab.rb_problems(
        {},
        [
            "gitlab_rails['time_zone'] = 'Europe/Paris'",
            "# gitlab_rails['usage_ping_enabled'] = true  (a comment is fine)",
            "gitlab_rails['usage_ping_enabled'] = true",
            "letsencrypt['enable'] = true",
            "git_data_dirs({ 'default' => { 'path' => '/srv' } })",
            "gitlab_rails['env']['GITLAB_PRODUCT_USAGE_DATA_ENABLED'] = 'true'",
            "two\nlines",
        ],
    )
    assert problems == [
        "gitlab_rb_extra[2] sets usage_ping_enabled, which the role owns (telemetry, TLS, passwords and storage "
        "are set from its variables)",
        "gitlab_rb_extra[3] sets letsencrypt, which the role owns (telemetry, TLS, passwords and storage "
        "are set from its variables)",
        "gitlab_rb_extra[4] sets git_data_dirs, which the role owns (telemetry, TLS, passwords and storage "
        "are set from its variables)",
        "gitlab_rb_extra[5] sets GITLAB_PRODUCT_USAGE_DATA_ENABLED, which the role owns (telemetry, TLS, passwords "
        "and storage are set from its variables)",
        "gitlab_rb_extra[6] holds a line break: give one line per item",
    ]


def test_a_key_that_merely_contains_an_owned_name_is_accepted():
    assert _gitlab.rb_problems({}, ["gitlab_rails['usage_ping_enabled_extra'] = 1"]) == []


def test_runner_entries_that_the_role_refuses_are_named():
    problems = _gitlab.runner_problems(
        [
            {"name": "docker", "executor": "docker", "docker": {"image": "debian:13", "allowed_images": ["debian:*"]}},
            {"name": "Shell One", "executor": "ssh", "tags": ["ok", "not ok"], "colour": "red"},
            {"name": "grp", "executor": "shell", "runner_type": "group_type", "maximum_timeout": 60},
            {"name": "sh", "executor": "shell", "docker": {"image": "x"}},
            {"name": "dk", "executor": "docker", "docker": {"pull_policy": "sometimes", "registry": "x"}},
        ]
    )
    assert problems == [
        "[1] (Shell One): colour is not a setting the role knows",
        "[1] (Shell One): name must be lower case letters, digits and -",
        "[1] (Shell One): executor must be docker or shell",
        "[1] (Shell One): tags must be a list of words (letters, digits, . _ -)",
        "[2] (grp): a group_type runner needs group_id",
        "[2] (grp): maximum_timeout must be at least 600 seconds (GitLab's minimum)",
        "[3] (sh): docker settings need executor docker",
        "[4] (dk): docker.registry is not a setting the role knows "
        "(allowed_images, allowed_services, cpus, image, memory, pull_policy, volumes)",
        "[4] (dk): docker.pull_policy must be always, if-not-present or never",
    ]

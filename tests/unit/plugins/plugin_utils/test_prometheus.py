"""Unit tests of plugin_utils/_prometheus.py: the prometheus role's prometheus.yml and password files."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.sovereign.cloud.plugins.plugin_utils import _prometheus

SECRETS, FILE_SD, CA = "/etc/sovereign/prometheus/secrets", "/etc/sovereign/prometheus/file_sd", "/etc/pki/ca.crt"


def settings(**overrides):
    base = {
        "global": {"scrape_interval": "30s", "evaluation_interval": "30s", "external_labels": {"site": "lab"}},
        "rule_files": ["/etc/sovereign/prometheus/rules/*.yml"],
        "ca_file": CA,
        "secrets_dir": SECRETS,
        "file_sd_dir": FILE_SD,
        "self": {"target": "127.0.0.1:9090", "instance": "mon1", "tls": True, "users": []},
        "node": {"username": "prometheus", "password": ""},
        "jobs": [],
        "alertmanagers": [],
        "extra": [],
    }
    base.update(overrides)
    return base


def jobs_by_name(config):
    return {scrape["job_name"]: scrape for scrape in config["scrape_configs"]}


def test_minimal_configuration_scrapes_itself_and_the_node_exporters_over_https():
    config = _prometheus.scrape_config(settings())
    assert config["global"]["external_labels"] == {"site": "lab"}
    assert config["alerting"] == {"alertmanagers": []}
    scrapes = jobs_by_name(config)
    assert list(scrapes) == ["prometheus", "node"]
    assert scrapes["prometheus"] == {
        "job_name": "prometheus",
        "scheme": "https",
        "static_configs": [{"targets": ["127.0.0.1:9090"], "labels": {"instance": "mon1"}}],
        "tls_config": {"ca_file": CA},
    }
    assert scrapes["node"]["file_sd_configs"] == [{"files": [f"{FILE_SD}/node.json"]}]
    assert "basic_auth" not in scrapes["node"]


def test_self_scrape_over_http_has_no_tls_config():
    scrapes = jobs_by_name(_prometheus.scrape_config(settings(self={**settings()["self"], "tls": False})))
    assert scrapes["prometheus"]["scheme"] == "http"
    assert "tls_config" not in scrapes["prometheus"]


def test_passwords_are_referenced_by_file_with_the_names_secret_files_gives():
    users = [{"name": "admin", "password": "self-secret"}, {"name": "grafana", "password": "g"}]
    jobs = [
        {"job": "caddy", "group": "web", "port": 2019, "scheme": "http", "metrics_path": "/m"},
        {"job": "mqtt", "group": "mqtt", "port": 9234, "basic_auth_password": "job-secret"},
    ]
    managers = [{"url": "https://10.0.0.5:9093", "username": "am", "password": "am-secret"}]
    given = settings(
        self={**settings()["self"], "users": users},
        node={"username": "scraper", "password": "node-secret"},
        jobs=jobs,
        alertmanagers=managers,
    )
    config = _prometheus.scrape_config(given)
    files = _prometheus.secret_files(users, "node-secret", jobs, managers)
    assert files == [
        {"name": "self", "password": "self-secret"},
        {"name": "node", "password": "node-secret"},
        {"name": "job-mqtt", "password": "job-secret"},
        {"name": "alertmanager-0", "password": "am-secret"},
    ]
    referenced = [
        auth["password_file"]
        for auth in [s.get("basic_auth") for s in config["scrape_configs"]]
        + [m.get("basic_auth") for m in config["alerting"]["alertmanagers"]]
        if auth
    ]
    assert referenced == [f"{SECRETS}/{entry['name']}" for entry in files]
    scrapes = jobs_by_name(config)
    assert scrapes["prometheus"]["basic_auth"]["username"] == "admin"
    assert scrapes["node"]["basic_auth"]["username"] == "scraper"
    assert scrapes["mqtt"]["basic_auth"]["username"] == "prometheus"  # the default user of a job
    # No password in the configuration itself.
    text = yaml.safe_dump(config)
    assert not [password for password in ("self-secret", "node-secret", "job-secret", "am-secret") if password in text]


def test_user_jobs_default_to_https_with_the_ca_and_keep_their_path():
    jobs = [
        {"job": "caddy", "group": "web", "port": 2019, "scheme": "http", "metrics_path": "/m"},
        {"job": "ha", "group": "home_assistant", "port": 8123},
    ]
    scrapes = jobs_by_name(_prometheus.scrape_config(settings(jobs=jobs)))
    assert scrapes["caddy"] == {
        "job_name": "caddy",
        "scheme": "http",
        "file_sd_configs": [{"files": [f"{FILE_SD}/caddy.json"]}],
        "metrics_path": "/m",
    }
    assert scrapes["ha"]["scheme"] == "https"
    assert scrapes["ha"]["tls_config"] == {"ca_file": CA}


def test_alertmanagers_from_urls():
    managers = [{"url": "https://[fd00::5]:9093"}, {"url": "http://127.0.0.1:9093"}]
    alerting = _prometheus.scrape_config(settings(alertmanagers=managers))["alerting"]["alertmanagers"]
    assert alerting == [
        {"scheme": "https", "static_configs": [{"targets": ["[fd00::5]:9093"]}], "tls_config": {"ca_file": CA}},
        {"scheme": "http", "static_configs": [{"targets": ["127.0.0.1:9093"]}]},
    ]


@pytest.mark.parametrize("url", ["10.0.0.5:9093", "ftp://10.0.0.5:9093", "https://"])
def test_alertmanager_url_without_scheme_or_host_is_refused(url):
    with pytest.raises(ValueError, match="alertmanager 0: url must be scheme://host:port"):
        _prometheus.scrape_config(settings(alertmanagers=[{"url": url}]))


def test_extra_scrape_configs_come_last_as_given():
    extra = [{"job_name": "blackbox", "static_configs": [{"targets": ["x:9115"]}]}]
    config = _prometheus.scrape_config(settings(extra=extra))
    assert config["scrape_configs"][-1] == extra[0]


def test_no_shared_objects_so_the_yaml_has_no_anchors():
    jobs = [{"job": "a", "group": "g", "port": 1}, {"job": "b", "group": "g", "port": 2}]
    text = yaml.safe_dump(_prometheus.scrape_config(settings(jobs=jobs, alertmanagers=[{"url": "https://a:9093"}])))
    assert "&id" not in text and "*id" not in text

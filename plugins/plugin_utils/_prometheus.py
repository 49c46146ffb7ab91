# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The prometheus role's configuration as data: prometheus.yml and its password files.

One place names the password files, so the configuration (`password_file`)
and the files the role writes cannot drift apart. Inputs are the role's
variables as plain data; the filter plugin `prometheus_config` is the thin
adapter. Prometheus's configuration reference:
https://prometheus.io/docs/prometheus/latest/configuration/configuration/
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_SCHEME = "https"
DEFAULT_JOB_USER = "prometheus"


def _secret_name_of_job(job):
    return "job-" + job["job"]


def _secret_name_of_alertmanager(index):
    return "alertmanager-%d" % index


def secret_files(self_users, node_password, jobs, alertmanagers):
    """[{name, password}]: the password files the scrape and alerting configuration reads.

    `self_users`: the basic auth users of this Prometheus (the first one
    scrapes itself); `node_password`: node_exporter's password for
    Prometheus ('' when none); `jobs`, `alertmanagers`: the role's lists.
    """
    found = []
    if self_users:
        found.append({"name": "self", "password": self_users[0]["password"]})
    if node_password:
        found.append({"name": "node", "password": node_password})
    for job in jobs:
        if "basic_auth_password" in job:
            found.append({"name": _secret_name_of_job(job), "password": job["basic_auth_password"]})
    for index, manager in enumerate(alertmanagers):
        if "password" in manager:
            found.append({"name": _secret_name_of_alertmanager(index), "password": manager["password"]})
    return found


def _basic_auth(username, secrets_dir, name):
    return {"username": username, "password_file": "%s/%s" % (secrets_dir, name)}


def scrape_config(settings):
    """prometheus.yml as a dict, from the role's settings.

    settings:
      global: {scrape_interval, evaluation_interval, external_labels}
      rule_files: [glob]
      ca_file: CA for scrapes and alerts over https (the internal CA)
      secrets_dir, file_sd_dir: where the password and target files are
      self: {target: host:port, instance, tls: bool, users: [{name, password}]}
      node: {username, password}  (password '' for none)
      jobs: prometheus_scrape_jobs
      alertmanagers: prometheus_alertmanagers
      extra: prometheus_scrape_configs_extra, appended as given
    """
    ca_file = settings["ca_file"]

    def tls():
        # A new dict each time: a shared one comes out of to_nice_yaml as
        # YAML anchors and aliases, which the old Jinja version wrote.
        return {"ca_file": ca_file}

    secrets_dir, file_sd_dir = settings["secrets_dir"], settings["file_sd_dir"]

    own = settings["self"]
    self_scrape = {
        "job_name": "prometheus",
        "scheme": "https" if own["tls"] else "http",
        "static_configs": [{"targets": [own["target"]], "labels": {"instance": own["instance"]}}],
    }
    if own["tls"]:
        self_scrape["tls_config"] = tls()
    if own["users"]:
        self_scrape["basic_auth"] = _basic_auth(own["users"][0]["name"], secrets_dir, "self")

    node = settings["node"]
    node_scrape = {
        "job_name": "node",
        "scheme": "https",
        "tls_config": tls(),
        "file_sd_configs": [{"files": ["%s/node.json" % file_sd_dir]}],
    }
    if node["password"]:
        node_scrape["basic_auth"] = _basic_auth(node["username"], secrets_dir, "node")

    scrapes = [self_scrape, node_scrape]
    for job in settings["jobs"]:
        scheme = job.get("scheme", DEFAULT_SCHEME)
        entry = {
            "job_name": job["job"],
            "scheme": scheme,
            "file_sd_configs": [{"files": ["%s/%s.json" % (file_sd_dir, job["job"])]}],
        }
        if scheme == "https":
            entry["tls_config"] = tls()
        if "metrics_path" in job:
            entry["metrics_path"] = job["metrics_path"]
        if "basic_auth_password" in job:
            entry["basic_auth"] = _basic_auth(
                job.get("basic_auth_user", DEFAULT_JOB_USER), secrets_dir, _secret_name_of_job(job)
            )
        scrapes.append(entry)

    managers = []
    for index, manager in enumerate(settings["alertmanagers"]):
        parts = urlsplit(manager["url"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("alertmanager %d: url must be scheme://host:port, got %r" % (index, manager["url"]))
        entry = {"scheme": parts.scheme, "static_configs": [{"targets": [parts.netloc]}]}
        if parts.scheme == "https":
            entry["tls_config"] = tls()
        if "password" in manager:
            entry["basic_auth"] = _basic_auth(
                manager.get("username", DEFAULT_JOB_USER), secrets_dir, _secret_name_of_alertmanager(index)
            )
        managers.append(entry)

    return {
        "global": dict(settings["global"]),
        "rule_files": list(settings["rule_files"]),
        "alerting": {"alertmanagers": managers},
        "scrape_configs": scrapes + list(settings.get("extra") or []),
    }

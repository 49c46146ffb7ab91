# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Parsers for what a host is actually configured to talk to and report.

Internal to sovereign.cloud: not a public API. Used by the module
sovereignty_facts on managed hosts, so: standard library only, Python 3.6+,
no third-party YAML parser (configuration that is YAML is scanned line by
line for the few keys that matter). Each parser takes file contents (text)
and returns plain data, so it is unit-tested on sample files.
"""

from __future__ import annotations

import configparser
import json
import re

_NAMESERVER = re.compile(r"^\s*nameserver\s+(\S+)", re.M)
_CHRONY_SOURCE = re.compile(r"^\s*(server|pool|peer)\s+(\S+)", re.M)
_TIMESYNCD = re.compile(r"^\s*(NTP|FallbackNTP)\s*=\s*(.*)$", re.M)
_GITLAB_USAGE_PING = re.compile(r"^\s*gitlab_rails\[['\"]usage_ping_enabled['\"]\]\s*=\s*(\w+)", re.M)
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(\[[^\]]+\]|[^/:]+)", re.I)


def resolv_conf_resolvers(text):
    """Name servers of /etc/resolv.conf, in order."""
    return _NAMESERVER.findall(text or "")


def chrony_sources(texts):
    """Host names/addresses of server, pool and peer lines of chrony configuration files."""
    hosts = []
    for text in texts:
        for _kind, host in _CHRONY_SOURCE.findall(text or ""):
            if host not in hosts:
                hosts.append(host)
    return hosts


def timesyncd_servers(text):
    """NTP= and FallbackNTP= of systemd-timesyncd (space-separated lists)."""
    hosts = []
    for _key, value in _TIMESYNCD.findall(text or ""):
        for host in value.split():
            if host not in hosts:
                hosts.append(host)
    return hosts


def _ini_bool(parser, section, key, default):
    try:
        return parser.getboolean(section, key)
    except (configparser.NoSectionError, configparser.NoOptionError):
        return default
    except ValueError:
        return default


def grafana_reports(text):
    """Whether grafana.ini leaves usage reporting or update checks on (Grafana's defaults are on)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read_string(text or "")
    return {
        "reporting_enabled": _ini_bool(parser, "analytics", "reporting_enabled", True),
        "check_for_updates": _ini_bool(parser, "analytics", "check_for_updates", True),
        "check_for_plugin_updates": _ini_bool(parser, "analytics", "check_for_plugin_updates", True),
    }


def _yaml_lines(text):
    """(indent, content) of the meaningful lines of block YAML, comments dropped.

    Enough for the few keys read here; URLs with '#' fragments are not expected
    in the files scanned.
    """
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if line.strip():
            yield len(line) - len(line.lstrip()), line.strip()


def yaml_nested_bool(text, parent, key, default):
    """Value of `parent: {key: bool}` in simple block YAML, without a YAML parser."""
    current_parent = None
    parent_indent = None
    for indent, stripped in _yaml_lines(text):
        if indent == 0:
            current_parent = stripped[:-1] if stripped.endswith(":") else None
            parent_indent = None
            continue
        if current_parent == parent:
            parent_indent = parent_indent if parent_indent is not None else indent
            if indent == parent_indent and stripped.startswith(key + ":"):
                value = stripped.split(":", 1)[1].strip().lower()
                if value in ("true", "yes", "on"):
                    return True
                if value in ("false", "no", "off"):
                    return False
    return default


def loki_reports(text):
    """Loki's analytics.reporting_enabled (on unless set false)."""
    return yaml_nested_bool(text, "analytics", "reporting_enabled", True)


def alloy_reports(texts):
    """Alloy reports usage unless started with --disable-reporting."""
    return not any("--disable-reporting" in (text or "") for text in texts)


def gitlab_usage_ping(text):
    """GitLab Service Ping, on unless gitlab.rb sets usage_ping_enabled false."""
    match = _GITLAB_USAGE_PING.search(text or "")
    return not (match and match.group(1).lower() == "false")


# gitlab.yml, as `gitlab-ctl reconfigure` writes it, holds the key once.
_GITLAB_RAILS_USAGE_PING = re.compile(r"^\s+usage_ping_enabled:\s*(\w+)", re.M)
_GITLAB_RAILS_PRODUCT_USAGE = re.compile(r"^\s+initial_gitlab_product_usage_data:", re.M)


def gitlab_rails_reports(gitlab_yml_text, product_usage_env_text):
    """GitLab as Rails runs it: the gitlab.yml and environment `gitlab-ctl reconfigure` generated.

    Service Ping is on unless gitlab.yml sets usage_ping_enabled false.
    Event-level product usage data (releases whose gitlab.yml knows
    initial_gitlab_product_usage_data, 18.0 and later) is on by default and
    off for sure only when the GITLAB_PRODUCT_USAGE_DATA_ENABLED environment
    file says false (it then overrides the database).
    """
    match = _GITLAB_RAILS_USAGE_PING.search(gitlab_yml_text or "")
    usage_ping = not (match and match.group(1).lower() == "false")
    knows_product_usage = bool(_GITLAB_RAILS_PRODUCT_USAGE.search(gitlab_yml_text or ""))
    product_usage = knows_product_usage and (product_usage_env_text or "").strip().lower() != "false"
    return usage_ping or product_usage


def home_assistant(configuration_text, analytics_storage_text=None):
    """Home Assistant: cloud (Nabu Casa) loaded, and analytics opted in.

    `default_config:` (or an explicit `cloud:`) loads Nabu Casa's cloud.
    Analytics is one of the integrations Home Assistant always sets up; it
    only sends data when the owner opted in, which .storage/core.analytics
    records (no file: never asked, nothing sent).
    """
    top_keys = set(re.findall(r"^([a-z_]+):", configuration_text or "", re.M))
    cloud = bool(top_keys & {"cloud", "default_config"})
    opted_in = False
    if analytics_storage_text:
        try:
            prefs = json.loads(analytics_storage_text).get("data", {}).get("preferences", {})
            opted_in = any(bool(v) for v in prefs.values())
        except (ValueError, AttributeError):
            opted_in = True  # unreadable preferences: assume the worst
    return {"cloud": cloud, "analytics": opted_in}


def k3s_registry_endpoints(text):
    """Registries k3s pulls from: the mirrors' endpoints, plus docker.io when it is not mirrored."""
    endpoints = []
    mirrored = set()
    in_mirrors = False
    for indent, stripped in _yaml_lines(text):
        if indent == 0:
            in_mirrors = stripped == "mirrors:"
            continue
        if not in_mirrors:
            continue
        if stripped.endswith(":") and not stripped.startswith(("-", "endpoint")):
            mirrored.add(stripped[:-1].strip("\"'"))
            continue
        candidate = stripped.lstrip("-").strip().strip("\"'")
        if stripped.startswith("endpoint:") and "[" in stripped:
            for item in stripped.split("[", 1)[1].rstrip("]").split(","):
                _add_url_host(endpoints, item.strip().strip("\"'"))
        elif stripped.startswith("-"):
            _add_url_host(endpoints, candidate)
    if "docker.io" not in mirrored and "*" not in mirrored:
        endpoints.append("registry-1.docker.io")
    return endpoints


def _add_url_host(endpoints, url):
    match = _URL_HOST.match(url)
    if match:
        host = match.group(1).strip("[]")
        if host not in endpoints:
            endpoints.append(host)


# Where the collection's service roles say they keep their configuration:
# each publishes its endpoint, with the `config` path, in a local fact file
# (the service role's endpoint entry point, plugin_utils/_endpoints.py).
PUBLISHED_ENDPOINT = "/etc/ansible/facts.d/sovereign_endpoint_%s.fact"


def published_config(text, key="config"):
    """A path of a published endpoint (the fact file's text), `config` by default, or None."""
    if not text:
        return None
    try:
        endpoint = json.loads(text)
    except ValueError:
        return None
    config = endpoint.get(key) if isinstance(endpoint, dict) else None
    return config if isinstance(config, str) and config.startswith("/") else None

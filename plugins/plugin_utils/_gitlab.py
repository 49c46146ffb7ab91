# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The gitlab role's checks that YAML cannot express well.

- settings_drift: which phone-home application settings GitLab runs with
  differ from the wanted ones (read from its database by the role);
- rb_problems: what the preflight refuses in the values written into
  gitlab.rb (Ruby string literals) and in the operator's extra lines.

Pure Python, unit-tested without Ansible; the filter plugins
`gitlab_settings_drift` and `gitlab_rb_problems` are the adapters.
"""

from __future__ import annotations

import re

# gitlab.rb keys the role sets for sovereignty or security; an extra line
# that assigns one of them would silently undo the role's choice.
OWNED_KEYS = (
    "usage_ping_enabled",
    "initial_gitlab_product_usage_data",
    "GITLAB_PRODUCT_USAGE_DATA_ENABLED",
    "sentry_enabled",
    "sentry_dsn",
    "sentry_clientside_dsn",
    "gravatar_enabled",
    "gravatar_plain_url",
    "gravatar_ssl_url",
    "letsencrypt",
    "store_initial_root_password",
    "display_initial_root_password",
    "initial_root_password",
    "initial_shared_runners_registration_token",
    "prometheus_monitoring",
    "monitoring_whitelist",
    "smtp_openssl_verify_mode",
    "external_url",
    "git_data_dirs",
)
_OWNED = re.compile(r"(?<![A-Za-z0-9_])(%s)(?![A-Za-z0-9_])" % "|".join(re.escape(k) for k in OWNED_KEYS))
# A value written between single quotes in Ruby: a quote or a backslash would
# end or change the literal, a line break would start a new statement.
_RUBY_UNSAFE = re.compile(r"['\\\r\n]")


def settings_drift(now, wanted, wanted_service_ping):
    """Names of wanted settings whose value in `now` differs; columns `now` lacks are not judged.

    `now` is one row of application_settings as a dict (only the columns the
    role asked for); `service_ping_settings` in it is a dict of its own.
    """
    drift = sorted(name for name, value in wanted.items() if name in now and now[name] != value)
    if "service_ping_settings" in now:
        current = now["service_ping_settings"] or {}
        if any(current.get(key) != value for key, value in wanted_service_ping.items()):
            drift.append("service_ping_settings")
    return drift


def rb_problems(values, extra_lines):
    """Messages for values that cannot sit in a Ruby string literal and for refused extra lines."""
    problems = [
        "%s holds a quote, a backslash or a line break (it is written into gitlab.rb as a Ruby string)" % name
        for name, value in sorted(values.items())
        if _RUBY_UNSAFE.search(str(value))
    ]
    for index, line in enumerate(extra_lines):
        text = str(line)
        if "\n" in text or "\r" in text:
            problems.append("gitlab_rb_extra[%d] holds a line break: give one line per item" % index)
            continue
        owned = _OWNED.search(text)
        if owned and not text.lstrip().startswith("#"):
            problems.append(
                "gitlab_rb_extra[%d] sets %s, which the role owns (telemetry, TLS, passwords and storage "
                "are set from its variables)" % (index, owned.group(1))
            )
    return problems


RUNNER_KEYS = frozenset(
    {"name", "executor", "description", "runner_type", "group_id", "project_id", "tags", "run_untagged", "locked",
     "paused", "access_level", "maximum_timeout", "docker"}
)  # fmt: skip
DOCKER_KEYS = frozenset({"image", "allowed_images", "allowed_services", "pull_policy", "volumes", "memory", "cpus"})
_RUNNER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _runner_type_problem(runner):
    runner_type = runner.get("runner_type", "instance_type")
    if runner_type not in ("instance_type", "group_type", "project_type"):
        return "runner_type must be instance_type, group_type or project_type"
    for kind in ("group", "project"):
        if runner_type == "%s_type" % kind and not str(runner.get("%s_id" % kind) or ""):
            return "a %s_type runner needs %s_id" % (kind, kind)
    return None


def _docker_problems(docker):
    if not isinstance(docker, dict):
        return ["docker must be a mapping"]
    problems = ["docker.%s is not a setting the role knows (%s)" % (key, ", ".join(sorted(DOCKER_KEYS)))
                for key in sorted(set(docker) - DOCKER_KEYS)]  # fmt: skip
    if docker.get("pull_policy", "if-not-present") not in ("always", "if-not-present", "never"):
        problems.append("docker.pull_policy must be always, if-not-present or never")
    for key in ("allowed_images", "allowed_services", "volumes"):
        if not isinstance(docker.get(key, []), list):
            problems.append("docker.%s must be a list" % key)
    return problems


def runner_problems(runners):
    """Messages for the entries of gitlab_runner_runners the role refuses, each naming its runner."""
    if not isinstance(runners, list):
        return ["must be a list of runners"]
    problems = []
    for index, runner in enumerate(runners):
        if not isinstance(runner, dict):
            problems.append("[%d] must be a mapping" % index)
            continue
        where = "[%d] (%s)" % (index, runner.get("name", "no name"))
        found = ["%s is not a setting the role knows" % key for key in sorted(set(runner) - RUNNER_KEYS)]
        if not _RUNNER_NAME.match(str(runner.get("name", ""))):
            found.append("name must be lower case letters, digits and -")
        if runner.get("executor") not in ("docker", "shell"):
            found.append("executor must be docker or shell")
        type_problem = _runner_type_problem(runner)
        if type_problem:
            found.append(type_problem)
        tags = runner.get("tags", [])
        if not isinstance(tags, list) or not all(_TAG.match(str(tag)) for tag in tags):
            found.append("tags must be a list of words (letters, digits, . _ -)")
        if "\n" in str(runner.get("description", "")):
            found.append("description must be one line")
        if runner.get("access_level", "not_protected") not in ("not_protected", "ref_protected"):
            found.append("access_level must be not_protected or ref_protected")
        timeout = runner.get("maximum_timeout")
        if timeout is not None and (not str(timeout).isdigit() or int(timeout) < 600):
            found.append("maximum_timeout must be at least 600 seconds (GitLab's minimum)")
        if "docker" in runner:
            found.extend(_docker_problems(runner["docker"]) if runner.get("executor") == "docker"
                         else ["docker settings need executor docker"])  # fmt: skip
        problems.extend("%s: %s" % (where, problem) for problem in found)
    return problems

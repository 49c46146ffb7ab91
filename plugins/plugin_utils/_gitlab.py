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

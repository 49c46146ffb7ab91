# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's systemd sandbox as data, rendered into units with each exception's reason.

The baseline is data/systemd/hardening.yml. A unit gives its exceptions as
{directive: {value, why}}: `value` replaces the baseline's (a string, a list
for a directive written on several lines, or None to leave the directive to
systemd's default or the distribution's unit), and `why` is written above it.
Additions that are the unit's own (ReadWritePaths, PrivateNetwork, ...) come
after the baseline. Pure Python, unit-tested without Ansible.
"""

from __future__ import annotations

import functools

import yaml  # controller side only: PyYAML comes with ansible-core

from ansible_collections.sovereign.cloud.plugins.plugin_utils._data import data_path

BASELINE_FILE = data_path("systemd", "hardening.yml")


@functools.cache
def baseline(path=BASELINE_FILE):
    """The baseline directives, in order: {directive: value or [values]}."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return dict(data["directives"])


def _lines(directive, value):
    values = value if isinstance(value, list) else [value]
    return ["%s=%s" % (directive, "" if item is None else item) for item in values]


def _one_line(text):
    return " ".join(str(text).split())


def render(exceptions=None, additions=None, base=None):
    """The [Service] lines of the sandbox: the baseline with `exceptions`, then `additions`.

    Raises ValueError for an exception of a directive the baseline does not
    have (a typo, or an addition given as an exception), an exception
    without a reason, or an addition that would override the baseline.
    """
    base = baseline() if base is None else base
    exceptions = exceptions or {}
    additions = additions or {}
    unknown = sorted(set(exceptions) - set(base))
    if unknown:
        raise ValueError("%s: not a directive of the baseline (give additions separately)" % ", ".join(unknown))
    clashing = sorted(set(additions) & set(base))
    if clashing:
        raise ValueError("%s: in the baseline; give a changed value as an exception, with why" % ", ".join(clashing))
    lines = ["# Sandbox: the collection's baseline (data/systemd/hardening.yml) and this unit's exceptions."]
    for directive, value in base.items():
        if directive not in exceptions:
            lines.extend(_lines(directive, value))
            continue
        exception = exceptions[directive]
        if not isinstance(exception, dict) or not str(exception.get("why") or "").strip():
            raise ValueError("%s: an exception needs {value, why}, with the reason in why" % directive)
        changed = exception.get("value")
        if changed is None or changed == []:
            lines.append("# %s left unset: %s" % (directive, _one_line(exception["why"])))
        else:
            lines.append("# %s changed: %s" % (directive, _one_line(exception["why"])))
            lines.extend(_lines(directive, changed))
    for directive, value in additions.items():
        if value is not None and value != []:
            lines.extend(_lines(directive, value))
    return "\n".join(lines)

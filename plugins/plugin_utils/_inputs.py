# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of input strings that end up on a systemd unit's command line.

Internal to sovereign.cloud: not a public API. A value with a line break
adds a line to the unit (another ExecStart, an Environment); white space
splits an argument; quotes and backslashes change how systemd splits the
line; `%` starts a unit specifier and `$` an environment expansion. None of
them belongs in a URL, a path or a duration the roles pass as flags, so a
preflight refuses them, naming the variable and the character, before the
unit is written.
"""

from __future__ import annotations

_SPECIAL = {'"': "a double quote", "'": "a single quote", "\\": "a backslash", "%": "a %", "$": "a $", ";": "a ;"}


def unit_argument_problem(value, escaped=""):
    """Why `value` cannot be one argument of a unit's command line; '' when it can.

    `escaped`: characters the caller's template escapes (`%` as `%%`, `$` as
    `$$`), accepted here.
    """
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return "not a string"
    text = str(value)
    for char in text:
        if char in "\r\n":
            return "a line break"
        if ord(char) < 32 or ord(char) == 127:
            return "a control character"
        if char.isspace():
            return "white space"
        if char in _SPECIAL and char not in escaped:
            return _SPECIAL[char]
    return ""


def unit_argument_problems(values, escaped=""):
    """[{name, reason}] for the entries of {variable name: value} that cannot be unit arguments.

    Empty strings are fine (a setting left out); the value itself is not
    repeated, since a line break in it would break the message too.
    """
    problems = []
    for name, value in (values or {}).items():
        if value in ("", None):
            continue
        reason = unit_argument_problem(value, escaped)
        if reason:
            problems.append({"name": str(name), "reason": reason})
    return problems

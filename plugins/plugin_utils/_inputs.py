# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of input strings: those that end up on a systemd unit's command line, and backup targets.

Internal to sovereign.cloud: not a public API. A value with a line break
adds a line to the unit (another ExecStart, an Environment); white space
splits an argument; quotes and backslashes change how systemd splits the
line; `%` starts a unit specifier and `$` an environment expansion. None of
them belongs in a URL, a path or a duration the roles pass as flags, so a
preflight refuses them, naming the variable and the character, before the
unit is written.
"""

from __future__ import annotations

import re

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


# age's own public keys (bech32, "age1" and 58 characters) and the SSH public
# keys age encrypts to (https://age-encryption.org/v1, "SSH recipients").
_AGE_RECIPIENT = re.compile(
    r"^(age1[02-9ac-hj-np-z]{58}|ssh-ed25519 AAAA[0-9A-Za-z+/]+=*( .*)?|ssh-rsa AAAA[0-9A-Za-z+/]+=*( .*)?)$"
)
S3_KEYS = ("endpoint", "bucket", "region", "access_key_id", "secret_access_key", "provider", "prefix")


def backup_target_problems(recipients, s3, recipients_variable, s3_variable):
    """What is wrong with a backup's age recipients and its S3-compatible target; [] when nothing.

    Names the variables, never prints a secret.
    """
    problems = []
    if not isinstance(recipients, list) or not recipients:
        problems.append("%s must list the age or SSH public keys the archives are encrypted to" % recipients_variable)
    else:
        bad = [str(index) for index, key in enumerate(recipients) if not _AGE_RECIPIENT.match(str(key).strip())]
        if bad:
            problems.append(
                "%s[%s] is not an age public key (age1...) or an ssh-ed25519 / ssh-rsa public key"
                % (recipients_variable, ", ".join(bad))
            )
    if not isinstance(s3, dict):
        return [*problems, "%s must be a mapping" % s3_variable]
    if s3:
        unknown = sorted(set(s3) - set(S3_KEYS))
        if unknown:
            problems.append("%s: %s not known (%s)" % (s3_variable, ", ".join(unknown), ", ".join(S3_KEYS)))
        if not str(s3.get("endpoint", "")).startswith("https://"):
            problems.append("%s.endpoint must be an https:// URL" % s3_variable)
        missing = [key for key in ("bucket", "access_key_id", "secret_access_key") if not s3.get(key)]
        if missing:
            problems.append("%s needs %s" % (s3_variable, ", ".join(missing)))
    return problems

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules a password from the vault must meet, checked on the controller.

Internal to sovereign.cloud: not a public API. Preflights call it through the
`password_problems` filter; the answer names the rule a password breaks,
never the password itself, so it can go into a failure message.
"""

from __future__ import annotations

# Bcrypt (the exporter toolkit's basic auth, Mosquitto's old hashes) reads at
# most 72 bytes of a password and ignores the rest.
BCRYPT_MAX_BYTES = 72
# Fewer distinct characters than this is a pattern, not a password
# ("aaaaaaaaaaaaaaaa", "abcabcabcabcabca").
MIN_DISTINCT = 6
# Defaults and the first guesses of any attacker, compared case-insensitively.
KNOWN_DEFAULTS = frozenset(
    {"admin", "administrator", "changeme", "default", "grafana", "letmein", "password", "prometheus",
     "qwerty", "root", "secret", "welcome", "gitlab",
     # GitLab's root password before 14.0 (installations from source and old guides).
     "5ivel!fe"}
)  # fmt: skip


def _is_padded_default(password):
    """A default repeated or padded with a character or two ("Password11111111")."""
    rest = password.lower()
    for word in sorted(KNOWN_DEFAULTS, key=len, reverse=True):
        rest = rest.replace(word, "")
    return len(rest) < len(password) and len(set(rest)) <= 2


def password_problem(password, minimum=16, maximum_bytes=None):
    """The first rule `password` breaks, as a short sentence; '' when it breaks none."""
    if not isinstance(password, str):
        return "must be a string"
    rules = [
        (len(password) < minimum, "shorter than %d characters" % minimum),
        (
            maximum_bytes is not None and len(password.encode("utf-8")) > maximum_bytes,
            "longer than %s bytes in UTF-8 (bcrypt ignores the rest)" % maximum_bytes,
        ),
        (any(ord(ch) < 32 or ord(ch) == 127 for ch in password), "holds a line break or another control character"),
        (not password.strip(), "only white space"),
        (len(set(password)) < MIN_DISTINCT, "fewer than %d different characters" % MIN_DISTINCT),
        (_is_padded_default(password), "a known default or first guess, padded"),
    ]
    return next((message for broken, message in rules if broken), "")


def password_problems(users, minimum=16, maximum_bytes=None):
    """[{name, reason}] for each user ({name, password}) whose password breaks a rule."""
    problems = []
    for index, user in enumerate(users or []):
        name = str(user.get("name", "[%d]" % index)) if isinstance(user, dict) else "[%d]" % index
        password = user.get("password") if isinstance(user, dict) else None
        reason = "has no password" if password is None else password_problem(password, minimum, maximum_bytes)
        if reason:
            problems.append({"name": name, "reason": reason})
    return problems

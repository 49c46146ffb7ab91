# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Mosquitto password file entries, computed on the controller.

Internal to sovereign.cloud: not a public API. Mosquitto 2 stores
`user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512>` (the format
mosquitto_passwd writes: salt, iteration count, 64-byte hash).

Iterations: 1000, the default of Mosquitto's current password code
(eclipse/mosquitto, libcommon/password_common.c, PW_DEFAULT_ITERATIONS;
read 2026-11-30). Mosquitto 2.0 (Debian 12 and 13) still writes 101 but
verifies any count, since each entry carries its own. Its salt must be 12
bytes (the current code also takes 64), so 12 it is. Entries made with fewer
iterations are hashed again on the next run.

A fresh random salt on every run would rewrite the file every time; instead
an existing entry is kept when it still verifies against the wanted
password, and a new salt is drawn only for new users or changed passwords.
So the role is idempotent without storing passwords in clear anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

ITERATIONS = 1000
SALT_BYTES = 12


def hash_entry(user, password, salt, iterations=ITERATIONS):
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return "%s:$7$%d$%s$%s" % (
        user,
        iterations,
        base64.b64encode(salt).decode("ascii"),
        base64.b64encode(digest).decode("ascii"),
    )


def parse_entries(text):
    """{user: (iterations, salt bytes, hash bytes)} from a password file; other lines are ignored."""
    entries = {}
    for line in (text or "").splitlines():
        user, sep, rest = line.strip().partition(":")
        fields = rest.split("$") if sep else []
        if len(fields) != 5 or fields[1] != "7":
            continue
        try:
            entries[user] = (int(fields[2]), base64.b64decode(fields[3]), base64.b64decode(fields[4]))
        except ValueError:
            continue
    return entries


def verifies(entry, password):
    iterations, salt, expected = entry
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)


def password_file(users, existing_text="", random_bytes=os.urandom):
    """The password file for `users` ([{name, password}]), keeping entries that still verify."""
    existing = parse_entries(existing_text)
    lines = []
    for user in users:
        name, password = user["name"], user["password"]
        if ":" in name or not name:
            raise ValueError("user name %r cannot be empty or contain ':'" % name)
        entry = existing.get(name)
        if entry and entry[0] >= ITERATIONS and verifies(entry, password):
            iterations, salt, _digest = entry
            lines.append(hash_entry(name, password, salt, iterations))
        else:
            lines.append(hash_entry(name, password, random_bytes(SALT_BYTES)))
    return "\n".join(lines) + ("\n" if lines else "")

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""basic_auth_users of a Prometheus exporter-toolkit web config, computed on the controller.

Internal to sovereign.cloud: not a public API. The exporter toolkit
(Prometheus, Alertmanager, node_exporter) wants bcrypt hashes. A new salt on
every run would rewrite the web config and restart the service every time;
so a hash already on the host is kept when it still verifies against the
wanted password, and a new one is made only for new users and changed
passwords. Hashing uses the `bcrypt` package (the reference implementation's
Python binding).
"""

from __future__ import annotations

import yaml

try:
    import bcrypt

    HAS_BCRYPT = True
except ImportError:
    HAS_BCRYPT = False

# Cost 10: about 50 ms per check on a small host; the toolkit caches
# successful checks, so scrapes do not pay it every time.
ROUNDS = 10


def existing_hashes(web_config_text):
    """{user: bcrypt hash} from the current web config text (empty or unreadable: {})."""
    try:
        data = yaml.safe_load(web_config_text or "") or {}
    except yaml.YAMLError:
        return {}
    users = data.get("basic_auth_users") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in users.items()} if isinstance(users, dict) else {}


def basic_auth_users(users, web_config_text="", rounds=ROUNDS):
    """{name: bcrypt hash} for `users` ([{name, password}]), reusing hashes that still verify."""
    if not HAS_BCRYPT:
        raise ValueError("the bcrypt Python package is required on the controller (pip install bcrypt)")
    current = existing_hashes(web_config_text)
    result = {}
    for user in users:
        name, password = str(user["name"]), str(user["password"]).encode("utf-8")
        if len(password) > 72:
            raise ValueError("the password of %s is longer than bcrypt's 72 bytes" % name)
        known = current.get(name)
        if known:
            try:
                if bcrypt.checkpw(password, known.encode("ascii")):
                    result[name] = known
                    continue
            except ValueError:
                pass  # not a bcrypt hash: replace it
        result[name] = bcrypt.hashpw(password, bcrypt.gensalt(rounds=rounds)).decode("ascii")
    return result

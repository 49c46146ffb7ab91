"""HTTP checks run from inside lab hosts (testinfra), shared by the molecule verifiers."""

from __future__ import annotations

import json
import time


def curl(host, url, options=""):
    """(status, parsed JSON or text) of a GET with curl on `host`; status 0 when nothing answers.

    `options` are extra curl arguments (credentials, client certificate).
    """
    result = host.run(f"curl -g -s -m 10 -o /tmp/body -w '%{{http_code}}' {options} '{url}'; echo; cat /tmp/body")
    status, _newline, body = result.stdout.partition("\n")
    try:
        return int(status or 0), json.loads(body)
    except ValueError:
        return int(status or 0), body


def eventually(check, seconds=90, step=5):
    """Call `check` until it stops raising AssertionError, for `seconds` at most; return its result."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(step)

# Copyright: sovereign.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One GitLab runner per host and description, created with an authentication token, never duplicated.

The logic of the gitlab_runner_registration module, on the host that runs
the runner (it reaches the GitLab instance and holds config.toml). GitLab's
REST API, as documented:

- create: POST /api/v4/user/runners (a personal, group or project access
  token with the create_runner scope) returns the runner's id and its
  authentication token (glrt-...), shown this once
  (https://docs.gitlab.com/api/users/#create-a-runner-linked-to-a-user);
- verify: POST /api/v4/runners/verify with the authentication token answers
  200 while the runner exists, 403 once it was deleted
  (https://docs.gitlab.com/api/runners/#verify-authentication-for-a-registered-runner);
- get, update: GET and PUT /api/v4/runners/:id
  (https://docs.gitlab.com/api/runners/#update-runners-details);
- list: GET /api/v4/runners/all (instance), /groups/:id/runners,
  /projects/:id/runners, paginated (per_page, X-Next-Page)
  (https://docs.gitlab.com/api/runners/#list-all-runners);
- reset the token of a runner found by description but whose token this host
  lost: POST /api/v4/runners/:id/reset_authentication_token
  (https://docs.gitlab.com/api/runners/#reset-runners-authentication-token-by-using-the-runner-id);
- delete by its own token: DELETE /api/v4/runners
  (https://docs.gitlab.com/api/runners/#delete-a-runner-by-authentication-token).

The HTTP call is injected (`request(method, url, headers, body)` returning
(status, headers, body text)), so the same code runs over Ansible's
open_url on a host and in the unit tests; the stand-in in tests/tooling
serves the API above on loopback.
"""

from __future__ import annotations

import json
import re
import time
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode

from ansible.module_utils.urls import open_url

# 0: no answer at all (connection refused, reset, timed out).
TRANSIENT = (0, 429, 500, 502, 503, 504)
# Fields of the runner the role manages; GET /runners/:id returns them.
MANAGED = ("description", "tag_list", "run_untagged", "locked", "access_level", "maximum_timeout", "paused")


class RunnerAPIError(Exception):
    """A failure with a message for the operator (the variable to fix, the status GitLab gave)."""


def _toml_string(value):
    match = re.match(r'^\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$', value)
    if not match:
        return None
    return json.loads('"%s"' % match.group(1))


def runners_in_config(text):
    """[{name, id, token, url}] of the [[runners]] tables of a config.toml.

    Reads the file the gitlab_runner role writes (one key per line, basic
    strings), not TOML in general: a value it cannot read is left out, and
    the runner is then found again through the API.
    """
    runners, index, in_subtable = [], None, False
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "[[runners]]":
            runners.append({})
            index, in_subtable = len(runners) - 1, False
            continue
        if line.startswith("["):
            # [runners.docker] and the like belong to the current runner but
            # their keys are not its own; any other table ends it.
            in_subtable = True
            if not line.lstrip("[").startswith("runners."):
                index = None
            continue
        if index is None or in_subtable or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if key in ("name", "token", "url"):
            parsed = _toml_string(value)
            if parsed is not None:
                runners[index][key] = parsed
        elif key == "id" and re.match(r"^[0-9]+$", value):
            runners[index]["id"] = int(value)
    return runners


class RunnersAPI:
    """GitLab's runners API with retries on transient answers and errors that say what to fix."""

    def __init__(self, url, api_token, request, *, retries=4, backoff=1.0, sleep=time.sleep):
        self.base = url.rstrip("/") + "/api/v4"
        self.api_token = api_token
        self.request = request
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    def call(self, method, path, form=None, *, auth=True, expect=(200,), allow=()):
        """(status, decoded body) of one API call; transient answers are retried, others raise."""
        headers = {"Accept": "application/json"}
        body = None
        if auth:
            headers["PRIVATE-TOKEN"] = self.api_token
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form, doseq=True)
        url = self.base + path
        for attempt in range(self.retries + 1):
            status, response_headers, text = self.request(method, url, headers, body)
            if status in TRANSIENT and attempt < self.retries:
                wait = _retry_after(response_headers) or self.backoff * (2**attempt)
                self.sleep(wait)
                continue
            break
        if status in expect or status in allow:
            return status, _json(text), response_headers
        raise RunnerAPIError(_explain(method, path, status, text, attempt))

    def verify(self, runner_token):
        status, _body, _headers = self.call(
            "POST", "/runners/verify", {"token": runner_token}, auth=False, expect=(200,), allow=(403, 404)
        )
        return status == 200

    def get(self, runner_id):
        return self.call("GET", "/runners/%d" % runner_id)[1]

    def update(self, runner_id, fields):
        return self.call("PUT", "/runners/%d" % runner_id, _form(fields))[1]

    def create(self, spec):
        form = {"runner_type": spec["runner_type"], **_form({k: spec[k] for k in MANAGED if k in spec})}
        if spec["runner_type"] == "group_type":
            form["group_id"] = spec["group_id"]
        if spec["runner_type"] == "project_type":
            form["project_id"] = spec["project_id"]
        body = self.call("POST", "/user/runners", form, expect=(201,))[1]
        if not isinstance(body, dict) or not str(body.get("token", "")).startswith("glrt-") or "id" not in body:
            raise RunnerAPIError("POST /user/runners did not return a runner id and a glrt- authentication token")
        return body

    def reset_token(self, runner_id):
        body = self.call("POST", "/runners/%d/reset_authentication_token" % runner_id, expect=(201, 200))[1]
        if not isinstance(body, dict) or not str(body.get("token", "")).startswith("glrt-"):
            raise RunnerAPIError("reset_authentication_token did not return a glrt- token")
        return body["token"]

    def delete_by_token(self, runner_token):
        status = self.call("DELETE", "/runners", {"token": runner_token}, auth=False, expect=(204,), allow=(403,))[0]
        return status == 204

    def list_scope(self, spec):
        if spec["runner_type"] == "group_type":
            path = "/groups/%s/runners" % quote(str(spec["group_id"]), safe="")
        elif spec["runner_type"] == "project_type":
            path = "/projects/%s/runners" % quote(str(spec["project_id"]), safe="")
        else:
            path = "/runners/all"
        found, page = [], "1"
        while page:
            query = urlencode({"type": spec["runner_type"], "per_page": 100, "page": page})
            _status, body, headers = self.call("GET", "%s?%s" % (path, query))
            found.extend(body or [])
            page = _header(headers, "X-Next-Page")
        return found


def open_url_request(ca_path=None, timeout=30):
    """The `request` callable over Ansible's open_url (certificates checked, no redirect followed)."""

    def request(method, url, headers, body):
        try:
            response = open_url(
                url,
                method=method,
                headers=headers,
                data=body,
                ca_path=ca_path,
                timeout=timeout,
                validate_certs=True,
                follow_redirects="none",
            )
            return response.getcode(), dict(response.headers), response.read().decode("utf-8", "replace")
        except HTTPError as exc:
            text = exc.read().decode("utf-8", "replace") if exc.fp else ""
            return exc.code, dict(exc.headers or {}), text
        except (URLError, OSError) as exc:
            return 0, {}, str(getattr(exc, "reason", exc))

    return request


def _retry_after(headers):
    value = _header(headers, "Retry-After")
    return float(value) if value and value.isdigit() else None


def _header(headers, name):
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return (value or "").strip()
    return ""


def _json(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _form(fields):
    form = {}
    for key, value in fields.items():
        if isinstance(value, bool):
            form[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            form[key] = ",".join(value)
        else:
            form[key] = value
    return form


def _explain(method, path, status, text, attempt):
    what = "%s %s answered %s" % (method, path.split("?")[0], status)
    if status == 401:
        return what + ": the API token is not valid (gitlab_runner_api_token: a token with the create_runner scope)"
    if status == 403:
        return what + (
            ": the API token may not manage runners of this scope (an administrator's, or the group's"
            " or project's owner's, token is needed)"
        )
    if status == 404:
        return what + ": not found (check gitlab_runner_url and the group or project id)"
    if status == 0:
        return "%s %s: no answer from GitLab after %d tries (%s); check gitlab_runner_url" % (
            method,
            path.split("?")[0],
            attempt + 1,
            text,
        )
    if status in TRANSIENT:
        return what + " after %d tries" % (attempt + 1)
    message = _json(text)
    return what + (": %s" % message.get("message") if isinstance(message, dict) and message.get("message") else "")


def _differences(runner, spec):
    """Managed fields whose value on the server differs from the spec."""
    wanted = {k: spec[k] for k in MANAGED if k in spec}
    current = dict(runner or {})
    if "tag_list" in current:
        current["tag_list"] = sorted(current["tag_list"] or [])
    if "tag_list" in wanted:
        wanted["tag_list"] = sorted(wanted["tag_list"])
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def ensure(api, spec, existing, check_mode=False):
    """Make one runner match `spec`; `existing` is this host's entry of config.toml (or None).

    Returns {changed, action, id, token}. The token is the one to write into
    config.toml; it is never logged here.
    """
    if existing and existing.get("token") and existing.get("id") and api.verify(existing["token"]):
        runner_id = existing["id"]
        differences = _differences(api.get(runner_id), spec)
        if differences and not check_mode:
            api.update(runner_id, differences)
        return {
            "changed": bool(differences),
            "action": "updated" if differences else "unchanged",
            "id": runner_id,
            "token": existing["token"],
            "updated": sorted(differences),
        }
    same = [r for r in api.list_scope(spec) if r.get("description") == spec["description"]]
    if len(same) > 1:
        raise RunnerAPIError(
            "GitLab has %d runners described %r (ids %s): delete the extra ones, this module will not guess"
            % (len(same), spec["description"], ", ".join(str(r["id"]) for r in same))
        )
    if same:
        runner_id = same[0]["id"]
        if check_mode:
            return {"changed": True, "action": "token_reset", "id": runner_id, "token": None, "updated": []}
        token = api.reset_token(runner_id)
        differences = _differences(api.get(runner_id), spec)
        if differences:
            api.update(runner_id, differences)
        return {
            "changed": True,
            "action": "token_reset",
            "id": runner_id,
            "token": token,
            "updated": sorted(differences),
        }
    if check_mode:
        return {"changed": True, "action": "created", "id": None, "token": None, "updated": []}
    created = api.create(spec)
    return {"changed": True, "action": "created", "id": created["id"], "token": created["token"], "updated": []}


def remove(api, existing, check_mode=False):
    """Delete this host's runner from GitLab with its own token; {changed, action, id}."""
    if not existing or not existing.get("token"):
        return {"changed": False, "action": "absent", "id": None}
    if not api.verify(existing["token"]):
        return {"changed": False, "action": "absent", "id": existing.get("id")}
    if check_mode:
        return {"changed": True, "action": "deleted", "id": existing.get("id")}
    api.delete_by_token(existing["token"])
    return {"changed": True, "action": "deleted", "id": existing.get("id")}

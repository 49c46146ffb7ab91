"""Stand-in for the part of GitLab's REST API that the gitlab_runner role calls (runners).

Test fixture, not part of the collection, and not GitLab: it follows the
documented interface of each endpoint below, keeps its runners in memory,
and refuses what GitLab refuses. Served by fake_api_core on 127.0.0.1
(faults, latency and the request log come from there).

- POST /api/v4/user/runners: needs a valid PRIVATE-TOKEN (else 401) with the
  create_runner scope (else 403); runner_type is required and one of
  instance_type, group_type, project_type (else 400), with group_id or
  project_id for the last two; answers 201 with id, token (glrt-...) and
  token_expires_at. https://docs.gitlab.com/api/users/#create-a-runner-linked-to-a-user
- POST /api/v4/runners/verify (form: token): 200 while a runner has that
  token, 403 otherwise. https://docs.gitlab.com/api/runners/#verify-authentication-for-a-registered-runner
- GET and PUT /api/v4/runners/:id: the runner's details (never its token),
  and an update of description, tag_list, run_untagged, locked,
  access_level, maximum_timeout, paused; 404 for an unknown id; an
  administrator's token. https://docs.gitlab.com/api/runners/#get-runners-details
- GET /api/v4/runners/all, /groups/:id/runners, /projects/:id/runners:
  administrators only here (403 otherwise), filtered by type, paginated by
  per_page (at most 100) and page, with X-Next-Page.
  https://docs.gitlab.com/api/runners/#list-all-runners
- POST /api/v4/runners/:id/reset_authentication_token: 201 with a new token;
  the old one stops working. https://docs.gitlab.com/api/runners/#reset-runners-authentication-token-by-using-the-runner-id
- DELETE /api/v4/runners (form: token): 204, or 403 for an unknown token.
  https://docs.gitlab.com/api/runners/#delete-a-runner-by-authentication-token
- DELETE /api/v4/runners/:id: 204 (an administrator's token).
"""

from __future__ import annotations

import itertools
import re
import secrets
import urllib.parse

RUNNER_TYPES = ("instance_type", "group_type", "project_type")
FIELDS = ("description", "tag_list", "run_untagged", "locked", "access_level", "maximum_timeout", "paused")


def main():
    """Serve the stand-in over HTTPS (for a lab container): <port> <cert> <key> <admin token file>."""
    import sys  # noqa: PLC0415 (only when run as a program)

    from fake_api_core import FakeAPIServer  # noqa: PLC0415

    port, cert, key, token_file = sys.argv[1:5]
    with open(token_file, encoding="utf-8") as handle:
        admin_token = handle.read().strip()
    server = FakeAPIServer([FakeGitLab(admin_token)]).start(tls=(cert, key), port=int(port))
    server.thread.join()


class FakeGitLab:
    prefixes = ("/api/v4/",)

    def __init__(self, admin_token, other_tokens=None):
        # PRIVATE-TOKEN -> {"admin": bool, "scopes": [...]}
        self.tokens = {admin_token: {"admin": True, "scopes": ["api", "create_runner"]}, **(other_tokens or {})}
        self.runners = {}
        self.ids = itertools.count(101)

    # -- helpers for tests ------------------------------------------------
    def runner_by_token(self, token):
        return next((r for r in self.runners.values() if r["token"] == token), None)

    def described(self, description):
        return [r for r in self.runners.values() if r["description"] == description]

    # -- routing ----------------------------------------------------------
    def route(self, request, path, query):
        form = self._form(request)
        method = request.command
        if path.startswith("/api/v4/_stand_in/"):  # the tests' view of the state, not GitLab's API
            return self._stand_in_view(method, path)
        if path in ("/api/v4/runners/verify", "/api/v4/runners") and method in ("POST", "DELETE"):
            return self._by_runner_token(method, form)
        return self._with_access_token(request, method, path, query, form)

    def _with_access_token(self, request, method, path, query, form):
        user = self.tokens.get(request.headers.get("PRIVATE-TOKEN", ""))
        if user is None:
            return 401, {"message": "401 Unauthorized"}, {}
        if method == "POST" and path == "/api/v4/user/runners":
            return self._create(user, form)
        if not user["admin"]:
            # Listing, reading, changing and resetting need an administrator
            # (or the group's or project's owner, which the stand-in does not model).
            return 403, {"message": "403 Forbidden"}, {}
        scope = re.match(r"^/api/v4/(runners/all|groups/([^/]+)/runners|projects/([^/]+)/runners)$", path)
        if method == "GET" and scope:
            return self._list(query, group=scope.group(2), project=scope.group(3))
        match = re.match(r"^/api/v4/runners/([0-9]+)(/reset_authentication_token)?$", path)
        if match:
            return self._one(method, int(match.group(1)), bool(match.group(2)), form)
        raise KeyError(path)

    def _stand_in_view(self, method, path):
        if path.endswith("/clear") and method == "POST":
            self.runners.clear()
            return 200, {}, {}
        if path.endswith("/runners"):
            return 200, sorted(self.runners.values(), key=lambda r: r["id"]), {}
        raise KeyError(path)

    def _by_runner_token(self, method, form):
        runner = self.runner_by_token(form.get("token", ""))
        if runner is None:
            return 403, {"message": "403 Forbidden"}, {}
        if method == "DELETE":
            del self.runners[runner["id"]]
            return 204, "", {}
        return 200, {"id": runner["id"], "token": runner["token"], "token_expires_at": None}, {}

    def _one(self, method, runner_id, reset, form):
        runner = self.runners.get(runner_id)
        if runner is None:
            return 404, {"message": "404 Runner Not Found"}, {}
        if reset and method == "POST":
            runner["token"] = "glrt-" + secrets.token_urlsafe(20)
            return 201, {"token": runner["token"], "token_expires_at": None}, {}
        if reset:
            raise KeyError("reset_authentication_token needs POST")
        if method == "PUT":
            runner.update(self._fields(form))
        elif method == "DELETE":
            del self.runners[runner_id]
            return 204, "", {}
        return 200, self._public(runner), {}

    def _create(self, user, form):
        if "create_runner" not in user["scopes"]:
            return 403, {"error": "insufficient_scope"}, {}
        runner_type = form.get("runner_type")
        if runner_type not in RUNNER_TYPES:
            return 400, {"error": "runner_type does not have a valid value"}, {}
        if runner_type == "group_type" and not form.get("group_id"):
            return 400, {"error": "group_id is missing"}, {}
        if runner_type == "project_type" and not form.get("project_id"):
            return 400, {"error": "project_id is missing"}, {}
        runner = {
            "id": next(self.ids),
            "runner_type": runner_type,
            "group_id": form.get("group_id"),
            "project_id": form.get("project_id"),
            "token": "glrt-" + secrets.token_urlsafe(20),
            "description": "",
            "tag_list": [],
            "run_untagged": True,
            "locked": False,
            "access_level": "not_protected",
            "maximum_timeout": None,
            "paused": False,
        }
        runner.update(self._fields(form))
        self.runners[runner["id"]] = runner
        return 201, {"id": runner["id"], "token": runner["token"], "token_expires_at": None}, {}

    def _list(self, query, group=None, project=None):
        wanted = query.get("type", [None])[0]
        per_page = min(int(query.get("per_page", ["20"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        found = [self._summary(r) for r in sorted(self.runners.values(), key=lambda r: r["id"])]
        found = [r for r in found if wanted in (None, r["runner_type"])]
        if group is not None:
            found = [r for r in found if str(self.runners[r["id"]]["group_id"]) == group]
        if project is not None:
            found = [r for r in found if str(self.runners[r["id"]]["project_id"]) == project]
        chunk = found[(page - 1) * per_page : page * per_page]
        headers = {"X-Next-Page": str(page + 1) if page * per_page < len(found) else ""}
        return 200, chunk, headers

    @staticmethod
    def _form(request):
        length = int(request.headers.get("Content-Length") or 0)
        data = request.rfile.read(length).decode() if length else ""
        return {key: values[-1] for key, values in urllib.parse.parse_qs(data, keep_blank_values=True).items()}

    @staticmethod
    def _fields(form):
        fields = {}
        for key in FIELDS:
            if key not in form:
                continue
            value = form[key]
            if key == "tag_list":
                fields[key] = [tag for tag in value.split(",") if tag]
            elif key in ("run_untagged", "locked", "paused"):
                fields[key] = value == "true"
            elif key == "maximum_timeout":
                fields[key] = int(value) if value else None
            else:
                fields[key] = value
        return fields

    @staticmethod
    def _public(runner):
        return {k: v for k, v in runner.items() if k != "token"}

    @staticmethod
    def _summary(runner):
        keys = ("id", "description", "runner_type", "paused")
        return {k: runner[k] for k in keys}


if __name__ == "__main__":
    main()

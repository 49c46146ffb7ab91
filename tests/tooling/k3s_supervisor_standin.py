"""Stand-in for the one k3s supervisor call the collection makes: the server token rotation.

Not k3s, and no test that uses it counts as k3s having been tested: it exists
to test the collection's own logic (playbooks/k3s_token_rotate.yml) where k3s
cannot be had. It follows the interface of the k3s sources, cited per
behaviour, and refuses what k3s refuses:

- PUT /v1-k3s/token over TLS, anything else refused
  (pkg/server/handlers/token.go, TokenRequest: "method not allowed", 405);
- HTTP basic auth as the user "server" with the server token's password, as
  `k3s token rotate` sends it (pkg/cli/token/token.go, serverAccess:
  clientaccess.ParseAndValidateToken(..., WithUser("server"))); a wrong user
  or password is refused (the supervisor's basic auth, 401);
- a JSON body {"newToken": "<token>"} (handlers.TokenRotateRequest, field
  newToken); a body that is not JSON is refused (400); an empty or missing
  newToken makes k3s pick a random token (tokenRotate: util.Random(16)),
  which the stand-in records as such, so a test can tell;
- on success the server token file <data-dir>/server/token is rewritten as
  "K10<CA hash>::server:<new token>" (handlers.WriteToken with
  clientaccess.FormatToken) and the new password replaces the old one.

Run inside a lab container with its own python3:
  python3 k3s_supervisor_standin.py <state dir> <port>
The state directory holds tls.crt/tls.key (the serving certificate),
password (the current password), and receives requests.jsonl and token.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import secrets
import ssl
import sys
from pathlib import Path

STATE = Path(sys.argv[1])
PORT = int(sys.argv[2])


def record(entry):
    with (STATE / "requests.jsonl").open("a") as log:
        log.write(json.dumps(entry) + "\n")


class Supervisor(http.server.BaseHTTPRequestHandler):
    def _refuse(self, status, reason):
        record({"method": self.command, "path": self.path, "status": status, "reason": reason})
        self.send_response(status)
        self.end_headers()
        self.wfile.write(reason.encode() + b"\n")

    def _authorised(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _sep, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == "server" and secrets.compare_digest(password, (STATE / "password").read_text().strip())

    def do_GET(self):
        self._refuse(405, "method not allowed")

    do_POST = do_GET
    do_DELETE = do_GET

    def do_PUT(self):
        if self.path != "/v1-k3s/token":
            self._refuse(404, "not found")
            return
        if not self._authorised():
            self._refuse(401, "unauthorized")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            self._refuse(400, "bad request")
            return
        new = request.get("newToken") or ""
        chosen = "random" if not new else "given"
        if not new:
            new = secrets.token_hex(16)
        (STATE / "password").write_text(new + "\n")
        ca_hash = hashlib.sha256((STATE / "tls.crt").read_bytes()).hexdigest()
        (STATE / "token").write_text(f"K10{ca_hash}::server:{new}\n")
        record({"method": "PUT", "path": self.path, "status": 200, "new_token": chosen})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):  # no request lines on stderr (they would go to the journal)
        pass


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(STATE / "tls.crt", STATE / "tls.key")
server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Supervisor)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()

"""The HTTP server core of the cloud API stand-ins: routing by path prefix, faults, request log.

Test and benchmark fixture, not part of the collection. A provider's stand-in
(fake_scaleway_api.py, fake_ovhcloud_api.py) is an object with `prefixes`
(the paths it answers) and `route(request, path, query)` returning
(status, body, headers); this core adds what every API shares: latency,
queued faults per path prefix (a status with an optional Retry-After, a slow
response, a malformed body, a dropped connection), the log of requests, and
404 for an unknown path. It only listens on 127.0.0.1.
"""

from __future__ import annotations

import collections
import hashlib
import http.server
import json
import ssl
import threading
import time
import urllib.parse
import uuid


class _Fault:
    def __init__(self, status=None, retry_after=None, delay=0.0, body=None, drop=False):
        self.status, self.retry_after, self.delay, self.body, self.drop = status, retry_after, delay, body, drop


def stable_uuid(*parts):
    return str(uuid.UUID(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:32]))


def page_body(key, items, page, size):
    """A page in the body with its total_count (Scaleway Elastic Metal and IPAM, among others)."""
    return {"total_count": len(items), key: items[(page - 1) * size : page * size]}


class FakeAPIServer:
    """One HTTP server answering the routes of one or more provider stand-ins (their paths do not overlap)."""

    def __init__(self, providers, latency=0.0):
        self.providers = list(providers)
        self.latency = latency
        self.faults = collections.defaultdict(collections.deque)
        self.requests = []
        # Client connections accepted (TLS handshakes, over HTTPS): a client
        # that reuses its connections opens far fewer than it sends requests.
        self.connections = 0
        self.lock = threading.Lock()
        self.server = None
        self.thread = None
        self.url = None

    # -- control -------------------------------------------------------------
    def start(self, tls=None, port=0):
        """Serve on 127.0.0.1 (`port`, any free one by default); over HTTPS with `tls` = (cert file, key file)."""
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                with api.lock:
                    api.connections += 1
                super().setup()

            def do_GET(self):
                api.handle(self)

            # Stand-ins of APIs that change things (GitLab's runners) route
            # every method through the same core; `request.command` tells.
            do_POST = do_PUT = do_DELETE = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            # The handshake runs on the connection's first read, in its own
            # handler thread, not one after the other in the accepting thread.
            self.server.socket = context.wrap_socket(
                self.server.socket, server_side=True, do_handshake_on_connect=False
            )
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.server.server_address[1])
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def fault(self, path_prefix, *, status=None, retry_after=None, delay=0.0, body=None, drop=False, times=1):
        """Queue `times` faulty answers for the next requests whose path starts with `path_prefix`."""
        for _attempt in range(times):
            self.faults[path_prefix].append(_Fault(status, retry_after, delay, body, drop))

    def count(self, path_prefix):
        with self.lock:
            return sum(1 for _method, path, _query, _headers in self.requests if path.startswith(path_prefix))

    # -- dispatch ------------------------------------------------------------
    def _next_fault(self, path):
        with self.lock:
            for prefix, queue in self.faults.items():
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        return None

    def handle(self, request):
        parsed = urllib.parse.urlsplit(request.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        if path == "/_stats":  # the benchmark's counter, not an API request
            stats = {"requests": len(self.requests), "connections": self.connections}
            return self._send(request, 200, json.dumps(stats), {})
        with self.lock:
            self.requests.append((request.command, path, query, dict(request.headers)))
        if self.latency:
            time.sleep(self.latency)
        fault = self._next_fault(path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                request.close_connection = True
                request.connection.shutdown(2)
                return None
            if fault.status or fault.body is not None:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                body = fault.body if fault.body is not None else json.dumps({"message": "injected %s" % fault.status})
                return self._send(request, fault.status or 200, body, headers)
        try:
            provider = next((p for p in self.providers if path.startswith(p.prefixes)), None)
            if provider is None:
                raise KeyError(path)
            status, body, headers = provider.route(request, path, query)
        except KeyError as exc:
            status, body, headers = 404, {"message": "not found: %s" % exc, "type": "not_found"}, {}
        return self._send(request, status, json.dumps(body) if not isinstance(body, str) else body, headers)

    @staticmethod
    def _send(request, status, body, headers):
        data = body.encode("utf-8") if status != 204 else b""
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

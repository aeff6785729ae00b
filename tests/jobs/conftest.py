"""Fixtures for the site-job tests: a real loopback HTTP endpoint standing in for a downstream system."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Downstream:
    """What the loopback endpoint received, and the failures it has been told to produce."""

    def __init__(self) -> None:
        self.received: list = []  # bodies it accepted (2xx), in order
        self.requests = 0  # every POST, accepted or not
        self.fail_next: list[int] = []  # statuses to answer to the next POSTs, one each
        self.refuse_uids: dict[str, int] = {}  # uid -> status answered whenever that uid is posted
        self.lock = threading.Lock()

    def answer(self, body) -> int:
        with self.lock:
            self.requests += 1
            if self.fail_next:
                return self.fail_next.pop(0)
            uids = [b.get("uid") for b in (body if isinstance(body, list) else [body])]
            for uid in uids:
                if uid in self.refuse_uids:
                    return self.refuse_uids[uid]
            self.received.append(body)
            return 200

    def accepted_uids(self) -> list[str]:
        out = []
        for body in self.received:
            out += [b["uid"] for b in (body if isinstance(body, list) else [body])]
        return out


@pytest.fixture
def downstream_http():
    """A real HTTP server on 127.0.0.1, port 0, accepting JSON POSTs; yields (url, Downstream)."""
    state = Downstream()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"null")
            status = state.answer(body)
            payload = json.dumps({"ok": status < 300, "status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/gigya-delete", state
    finally:
        server.shutdown()
        server.server_close()

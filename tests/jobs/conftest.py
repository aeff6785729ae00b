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
    # a short poll interval: shutdown() waits up to one interval, 0.5 s by default, on every test
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/gigya-delete", state
    finally:
        server.shutdown()
        server.server_close()


# --- two mock sites in two data centers ----------------------------------------------------------

APP_KEY = "AK_JOBS"
APP_SECRET = "am9icy1hcHAtc2VjcmV0"  # base64 of b"jobs-app-secret": a test credential for the mock only


class Sites:
    """The in-process mock with a source site in us1 and a target site in eu1, and a client for each."""

    def __init__(self, mock):
        from gigya_migrate.client import GigyaClient

        self.mock = mock
        self.app_key, self.app_secret = APP_KEY, APP_SECRET
        mock.add_site("3_src", user_key=APP_KEY, secret=APP_SECRET, data_center="us1")
        mock.add_site("3_dst", data_center="eu1")  # same partner: the one application key serves both
        self.src = GigyaClient("3_src", user_key=APP_KEY, secret=APP_SECRET, data_center="us1", sleep=lambda s: None)
        self.dst = GigyaClient("3_dst", user_key=APP_KEY, secret=APP_SECRET, data_center="eu1", sleep=lambda s: None)

    def people(self, count: int, *, seed: int, prefix: str, **fields) -> list[str]:
        """Import ``count`` seeded faker accounts into the source site (UIDs ``<prefix><seed>x<i>``,
        email login, ``fields`` added to each); returns their UIDs."""
        from faker import Faker

        fake = Faker()
        fake.seed_instance(seed)
        uids = []
        for i in range(count):
            uid, email = f"{prefix}{seed}x{i}", f"{i}.{fake.user_name()}@example.com"
            self.src.import_full_account(uid, login_ids={"emails": [email]}, profile={"email": email}, **fields)
            uids.append(uid)
        return uids

    def cli_args(self, prefix: str, api_key: str, data_center: str) -> list[str]:
        """The CLI options naming one of the two sites (no --base-url: the real Gigya host names)."""
        dash = f"--{prefix}-" if prefix else "--"
        return [f"{dash}api-key", api_key, f"{dash}user-key", APP_KEY, f"{dash}secret", APP_SECRET,
                f"{dash}data-center", data_center]


@pytest.fixture
def sites():
    """Source (3_src, us1) and target (3_dst, eu1) sites on the in-process mock Gigya."""
    from mock_gigya.inprocess import mock_gigya

    with mock_gigya(default_site=False) as mock:
        yield Sites(mock)

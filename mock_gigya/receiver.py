"""A loopback HTTP endpoint that records the webhook notifications it receives (a test helper).

Point ``accounts.webhooks.set`` at ``receiver.url``; every POST is kept in ``receiver.received`` as
``{"path", "headers" (lower-case names), "body" (bytes), "json"}``. ``fail_next(n, status)`` answers the next ``n``
POSTs with ``status`` (to watch Gigya's resends); ``hold()`` keeps answers back until ``release()``
(to show that an API call does not wait for its webhook). The ``gigya_webhook_receiver`` pytest
fixture yields one.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["WebhookReceiver"]


class WebhookReceiver:
    """Records POSTs on ``http://127.0.0.1:<free port>/``; use as a context manager."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._failures: list[int] = []
        self._released = threading.Event()
        self._released.set()
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/gigya"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="webhook-receiver", daemon=True)

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` POSTs with HTTP ``status`` instead of 200."""
        with self._cond:
            self._failures += [status] * count

    def hold(self) -> None:
        """Keep every answer back until :meth:`release`."""
        self._released.clear()

    def release(self) -> None:
        """Let held answers go."""
        self._released.set()

    def events(self, event_type: str | None = None) -> list[dict]:
        """The events of every notification received (repeats included), optionally of one type."""
        with self._cond:
            found = [e for r in self.received for e in (r["json"] or {}).get("events", [])]
        return [e for e in found if event_type is None or e.get("type") == event_type]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        """Block until ``count`` notifications arrived (or ``timeout``); returns what arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            return list(self.received)

    def _record(self, path: str, headers: dict, body: bytes) -> int:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        with self._cond:
            self.received.append({"path": path, "headers": headers, "body": body, "json": parsed})
            status = self._failures.pop(0) if self._failures else 200
            self._cond.notify_all()
        return status


def _handler_for(receiver: WebhookReceiver) -> type:
    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = receiver._record(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            receiver._released.wait(30)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

    return _Handler

"""Deletions pushed by Gigya: receive ``accountDeleted`` webhooks and send them downstream with the
guarantees of the audit-log feed (:mod:`gigya_migrate.flows.deletions`).

Gigya's second documented way to propagate deletions is a webhook: it POSTs notifications
``{"events": [{"type": "accountDeleted", "id", "timestamp", "callId", "apiKey", "data": {"uid"}}],
"nonce", "timestamp"}`` signed with ``X-Gigya-Sig-Hmac-Sha1`` (base64 HMAC-SHA1 of the raw body with
the base64-decoded partner or signing-key secret; SAP Help's receiver sample) and, for webhooks 2.0,
``X-Gigya-Sig-JWT`` (RS256, verified with accounts.getJWTPublicKey). It resends a notification that
did not get a 2xx answer within 10 s "at increasing intervals up to one hour" (SAP CX Works).

:class:`DeletionWebhooks` answers one notification at a time:

- unsigned, badly signed, malformed, stale (older than ``max_age``, default a little over Gigya's hour
  of resends) or future-dated notifications are refused (401 / 400) and nothing is sent;
- the accountDeleted events go to the same :class:`~gigya_migrate.flows.downstream.Downstream`
  (files, HTTP, dead-letter file) as the audit-log feed; 200 is answered only once every event was
  accepted downstream or durably parked in the dead-letter file; otherwise 503, so Gigya resends;
- settled event ids are journaled in the state file (as the audit feed keeps ``recentCallIds``), so
  a resend of a settled notification is acknowledged without sending it twice.

A crash or restart loses nothing: before the 200 every event is settled on disk, after it Gigya no
longer needs to resend. Parked deletions are retried when the listener starts and every
``retry_every`` seconds. Delivery is at least once; records carry the Gigya ``callId`` (and
``eventId``) for downstream to spot repeats.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Mapping

from gigya_migrate.flows.downstream import Downstream, DownstreamError
from gigya_migrate.flows.state import StateFile, iso_from_ms, utc_now_iso
from gigya_migrate.signing import webhook_signature

__all__ = ["DEFAULT_MAX_AGE", "DeletionWebhooks", "ListenerReport", "Refused", "WebhookOptions", "deletion_record",
           "serve"]

DEFAULT_MAX_AGE = 3900
"""Seconds a notification stays acceptable: Gigya resends for up to an hour, plus five minutes of clock slack."""
MAX_FUTURE = 300
MAX_BODY = 8 * 1024 * 1024


class Refused(Exception):
    """A notification that is not accepted: ``status`` is the HTTP answer, the message says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class WebhookOptions:
    """Which site's notifications are accepted and how they are checked.

    ``secret`` (base64) checks ``X-Gigya-Sig-Hmac-Sha1``; ``jwks`` (a callable returning the JWKS of
    accounts.getJWTPublicKey, called once when first needed) checks ``X-Gigya-Sig-JWT``.
    """

    api_key: str
    job: str
    secret: str | None = None
    jwks: Callable[[], dict] | None = None
    max_age: int = DEFAULT_MAX_AGE
    now: Callable[[], float] = time.time


@dataclass
class ListenerReport:
    """Counts since the listener started."""

    notifications: int = 0
    refused: int = 0
    deletions: int = 0
    accepted: int = 0
    parked: int = 0
    duplicates: int = 0
    other_events: int = 0
    retried_accepted: int = 0
    started_at: str = field(default_factory=utc_now_iso)

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"{self.notifications} notifications ({self.refused} refused); {self.deletions} deletions: "
                f"{self.accepted} accepted downstream, {self.parked} parked, {self.duplicates} repeats skipped; "
                f"dead letters now accepted: {self.retried_accepted}")


def deletion_record(event: Mapping[str, Any]) -> dict[str, Any]:
    """The downstream record of one accountDeleted event (the audit feed's columns, plus ``eventId``)."""
    stamp = event.get("timestamp")
    deleted_at = iso_from_ms(int(stamp) * 1000) if isinstance(stamp, (int, float)) else ""
    return {"uid": str((event.get("data") or {}).get("uid") or ""), "endpoint": "webhook:accountDeleted",
            "deletedAt": deleted_at, "callId": str(event.get("callId") or event.get("id") or ""),
            "apiKey": str(event.get("apiKey") or ""), "eventId": str(event.get("id") or "")}


class DeletionWebhooks:
    """Checks notifications and settles their deletions downstream; thread-safe (one at a time)."""

    def __init__(self, downstream: Downstream, state: StateFile, options: WebhookOptions) -> None:
        if not options.secret and options.jwks is None:
            raise ValueError("no way to check signatures: give the webhook secret or a JWKS source")
        self.downstream, self.state, self.options = downstream, state, options
        self.report = ListenerReport()
        self._lock = threading.Lock()
        self._keys: dict | None = None

    def receive(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict]:
        """Answer one POST: ``(http_status, json_answer)``; never raises."""
        with self._lock:
            self.report.notifications += 1
            try:
                notification = self._check(body, {k.lower(): v for k, v in headers.items()})
                return 200, self._settle(notification)
            except Refused as exc:
                self.report.refused += 1
                return exc.status, {"error": str(exc)}
            except DownstreamError as exc:  # neither delivered nor parked: Gigya must resend
                return 503, {"error": f"downstream unavailable, not settled: {exc}"}

    def retry_dead_letters(self) -> None:
        """Send parked deletions again (at start and periodically)."""
        with self._lock:
            if self.downstream.dead_letter is not None and self.downstream.dead_letter.entries():
                self.report.retried_accepted += len(self.downstream.retry_parked().accepted)

    # -- checks -------------------------------------------------------------------------------------
    def _check(self, body: bytes, headers: dict[str, str]) -> dict:
        hmac_sig, jwt_sig = headers.get("x-gigya-sig-hmac-sha1"), headers.get("x-gigya-sig-jwt")
        if hmac_sig and self.options.secret:
            expected = webhook_signature(body, self.options.secret).encode()
            if not hmac.compare_digest(hmac_sig.strip().encode("utf-8", "replace"), expected):
                raise Refused(401, "X-Gigya-Sig-Hmac-Sha1 does not match the body (wrong secret or altered body)")
        elif jwt_sig and self.options.jwks is not None:
            self._check_jwt(body, jwt_sig.strip())
        else:
            raise Refused(401, "unsigned: no X-Gigya-Sig-Hmac-Sha1 (or X-Gigya-Sig-JWT) this listener can check")
        notification = _parse(body)
        self._check_fresh(notification)
        return notification

    def _check_jwt(self, body: bytes, token: str) -> None:
        import jwt

        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = jwt.PyJWKSet.from_dict(self._jwks())[kid].key
            claims = jwt.decode(token, key, algorithms=["RS256"],
                                issuer=f"https://fidm.gigya.com/jwt/{self.options.api_key}/",
                                options={"verify_exp": False, "verify_iat": False})
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise Refused(401, f"X-Gigya-Sig-JWT does not verify: {exc}") from None
        digest = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode().rstrip("=")
        if claims.get("sub") != digest or claims.get("jti") != _parse(body).get("nonce"):
            raise Refused(401, "X-Gigya-Sig-JWT was not issued for this body")

    def _jwks(self) -> dict:
        if self._keys is None:
            self._keys = self.options.jwks()
        return self._keys

    def _check_fresh(self, notification: dict) -> None:
        stamp = notification.get("timestamp")
        if not isinstance(stamp, (int, float)) or isinstance(stamp, bool):
            raise Refused(400, "the notification has no numeric timestamp")
        age = self.options.now() - stamp
        if age > self.options.max_age:
            raise Refused(400, f"stale: sent {int(age)} s ago (more than {self.options.max_age} s)")
        if age < -MAX_FUTURE:
            raise Refused(400, f"timestamp {int(-age)} s in the future (clock skew over {MAX_FUTURE} s)")

    # -- settling -----------------------------------------------------------------------------------
    def _settle(self, notification: dict) -> dict:
        events = [e for e in notification["events"] if isinstance(e, dict)]
        deleted = [e for e in events if e.get("type") == "accountDeleted"
                   and e.get("apiKey", self.options.api_key) == self.options.api_key]
        self.report.other_events += len(events) - len(deleted)
        section = self.state.job(self.options.job)
        settled: dict[str, float] = dict(section.get("settledEventIds", {}))
        fresh = [e for e in deleted if str(e.get("id") or "") not in settled]
        self.report.duplicates += len(deleted) - len(fresh)
        self.report.deletions += len(fresh)
        answer = {"deletions": len(fresh), "repeats": len(deleted) - len(fresh), "accepted": 0, "parked": 0}
        if fresh:
            outcome = self.downstream.deliver([deletion_record(e) for e in fresh])
            answer.update(accepted=len(outcome.accepted), parked=len(outcome.parked))
            self.report.accepted += len(outcome.accepted)
            self.report.parked += len(outcome.parked)
            now = self.options.now()
            settled.update({str(e.get("id")): now for e in fresh if e.get("id")})
            floor = now - self.options.max_age  # older ids cannot come back: their notifications are stale
            settled = {k: v for k, v in settled.items() if v >= floor}
            self.state.update(self.options.job, settledEventIds=settled, lastSuccess=utc_now_iso())
        return answer


def _parse(body: bytes) -> dict:
    try:
        notification = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(notification, dict) or not isinstance(notification.get("events"), list):
        raise Refused(400, "not a Gigya notification (no events array)")
    return notification


# ------------------------------------------------------------------ the HTTP listener


def serve(receiver: DeletionWebhooks, host: str, port: int, *, retry_every: float = 300.0,
          ready: Callable[[str], None] | None = None, stop: threading.Event | None = None) -> None:
    """Listen on ``host:port`` until ``stop`` is set (or KeyboardInterrupt); ``ready(url)`` once bound.

    Parked deletions are retried at start and every ``retry_every`` seconds."""
    server = ThreadingHTTPServer((host, port), _handler_for(receiver))
    server.daemon_threads = True
    stop = stop or threading.Event()
    receiver.retry_dead_letters()
    worker = threading.Thread(target=server.serve_forever, args=(0.1,), name="deletion-webhooks", daemon=True)
    worker.start()
    if ready is not None:
        ready(f"http://{host}:{server.server_address[1]}/")
    try:
        while not stop.wait(retry_every):
            receiver.retry_dead_letters()
    finally:
        server.shutdown()
        server.server_close()


def _handler_for(receiver: DeletionWebhooks) -> type:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server naming)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                return self._answer(413, {"error": f"body over {MAX_BODY} bytes"})
            status, answer = receiver.receive(self.rfile.read(length), dict(self.headers.items()))
            self._answer(status, answer)

        def do_GET(self) -> None:  # noqa: N802
            self._answer(200 if self.path.rstrip("/") in ("", "/health") else 404, {"ok": True})

        def _answer(self, status: int, answer: dict) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # the report says what happened; no per-request noise
            pass

    return _Handler

"""Webhooks: accounts.webhooks.set / getAll / delete per site, and Gigya-shaped notifications sent to
the configured URLs from a background thread, signed and retried the way Gigya does.

What is followed, and where it comes from:

- Events ``accountCreated``, ``accountRegistered``, ``accountUpdated``, ``accountLoggedIn``,
  ``accountDeleted``; the ``accounts.webhooks.set`` parameters ``name``, ``url`` (unique per site),
  ``events`` (comma list), ``active``, ``signingUserKey`` ("leave blank to sign using the partner
  secret"): developers.gigya.com "Webhooks" and "accounts.webhooks.set REST".
- Notification body ``{"events": [{"type", "id", "timestamp", "callId", "version", "apiKey",
  "data": {"uid", "accountType"}}], "nonce", "timestamp"}`` (timestamps in Unix seconds): the
  sample requests in SAP's own webhook receiver tests (SAP Commerce ``gigyab2bwebservices``) and
  public receivers' tests.
- ``X-Gigya-Sig-Hmac-Sha1`` = base64(HMAC-SHA1(key = base64-decoded secret, message = the raw body)):
  SAP Help's PHP sample receiver (``createMessageHash``: ``base64_encode(hash_hmac('sha1', $message,
  base64_decode($secret), true))``). The secret is the ``signingUserKey``'s, else the partner secret
  (the mock's site secret stands for it).
- ``X-Gigya-Sig-JWT`` (webhooks 2.0): an RS256 JWS verified with accounts.getJWTPublicKey; a sample
  token carries ``iss`` = ``https://fidm.gigya.com/jwt/<apiKey>/``, ``iat``, ``exp`` = iat + 60,
  ``jti`` = the notification's ``nonce`` and a 43-character ``sub``. The mock puts
  base64url(SHA-256(body)) in ``sub`` (I: a 32-byte digest fits; what it digests is not published).
- Delivery: at least once, in order per UID; the endpoint has **10 s** to answer 2xx, after which
  "the notification will be resent at increasing intervals up to one hour" (SAP CX Works, "Webhook
  Do's and Don'ts"). The mock's intervals are :data:`RETRY_DELAYS` (I: doubling, one hour in all),
  resending the same body; later notifications to that URL wait behind a failing one (order per
  UID). :func:`configure` scales the intervals for tests.
- importFullAccount fires none of these (HELP: only "subscription updated" and "account progressed").
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import heapq
import json
import logging
import threading
import time
import uuid
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mock_gigya.errors import MockGigyaError

__all__ = ["CALL_ID", "EVENTS", "RETRY_DELAYS", "configure", "deliveries", "delete", "drain", "emit", "get_all",
           "reset", "set_webhook"]

log = logging.getLogger(__name__)

EVENTS = ("accountCreated", "accountRegistered", "accountUpdated", "accountLoggedIn", "accountDeleted")
RETRY_DELAYS = (30, 60, 120, 240, 480, 960, 1710)
"""Seconds before each resend after a failure: increasing, one hour (3,600 s) in all, then given up (I)."""
TIMEOUT = 10.0
"""Seconds a receiver has to answer (SAP CX Works)."""
VERSION = "2.0"
KIND = "webhook"
_IDLE_SECONDS = 2.0  # a sender thread with nothing queued for this long ends

DECISIONS: tuple[tuple[str, str], ...] = (
    ("Webhooks configuration", "accounts.webhooks.set creates or updates (by `name`, at most 100 characters) a "
                               "webhook with `url` (unique per site; https, or http to a loopback address in the "
                               "mock, I), `events` (comma list of the five events), `active` (default true) and "
                               "`signingUserKey` (an app key of the site's partner with a secret). getAll answers "
                               "`{webhooks: [{name, url, events, active, version, signingUserKey?}]}` (I: shape not "
                               "published); delete takes `url` (or `name`, I) and answers 404000 when none matches."),
    ("Webhook events", "accountCreated (register), accountRegistered (finalizeRegistration), accountUpdated "
                       "(setAccountInfo unless `muteWebhooks=true`, setPassword, resetPassword, email verified), "
                       "accountLoggedIn (login, finalizeRegistration, verifyLogin with a regToken), accountDeleted "
                       "(deleteAccount). "
                       "importFullAccount fires none. One event per notification (Gigya may batch up to 100)."),
    ("Webhook signatures", "Every notification carries `X-Gigya-Sig-Hmac-Sha1` = base64(HMAC-SHA1(base64-decoded "
                           "secret, raw body)) (C: SAP Help's PHP webhook receiver sample), the secret being the signingUserKey's or else the site secret "
                           "(standing in for the partner secret); webhooks version 2.0 (the mock's only version) "
                           "also carry `X-Gigya-Sig-JWT`, RS256 with the getJWTPublicKey key, claims `iss`, `iat`, "
                           "`exp` = iat + 60, `jti` = the body's `nonce` (C: a sample token in SAP Commerce's "
                           "gigyab2bwebservices tests), `sub` = base64url(SHA-256(body)) (I: the sample's `sub` is "
                           "43 characters, what it digests is not published)."),
    ("Webhook delivery", f"From a background thread, never blocking the API call. A receiver has {TIMEOUT:.0f} s to "
                         "answer 2xx; otherwise the same body is resent after "
                         + ", ".join(str(d) for d in RETRY_DELAYS)
                         + " s (I: SAP CX Works \"Webhook Do's and Don'ts\" says 10 s, then \"resent at increasing intervals up "
                           "to one hour\"), then dropped with a "
                           "warning. Notifications to one URL go in order: a failing one holds back the later ones."),
)
"""Choices rendered into SUPPORTED.md."""

CALL_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("mock_gigya_call_id", default=None)
"""The callId of the API call being answered (api.handle sets it), copied into events."""


# ------------------------------------------------------------------ configuration (the API calls)


def set_webhook(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.webhooks.set: create, or update the webhook called ``name``."""
    backend.site(api_key)
    name = _required(params, "name")
    if len(name) > 100:
        raise MockGigyaError.invalid("name", "at most 100 characters")
    current = _hooks(backend, api_key)
    existing = current.get(name)
    url = params.get("url") or (existing or {}).get("url")
    if not url:
        raise MockGigyaError.missing("url")
    _check_url(url)
    if any(h["url"] == url and n != name for n, h in current.items()):
        raise MockGigyaError.invalid("url", "another webhook of this site already uses this URL (delete it first)")
    hook = dict(existing or {"name": name, "active": True, "version": VERSION})
    hook["url"] = url
    if params.get("events") is not None or existing is None:
        hook["events"] = _events(params.get("events"))
    if params.get("active") is not None:
        hook["active"] = bool(params["active"])
    if params.get("signingUserKey") is not None:
        hook["signingUserKey"] = _signing_key(backend, api_key, params["signingUserKey"])
    backend.store.put_token(KIND, f"{api_key}\n{name}", api_key, hook)
    return {}


def get_all(backend: Any, api_key: str) -> dict:
    """accounts.webhooks.getAll: ``{"webhooks": [...]}`` in creation order."""
    backend.site(api_key)
    return {"webhooks": list(_hooks(backend, api_key).values())}


def delete(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.webhooks.delete by ``url`` (or ``name``); 404000 when none matches (I)."""
    backend.site(api_key)
    if not params.get("url") and not params.get("name"):
        raise MockGigyaError.missing("url")
    for name, hook in _hooks(backend, api_key).items():
        if hook["url"] == params.get("url") or name == params.get("name"):
            backend.store.delete_tokens(KIND, token=f"{api_key}\n{name}")
            return {}
    raise MockGigyaError(404000, details="No webhook with that url on this site")


def _hooks(backend: Any, api_key: str) -> dict[str, dict]:
    return {t["doc"]["name"]: t["doc"] for t in backend.store.list_tokens(KIND, api_key=api_key)}


def _required(params: dict, name: str) -> str:
    value = params.get(name)
    if not value or not isinstance(value, str):
        raise MockGigyaError.missing(name)
    return value


def _check_url(url: str) -> None:
    from gigya_migrate.loopback import is_loopback_host

    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
        return  # I: the docs require HTTPS; loopback http is accepted so tests can receive
    raise MockGigyaError.invalid("url", "must be an https URL (http only for loopback addresses in the mock)")


def _events(value: Any) -> list[str]:
    names = [v.strip() for v in (value if isinstance(value, list) else str(value or "").split(",")) if v.strip()]
    if not names:
        raise MockGigyaError.missing("events")
    unknown = [n for n in names if n not in EVENTS]
    if unknown:
        raise MockGigyaError.invalid("events", f"unknown event(s) {', '.join(unknown)}; known: {', '.join(EVENTS)}")
    return list(dict.fromkeys(names))


def _signing_key(backend: Any, api_key: str, user_key: Any) -> str:
    if not user_key:
        return ""
    app = backend.app_key(str(user_key))
    if app is None or not app.get("secret") or app.get("partnerId") != backend.site(api_key).partner_id:
        raise MockGigyaError.invalid("signingUserKey", "not an application key with a secret of this partner")
    return str(user_key)


# ------------------------------------------------------------------ notifications


def emit(backend: Any, api_key: str, event_type: str, uid: str) -> int:
    """Queue ``event_type`` for ``uid`` to every active webhook of the site subscribed to it; never blocks
    on the network. Returns how many notifications were queued."""
    hooks = [h for h in _hooks(backend, api_key).values() if h.get("active") and event_type in h.get("events", [])]
    if not hooks:
        return 0
    now = int(backend.clock())
    event = {"type": event_type, "id": str(uuid.uuid4()), "timestamp": now,
             "callId": CALL_ID.get() or uuid.uuid4().hex, "version": VERSION, "apiKey": api_key,
             "data": {"uid": uid, "accountType": "full"}}
    dispatcher = _dispatcher(backend)
    for hook in hooks:
        body = json.dumps({"events": [event], "nonce": str(uuid.uuid4()), "timestamp": now}).encode()
        dispatcher.put(_Notification(hook["url"], hook["name"], api_key, body, _headers(backend, api_key, hook, body)))
    return len(hooks)


def _headers(backend: Any, api_key: str, hook: dict, body: bytes) -> dict[str, str]:
    from gigya_migrate.signing import webhook_signature
    from mock_gigya import sessions

    site = backend.site(api_key)
    secret = (backend.app_key(hook["signingUserKey"]) or {}).get("secret") if hook.get("signingUserKey") else None
    headers = {"Content-Type": "application/json", "X-Gigya-Sig-Hmac-Sha1": webhook_signature(body, secret or site.secret)}
    if hook.get("version") == VERSION:
        now = int(backend.clock())
        digest = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode().rstrip("=")
        claims = {"iss": sessions.issuer(api_key), "iat": now, "exp": now + 60,
                  "jti": json.loads(body)["nonce"], "sub": digest}
        headers["X-Gigya-Sig-JWT"] = sessions.sign_jwt(backend, site, claims)
    return headers


# ------------------------------------------------------------------ delivery (background thread)


@dataclass
class _Notification:
    url: str
    webhook: str
    api_key: str
    body: bytes
    headers: dict[str, str]
    attempts: int = 0
    first_at: float = field(default_factory=time.monotonic)


class _Dispatcher:
    """One thread per backend: per-URL FIFO queues, a failing head blocks its URL until its resend."""

    def __init__(self) -> None:
        self.scale = 1.0
        self.timeout = TIMEOUT
        self.log: list[dict] = []
        self._queues: dict[str, deque[_Notification]] = {}
        self._due: list[tuple[float, int, str]] = []  # (when, tie, url) heads ready to try
        self._seq = 0
        self._busy = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def put(self, note: _Notification) -> None:
        with self._cond:
            queue = self._queues.setdefault(note.url, deque())
            queue.append(note)
            if len(queue) == 1:
                self._schedule(note.url, time.monotonic())
            self._start()
            self._cond.notify_all()

    def _schedule(self, url: str, when: float) -> None:
        self._seq += 1
        heapq.heappush(self._due, (when, self._seq, url))

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="mock-gigya-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                note = self._next()
                if note is None:  # idle for a while: the thread ends; put() starts a new one
                    self._thread = None
                    return
                self._busy += 1
            try:
                ok = self._send(note)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._settle(note, ok)
                    self._cond.notify_all()

    def _next(self) -> _Notification | None:
        while True:
            if self._due and self._due[0][0] <= time.monotonic():
                _, _, url = heapq.heappop(self._due)
                if self._queues.get(url):
                    return self._queues[url][0]
                continue
            if not self._due and not self._cond.wait(_IDLE_SECONDS) and not self._due:
                return None
            if self._due:
                self._cond.wait(max(0.0, self._due[0][0] - time.monotonic()))

    def _send(self, note: _Notification) -> bool:
        import urllib.error
        import urllib.request

        note.attempts += 1
        entry = {"url": note.url, "webhook": note.webhook, "apiKey": note.api_key, "attempt": note.attempts,
                 "body": json.loads(note.body), "headers": dict(note.headers), "status": None, "error": None,
                 "at": time.time()}
        request = urllib.request.Request(note.url, data=note.body, headers=note.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                entry["status"] = answer.status
        except urllib.error.HTTPError as exc:
            entry["status"], entry["error"] = exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            entry["error"] = f"{type(exc).__name__}: {exc}"
        with self._cond:
            self.log.append(entry)
        return entry["status"] is not None and 200 <= entry["status"] < 300

    def _settle(self, note: _Notification, ok: bool) -> None:
        queue = self._queues.get(note.url)
        if not queue or queue[0] is not note:
            return  # reset meanwhile
        if ok or note.attempts > len(RETRY_DELAYS):
            if not ok:
                log.warning("webhook %s: giving up on a notification after %d attempts", note.url, note.attempts)
            queue.popleft()
            if queue:
                self._schedule(note.url, time.monotonic())
            return
        self._schedule(note.url, time.monotonic() + RETRY_DELAYS[note.attempts - 1] * self.scale)

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values()) + self._busy

    def clear(self) -> None:
        with self._cond:
            self._queues.clear()
            self._due.clear()
            self.log.clear()


_DISPATCHERS: "weakref.WeakKeyDictionary[Any, _Dispatcher]" = weakref.WeakKeyDictionary()
_DISPATCHERS_LOCK = threading.Lock()


def _dispatcher(backend: Any) -> _Dispatcher:
    with _DISPATCHERS_LOCK:
        if backend not in _DISPATCHERS:
            _DISPATCHERS[backend] = _Dispatcher()
        return _DISPATCHERS[backend]


def configure(backend: Any, *, time_scale: float | None = None, timeout: float | None = None) -> None:
    """Test knobs: ``time_scale`` multiplies :data:`RETRY_DELAYS` (0.001 makes the hour 3.6 s);
    ``timeout`` replaces the receiver's 10 s."""
    dispatcher = _dispatcher(backend)
    if time_scale is not None:
        dispatcher.scale = float(time_scale)
    if timeout is not None:
        dispatcher.timeout = float(timeout)


def deliveries(backend: Any, *, event_type: str | None = None, api_key: str | None = None) -> list[dict]:
    """Every delivery attempt so far (oldest first): ``url``, ``webhook``, ``attempt``, ``body``, ``headers``,
    ``status``, ``error``; optionally only those carrying ``event_type`` or for one site."""
    with _dispatcher(backend)._cond:
        found = list(_dispatcher(backend).log)
    if api_key is not None:
        found = [d for d in found if d["apiKey"] == api_key]
    if event_type is not None:
        found = [d for d in found if any(e["type"] == event_type for e in d["body"]["events"])]
    return found


def drain(backend: Any, timeout: float = 10.0) -> bool:
    """Wait until nothing is queued or in flight (retries included); False on timeout."""
    dispatcher = _dispatcher(backend)
    deadline = time.monotonic() + timeout
    with dispatcher._cond:
        while sum(len(q) for q in dispatcher._queues.values()) + dispatcher._busy:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            dispatcher._cond.wait(left)
    return True


def reset(backend: Any) -> None:
    """Forget queued notifications and the delivery log (the control plane's reset)."""
    _dispatcher(backend).clear()

"""``GigyaClient``: one pooled ``requests.Session``, Gigya's credentials and signing, retries, and one
typed method per accounts/audit call (docs/gigya-api.md §1-8).

Wire facts the client follows: every call is a form-encoded POST to
``https://<namespace>.<dc-domain>/<namespace>.<method>`` (or ``<base_url>/<namespace>.<method>``);
object and array parameters are JSON strings, booleans ``true``/``false``; the answer is HTTP 200
with ``errorCode`` in the body (``httpStatusCodes=false``), so errors come from ``errorCode``.

Retries (``gigya_migrate.retry``): refused calls (403048, 409030, 503001, a connection that never
opened) are retried for every method; ambiguous failures (5xx answers, read timeouts) only for calls
that are safe to replay. Each retry is signed afresh (new timestamp and nonce). A 403002 answer
("request expired") resets the clock offset from Gigya's clock (the ``Date`` header, else the
envelope's ``time``) and re-signs once; 403004 (duplicate nonce) re-signs once.

importFullAccount insert with a UID, retried after an ambiguous failure, that then answers "already
exists" (400003 / 403043 / 409001) is checked with getAccountInfo: if the account has that UID, the
login IDs we sent, and was last updated after our first attempt started (minus a clock-skew
allowance), the earlier attempt is taken to have written it, and the result says
``recovered_after_retry=True``. Otherwise the "already exists" error is raised as Gigya gave it.
An insert with ``createUID`` and no UID cannot be checked that way, so it is not replayed after an
ambiguous failure: the caller gets the ``GigyaTimeout`` (``maybe_applied=True``) or the
``ServerError``; ``gigya_migrate.retry.is_ambiguous(error)`` tells such failures apart.
deleteAccount does the same with a "not found" answer after an ambiguous attempt.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import threading
import time
import urllib.parse
import uuid
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from gigya_migrate import __version__
from gigya_migrate.datacenters import api_url, domain_for, normalize_method
from gigya_migrate.http_wire import ClientAdapter, form_encode
from gigya_migrate.loopback import is_loopback_url, refuse_clear_secret
from gigya_migrate.errors import (
    AlreadyExists,
    DuplicateNonce,
    GigyaConnectionError,
    GigyaError,
    GigyaTimeout,
    NotFound,
    RequestExpired,
    error_from_response,
)
from gigya_migrate.models import (
    Account,
    AccountInfo,
    AuditRecord,
    AuditSearchResult,
    AvailabilityResult,
    DeleteResult,
    GigyaResponse,
    ImportResult,
    LoginResult,
    PoliciesResult,
    RbaPolicyResult,
    SearchResult,
)
from gigya_migrate.retry import RetryPolicy, backoff_delay, is_ambiguous, should_retry
from gigya_migrate.signing import SIGNATURE_MAX_AGE, sign_params, validate_uid_signature

__all__ = ["SDK_NAME", "GigyaClient", "encode_param"]

SDK_NAME = f"python_gigya-migrate_{__version__}"
"""Sent as the ``sdk`` parameter, as the official SDKs send ``python_3.6.0`` and the like."""

_log = logging.getLogger("gigya_migrate.client")

_SUCCESS_CODES = frozenset({0, 200009})  # 200009 "Accounts linked" is a success variant (GRAZE)
_SKEW_ALLOWANCE = 300.0  # seconds: how far Gigya's clock may disagree with ours in the import check
_CREDENTIAL_FIELDS = frozenset({"apiKey", "format", "httpStatusCodes", "sdk", "userKey", "secret"})
_READ_PREFIXES = ("get", "search", "is", "exchange")
_IDEMPOTENT = frozenset({"accounts.setPolicies", "accounts.rba.unlock", "accounts.logout"})


def encode_param(value: Any) -> str:
    """A parameter value as Gigya expects it in a form body.

    Objects and lists (and pydantic models) become compact JSON; booleans ``true``/``false``;
    ``None`` the string ``null``; datetimes ISO-8601 (aware ones in UTC with ``Z``; naive ones
    as given); everything else ``str``.
    """
    kind = type(value)  # the common kinds first: a str as it is, a plain dict or list as JSON
    if kind is str:
        return value
    if kind is dict or kind is list:
        return _encode_json(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (datetime, date)):
        return _json_default(value)
    if hasattr(value, "to_wire"):
        value = value.to_wire()
    elif hasattr(value, "model_dump"):
        value = value.model_dump(by_alias=True, exclude_none=True, mode="json")
    if isinstance(value, (Mapping, list, tuple)):
        return _encode_json(value)
    return str(value)


def _json_default(value: Any) -> str:
    """Dates as Gigya writes them: ISO-8601, UTC datetimes ending in ``Z``."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
            return value.isoformat(timespec="milliseconds") + "Z"
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot send a {type(value).__name__} to Gigya as JSON")


# json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default), without
# building the encoder on every call (json.dumps makes one per call for non-default options)
_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_json_default).encode


def _comma_list(value: str | Iterable[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


def _drop_none(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _replay_safe(method: str, params: Mapping[str, Any]) -> bool:
    """Whether repeating ``method`` after an ambiguous failure cannot do harm."""
    name = method.split(".")[-1]
    if name.startswith(_READ_PREFIXES) or method in _IDEMPOTENT:
        return True
    if method == "accounts.setAccountInfo":
        return "newPassword" not in params  # a replayed password change fails against the new password
    if method == "accounts.importFullAccount":
        return str(params.get("importPolicy", "insert")).lower() == "upsert"
    return False


def _pooled_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    adapter = ClientAdapter(pool_connections=4, pool_maxsize=pool_size)  # one write per call: see http_wire
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = f"gigya-migrate/{__version__}"
    # requests re-reads every proxy and CA variable of os.environ on each call (a third of a call's
    # CPU): the client resolves them once per URL instead (GigyaClient._target)
    session.trust_env = False
    return session


def _environment_of(url: str) -> dict[str, Any]:
    """The proxies and CA bundle requests would take from the environment for ``url``."""
    with requests.Session() as probe:  # trust_env: the environment exactly as requests reads it
        settings = probe.merge_environment_settings(url, {}, None, None, None)
    return {"proxies": settings["proxies"], "verify": settings["verify"], "cert": settings["cert"]}


def _load_private_key(pem: str | bytes):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    text = pem.decode() if isinstance(pem, bytes) else pem
    if "-----BEGIN" not in text:  # the bare base64 body, as the Java SDK accepts it (PKCS#8)
        text = f"-----BEGIN PRIVATE KEY-----\n{text.strip()}\n-----END PRIVATE KEY-----\n"
    try:
        return load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError):
        raise ValueError("private_key is not a readable unencrypted RSA PEM key (PKCS#1 or PKCS#8)") from None


class GigyaClient:
    """A client for one Gigya site. Thread-safe: share one instance between worker threads.

    Credentials (docs/gigya-api.md §2.1): ``user_key`` + ``secret`` are sent as form parameters
    (HTTPS only on real Gigya), or, with ``sign_requests=True``, replaced by ``timestamp`` + ``nonce``
    + ``sig``; ``user_key`` + ``private_key`` (RSA PEM) sends an RS256 JWT as ``Authorization:
    Bearer``. ``base_url`` sends every call to ``<base_url>/<namespace>.<method>`` (a mock server);
    a plain ``http://`` base URL off this machine with an unsigned secret raises
    ``gigya_migrate.loopback.ClearTextSecret`` (use https or ``sign_requests=True``).
    ``max_retries`` counts retries after the first attempt. ``clock``, ``sleep`` and ``rand`` are
    injectable for tests.
    """

    def __init__(
        self,
        api_key: str,
        *,
        user_key: str | None = None,
        secret: str | None = None,
        private_key: str | bytes | None = None,
        data_center: str = "us1",
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = 60.0,
        max_retries: int = 5,
        sign_requests: bool = False,
        retry_policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        pool_size: int = 32,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if sign_requests and not secret:
            raise ValueError("sign_requests=True needs the secret to sign with")
        if private_key is not None and not user_key:
            raise ValueError("private_key (JWT bearer) needs the user_key it belongs to")
        if private_key is not None and sign_requests:
            raise ValueError("choose one: sign_requests (HMAC) or private_key (JWT bearer)")
        if not base_url:
            domain_for(data_center)  # fail now on an unknown data center, not on the first call
        # never secret= in a plain-http body off this machine (loopback mocks are fine): ClearTextSecret
        refuse_clear_secret(base_url, sends_secret=bool(secret) and not sign_requests and private_key is None)
        self.api_key = api_key
        self.user_key = user_key
        self.data_center = data_center
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.max_retries = max_retries
        self.sign_requests = sign_requests
        self.retry_policy = retry_policy or RetryPolicy()
        self._secret = secret
        self._private_key = _load_private_key(private_key) if private_key is not None else None
        self._clock, self._sleep, self._rand = clock, sleep, rand
        self._owns_session = session is None
        self._session = session or _pooled_session(pool_size)
        self._clock_offset = 0.0
        self._lock = threading.Lock()
        self._targets: dict[str, tuple[str, HTTPAdapter, dict[str, Any]]] = {}  # see _post
        self._suffix_cache: tuple[tuple, str] | None = None  # see _suffix

    # --- plumbing ---------------------------------------------------------------------------------

    @property
    def auth_mode(self) -> str:
        """``bearer``, ``signed``, ``secret`` (userKey + secret as parameters) or ``anonymous``."""
        if self._private_key is not None:
            return "bearer"
        if self._secret:
            return "signed" if self.sign_requests else "secret"
        return "anonymous"

    @property
    def clock_offset(self) -> float:
        """Seconds added to the local clock when signing, learnt from a 403002 answer."""
        return self._clock_offset

    def __repr__(self) -> str:
        where = self.base_url or self.data_center
        return f"GigyaClient(api_key={self.api_key!r}, user_key={self.user_key!r}, at={where!r}, auth={self.auth_mode!r})"

    def __enter__(self) -> GigyaClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool if this client created it (an injected session is left open)."""
        if self._owns_session:
            self._session.close()

    def url_for(self, method: str) -> str:
        """The URL ``method`` is POSTed to."""
        return api_url(method, self.data_center, base_url=self.base_url)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Call any Gigya method; returns the parsed JSON body, raises ``GigyaError`` on errorCode != 0.

        Parameters are sent as given (Gigya spelling, e.g. ``UID=``, ``loginIDs=``); ``None`` values
        are left out (send the string ``"null"`` to send null). Whether a call is retried after an
        ambiguous failure is guessed from its name (reads yes, unknown writes no); use ``request``
        to say it explicitly.
        """
        return self.request(method, params)

    def request(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        replay_safe: bool | None = None,
        redact: Iterable[str] = (),
    ) -> dict[str, Any]:
        """``call`` with options: ``replay_safe`` overrides the retry guess, ``redact`` lists values
        (a password) that must never appear in an error's text."""
        method = normalize_method(method)
        params = _drop_none(params)
        if replay_safe is None:
            replay_safe = _replay_safe(method, params)
        return self._execute(method, params, replay_safe=replay_safe, redact=tuple(redact))

    def _execute(self, method: str, params: dict, *, replay_safe: bool, redact: tuple[str, ...]) -> dict:
        url = self.url_for(method)
        retries, fixed, uncertain = 0, set(), False
        while True:
            try:
                return self._attempt(method, url, params, redact)
            except GigyaError as error:
                error.earlier_attempt_uncertain = uncertain
                if self._fix_once(error, fixed):
                    continue
                if retries >= self.max_retries or not should_retry(error, replay_safe=replay_safe):
                    raise
                uncertain = uncertain or is_ambiguous(error)
                retries += 1
                delay = backoff_delay(retries, self.retry_policy, self._rand)
                _log.warning("%s: %s %s, retry %d in %.2fs", method, error.error_code, error.message, retries, delay)
                self._sleep(delay)

    def _fix_once(self, error: GigyaError, fixed: set) -> bool:
        """403002 (clock skew) and 403004 (duplicate nonce) are fixed by re-signing, once each."""
        if isinstance(error, RequestExpired) and self.auth_mode in ("signed", "bearer") and RequestExpired not in fixed:
            fixed.add(RequestExpired)
            server_now = _server_time(error)
            if server_now is not None:
                with self._lock:
                    self._clock_offset = server_now - self._clock()
            _log.warning("%s: request expired; clock offset now %.0fs, re-signing", error.method, self._clock_offset)
            return True
        if isinstance(error, DuplicateNonce) and self.auth_mode in ("signed", "bearer") and DuplicateNonce not in fixed:
            fixed.add(DuplicateNonce)
            return True
        return False

    def _attempt(self, method: str, url: str, params: Mapping[str, Any], redact: tuple[str, ...]) -> dict:
        body, headers = self._form_body(url, params)
        # the form body encoded once, here: what requests would send, without its per-call checks
        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        try:
            response = self._post(url, body, headers)
        except requests.ConnectTimeout as exc:
            raise GigyaTimeout(f"connect timeout: {exc}", method=method, maybe_applied=False) from None
        except requests.Timeout as exc:
            raise GigyaTimeout(f"no answer in time: {exc}", method=method) from None
        except requests.ConnectionError as exc:
            never = _never_connected(exc)
            message = _unreachable_message(url, exc) if never else str(exc)
            error = GigyaConnectionError(message, method=method, maybe_applied=not never)
            if never and is_loopback_url(url):
                error.retryable = False  # nothing listens on this machine's port: waiting will not start it
            raise error from None
        except requests.RequestException as exc:
            raise GigyaConnectionError(str(exc), method=method) from None
        body = self._parse(method, response, redact)
        _log.debug("%s -> errorCode %s callId %s", method, body.get("errorCode"), body.get("callId"))
        return body

    def _post(self, url: str, body: str, headers: dict[str, str]) -> requests.Response:
        """POST ``body`` and read the whole answer; never follows a redirect (a 307/308 would
        replay the body, and its secret, to wherever it points).

        The client's own session: the request goes straight to the session's adapter, prepared
        here as ``Session.post`` would prepare it (the session's headers, then the call's, then
        ``Content-Length``; proxies and CA bundle from ``_environment``). ``Session.request``
        would merge the same settings again on every call, at about half of a call's CPU. The
        session's cookie jar is not used: Gigya's REST API sets no cookie a server-side call
        needs. An injected session goes through ``Session.post`` as given (its hooks, auth,
        cookies and ``trust_env``).
        """
        if not self._owns_session:
            return self._session.post(url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False)
        target = self._targets.get(url)
        if target is None:
            target = self._targets[url] = self._target(url)
        prepared_url, adapter, environment = target
        prepared = requests.PreparedRequest()
        prepared.method, prepared.url, prepared.body = "POST", prepared_url, body
        prepared.headers = CaseInsensitiveDict({**self._session.headers, **headers, "Content-Length": str(len(body))})
        response = adapter.send(prepared, timeout=self.timeout, **environment)
        response.content  # noqa: B018 - the whole body now (as Session.send does): the connection goes back
        return response

    def _target(self, url: str) -> tuple[str, HTTPAdapter, dict[str, Any]]:
        """The prepared URL, the adapter and the environment of calls to ``url`` (computed once)."""
        probe = requests.PreparedRequest()
        probe.prepare_url(url, None)
        return probe.url, self._session.get_adapter(probe.url), self._environment(url)

    def _environment(self, url: str) -> dict[str, Any]:
        """Proxies and CA bundle from the environment for ``url``, for the client's own session (read
        once per URL: ``_target`` keeps it; an injected session keeps its own ``trust_env`` handling)."""
        return _environment_of(url)

    def _form_body(self, url: str, params: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """``form_encode`` of ``_credentials``' fields, and its headers. Unsigned, the credential
        fields come last and are the same on every call: they are encoded once (``_suffix``)."""
        mode = self.auth_mode
        if mode == "signed" or not _CREDENTIAL_FIELDS.isdisjoint(params):  # a collision keeps its dict place
            data, headers = self._credentials(url, params)
            return form_encode(data), headers
        fields = form_encode({k: encode_param(v) for k, v in params.items()})
        suffix = self._suffix(mode)
        headers = {"Authorization": f"Bearer {self._bearer_token()}"} if mode == "bearer" else {}
        return (f"{fields}&{suffix}" if fields else suffix), headers

    def _suffix(self, mode: str) -> str:
        """The encoded credential fields ``_credentials`` appends for ``mode`` (re-made if the
        client's key, user key or secret was changed)."""
        key = (mode, self.api_key, self.user_key, self._secret)
        cached = self._suffix_cache
        if cached is None or cached[0] != key:
            data, _ = self._credentials("", {}) if mode != "bearer" else (self._unsigned_fields({}), None)
            cached = self._suffix_cache = (key, form_encode(data))
        return cached[1]

    def _unsigned_fields(self, params: Mapping[str, Any]) -> dict[str, str]:
        data = {k: encode_param(v) for k, v in params.items()}
        data.update(apiKey=self.api_key, format="json", httpStatusCodes="false", sdk=SDK_NAME)
        return data

    def _credentials(self, url: str, params: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
        """The form body and headers for one attempt (a fresh timestamp and nonce every time)."""
        data = self._unsigned_fields(params)
        mode = self.auth_mode
        if mode == "bearer":
            return data, {"Authorization": f"Bearer {self._bearer_token()}"}
        if self.user_key:
            data["userKey"] = self.user_key
        if mode == "signed":
            return sign_params(data, url, self._secret, now=self._clock, clock_offset=self._clock_offset), {}
        if mode == "secret":
            data["secret"] = self._secret
        return data, {}

    def _bearer_token(self) -> str:
        """A short-lived RS256 JWT: header ``kid`` = userKey, claims ``iat`` and a unique ``jti``."""
        import jwt

        claims = {"iat": int(self._clock() + self._clock_offset), "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.user_key})

    def _parse(self, method: str, response: requests.Response, redact: tuple[str, ...]) -> dict:
        secrets = (self._secret or "", *redact)
        try:
            body = json.loads(response.content)  # bytes: UTF-8/16/32 detected as Response.json does
        except ValueError:
            body = None
        if not isinstance(body, dict) or "errorCode" not in body:
            raise _non_gigya_answer(method, response)
        try:
            code = int(body["errorCode"])
        except (TypeError, ValueError):
            code = -1
        if code in _SUCCESS_CODES:
            return body
        error = error_from_response(method, body, redact=secrets)
        error.server_date = response.headers.get("Date")
        raise error

    # --- accounts.search / audit.search ------------------------------------------------------------

    def search(
        self, query: str | None = None, *, open_cursor: bool = False, cursor_id: str | None = None, **extra: Any
    ) -> SearchResult:
        """One page of accounts.search. Give ``query`` (with ``open_cursor=True`` to start a cursor)
        or ``cursor_id`` (the previous ``next_cursor_id``), never both. ``extra``: ``accountTypes``, ..."""
        params = _page_params(query, open_cursor, cursor_id, extra)
        return SearchResult.from_wire(self.request("accounts.search", params))

    def search_all(self, query: str, *, page_size: int | None = None, **extra: Any) -> Iterator[Account]:
        """Every account ``query`` matches, streamed page by page through a cursor.

        ``page_size`` is sent as the query's ``LIMIT`` (with a cursor LIMIT is the batch size; Gigya
        advises at most 1000). The cursor expires 5 minutes after the last page was fetched.
        """
        for page in _cursor_pages(self.search, query, page_size, extra):
            yield from page.results

    def audit_search(
        self, query: str | None = None, *, open_cursor: bool = False, cursor_id: str | None = None, **extra: Any
    ) -> AuditSearchResult:
        """One page of audit.search (``SELECT * FROM auditLog WHERE ...``), cursor rules as ``search``."""
        params = _page_params(query, open_cursor, cursor_id, extra)
        return AuditSearchResult.from_wire(self.request("audit.search", params))

    def audit_search_all(self, query: str, *, page_size: int | None = None, **extra: Any) -> Iterator[AuditRecord]:
        """Every audit record ``query`` matches, streamed through a cursor."""
        for page in _cursor_pages(self.audit_search, query, page_size, extra):
            yield from page.results

    # --- account writes ----------------------------------------------------------------------------

    def import_full_account(
        self,
        uid: str | None = None,
        *,
        account: Mapping[str, Any] | None = None,
        profile: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        password: Mapping[str, Any] | None = None,
        login_ids: Mapping[str, Any] | None = None,
        emails: Mapping[str, Any] | None = None,
        import_policy: str = "insert",
        handle_identity_conflicts: str | None = None,
        create_uid: bool | None = None,
        **extra: Any,
    ) -> ImportResult:
        """accounts.importFullAccount: create (``insert``) or overwrite the passed fields (``upsert``).

        ``account`` is a whole account object in Gigya spelling (``UID``, ``loginIDs``, ``profile``,
        ``created``, ...); the keyword arguments and ``extra`` (Gigya spelling, e.g. ``isVerified=True``)
        override its fields. ``password`` is the import object (``hashedPassword``, ``hashSettings``
        or ``compoundHashedPassword``). ``handle_identity_conflicts`` (``error``|``connect``) is
        documented only for the IdentitySync import step; whether REST honours it is unknown.
        See the module docstring for how a retried insert avoids a false "already exists".
        """
        if import_policy not in ("insert", "upsert"):
            raise ValueError(f"import_policy must be 'insert' or 'upsert', not {import_policy!r}")
        params = dict(account or {})
        found_uid = next((params.pop(k) for k in ("UID", "uid", "Uid") if k in params), None)
        uid = uid or found_uid
        if not uid and not create_uid:
            raise ValueError("import_full_account needs a uid (or create_uid=True)")
        named = dict(
            UID=uid, createUID=create_uid, profile=profile, data=data, password=password, loginIDs=login_ids,
            emails=emails, importPolicy=import_policy, handleIdentityConflicts=handle_identity_conflicts,
        )
        params.update(_drop_none({**named, **extra}))
        recoverable = import_policy == "upsert" or bool(uid)
        started = self._clock() + self._clock_offset
        try:
            body = self.request("accounts.importFullAccount", params, replay_safe=recoverable)
        except AlreadyExists as error:
            if import_policy == "insert" and uid and error.earlier_attempt_uncertain:
                return self._confirm_own_import(uid, params, error, started)
            raise
        return ImportResult.from_wire(body)

    def _confirm_own_import(self, uid: str, sent: Mapping[str, Any], error: GigyaError, started: float) -> ImportResult:
        """After a lost answer and an "already exists" retry: is the existing account the one we wrote?"""
        try:
            found = self.get_account_info(uid, include="loginIDs,emails,profile,data")
        except NotFound:
            raise error from None  # the conflict is another account's login ID; ours was never written
        except GigyaError as lookup_error:
            raise error from lookup_error
        if not _same_login_ids(sent.get("loginIDs"), found) or _older_than(found, started - _SKEW_ALLOWANCE):
            raise error
        note = (
            f"an earlier attempt's answer was lost (timeout or server error); the retry answered "
            f"{error.error_code} 'already exists'; account {uid} was confirmed to be this import's write"
        )
        _log.warning("accounts.importFullAccount: %s", note)
        return ImportResult(uid=uid, call_id=found.call_id, recovered_after_retry=True, note=note)

    def set_account_info(
        self,
        uid: str,
        *,
        profile: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        subscriptions: Mapping[str, Any] | None = None,
        preferences: Mapping[str, Any] | None = None,
        is_active: bool | None = None,
        is_verified: bool | None = None,
        username: str | None = None,
        add_login_emails: str | Iterable[str] | None = None,
        remove_login_emails: str | Iterable[str] | None = None,
        conflict_handling: str | None = None,
        **extra: Any,
    ) -> GigyaResponse:
        """accounts.setAccountInfo: ``profile``/``data`` are merged (pass only what changes).

        ``extra`` takes any other parameter in Gigya spelling (``muteWebhooks``, ``rba``, ...).
        """
        params = dict(
            UID=uid, profile=profile, data=data, subscriptions=subscriptions, preferences=preferences,
            isActive=is_active, isVerified=is_verified, username=username,
            addLoginEmails=_comma_list(add_login_emails), removeLoginEmails=_comma_list(remove_login_emails),
            conflictHandling=conflict_handling, **extra,
        )
        redact = [str(params[k]) for k in ("password", "newPassword") if params.get(k)]
        return GigyaResponse.from_wire(self.request("accounts.setAccountInfo", params, redact=redact))

    def delete_account(self, uid: str, **extra: Any) -> DeleteResult:
        """accounts.deleteAccount. If an earlier attempt's answer was lost and the retry answers
        "not found", the earlier attempt is taken to have deleted it (``recovered_after_retry``)."""
        try:
            body = self.request("accounts.deleteAccount", {"UID": uid, **extra}, replay_safe=True)
        except NotFound as error:
            if not error.earlier_attempt_uncertain:
                raise
            note = f"the first attempt's answer was lost; the retry answered {error.error_code} (not found)"
            return DeleteResult(call_id=error.call_id, recovered_after_retry=True, note=note)
        return DeleteResult.from_wire(body)

    # --- account reads and sessions ----------------------------------------------------------------

    def get_account_info(self, uid: str, *, include: str | Iterable[str] | None = None, **extra: Any) -> AccountInfo:
        """accounts.getAccountInfo. ``include``: e.g. ``["loginIDs", "emails", "profile", "data",
        "password"]`` (Gigya's default is profile,data). Unknown UID: ``UnauthorizedUser`` (403005)."""
        params = dict(UID=uid, include=_comma_list(include), **extra)
        return AccountInfo.from_wire(self.request("accounts.getAccountInfo", params))

    def login(self, login_id: str, password: str, *, include: str | Iterable[str] | None = None, **extra: Any) -> LoginResult:
        """accounts.login. Wrong login ID or password: ``InvalidLogin`` (403042).

        Only refused attempts are retried: replaying an ambiguous login could count twice toward
        the lockout policy. The password never appears in an error.
        """
        params = dict(loginID=login_id, password=password, include=_comma_list(include), **extra)
        body = self.request("accounts.login", params, replay_safe=False, redact=[password])
        return LoginResult.from_wire(body)

    def validate_uid_signature(
        self, uid: str, signature_timestamp: str | int, uid_signature: str, *, max_age: float = SIGNATURE_MAX_AGE
    ) -> bool:
        """Check a login/getAccountInfo ``UIDSignature`` with this client's secret (see ``signing``)."""
        if not self._secret:
            raise ValueError("validate_uid_signature needs the client's secret")
        now = lambda: self._clock() + self._clock_offset  # noqa: E731
        return validate_uid_signature(uid, signature_timestamp, self._secret, uid_signature, max_age=max_age, now=now)

    def logout(self, uid: str) -> GigyaResponse:
        """accounts.logout: end the user's sessions."""
        return GigyaResponse.from_wire(self.request("accounts.logout", {"UID": uid}))

    def is_available_login_id(self, login_id: str) -> AvailabilityResult:
        """accounts.isAvailableLoginID; the result is truthy when available. 403026
        (``UnauthorizedAccess``) when login-ID harvesting protection is on."""
        return AvailabilityResult.from_wire(self.request("accounts.isAvailableLoginID", {"loginID": login_id}))

    # --- RBA and policies --------------------------------------------------------------------------

    def rba_get_policy(self) -> RbaPolicyResult:
        """accounts.rba.getPolicy: the site's risk-based authentication policy."""
        return RbaPolicyResult.from_wire(self.request("accounts.rba.getPolicy", {}))

    def rba_unlock(self, *, uid: str | None = None, login_id: str | None = None, ip: str | None = None) -> GigyaResponse:
        """accounts.rba.unlock for exactly one of ``uid``, ``login_id`` or ``ip``."""
        params = _drop_none({"UID": uid, "loginID": login_id, "ip": ip})
        if len(params) != 1:
            raise ValueError("rba_unlock takes exactly one of uid=, login_id=, ip=")
        return GigyaResponse.from_wire(self.request("accounts.rba.unlock", params))

    def get_policies(self, sections: str | Iterable[str] | None = None) -> PoliciesResult:
        """accounts.getPolicies, optionally only some ``sections`` (``accountOptions``, ``security``...)."""
        return PoliciesResult.from_wire(self.request("accounts.getPolicies", {"sections": _comma_list(sections)}))

    def set_policies(self, policies: Mapping[str, Any] | None = None, **sections: Any) -> GigyaResponse:
        """accounts.setPolicies: each section is a JSON parameter. ``policies`` is in Gigya spelling
        (``{"accountOptions": {...}}``); keyword sections may be snake_case (``account_options={...}``)."""
        params = dict(policies or {})
        params.update({_camel(k): v for k, v in sections.items()})
        if not params:
            raise ValueError("set_policies needs at least one section")
        return GigyaResponse.from_wire(self.request("accounts.setPolicies", params))

    def get_schema(self, *, include: str | Iterable[str] | None = None, **extra: Any) -> GigyaResponse:
        """accounts.getSchema; the schemas (``profileSchema``, ``dataSchema``, ...) are in ``.raw``."""
        return GigyaResponse.from_wire(self.request("accounts.getSchema", dict(include=_comma_list(include), **extra)))


# --- module helpers --------------------------------------------------------------------------------


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _page_params(query: str | None, open_cursor: bool, cursor_id: str | None, extra: Mapping[str, Any]) -> dict:
    if cursor_id and query:
        raise ValueError("give query or cursor_id, not both (Gigya refuses a query with a cursorId)")
    if not cursor_id and not query:
        raise ValueError("a search needs a query or a cursor_id")
    return dict(query=query, openCursor=True if open_cursor and not cursor_id else None, cursorId=cursor_id, **extra)


_LIMIT = re.compile(r"\blimit\s+\d+\s*$", re.IGNORECASE)


def _cursor_pages(fetch: Callable[..., Any], query: str, page_size: int | None, extra: Mapping[str, Any]) -> Iterator:
    """Pages of a cursor search: first ``query`` + ``openCursor``, then only ``cursorId`` each time."""
    if page_size is not None:
        if _LIMIT.search(query):
            raise ValueError("the query already has a LIMIT; drop it or drop page_size")
        query = f"{query.rstrip()} LIMIT {int(page_size)}"
    page = fetch(query, open_cursor=True, **extra)
    while True:
        yield page
        if not page.next_cursor_id or not page.results:
            return
        page = fetch(cursor_id=page.next_cursor_id, **extra)


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the connection was never opened, so nothing reached Gigya."""
    text = repr(exc)
    return "NewConnectionError" in text or "ConnectTimeoutError" in text or "NameResolutionError" in text


def _unreachable_message(url: str, exc: requests.ConnectionError) -> str:
    """A connection that never opened, said for a person: which address, and the likely cause."""
    parts = urllib.parse.urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc}"
    text = repr(exc)
    if "NameResolutionError" in text:
        return f"cannot resolve {parts.hostname} ({where}): check the data center or --base-url"
    if is_loopback_url(url):
        return f"cannot connect to {where}: nothing answers there. Is the mock running? (start it: mock-gigya serve)"
    return f"cannot connect to {where}: {type(exc).__name__}; check the network, the data center or --base-url"


def _server_time(error: GigyaError) -> float | None:
    """Gigya's clock when it answered: the HTTP ``Date`` header (as the Java and .NET SDKs read it),
    else the envelope's ``time`` field (ISO-8601 with ms; more precise, and present without HTTP)."""
    try:
        if error.server_date:
            return email.utils.parsedate_to_datetime(error.server_date).timestamp()
    except (TypeError, ValueError):
        pass
    stamp = (error.response or {}).get("time")
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp() if stamp else None
    except ValueError:
        return None


def _non_gigya_answer(method: str, response: requests.Response) -> GigyaError:
    """An answer that is not a Gigya JSON envelope (a proxy page, an outage): judged by HTTP status."""
    status = response.status_code
    message = f"HTTP {status} without a Gigya JSON body"
    if status == 429:
        return error_from_response(method, {"errorCode": 403048, "errorMessage": message})
    if status >= 500:
        return error_from_response(method, {"errorCode": 500001, "errorMessage": message})
    return GigyaError(f"{message} (is the base URL a Gigya endpoint?)", method=method)


def _same_login_ids(sent: Any, found: AccountInfo) -> bool:
    """The login IDs we sent are the account's (nothing sent: nothing to contradict)."""
    if not sent:
        return True
    if isinstance(sent, str):
        sent = json.loads(sent)
    elif hasattr(sent, "to_wire"):
        sent = sent.to_wire()
    have = found.login_ids
    if have is None:
        return False
    emails_match = {e.lower() for e in sent.get("emails") or []} == {e.lower() for e in have.emails}
    return emails_match and (sent.get("username") or None) == (have.username or None)


def _older_than(found: AccountInfo, moment: float) -> bool:
    """True when the account was last updated before ``moment`` (Unix seconds), so not by us."""
    stamp = found.last_updated_timestamp
    return stamp is not None and stamp / 1000.0 < moment

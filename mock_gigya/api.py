"""Method name -> handler, parameter decoding and the Gigya response envelope.

``handle(backend, method, params, headers=..., url=...)`` is the single entry point used by the
in-process mock, the HTTP server and tests. It never raises: every failure (unknown method, bad
credentials, malformed parameters, a bug) answers Gigya's error envelope. Each call is written to the
site's audit log with secrets, passwords and signatures removed.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mock_gigya import input_checks, lite, passwords, registration, schema, sessions, webhooks
from mock_gigya.auth import Caller, authenticate
from mock_gigya.backend import Backend, iso
from mock_gigya.errors import STATUS_REASONS, MockGigyaError, status_code_of

__all__ = ["COMMON_PARAMS", "DISPATCH", "MAX_PARAM_CHARS", "Method", "Param", "handle", "normalize_method"]

log = logging.getLogger(__name__)

MAX_PARAM_CHARS = 1_048_576
"""Longest parameter value accepted (I: Gigya documents no limit; 1 MiB keeps the mock safe)."""

API_VERSION = 2

_SECRET_PARAMS = frozenset(
    {"secret", "sig", "password", "newPassword", "oauth_token", "secretAnswer", "securityAnswer", "captchaToken",
     "regToken", "nonce", "passwordResetToken", "vToken"}
)
"""Never written to the audit log (the password object of importFullAccount holds hashes)."""


@dataclass(frozen=True)
class Param:
    """One documented parameter: wire ``name``, ``kind`` (string|bool|json|int), required or not."""

    name: str
    kind: str = "string"
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Method:
    """A dispatch entry: the Gigya method name, its handler and parameter metadata."""

    name: str
    handler: Callable[[Backend, Caller, dict], dict]
    params: tuple[Param, ...] = ()
    client_allowed: bool = False
    doc: str = ""
    aliases: tuple[str, ...] = field(default=())

    def param(self, name: str) -> Param | None:
        """The declared parameter called ``name`` (exact match), or None."""
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, Param]:
        by_name: dict[str, Param] = {}
        for p in self.params:
            by_name.setdefault(p.name, p)  # the first declaration wins, as the linear search did
        return by_name


COMMON_PARAMS: tuple[Param, ...] = (
    Param("apiKey", required=True, doc="the site"),
    Param("userKey", doc="application key (with secret or sig)"),
    Param("secret", doc="application secret (HTTPS; loopback HTTP accepted)"),
    Param("timestamp", doc="signed requests: Unix seconds (ms accepted)"),
    Param("nonce", doc="signed requests: single-use value"),
    Param("sig", doc="signed requests: HMAC-SHA1 signature"),
    Param("format", doc="json only"),
    Param("httpStatusCodes", "bool", doc="true: the HTTP status reflects the error"),
    Param("context", doc="echoed back"),
    Param("cid", doc="reporting only"),
    Param("sdk", doc="ignored"),
)


# ------------------------------------------------------------------ handlers


def _import_full_account(b: Backend, c: Caller, p: dict) -> dict:
    # HELP: "Unknown property names are ignored"; on success the response lists the first few.
    known = _import_known()
    ignored = [name for name in p if name not in known and name.lower() != "uid"]
    out = b.import_full_account(c.api_key, {k: v for k, v in p.items() if k not in ignored})
    if ignored:
        out[FAILED_PROPERTIES] = ignored[:FAILED_PROPERTIES_LISTED]
    return out


@functools.lru_cache(maxsize=1)
def _import_known() -> frozenset[str]:
    """The parameter names importFullAccount knows (the rest are reported as ignored)."""
    return frozenset(q.name for q in (*DISPATCH["accounts.importFullAccount"].params, *COMMON_PARAMS)) | _TRANSPORT_PARAMS


def _set_account_info(b: Backend, c: Caller, p: dict) -> dict:
    p = registration.with_uid(b, c.api_key, p)
    out = b.set_account_info(c.api_key, p)
    if not p.get("muteWebhooks"):
        webhooks.emit(b, c.api_key, "accountUpdated", p["UID"])
    return out


def _delete_account(b: Backend, c: Caller, p: dict) -> dict:
    out = b.delete_account(c.api_key, p.get("UID"))
    webhooks.emit(b, c.api_key, "accountDeleted", p["UID"])
    return out


def _get_account_info(b: Backend, c: Caller, p: dict) -> dict:
    from mock_gigya.account_rules import find_by

    if p.get("findBy") is None:
        p = registration.with_uid(b, c.api_key, p)  # UID, or the account of a regToken
    uid = p.get("UID") or find_by(b, c.api_key, p["findBy"])
    return b.get_account_info(c.api_key, uid, p.get("include"))


def _login(b: Backend, c: Caller, p: dict) -> dict:
    out = b.login(c.api_key, p, source_ip=c.source_ip)
    webhooks.emit(b, c.api_key, "accountLoggedIn", out["UID"])
    return out


def _on_site(function: Callable[[Backend, str, dict], dict]) -> Callable[[Backend, Caller, dict], dict]:
    """A handler calling ``function(backend, api_key, params)`` (the per-concern modules' shape)."""
    return lambda b, c, p: function(b, c.api_key, p)


def _webhooks_get_all(b: Backend, c: Caller, p: dict) -> dict:
    return webhooks.get_all(b, c.api_key)


def _logout(b: Backend, c: Caller, p: dict) -> dict:
    return b.logout(c.api_key, p.get("UID"))


def _is_available(b: Backend, c: Caller, p: dict) -> dict:
    return b.is_available_login_id(c.api_key, p.get("loginID"))


def _rba_get_policy(b: Backend, c: Caller, p: dict) -> dict:
    return b.rba_get_policy(c.api_key)


def _rba_unlock(b: Backend, c: Caller, p: dict) -> dict:
    return b.rba_unlock(c.api_key, p)


def _get_policies(b: Backend, c: Caller, p: dict) -> dict:
    return b.get_policies(c.api_key, p.get("sections"))


def _set_policies(b: Backend, c: Caller, p: dict) -> dict:
    sections = {k: v for k, v in p.items() if k in b.site(c.api_key).policies and v is not None}
    if not sections:
        raise MockGigyaError.missing("at least one policy section (e.g. accountOptions)")
    return b.set_policies(c.api_key, sections)


def _get_schema(b: Backend, c: Caller, p: dict) -> dict:
    return schema.get_schema(b, c.api_key, p.get("include"))


def _set_schema(b: Backend, c: Caller, p: dict) -> dict:
    sections = {k: v for k, v in p.items() if k in schema.SECTIONS and v is not None}
    if not sections:
        raise MockGigyaError.missing("at least one schema (e.g. dataSchema)")
    return schema.set_schema(b, c.api_key, sections)


def _search(b: Backend, c: Caller, p: dict) -> dict:
    if not c.server_side:
        if p.get("openCursor"):
            raise MockGigyaError.invalid("openCursor", "openCursor needs server-side credentials (userKey + secret)")
        b.check_query_signature(c.api_key, p.get("query"), p.get("querySig"), p.get("expTime"))
    if lite.is_lite_search(b, p):
        return lite.search(b, c.api_key, p)  # accountTypes=lite, FROM emailAccounts (mock_gigya/lite.py)
    return b.search(c.api_key, query=p.get("query"), cursor_id=p.get("cursorId"), open_cursor=bool(p.get("openCursor")))


def _audit_search(b: Backend, c: Caller, p: dict) -> dict:
    return b.audit_search(c.api_key, query=p.get("query"), cursor_id=p.get("cursorId"),
                          open_cursor=bool(p.get("openCursor")))


_TRANSPORT_PARAMS = frozenset({"oauth_token", "ignoreInterruptions"})
FAILED_PROPERTIES, FAILED_PROPERTIES_LISTED = "failedProperties", 10
"""importFullAccount's list of ignored unknown properties: name and length are the mock's choice (I);
HELP says only that the response lists "the first few"."""
_UID = Param("UID", required=True, doc="the account")
_UID_OR_REG_TOKEN = Param("UID", doc="the account (or regToken)")
_POLICY_SECTIONS = ("registration", "gigyaPlugins", "accountOptions", "passwordComplexity", "emailVerification",
                    "emailNotifications", "passwordReset", "profilePhoto", "security", "twoFactorAuth", "federation")

_METHODS = (
    Method("accounts.importFullAccount", _import_full_account, (
        Param("UID", doc="or uid / any casing"), Param("createUID", "bool"), Param("importPolicy", doc="insert|upsert"),
        Param("handleIdentityConflicts", doc="error|connect"),
        Param("loginIDs", "json"), Param("loginIds", "json", doc="alias of loginIDs"), Param("emails", "json"),
        Param("password", "json"), Param("profile", "json"), Param("data", "json"), Param("preferences", "json"),
        Param("subscriptions", "json"), Param("communications", "json"), Param("identities", "json"),
        Param("created"), Param("lastLogin"), Param("lastUpdated"), Param("registered"), Param("verified"),
        Param("isActive", "bool"), Param("isRegistered", "bool"), Param("isVerified", "bool"),
        Param("regSource"), Param("lang"), Param("phoneNumber"),
    ), doc="insert/upsert one account with its legacy password hash"),
    Method("accounts.setAccountInfo", _set_account_info, (
        _UID_OR_REG_TOKEN, Param("regToken"), Param("profile", "json"), Param("data", "json"),
        Param("preferences", "json"), Param("subscriptions", "json"), Param("communications", "json"), Param("isActive", "bool"),
        Param("isVerified", "bool"), Param("addLoginEmails"), Param("removeLoginEmails"), Param("username"),
        Param("password", doc="current password"), Param("newPassword"), Param("securityOverride", "bool"),
        Param("rba", "json"), Param("regSource"), Param("lang"), Param("phoneNumber"), Param("muteWebhooks", "bool"),
        Param("conflictHandling", doc="fail|saveProfileAndFail (200010)"),
        Param("requirePasswordChange", "bool", doc="true: the next login answers 403100"),
    ), doc="deep-merge profile/data, null removes a field"),
    Method("accounts.deleteAccount", _delete_account, (_UID,), doc="delete an account"),
    Method("accounts.getAccountInfo", _get_account_info, (
        Param("UID", doc="the account (or findBy, or regToken)"), Param("regToken"),
        Param("include", doc="comma list; default profile,data"),
        Param("extraProfileFields"), Param("findBy", "json", doc='{"field": email|username|loginID|UID, "value": ...}'),
    ), doc="read one account"),
    Method("accounts.login", _login, (
        Param("loginID", required=True), Param("password", required=True), Param("include"),
        Param("loginMode"), Param("targetEnv", doc="browser|mobile"), Param("sessionExpiration", "int"),
        Param("captchaToken"),
    ), client_allowed=True, doc="verify the stored hash; first-login re-hash"),
    Method("accounts.logout", _logout, (_UID,), doc="end sessions"),
    Method("accounts.isAvailableLoginID", _is_available, (Param("loginID", required=True),), client_allowed=True,
           doc="is a login ID free on the site"),
    Method("accounts.rba.getPolicy", _rba_get_policy, (), doc="the RBA policy (from security.accountLockout)"),
    Method("accounts.rba.unlock", _rba_unlock, (Param("loginID"), Param("UID"), Param("ip")),
           doc="clear a lockout; exactly one of loginID, UID, ip"),
    Method("accounts.getPolicies", _get_policies, (Param("sections", doc="comma list"),), doc="site policies"),
    Method("accounts.setPolicies", _set_policies, tuple(Param(s, "json") for s in _POLICY_SECTIONS),
           doc="merge policy sections"),
    Method("accounts.getSchema", _get_schema, (
        Param("include", doc="comma list of profileSchema, dataSchema, subscriptionsSchema, preferencesSchema"),
        Param("filter", doc="accepted, ignored"), Param("scope", doc="accepted, ignored"),
    ), doc="declared fields plus the fields the site's accounts hold"),
    Method("accounts.setSchema", _set_schema, tuple(Param(s, "json") for s in schema.SECTIONS),
           doc="declare fields (profile fields are fixed); dynamicSchema"),
    Method("accounts.search", _search, (
        Param("query"), Param("cursorId"), Param("openCursor", "bool"), Param("timeout", "int"),
        Param("accountTypes"), Param("querySig", doc="client-side: HMAC of query_expTime"),
        Param("expTime", doc="client-side: expiry, Unix ms"),
    ), client_allowed=True, doc="the query language, cursors"),
    Method("accounts.initRegistration", _on_site(registration.init_registration), (Param("isLite", "bool"),),
           client_allowed=True, doc="a regToken (valid 1 hour)"),
    Method("accounts.register", _on_site(registration.register), (
        Param("regToken", required=True), Param("email", required=True), Param("password", required=True),
        Param("finalizeRegistration", "bool"), Param("profile", "json"), Param("data", "json"),
        Param("username"), Param("lang"), Param("regSource"), Param("include"), Param("targetEnv"),
        Param("sessionExpiration", "int"), Param("captchaToken"), Param("secretQuestion"), Param("secretAnswer"),
    ), client_allowed=True, doc="create the account of a regToken; 206001 until finalized"),
    Method("accounts.finalizeRegistration", _on_site(registration.finalize_registration), (
        Param("regToken", required=True), Param("include"), Param("targetEnv"), Param("sessionExpiration", "int"),
        Param("allowAccountsLinking", "bool"),
    ), client_allowed=True, doc="registered + logged in; 206002 while the email must be verified"),
    Method("accounts.verifyEmail", _on_site(registration.verify_email), (Param("vToken", required=True),),
           client_allowed=True, doc="the verification link's endpoint (GET or POST)"),
    Method("accounts.resendVerificationCode", _on_site(registration.resend_verification), (
        Param("regToken"), Param("UID"), Param("email"),
    ), client_allowed=True, doc="mail the verification link again"),
    Method("accounts.verifyLogin", _on_site(registration.verify_login), (
        Param("regToken"), Param("UID"), Param("include"), Param("targetEnv"),
    ), client_allowed=True, doc="regToken: log in once verified; UID: the account while it has a session"),
    Method("accounts.resetPassword", _on_site(passwords.reset_password), (
        Param("loginID"), Param("email"), Param("sendEmail", "bool"), Param("passwordResetToken"),
        Param("newPassword"), Param("lang"), Param("secretAnswer"),
    ), client_allowed=True, doc="loginID: mail a reset token; passwordResetToken + newPassword: set it"),
    Method("accounts.setPassword", _on_site(passwords.set_password), (_UID, Param("newPassword", required=True)),
           doc="server-side password change (complexity policy, site hash)"),
    Method("accounts.getJWT", _on_site(sessions.get_jwt), (
        Param("targetUID", doc="or UID"), Param("UID"), Param("expiration", "int", doc="seconds, default 300"),
        Param("fields", doc="comma list of account fields added as claims"), Param("audience"),
    ), doc="an RS256 id_token for a UID"),
    Method("accounts.getJWTPublicKey", _on_site(sessions.get_jwt_public_key), (Param("V2", "bool", doc="JWKS form"),),
           client_allowed=True, doc="the key that verifies id_tokens and webhook JWTs"),
    Method("accounts.webhooks.set", _on_site(webhooks.set_webhook), (
        Param("name", required=True), Param("url"), Param("events", doc="comma list"), Param("active", "bool"),
        Param("signingUserKey"),
    ), doc="create or update a webhook of the site"),
    Method("accounts.webhooks.getAll", _webhooks_get_all, (), doc="the site's webhooks"),
    Method("accounts.webhooks.delete", _on_site(webhooks.delete), (Param("url"), Param("name")),
           doc="remove a webhook (by url, or name)"),
    Method("accounts.importLiteAccount", _on_site(lite.import_lite_account), (
        Param("email", required=True), Param("profile", "json"), Param("data", "json"), Param("subscriptions", "json"),
    ), doc="create or merge the lite account of an email (no password)"),
    Method("accounts.deleteLiteAccount", _on_site(lite.delete_lite_account), (Param("emailAccountToken", required=True),),
           doc="delete a lite account by the token of its emailAccounts result"),
    Method("audit.search", _audit_search, (Param("query"), Param("cursorId"), Param("openCursor", "bool")),
           doc="the audit log (SELECT * FROM auditLog)"),
)

DISPATCH: dict[str, Method] = {m.name: m for m in _METHODS}
"""Gigya method name -> :class:`Method` (what supported.py documents)."""


# ------------------------------------------------------------------ parameters


def normalize_method(method: str) -> str:
    """Strip a leading ``/`` (and any path before it); a name with no dot is ``socialize.<name>``."""
    name = str(method or "").strip().rsplit("/", 1)[-1]
    return name if "." in name else f"socialize.{name}"


def parse_bool(name: str, value: Any) -> bool:
    """``true/false/1/0`` in any case (SDKs differ, docs §1); anything else is 400006."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0", ""):
        return False
    raise MockGigyaError.invalid(name, f"expected true or false, got {str(value)[:40]!r}")


def _decode(param: Param, value: Any) -> Any:
    if param.kind == "bool":
        return parse_bool(param.name, value)
    if param.kind == "json":
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            raise MockGigyaError.invalid(param.name, "is not valid JSON") from None
    if param.kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise MockGigyaError.invalid(param.name, f"expected an integer, got {str(value)[:40]!r}") from None
    return value if isinstance(value, str) else (json.dumps(value) if isinstance(value, (dict, list)) else str(value))


def _decode_params(method: Method, raw: Mapping[str, Any]) -> dict:
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if not isinstance(name, str):
            continue
        if isinstance(value, (list, tuple)) and not isinstance(value, str):
            value = value[-1] if value else ""  # a repeated form field: the last one wins
        if isinstance(value, str) and len(value) > MAX_PARAM_CHARS:
            raise MockGigyaError.invalid(name, f"value longer than {MAX_PARAM_CHARS} characters")
        param = method.param(name)
        if param is None and method.name == "accounts.importFullAccount" and name.lower() == "uid":
            param = Param(name)
        out[name] = _decode(param, value) if param is not None and value is not None else value
    for param in method.params:
        if param.required and out.get(param.name) in (None, ""):
            raise MockGigyaError.missing(param.name)
    input_checks.check_params(out, raw)  # NUL / control characters: 400006 (mock_gigya/input_checks.py)
    return out


# ------------------------------------------------------------------ envelope and audit


def _envelope(call_id: str, now_ms: int, error: MockGigyaError | None, fields: dict, context: Any) -> dict:
    code = error.code if error else 0
    body: dict[str, Any] = dict(fields)
    if error is not None:
        body.update(error.fields)
        body["errorMessage"] = error.message
        if error.details:
            body["errorDetails"] = error.details
        if error.validation_errors:
            body["validationErrors"] = error.validation_errors
    status = status_code_of(code)
    body.update({
        "callId": call_id,
        "errorCode": code,
        "statusCode": status,
        "statusReason": STATUS_REASONS.get(status, "Error"),
        "time": iso(now_ms),
        "apiVersion": API_VERSION,
    })
    if context is not None:
        body["context"] = context
    return body


def _audit_params(params: Mapping[str, Any]) -> dict:
    out = {}
    for key, value in params.items():
        if not isinstance(key, str) or key in _SECRET_PARAMS:
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        out[key] = text[:2048]
    return out


def _country(headers: Mapping[str, str] | None) -> str:
    """``httpReq.country``: Gigya geolocates the caller's IP; the mock cannot, so it takes the
    ``X-Mock-Gigya-Country`` header when a test sends one, else "ZZ" (ISO 3166 "unknown") (I)."""
    for key, value in (headers or {}).items():
        if key.lower() == "x-mock-gigya-country" and value:
            return str(value)[:2].upper()
    return "ZZ"


def _user_key_details(backend: Backend, user_key: str) -> dict:
    """``userKeyDetails{name, description, emailDomain}`` (DEVA; TS gigya-audit.ts). The mock's keys
    carry no console name, so the name is the key itself unless one was given to add_app_key (I)."""
    app = backend.app_key_view(user_key) or {}
    return {"name": str(app.get("name") or user_key), "description": str(app.get("description") or "application key"),
            "emailDomain": str(app.get("emailDomain") or "example.com")}


def _write_audit(backend: Backend, method: str, params: Mapping[str, Any], call_id: str, now_ms: int,
                 error: MockGigyaError | None, fields: dict, headers: Mapping[str, str] | None,
                 remote_addr: str | None) -> None:
    api_key = params.get("apiKey")
    if not isinstance(api_key, str) or not api_key:
        return
    uid = (error.uid if error else None) or fields.get("UID") or params.get("UID") or params.get("uid")
    record = {
        "@timestamp": iso(now_ms),
        "callID": call_id,
        "endpoint": method,
        "errCode": str(error.code if error else 0),
        "errMessage": error.message if error else "OK",
        "apiKey": api_key,
        "params": _audit_params(params),
        "httpReq": {"SDK": str(params.get("sdk") or ""), "country": _country(headers)},
    }
    if error is not None and error.details:
        record["errDetails"] = error.details
    if uid:
        record["uid"] = str(uid)
    if params.get("userKey"):
        record["userKey"] = str(params["userKey"])
        record["userKeyDetails"] = _user_key_details(backend, str(params["userKey"]))
    if remote_addr:
        record["sourceIP"] = remote_addr
    try:
        backend.record_audit(api_key, record)
    except Exception:  # the audit log must never turn a good answer into an error
        log.exception("audit write failed for %s", method)


def handle(
    backend: Backend,
    method: str,
    params: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    url: str | None = None,
    remote_addr: str | None = None,
    secure_channel: bool | None = None,
) -> tuple[int, dict]:
    """Answer one Gigya API call: ``(http_status, envelope)``. Never raises.

    ``params`` are the form/query fields as received (strings; objects as JSON strings);
    ``url`` is the URL the client addressed (for signatures and the secret-over-HTTP check);
    ``remote_addr`` the client's address (audit ``sourceIP``); ``secure_channel`` whether the
    connection itself is TLS or from this machine (the server knows; None in-process), for 403006.
    """
    call_id = uuid.uuid4().hex
    name = normalize_method(method)
    params = dict(params or {})
    error: MockGigyaError | None = None
    fields: dict = {}
    http_codes = False
    call = webhooks.CALL_ID.set(call_id)  # events fired by this call carry its callId
    try:
        http_codes = parse_bool("httpStatusCodes", params.get("httpStatusCodes", False))
        fields = _dispatch(backend, name, params, headers, url, remote_addr, secure_channel)
    except MockGigyaError as exc:
        error = exc
    except Exception as exc:  # a mock bug still answers like Gigya, never a traceback
        log.exception("mock_gigya failed on %s", name)
        error = MockGigyaError(500001, details=f"mock_gigya internal error: {type(exc).__name__}")
    finally:
        webhooks.CALL_ID.reset(call)
    now_ms = backend.now_ms()
    body = _envelope(call_id, now_ms, error, fields, params.get("context"))
    _write_audit(backend, name, params, call_id, now_ms, error, fields, headers, remote_addr)
    status = body["statusCode"] if http_codes else 200
    return status, body


def _dispatch(backend: Backend, name: str, params: dict, headers: Mapping[str, str] | None, url: str | None,
              remote_addr: str | None, secure_channel: bool | None = None) -> dict:
    method = DISPATCH.get(name)
    if method is None:
        raise MockGigyaError(
            404000,
            "Method not implemented by mock_gigya",
            details=f"mock_gigya does not implement {name}; see mock_gigya/SUPPORTED.md for the calls it answers",
        )
    fmt = str(params.get("format") or "json").lower()
    if fmt != "json":
        raise MockGigyaError.invalid("format", "mock_gigya answers format=json only")
    caller = authenticate(backend, name, params, headers=headers, url=url, client_allowed=method.client_allowed,
                          secure_channel=secure_channel)
    if remote_addr:
        caller = Caller(caller.api_key, caller.mode, caller.user_key, remote_addr)  # dataclasses.replace is slower
    decoded = _decode_params(method, params)
    with backend.uid_limits.call(backend, caller.api_key, name, decoded):  # off unless site option uidLimits
        return method.handler(backend, caller, decoded) or {}

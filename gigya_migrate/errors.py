"""One error tree for everything Gigya answers with a non-zero ``errorCode``, plus transport failures.

Gigya answers HTTP 200 with the error in the body (``httpStatusCodes=false``), so the class is
chosen from ``errorCode`` through the one table ``ERROR_CLASSES`` (codes: docs/gigya-api.md §7),
falling back on the code's family (``400xxx``, ``403xxx``, ``404xxx``, ``5xxxxx``).

``str(error)`` is meant for a person: method, code, message, details, callId and each
``validationErrors`` entry. It never contains a secret: the client passes the values to redact.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

__all__ = [
    "ERROR_CLASSES",
    "AccountDisabled",
    "AccountLockedOut",
    "AccountNotFound",
    "AlreadyExists",
    "BadRequest",
    "ConcurrentUpdates",
    "DuplicateNonce",
    "Forbidden",
    "GigyaConnectionError",
    "GigyaError",
    "GigyaTimeout",
    "IdentityExists",
    "InvalidApiKey",
    "InvalidDataCenter",
    "InvalidLogin",
    "InvalidParameter",
    "InvalidSignature",
    "LoginFailed",
    "LoginIdExists",
    "MissingParameter",
    "NotFound",
    "OldPasswordUsed",
    "PendingPasswordChange",
    "PendingRegistration",
    "PendingTwoFactor",
    "PendingVerification",
    "PermissionDenied",
    "RateLimited",
    "RequestExpired",
    "SchemaValidationError",
    "SecretOverHttp",
    "ServerError",
    "ServerTimeout",
    "ServiceUnavailable",
    "Throttled",
    "Unauthorized",
    "UnauthorizedAccess",
    "UnauthorizedUser",
    "UidNotFound",
    "UniqueIdentifierExists",
    "ValidationError",
    "error_from_response",
]


class GigyaError(Exception):
    """A Gigya call failed. ``error_code`` is Gigya's ``errorCode`` (``None`` if unknown).

    ``retryable`` says whether repeating the same call later may succeed (rate limits, transient
    server errors); it is a class fact, refined by subclasses.
    """

    retryable: bool = False
    earlier_attempt_uncertain: bool = False
    """Set by the client: an earlier attempt of this call failed in a way that may have applied it."""
    server_date: str | None = None
    """The HTTP ``Date`` header of the answer, when there was one (used to correct clock skew)."""

    def __init__(
        self,
        message: str = "",
        *,
        error_code: int | None = None,
        details: str | None = None,
        call_id: str | None = None,
        method: str | None = None,
        validation_errors: Iterable[Mapping[str, Any]] = (),
        status_code: int | None = None,
        response: Mapping[str, Any] | None = None,
    ) -> None:
        self.error_code = error_code
        self.message = message
        self.details = details
        self.call_id = call_id
        self.method = method
        self.validation_errors = [dict(v) for v in validation_errors]
        self.status_code = status_code
        self.response = dict(response) if response is not None else None
        super().__init__(self._describe())

    @property
    def reason(self) -> str:
        """One line saying what Gigya refused: the message, ``errorDetails`` and each
        ``validationErrors`` field (what an error output line needs; no method, no callId)."""
        parts = [self.message or type(self).__name__]
        if self.details and str(self.details) not in parts[0]:
            parts.append(str(self.details))
        for entry in self.validation_errors:
            if entry.get("fieldName") or entry.get("message"):
                text = f"{entry.get('fieldName', '?')}: {entry.get('message', '')}".strip()
                if text not in " ".join(parts):
                    parts.append(text)
        return "; ".join(parts)

    def _describe(self) -> str:
        head = self.method or "Gigya call"
        code = f" {self.error_code}" if self.error_code is not None else ""
        text = f"{head} failed:{code} {self.message or type(self).__name__}"
        if self.details and self.details != self.message:
            text += f" ({self.details})"
        if self.call_id:
            text += f" [callId {self.call_id}]"
        for entry in self.validation_errors:
            field = entry.get("fieldName") or "?"
            text += f"\n  - {field}: {entry.get('message', '')} ({entry.get('errorCode', '')})"
        return text

    def __str__(self) -> str:
        return self._describe()

    def __reduce__(self):  # keep the keyword-only attributes across pickling (process pools)
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type, state: dict) -> GigyaError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._describe())
    return error


# --- transport -----------------------------------------------------------------------------------


class GigyaConnectionError(GigyaError):
    """The request did not get a usable answer (connection refused/reset, bad JSON, proxy failure).

    ``maybe_applied`` is True when the request may have reached Gigya before the failure, so a
    write may have happened (only a failure to connect guarantees it did not).
    Code 500026 is the one the SDKs use for a client-side network error.
    """

    retryable = True

    def __init__(self, message: str = "", *, maybe_applied: bool = True, **kwargs: Any) -> None:
        self.maybe_applied = maybe_applied
        kwargs.setdefault("error_code", 500026)
        super().__init__(message, **kwargs)


class GigyaTimeout(GigyaConnectionError):
    """No answer within the client's timeout (code 504002, as the SDKs report a client timeout)."""

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("error_code", 504002)
        super().__init__(message, **kwargs)


# --- families ------------------------------------------------------------------------------------


class BadRequest(GigyaError):
    """The request itself is wrong (400xxx): fix it, do not retry."""


class Forbidden(GigyaError):
    """Gigya refused the call (403xxx, generic 403000)."""


class Unauthorized(Forbidden):
    """Credentials or signature problems (403002-403007, 403026)."""


class NotFound(GigyaError):
    """What the call names does not exist (404xxx, 403047)."""


class AlreadyExists(GigyaError):
    """The account, UID, login identifier or identity already exists."""


class LoginFailed(Forbidden):
    """A login was refused for a reason about the account (password, state, lockout)."""


class Throttled(GigyaError):
    """Too many calls (per key or per UID): wait and retry."""

    retryable = True


class ServerError(GigyaError):
    """A transient failure on Gigya's side (5xxxxx): retry with backoff."""

    retryable = True


# --- specific codes ------------------------------------------------------------------------------


class InvalidDataCenter(GigyaError):
    """301001: the API key lives in another data center."""


class MissingParameter(BadRequest):
    """400002: a required parameter is missing (the message names it)."""


class UniqueIdentifierExists(AlreadyExists, BadRequest):
    """400003: the UID/username already exists (importFullAccount insert)."""


class InvalidParameter(BadRequest):
    """400006: a parameter value is invalid; see ``validation_errors``."""


class ValidationError(BadRequest):
    """400009: validation failed (for example password complexity); see ``validation_errors``."""


class SchemaValidationError(BadRequest):
    """400020: the write breaks the site schema (for example a client write to a server-only field)."""


class InvalidApiKey(BadRequest):
    """400093: the apiKey is unknown."""


class OldPasswordUsed(BadRequest):
    """401030: the new password was used before."""


class RequestExpired(Unauthorized):
    """403002: the signed request's timestamp is too far from Gigya's clock (clock skew)."""


class InvalidSignature(Unauthorized):
    """403003: the request signature is wrong (wrong secret, or a parameter changed after signing)."""


class DuplicateNonce(Unauthorized):
    """403004: the nonce was already used; a re-signed request (new nonce) may succeed."""


class UnauthorizedUser(Unauthorized, NotFound):
    """403005: Unauthorized user. Gigya answers it for a UID unknown on the site (I: also a NotFound)."""


class SecretOverHttp(Unauthorized):
    """403006: a secret was sent over plain HTTP; use HTTPS or signed requests."""


class PermissionDenied(Unauthorized):
    """403007: the application key lacks the permission for this call."""


class UnauthorizedAccess(Unauthorized):
    """403026: refused, for example isAvailableLoginID with login-ID harvesting protection on."""


class AccountDisabled(LoginFailed):
    """403041: the account is disabled (isActive=false)."""


class InvalidLogin(LoginFailed):
    """403042: wrong loginID or password."""


class LoginIdExists(AlreadyExists, Forbidden):
    """403043: the email or username belongs to another account."""


class AccountNotFound(NotFound, Forbidden):
    """403047: the login ID does not exist."""


class RateLimited(Throttled, Forbidden):
    """403048: API rate limit exceeded: back off and retry."""


class PendingPasswordChange(LoginFailed):
    """403100: the account must change its password."""


class PendingTwoFactor(LoginFailed):
    """403101 / 403102: two-factor verification or registration pending."""


class AccountLockedOut(LoginFailed):
    """403120: the account is temporarily locked out; wait or call accounts.rba.unlock."""


class PendingRegistration(LoginFailed):
    """206001: the account is pending registration (the response carries a regToken)."""


class PendingVerification(LoginFailed):
    """206002: the account's email is not verified yet."""


class UidNotFound(NotFound):
    """404003: the UID does not exist."""


class IdentityExists(AlreadyExists):
    """409001: the social identity is already attached to another account."""


class ConcurrentUpdates(Throttled):
    """409030: more than 5 concurrent requests for the same UID."""


class ServiceUnavailable(Throttled, ServerError):
    """503001: too many calls for one UID in a short time (documented: 5 per UID per minute)."""


class ServerTimeout(ServerError):
    """504001: Gigya timed out (for example a slow search)."""


ERROR_CLASSES: dict[int, type[GigyaError]] = {
    206001: PendingRegistration,
    206002: PendingVerification,
    301001: InvalidDataCenter,
    400002: MissingParameter,
    400003: UniqueIdentifierExists,
    400006: InvalidParameter,
    400009: ValidationError,
    400020: SchemaValidationError,
    400093: InvalidApiKey,
    401030: OldPasswordUsed,
    403000: Forbidden,
    403002: RequestExpired,
    403003: InvalidSignature,
    403004: DuplicateNonce,
    403005: UnauthorizedUser,
    403006: SecretOverHttp,
    403007: PermissionDenied,
    403026: UnauthorizedAccess,
    403041: AccountDisabled,
    403042: InvalidLogin,
    403043: LoginIdExists,
    403047: AccountNotFound,
    403048: RateLimited,
    403100: PendingPasswordChange,
    403101: PendingTwoFactor,
    403102: PendingTwoFactor,
    403120: AccountLockedOut,
    404000: NotFound,
    404003: UidNotFound,
    409001: IdentityExists,
    409030: ConcurrentUpdates,
    500000: ServerError,
    500001: ServerError,
    500026: ServerError,
    500028: ServerError,
    503001: ServiceUnavailable,
    504001: ServerTimeout,
    504002: ServerTimeout,
}
"""errorCode -> exception class. Codes not listed fall back on their family (``_FAMILIES``)."""

_FAMILIES: dict[int, type[GigyaError]] = {400: BadRequest, 401: BadRequest, 403: Forbidden, 404: NotFound, 409: AlreadyExists}


def _class_for(code: int | None) -> type[GigyaError]:
    if code is None:
        return GigyaError
    if code in ERROR_CLASSES:
        return ERROR_CLASSES[code]
    if code >= 500000:
        return ServerError
    return _FAMILIES.get(code // 1000, GigyaError)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _redact(value: Any, secrets: list[str]) -> Any:
    """``value`` with every secret replaced by ``***`` (recursing into lists and dicts)."""
    if isinstance(value, Mapping):
        return {k: _redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "***")
    return value


def error_from_response(method: str | None, body: Mapping[str, Any], *, redact: Iterable[str] = ()) -> GigyaError:
    """The ``GigyaError`` subclass for a Gigya response body with a non-zero ``errorCode``.

    ``redact`` lists strings (the secret) that must never appear in the error's text.
    """
    redact = [s for s in redact if s]
    code = _as_int(body.get("errorCode"))
    validation = body.get("validationErrors") or []
    validation = [_redact(entry, redact) for entry in validation if isinstance(entry, Mapping)]
    return _class_for(code)(
        _redact(body.get("errorMessage") or "", redact),
        error_code=code,
        details=_redact(body.get("errorDetails"), redact),
        call_id=body.get("callId"),
        method=method,
        validation_errors=validation,
        status_code=_as_int(body.get("statusCode")),
        response=_redact(body, redact),
    )

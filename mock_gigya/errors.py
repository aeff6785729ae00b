"""The one exception the mock's behaviour raises, and the Gigya error-code table it draws from.

Only :mod:`mock_gigya.api` turns a :class:`MockGigyaError` into the response envelope; the backend
raises it with the Gigya ``errorCode`` and, when useful, ``details`` (``errorDetails``),
``validation_errors`` and extra response fields (e.g. ``identityConflicts``).
Messages follow docs/gigya-api.md §7 (graze/gigya-client ``ErrorCode.php``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ERROR_MESSAGES", "STATUS_REASONS", "MockGigyaError", "status_code_of"]

ERROR_MESSAGES: dict[int, str] = {
    0: "OK",
    200009: "Accounts linked",
    200010: "OK with error login identifier exists",
    206001: "Account Pending Registration",
    206002: "Account Pending Verification",
    301001: "Invalid data center",
    400001: "Invalid request format",
    400002: "Missing required parameter",
    400003: "Unique identifier exists",
    400006: "Invalid parameter value",
    400009: "Validation error",
    400020: "Schema validation failed",
    400093: "Invalid ApiKey parameter",
    401030: "Old password used",
    403000: "Forbidden",
    403002: "Request has expired",
    403003: "Invalid request signature",
    403004: "Duplicate nonce",
    403005: "Unauthorized user",
    403006: "Secret Sent Over Http",
    403007: "Permission denied",
    403026: "Unauthorized access error",
    403041: "Account disabled",
    403042: "Invalid LoginID",
    403043: "Login Identifier exists",
    403047: "Login ID does not exist",
    403048: "Api rate limit exceeded",  # the text real Gigya answers (a captured 403048 response), not GRAZE's
    403100: "Pending password change",
    403120: "Account temporarily locked out",
    404000: "Not found",
    404003: "UID not found",
    409001: "Identity exists",
    409030: "Too many requests for same user",
    500001: "General Server Error",
    503001: "Service unavailable for this operation",
    504001: "Timeout",
}
"""Default ``errorMessage`` per code (graze/gigya-client ErrorCode.php wording; 403048 as Gigya sends it)."""

STATUS_REASONS: dict[int, str] = {
    200: "OK",
    206: "Partial Content",
    301: "Moved Permanently",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def status_code_of(error_code: int) -> int:
    """The deprecated ``statusCode``: 200 on success, else ``errorCode // 1000`` (I, GRAZE fixture)."""
    return 200 if error_code == 0 else error_code // 1000


class MockGigyaError(Exception):
    """A Gigya error answer: ``code`` (errorCode), ``message`` (errorMessage) and optional extras.

    ``details`` becomes ``errorDetails``; ``validation_errors`` a list of
    ``{errorCode, message, fieldName}``; ``fields`` are merged into the response (for example
    ``identityConflicts``); ``uid`` names the account the failed call was about (audit log).
    """

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        details: str | None = None,
        validation_errors: list[dict[str, Any]] | None = None,
        fields: dict[str, Any] | None = None,
        uid: str | None = None,
    ) -> None:
        self.code = int(code)
        self.message = message or ERROR_MESSAGES.get(self.code, "Error")
        self.details = details
        self.validation_errors = validation_errors
        self.fields = fields or {}
        self.uid = uid
        super().__init__(f"{self.code} {self.message}" + (f": {details}" if details else ""))

    @classmethod
    def invalid(cls, field: str, reason: str, *, code: int = 400006) -> "MockGigyaError":
        """A 400006-style error naming one field, with a matching ``validationErrors`` entry."""
        return cls(
            code,
            details=f"{field}: {reason}",
            validation_errors=[{"errorCode": code, "message": reason, "fieldName": field}],
        )

    @classmethod
    def missing(cls, name: str) -> "MockGigyaError":
        """400002 naming the missing parameter, as Gigya does."""
        return cls(400002, details=f"Missing required parameter: {name}")

"""The error tree: errorCode -> class through one table, readable str(), no secret in text."""

import pickle

import pytest

from gigya_migrate import errors as E

SECRET = "c2VjcmV0LXZhbHVlLTEyMw=="


def _body(code, message="msg", **extra):
    return {"callId": "cid123", "errorCode": code, "errorMessage": message, "statusCode": code // 1000, **extra}


@pytest.mark.parametrize(
    "code, cls, bases, retryable",
    [
        (400002, E.MissingParameter, (E.BadRequest,), False),
        (400003, E.UniqueIdentifierExists, (E.AlreadyExists, E.BadRequest), False),
        (400006, E.InvalidParameter, (E.BadRequest,), False),
        (400009, E.ValidationError, (E.BadRequest,), False),
        (400020, E.SchemaValidationError, (E.BadRequest,), False),
        (403002, E.RequestExpired, (E.Unauthorized, E.Forbidden), False),
        (403003, E.InvalidSignature, (E.Unauthorized,), False),
        (403004, E.DuplicateNonce, (E.Unauthorized,), False),
        (403005, E.UnauthorizedUser, (E.Unauthorized, E.NotFound), False),
        (403006, E.SecretOverHttp, (E.Unauthorized,), False),
        (403007, E.PermissionDenied, (E.Unauthorized,), False),
        (403041, E.AccountDisabled, (E.LoginFailed,), False),
        (403042, E.InvalidLogin, (E.LoginFailed, E.Forbidden), False),
        (403043, E.LoginIdExists, (E.AlreadyExists,), False),
        (403047, E.AccountNotFound, (E.NotFound,), False),
        (403048, E.RateLimited, (E.Throttled, E.Forbidden), True),
        (403120, E.AccountLockedOut, (E.LoginFailed,), False),
        (206002, E.PendingVerification, (E.LoginFailed,), False),
        (404003, E.UidNotFound, (E.NotFound,), False),
        (409001, E.IdentityExists, (E.AlreadyExists,), False),
        (409030, E.ConcurrentUpdates, (E.Throttled,), True),
        (500001, E.ServerError, (), True),
        (503001, E.ServiceUnavailable, (E.Throttled, E.ServerError), True),
        (504001, E.ServerTimeout, (E.ServerError,), True),
        # Codes not in the table fall back on their family.
        (400099, E.BadRequest, (), False),
        (403999, E.Forbidden, (), False),
        (404999, E.NotFound, (), False),
        (599999, E.ServerError, (), True),
        (123456, E.GigyaError, (), False),
    ],
)
def test_error_code_table(code, cls, bases, retryable):
    error = E.error_from_response("accounts.x", _body(code))
    assert type(error) is cls
    assert all(isinstance(error, base) for base in (E.GigyaError, *bases))
    assert error.retryable is retryable
    assert error.error_code == code and error.call_id == "cid123" and error.method == "accounts.x"


def test_string_code_and_missing_fields_are_tolerated():
    error = E.error_from_response(None, {"errorCode": "403048"})
    assert isinstance(error, E.RateLimited) and error.error_code == 403048
    assert "403048" in str(error)


def test_str_shows_method_code_message_details_callid_and_validation_errors():
    body = _body(
        400009,
        "Validation error",
        errorDetails="Schema validation failed",
        validationErrors=[
            {"errorCode": 400009, "message": "Password does not meet complexity requirements", "fieldName": "password"},
            {"errorCode": 400006, "message": "invalid email", "fieldName": "profile.email"},
        ],
    )
    text = str(E.error_from_response("accounts.importFullAccount", body))
    for part in (
        "accounts.importFullAccount",
        "400009",
        "Validation error",
        "Schema validation failed",
        "cid123",
        "password: Password does not meet complexity requirements",
        "profile.email: invalid email",
    ):
        assert part in text, part


def test_secret_is_redacted_from_text_and_kept_response():
    body = _body(400006, f"bad secret {SECRET}", errorDetails=f"echo secret={SECRET}")
    body["validationErrors"] = [{"fieldName": "secret", "message": SECRET}]
    error = E.error_from_response("accounts.search", body, redact=[SECRET])
    assert SECRET not in str(error) and SECRET not in repr(error)
    assert SECRET not in repr(error.__dict__)
    assert "***" in str(error)


def test_transport_errors():
    conn = E.GigyaConnectionError("connection refused", method="accounts.search", maybe_applied=False)
    timeout = E.GigyaTimeout("read timed out", method="accounts.importFullAccount")
    assert conn.retryable and conn.error_code == 500026 and conn.maybe_applied is False
    assert isinstance(timeout, E.GigyaConnectionError) and timeout.error_code == 504002 and timeout.maybe_applied
    assert "accounts.importFullAccount" in str(timeout) and "read timed out" in str(timeout)


def test_errors_pickle_with_their_attributes():
    error = E.error_from_response("accounts.login", _body(403042, "Invalid LoginID"))
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is E.InvalidLogin and clone.error_code == 403042 and str(clone) == str(error)

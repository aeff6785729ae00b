"""Answers of the write, login and policy calls."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from gigya_migrate.models.account import Account
from gigya_migrate.models.base import GigyaModel, GigyaResponse

__all__ = ["AvailabilityResult", "DeleteResult", "ImportResult", "LoginResult", "PoliciesResult", "RbaPolicyResult", "SessionInfo"]


class ImportResult(GigyaResponse):
    """accounts.importFullAccount's answer.

    ``recovered_after_retry`` is set by the client (never by Gigya) when an insert whose first
    attempt timed out was retried, the retry answered "already exists", and a lookup confirmed
    that the existing account is the one this call wrote; ``note`` then says so.
    """

    uid: str | None = Field(default=None, validation_alias=AliasChoices("UID", "uid", "Uid"), serialization_alias="UID")
    identity_conflicts: list[dict[str, Any]] | None = None
    recovered_after_retry: bool = False
    note: str | None = None


class SessionInfo(GigyaModel):
    """``sessionInfo``: a browser cookie or a mobile session token + secret."""

    cookie_name: str | None = None
    cookie_value: str | None = None
    session_token: str | None = None
    session_secret: str | None = Field(default=None, repr=False)


class LoginResult(GigyaResponse, Account):
    """accounts.login's answer: the account fields plus session, signature and id_token."""

    session_info: SessionInfo | None = None
    uid_signature: str | None = Field(default=None, alias="UIDSignature")
    signature_timestamp: str | int | None = None
    is_new_user: bool | None = None
    id_token: str | None = Field(default=None, alias="id_token", repr=False)


class AvailabilityResult(GigyaResponse):
    """accounts.isAvailableLoginID's answer; truthy when the login ID is available."""

    is_available: bool

    def __bool__(self) -> bool:
        return self.is_available


class PoliciesResult(GigyaResponse):
    """accounts.getPolicies' answer: one dict per section (others kept in ``model_extra``)."""

    registration: dict[str, Any] | None = None
    account_options: dict[str, Any] | None = None
    password_complexity: dict[str, Any] | None = None
    security: dict[str, Any] | None = None
    email_verification: dict[str, Any] | None = None
    password_reset: dict[str, Any] | None = None
    gigya_plugins: dict[str, Any] | None = None


class RbaPolicyResult(GigyaResponse):
    """accounts.rba.getPolicy's answer: the full RBA ``policy`` object."""

    policy: dict[str, Any] | None = None


class DeleteResult(GigyaResponse):
    """accounts.deleteAccount's answer.

    ``recovered_after_retry`` is set by the client when an earlier attempt's answer was lost (a
    timeout), the retry answered "not found", and so the earlier attempt is taken to have deleted it.
    """

    recovered_after_retry: bool = False
    note: str | None = None

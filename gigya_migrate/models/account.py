"""The account object as getAccountInfo, accounts.search and importFullAccount spell it."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from gigya_migrate.models.base import GigyaModel, GigyaResponse

__all__ = ["Account", "AccountInfo", "Emails", "HashSettings", "Identity", "LoginIds", "PasswordInfo", "Profile"]


class LoginIds(GigyaModel):
    """``loginIDs``: what the account can log in with."""

    username: str | None = None
    emails: list[str] = Field(default_factory=list)
    unverified_emails: list[str] = Field(default_factory=list)


class Emails(GigyaModel):
    """``emails``: verified and unverified addresses (used for password reset)."""

    verified: list[str] = Field(default_factory=list)
    unverified: list[str] = Field(default_factory=list)


class HashSettings(GigyaModel):
    """``password.hashSettings`` (algorithm, salt, rounds, format, binaryFormat, URL)."""

    algorithm: str | None = None
    salt: str | None = None
    rounds: int | None = None
    format: str | None = None
    binary_format: str | None = None
    url: str | None = Field(default=None, alias="URL")


class PasswordInfo(GigyaModel):
    """``password`` as Gigya returns it (``hash``) or takes it on import (``hashedPassword``, ...)."""

    hash: str | None = None
    hashed_password: str | None = None
    compound_hashed_password: str | None = None
    hash_settings: HashSettings | None = None
    created: str | None = None

    def __repr__(self) -> str:  # never show a full hash (STYLE: at most a short prefix)
        shown = self.hash or self.hashed_password or self.compound_hashed_password or ""
        algorithm = self.hash_settings.algorithm if self.hash_settings else None
        return f"PasswordInfo(algorithm={algorithm!r}, hash={shown[:6] + '...' if shown else None!r})"

    __str__ = __repr__


class Profile(GigyaModel):
    """``profile``: the common fields named, every other one kept in ``model_extra``."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    nickname: str | None = None
    gender: str | None = None
    age: int | str | None = None
    birth_year: int | str | None = None
    country: str | None = None
    locale: str | None = None


class Identity(GigyaModel):
    """One entry of ``identities`` (a social or site identity)."""

    provider: str | None = None
    provider_uid: str | None = Field(default=None, alias="providerUID")
    allows_login: bool | None = None
    is_login_identity: bool | None = None


class Account(GigyaModel):
    """A Gigya account. Dates are ISO strings as Gigya sends them; ``*_timestamp`` are Unix ms."""

    uid: str | None = Field(default=None, validation_alias=AliasChoices("UID", "uid", "Uid"), serialization_alias="UID")
    created: str | None = None
    created_timestamp: int | None = None
    last_updated: str | None = None
    last_updated_timestamp: int | None = None
    last_login: str | None = None
    last_login_timestamp: int | None = None
    registered: str | None = None
    registered_timestamp: int | None = None
    verified: str | None = None
    verified_timestamp: int | None = None
    is_active: bool | None = None
    is_registered: bool | None = None
    is_verified: bool | None = None
    is_locked_out: bool | None = None
    login_ids: LoginIds | None = Field(default=None, alias="loginIDs")
    emails: Emails | None = None
    profile: Profile | None = None
    data: dict[str, Any] | None = None
    subscriptions: dict[str, Any] | None = None
    preferences: dict[str, Any] | None = None
    password: PasswordInfo | None = None
    identities: list[Identity] | None = None
    reg_source: str | None = None
    social_providers: str | None = None
    phone_number: str | None = None
    lang: str | None = None


class AccountInfo(GigyaResponse, Account):
    """accounts.getAccountInfo's answer: the envelope plus the account, with UIDSignature if sent."""

    uid_signature: str | None = Field(default=None, alias="UIDSignature")
    signature_timestamp: str | int | None = None

"""Password changes: accounts.resetPassword (both steps), the ``password``+``newPassword`` change of
accounts.setAccountInfo, and the server-side accounts.setPassword.

Every change is checked against the site's ``passwordComplexity`` policy (400009) and stored with the
site's own hash (``Site.rehash``, pbkdf2 by default), so the old password stops verifying at once.

Choices (I, in SUPPORTED.md): resetPassword with ``loginID`` mails a ``passwordResetToken`` (or, with
``sendEmail=false``, returns it) valid ``passwordReset.tokenExpiration`` seconds (default 3600); the
token is single-use; an unknown, used or expired token answers 403025; an unknown loginID 403047; a
new password equal to the current one 401030 Old password used.
"""

from __future__ import annotations

import secrets
from typing import Any

from mock_gigya import mailbox, webhooks
from mock_gigya.errors import MockGigyaError

__all__ = ["RESET_MAIL", "change_password", "reset_password", "set_password"]

RESET_TOKEN = "passwordResetToken"
RESET_MAIL = "passwordReset"

DECISIONS: tuple[tuple[str, str], ...] = (
    ("resetPassword", "`loginID` (or `email`) of an existing account (else 403047) mails a `passwordResetToken` "
                      "(link `<passwordReset.resetURL>?pwrt=<token>`, I) or, with `sendEmail=false`, answers it. The "
                      "token lives `passwordReset.tokenExpiration` seconds (default 3600) and is single-use; an "
                      "unknown, used or expired one answers 403025 \"Invalid password reset token\" (I: code from "
                      "memory of Gigya's error list, not a source at hand). `passwordResetToken` + `newPassword` sets "
                      "the password and fires accountUpdated."),
    ("Password changes", "resetPassword, setAccountInfo `password`+`newPassword` (or `securityOverride=true`) and "
                         "server-side accounts.setPassword (`UID`, `newPassword`) check `passwordComplexity` (400009), "
                         "refuse the current password as the new one with 401030 Old password used (I: Gigya's "
                         "password history is not modelled beyond the current password) and store the site's own "
                         "hash (`Site.rehash`, pbkdf2 3000 rounds by default): the old password fails at once "
                         "(403042)."),
)
"""Choices rendered into SUPPORTED.md."""


def change_password(backend: Any, site: Any, doc: dict, params: dict) -> None:
    """setAccountInfo ``newPassword``: needs the current ``password`` unless ``securityOverride``; re-hashes."""
    new = params.get("newPassword")
    if new is None:
        return
    if not isinstance(new, str) or not new:
        raise MockGigyaError.invalid("newPassword", "must be a non-empty string")
    if not params.get("securityOverride"):
        old = params.get("password")
        if not isinstance(old, str) or not old:
            raise MockGigyaError.missing("password")
        if not backend._verify(doc, old):
            raise MockGigyaError(403042, details="The current password is wrong", uid=doc["UID"])
    _store_new(backend, site, doc, new)


def _store_new(backend: Any, site: Any, doc: dict, new: str) -> None:
    from mock_gigya import backend as core

    core._check_complexity(site, new)
    if backend._verify(doc, new):
        raise MockGigyaError(401030, details="Old password used: the new password equals the current one",
                             uid=doc["UID"])
    doc["password"] = backend._site_password(site, new, backend.now_ms())


def set_password(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.setPassword (server side): ``UID`` + ``newPassword``, no current password needed."""
    from mock_gigya import backend as core

    site = backend.site(api_key)
    new = params.get("newPassword")
    if not isinstance(new, str) or not new:
        raise MockGigyaError.missing("newPassword")
    with backend.store.tx():
        doc = backend._load(api_key, params.get("UID"))
        _store_new(backend, site, doc, new)
        core._set_date(doc, "lastUpdated", backend.now_ms())
        backend._save(api_key, doc)
    webhooks.emit(backend, api_key, "accountUpdated", doc["UID"])
    return {}


def reset_password(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.resetPassword: ``loginID`` starts a reset; ``passwordResetToken`` + ``newPassword`` ends it."""
    site = backend.site(api_key)
    if params.get("passwordResetToken"):
        return _finish_reset(backend, site, params)
    login_id = params.get("loginID") or params.get("email")
    if not login_id:
        raise MockGigyaError.missing("loginID")
    uid = backend.store.uid_for_login_id(api_key, str(login_id).strip().lower())
    if uid is None:
        raise MockGigyaError(403047, details=f"Login ID {login_id!r} does not exist")
    token = secrets.token_urlsafe(24)
    ttl = int(site.policy("passwordReset", "tokenExpiration", 3600) or 3600)
    backend.store.put_token(RESET_TOKEN, token, api_key, {}, uid=uid, expires=int(backend.clock()) + ttl)
    if params.get("sendEmail") is False:
        return {"passwordResetToken": token}
    doc = backend.store.get_account(api_key, uid)
    base = site.policy("passwordReset", "resetURL") or f"https://accounts.{site.data_center}.gigya.com/reset-password"
    to = _reset_address(doc, str(login_id))
    mailbox.send(backend, api_key, uid, to, RESET_MAIL, token, f"{base}?pwrt={token}")
    return {}


def _reset_address(doc: dict, login_id: str) -> str:
    """Where the reset mail goes: the login ID when it is an email, else the account's first email."""
    if "@" in login_id:
        return login_id
    emails = (doc.get("emails") or {}).get("verified") or (doc.get("loginIDs") or {}).get("emails") or []
    return emails[0] if emails else (doc.get("profile") or {}).get("email", "")


def _finish_reset(backend: Any, site: Any, params: dict) -> dict:
    from mock_gigya import backend as core

    new = params.get("newPassword")
    if not isinstance(new, str) or not new:
        raise MockGigyaError.missing("newPassword")
    token = backend.store.live_token(RESET_TOKEN, str(params["passwordResetToken"]), site.api_key, backend.clock())
    if token is None:
        raise MockGigyaError(403025, "Invalid password reset token",
                             details="The passwordResetToken is unknown, already used or expired")
    with backend.store.tx():
        doc = backend._load(site.api_key, token["uid"])
        _store_new(backend, site, doc, new)
        core._set_date(doc, "lastUpdated", backend.now_ms())
        backend._save(site.api_key, doc)
        backend.store.delete_tokens(RESET_TOKEN, token=token["token"])
    webhooks.emit(backend, site.api_key, "accountUpdated", doc["UID"])
    return {"UID": doc["UID"]}

"""Registration: accounts.initRegistration -> accounts.register -> accounts.finalizeRegistration, the
``regToken`` lifecycle, email verification (206002, the verification link) and accounts.verifyLogin.

Facts: a regToken from initRegistration is valid for one hour and is what register, finalize and
getAccountInfo accept (docs/gigya-api.md §5); an account that has not finished registration answers
206001, one waiting for its email to be verified 206002, both with a ``regToken`` (§7).

Choices (I, in SUPPORTED.md): register without ``finalizeRegistration=true`` answers 206001 with
``regToken`` and ``UID``; the site's ``accountOptions.verifyEmail`` policy puts the email in
``loginIDs.unverifiedEmails`` and mails a verification link (:mod:`mock_gigya.mailbox`) whose
``vToken`` the GET/POST ``accounts.verifyEmail`` endpoint consumes; missing required schema fields
and a weak password answer 400009 with ``validationErrors``; an email already used answers 400003.
"""

from __future__ import annotations

import secrets
from typing import Any

from mock_gigya import mailbox, sessions, webhooks
from mock_gigya.errors import MockGigyaError

__all__ = ["REG_TOKEN_TTL", "finalize_registration", "init_registration", "new_reg_token", "register", "resend_verification",
           "verify_email", "verify_login"]

REG_TOKEN_TTL = 3600
"""Seconds a regToken lives (docs §5: "regToken (1 h)")."""
REG_TOKEN, VERIFY_TOKEN = "regToken", "vToken"
VERIFICATION_MAIL = "emailVerification"

DECISIONS: tuple[tuple[str, str], ...] = (
    ("Registration", "accounts.initRegistration answers a `regToken` valid 1 hour (docs §5); accounts.register needs "
                     "it, `email` and `password`, and creates the account (accountCreated webhook) with the email in "
                     "`profile.email`, `emails.unverified` and, as a login ID, `loginIDs.emails` (or "
                     "`loginIDs.unverifiedEmails` while `accountOptions.verifyEmail` is on). Without "
                     "`finalizeRegistration=true` it answers 206001 with `regToken` and `UID` (I). An email already "
                     "used answers 400003 with a validationErrors entry for `email` (I); a password failing "
                     "`passwordComplexity` 400009 naming `password`; fields the site schema marks `required: true` "
                     "400009 \"Missing required field\" naming each (I: the real entry code is not published). A "
                     "regToken registers one account; an unknown, expired or other site's regToken answers 400006 (I)."),
    ("finalizeRegistration", "Marks the account registered (accountRegistered webhook) and answers like a login "
                             "(sessionInfo, UIDSignature, `isNewUser: true`, accountLoggedIn webhook, also when register "
                             "finalizes or verifyLogin lets the user in). With "
                             "`accountOptions.verifyEmail` on and the email unverified it mails a verification link "
                             "and answers 206002 with `regToken` and `UID`, unless `allowUnverifiedLogin`. A regToken "
                             "is used up by a successful login; logins answered 206001/206002 carry a live regToken."),
    ("Email verification", "The mail (read it with `MockControl.emails`/`last_email` or `GET /__mock__/emails`; "
                           "nothing is sent) links to `https://accounts.<dc>.gigya.com/accounts.verifyEmail?apiKey=...&"
                           "vToken=...` (I: Gigya's link and template are per site); that endpoint (GET or POST, "
                           "apiKey only) marks the email verified, moves it to `loginIDs.emails`, sets `isVerified` "
                           "once no email is unverified and fires accountUpdated. The vToken is single-use and lives "
                           "`emailVerification.verificationEmailExpiration` seconds (default 86400); otherwise 400006 "
                           "(I). accounts.resendVerificationCode (`regToken` or `UID`) mails a new one."),
    ("regToken as account handle", "accounts.getAccountInfo and accounts.setAccountInfo take `regToken` instead of "
                                   "`UID` (docs §5), so an application can fill a pending registration's fields "
                                   "before finalizing; in the mock only with server credentials (I)."),
    ("verifyLogin", "With `regToken`: 206001 until finalized, 206002 while verification is pending, else the login "
                    "answer. With `UID`: the account (per `include`) while the user has an open session (login, "
                    "finalize or verifyLogin opened it and no logout closed it), else 403005 (I)."),
)
"""Choices rendered into SUPPORTED.md."""


def init_registration(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.initRegistration: a fresh regToken (``isLite`` accepted, full accounts only)."""
    backend.site(api_key)
    backend.store.prune_tokens(int(backend.clock()))  # expired regTokens, vTokens, reset tokens, sessions
    return {"regToken": new_reg_token(backend, api_key, None)}


def new_reg_token(backend: Any, api_key: str, uid: str | None) -> str:
    """A regToken valid one hour, bound to ``uid`` once an account exists."""
    token = secrets.token_hex(16)
    backend.store.put_token(REG_TOKEN, token, api_key, {}, uid=uid, expires=int(backend.clock()) + REG_TOKEN_TTL)
    return token


def _reg_token(backend: Any, api_key: str, token: Any) -> dict:
    """The live regToken record, or 400006 (unknown, of another site, or expired)."""
    if not token:
        raise MockGigyaError.missing("regToken")
    found = backend.store.live_token(REG_TOKEN, str(token), api_key, backend.clock())
    if found is None:
        raise MockGigyaError.invalid("regToken", "unknown or expired regToken (valid 1 hour, for one site)")
    return found


def with_uid(backend: Any, api_key: str, params: dict) -> dict:
    """``params`` with ``UID`` taken from ``regToken`` when only that is given: getAccountInfo and
    setAccountInfo accept either (docs §5), e.g. to complete a pending registration's fields."""
    if params.get("UID"):
        return params
    if not params.get("regToken"):
        raise MockGigyaError.missing("UID")
    doc = _account_of(backend, _reg_token(backend, api_key, params["regToken"]))
    return {**params, "UID": doc["UID"]}


def register(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.register: create the account behind a regToken; finalize it when asked."""
    from mock_gigya import backend as core

    site = backend.site(api_key)
    token = _reg_token(backend, api_key, params.get("regToken"))
    if token["uid"]:
        raise MockGigyaError.invalid("regToken", "this regToken already registered an account")
    email, password = params.get("email"), params.get("password")
    if not email:
        raise MockGigyaError.missing("email")
    if not password:
        raise MockGigyaError.missing("password")
    core._check_email("email", email)
    profile = core._check_schema(site, "profile", core._require_object("profile", params.get("profile") or {}))
    data = core._check_schema(site, "data", core._require_object("data", params.get("data") or {}))
    _check_required(site, {"profile": {"email": email, **profile}, "data": data})
    _check_password(site, str(password))
    doc = _new_account(backend, site, str(email), str(password), profile, data, params)
    with backend.store.tx():
        if backend.store.uid_for_login_id(api_key, str(email).strip().lower()) is not None:
            raise MockGigyaError(400003, details="Unique identifier exists: that email already has an account",
                                 validation_errors=[{"errorCode": 400003, "message": "email already exists",
                                                     "fieldName": "email"}])
        backend._check_unique(api_key, doc, doc["UID"])
        backend._save(api_key, doc)
        backend.store.put_token(REG_TOKEN, token["token"], api_key, {}, uid=doc["UID"], expires=token["expires"])
    webhooks.emit(backend, api_key, "accountCreated", doc["UID"])
    if params.get("finalizeRegistration"):
        return finalize_registration(backend, api_key, {**params, "regToken": token["token"]})
    raise MockGigyaError(206001, details="Account Pending Registration: call accounts.finalizeRegistration",
                         uid=doc["UID"], fields={"regToken": token["token"], "UID": doc["UID"]})


def _check_password(site: Any, password: str) -> None:
    from mock_gigya import backend as core

    try:
        core._check_complexity(site, password)
    except MockGigyaError as exc:
        for entry in exc.validation_errors or []:
            entry["fieldName"] = "password"
        raise


def _check_required(site: Any, values: dict) -> None:
    """Fields the site's schema marks ``required: true`` must be present (400009, one entry each)."""
    missing = []
    for group in ("profile", "data"):
        fields = (site.schema.get(f"{group}Schema") or {}).get("fields") or {}
        for name, props in fields.items():
            path = name if name.startswith(f"{group}.") else f"{group}.{name}"
            if (props or {}).get("required") and _lookup(values, path) in (None, ""):
                missing.append(path)
    if missing:
        raise MockGigyaError(400009, details=f"Missing required field(s): {', '.join(missing)}",
                             validation_errors=[{"errorCode": 400009, "message": "Missing required field",
                                                 "fieldName": path} for path in missing])


def _lookup(values: dict, path: str) -> Any:
    value: Any = values
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _new_account(backend: Any, site: Any, email: str, password: str, profile: dict, data: dict, params: dict) -> dict:
    from mock_gigya import backend as core

    now = backend.now_ms()
    doc = core._base_account(core._new_uid(), now)
    verify = bool(site.policy("accountOptions", "verifyEmail"))
    doc["loginIDs"] = {"emails": [] if verify else [email], "unverifiedEmails": [email] if verify else []}
    doc["emails"] = {"verified": [], "unverified": [email]}
    doc["profile"] = {"email": email, **profile}
    doc["data"] = data
    doc["password"] = backend._site_password(site, password, now)
    if params.get("username"):
        doc["loginIDs"]["username"] = str(params["username"]).strip()  # unique like any login ID (403043)
    for name in ("regSource", "lang"):
        if params.get(name):
            doc[name] = str(params[name])
    core._finish_account(doc)
    return doc


def finalize_registration(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.finalizeRegistration: the account becomes registered; then it logs in, or (email
    verification policy on, email unverified) a verification mail goes out and 206002 answers."""
    from mock_gigya import backend as core

    site = backend.site(api_key)
    token = _reg_token(backend, api_key, params.get("regToken"))
    doc = _account_of(backend, token)
    if not doc.get("isRegistered"):
        doc["isRegistered"] = True
        core._set_date(doc, "registered", backend.now_ms())
        backend._save(api_key, doc)
        webhooks.emit(backend, api_key, "accountRegistered", doc["UID"])
        if _must_verify(site, doc):
            send_verification(backend, site, doc)
    return _logged_in(backend, site, doc, token["token"], params, new_user=True)


def _account_of(backend: Any, token: dict) -> dict:
    if not token["uid"]:
        raise MockGigyaError(206001, details="Account Pending Registration: no account registered with this "
                                             "regToken yet (call accounts.register)", fields={"regToken": token["token"]})
    doc = backend.store.get_account(token["apiKey"], token["uid"])
    if doc is None:
        raise MockGigyaError(403005, details="The account of this regToken no longer exists", uid=token["uid"])
    return doc


def _must_verify(site: Any, doc: dict) -> bool:
    return bool(site.policy("accountOptions", "verifyEmail")) and not doc.get("isVerified")


def _logged_in(backend: Any, site: Any, doc: dict, reg_token: str, params: dict, *, new_user: bool) -> dict:
    """The login answer for a registered account, or 206002 while its email must still be verified."""
    if _must_verify(site, doc) and not site.policy("accountOptions", "allowUnverifiedLogin"):
        raise MockGigyaError(206002, details="Account Pending Verification: the verification email was sent",
                             uid=doc["UID"], fields={"regToken": reg_token, "UID": doc["UID"]})
    out = backend._login_response(site, doc, params, backend.now_ms())
    out["isNewUser"] = new_user
    backend.store.delete_tokens(REG_TOKEN, token=reg_token)  # used up once the user is in
    webhooks.emit(backend, site.api_key, "accountLoggedIn", doc["UID"])
    return out


def send_verification(backend: Any, site: Any, doc: dict, email: str | None = None) -> dict:
    """Mail a verification link for ``email`` (default: the first unverified one)."""
    to = email or next(iter((doc.get("emails") or {}).get("unverified") or []), None)
    if not to:
        raise MockGigyaError.invalid("email", "the account has no unverified email")
    token = secrets.token_urlsafe(24)
    ttl = int(site.policy("emailVerification", "verificationEmailExpiration", 86400) or 86400)
    backend.store.put_token(VERIFY_TOKEN, token, site.api_key, {"email": to}, uid=doc["UID"],
                            expires=int(backend.clock()) + ttl)
    link = (f"https://accounts.{site.data_center}.gigya.com/accounts.verifyEmail?apiKey={site.api_key}"
            f"&vToken={token}")
    return mailbox.send(backend, site.api_key, doc["UID"], to, VERIFICATION_MAIL, token, link)


def resend_verification(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.resendVerificationCode: a new verification mail, by ``regToken`` or ``UID``."""
    site = backend.site(api_key)
    if params.get("regToken"):
        doc = _account_of(backend, _reg_token(backend, api_key, params["regToken"]))
    else:
        doc = backend._load(api_key, params.get("UID"))
    send_verification(backend, site, doc, params.get("email"))
    return {}


def verify_email(backend: Any, api_key: str, params: dict) -> dict:
    """The verification link's endpoint: ``vToken`` marks its email verified (and a login ID)."""
    from mock_gigya import backend as core

    backend.site(api_key)
    token = backend.store.live_token(VERIFY_TOKEN, str(params.get("vToken") or ""), api_key, backend.clock())
    if token is None:
        raise MockGigyaError.invalid("vToken", "unknown, used or expired verification token")
    email = token["doc"]["email"]
    with backend.store.tx():
        doc = backend._load(api_key, token["uid"])
        _mark_verified(doc, email, backend.now_ms(), core)
        backend._save(api_key, doc)
        backend.store.delete_tokens(VERIFY_TOKEN, token=token["token"])
    webhooks.emit(backend, api_key, "accountUpdated", doc["UID"])
    return {"UID": doc["UID"]}


def _mark_verified(doc: dict, email: str, now: int, core: Any) -> None:
    emails = doc.setdefault("emails", {"verified": [], "unverified": []})
    emails["unverified"] = [e for e in emails.get("unverified") or [] if e.lower() != email.lower()]
    emails["verified"] = list(dict.fromkeys((emails.get("verified") or []) + [email]))
    ids = doc.setdefault("loginIDs", {"emails": [], "unverifiedEmails": []})
    was_login_id = any(e.lower() == email.lower() for e in ids.get("unverifiedEmails") or [])
    ids["unverifiedEmails"] = [e for e in ids.get("unverifiedEmails") or [] if e.lower() != email.lower()]
    if was_login_id:
        ids["emails"] = list(dict.fromkeys((ids.get("emails") or []) + [email]))
    if not emails["unverified"]:
        doc["isVerified"] = True
        core._set_date(doc, "verified", now)
    core._set_date(doc, "lastUpdated", now)


def verify_login(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.verifyLogin: by ``regToken`` (after 206001/206002: the login answer once the account may
    log in), or by ``UID`` (the account while it has an open session, else 403005, I)."""
    site = backend.site(api_key)
    if params.get("regToken"):
        token = _reg_token(backend, api_key, params["regToken"])
        doc = _account_of(backend, token)
        if not doc.get("isRegistered"):
            raise MockGigyaError(206001, uid=doc["UID"], fields={"regToken": token["token"], "UID": doc["UID"]})
        return _logged_in(backend, site, doc, token["token"], params, new_user=False)
    doc = backend._load(api_key, params.get("UID"))
    if not sessions.has_session(backend, api_key, doc["UID"]):
        raise MockGigyaError(403005, details="Unauthorized user: the user is not logged in (no open session)",
                             uid=doc["UID"])
    return backend._account_view(api_key, doc, params.get("include"))

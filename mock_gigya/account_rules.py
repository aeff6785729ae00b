"""Account-level rules of setAccountInfo, getAccountInfo and login that the docs spell out, kept out
of :mod:`mock_gigya.backend` (which calls these small functions).

Sources (docs/gigya-api.md §5, §7; Gigya's "Response Codes and Errors" page; developers.gigya.com
accounts.setAccountInfo REST):
- ``conflictHandling``: "fail" (default) returns "login identifier exists"; "saveProfileAndFail": "profile
  data is saved before returning error 'OK with error login identifier exists'" (200010) and "a
  registration token is returned for account linking".
- ``requirePasswordChange`` (only ``true``): the next login answers 403100 "Pending password change"
  until the password is changed.
- nested objects in ``profile``/``data``: "it is not necessary to set all the fields again. Just include
  the fields you want to change or add ... Any other fields in the custom data objects remain
  unchanged", and Gigya's 2019 change note (object fields of ``profile`` are merged, no longer
  replaced). The default merges key by key at every depth; site option ``nestedObjects=replace``
  replaces an object below the top level as one entity (the pre-2019 behaviour) for users who rely on it.
- "Empty fields are omitted from responses" (HELP).
"""

from __future__ import annotations

import copy
from typing import Any

from mock_gigya.errors import MockGigyaError
from mock_gigya.site_options import option

__all__ = ["CONFLICT_MODES", "DECISIONS", "FIND_BY_FIELDS", "check_password_change", "conflict_handling", "find_by",
           "mark_password_change", "merge_group", "omit_empty", "saved_but_conflicting", "unverified_emails"]

CONFLICT_MODES = ("fail", "saveProfileAndFail")
FIND_BY_FIELDS = ("email", "username", "loginID", "UID")
"""``findBy.field`` values the mock answers (I: the exact field list of the parameter is not published)."""
_PASSWORD_CHANGE = "_requirePasswordChange"


def merge_group(backend: Any, site: Any, current: dict, changes: dict) -> dict:
    """``changes`` applied to one group (profile, data, ...): ``None`` removes a key; nested objects
    are merged (default) or replaced whole (site option ``nestedObjects=replace``)."""
    from mock_gigya.backend import _deep_merge

    if option(backend, site, "nestedObjects") != "replace":
        return _deep_merge(current, changes)
    out = dict(current)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


def conflict_handling(params: dict) -> str:
    """The ``conflictHandling`` mode (default "fail"), or 400006 naming the allowed values."""
    mode = params.get("conflictHandling") or "fail"
    if mode not in CONFLICT_MODES:
        raise MockGigyaError.invalid("conflictHandling", f"must be fail or saveProfileAndFail, not {mode!r}")
    return mode


def saved_but_conflicting(backend: Any, api_key: str, uid: str, conflict: MockGigyaError) -> MockGigyaError:
    """200010 after a saveProfileAndFail save, with a regToken "for account linking"."""
    from mock_gigya import registration

    return MockGigyaError(200010, details=f"Profile saved; {conflict.details or 'login identifier exists'}",
                          fields={"regToken": registration.new_reg_token(backend, api_key, uid), "UID": uid}, uid=uid)


def mark_password_change(doc: dict, params: dict) -> None:
    """``requirePasswordChange=true``: remember the current hash; a later password change clears it."""
    if params.get("requirePasswordChange") is True:
        doc[_PASSWORD_CHANGE] = (doc.get("password") or {}).get("hash") or ""


def check_password_change(doc: dict, reg_token: Any) -> None:
    """403100 while the password set when the change was required is still the account's password."""
    if _PASSWORD_CHANGE in doc and doc[_PASSWORD_CHANGE] == ((doc.get("password") or {}).get("hash") or ""):
        raise MockGigyaError(403100, details="Pending password change: set a new password first", uid=doc["UID"],
                             fields={"regToken": reg_token(), "UID": doc["UID"]})


def unverified_emails(doc: dict) -> list[str]:
    """The account's unverified emails (returned with 206002 so the app knows where to send the link, I)."""
    emails = (doc.get("emails") or {}).get("unverified") or []
    emails = list(emails) + list((doc.get("loginIDs") or {}).get("unverifiedEmails") or [])
    return list(dict.fromkeys(emails))


def find_by(backend: Any, api_key: str, value: Any) -> str:
    """The UID for getAccountInfo's ``findBy`` = ``{"field": "email"|"username"|"loginID"|"UID", "value": ...}``
    (shape inferred, see SUPPORTED.md); 403005 when no account matches."""
    if not isinstance(value, dict) or value.get("field") not in FIND_BY_FIELDS or not isinstance(value.get("value"), str):
        raise MockGigyaError.invalid("findBy", f"expected {{\"field\": one of {', '.join(FIND_BY_FIELDS)}, "
                                                "\"value\": <text>}")
    wanted = value["value"]
    if value["field"] == "UID":
        return wanted
    uid = backend.store.uid_for_login_id(api_key, wanted.strip().lower())
    if uid is None:
        raise MockGigyaError(403005, details=f"No account with {value['field']} {wanted!r} on this site")
    return uid


def omit_empty(out: dict) -> dict:
    """Top-level fields whose value is an empty string are left out (HELP: empty fields are omitted)."""
    return {k: v for k, v in out.items() if v != ""}


DECISIONS: tuple[tuple[str, str], ...] = (
    ("Nested objects", "setAccountInfo and importFullAccount upsert merge `profile`/`data`/... key by key at every "
                       "depth (documented wording); site option `nestedObjects=replace` replaces an object below the "
                       "top level as one entity."),
    ("conflictHandling", "`fail` (default): 403043. `saveProfileAndFail`: everything but the conflicting login IDs is "
                         "saved, then 200010 \"OK with error login identifier exists\" with a `regToken`. Any other "
                         "value: 400006. Applies to any account, not only new ones (I)."),
    ("requirePasswordChange", "`true` makes every login answer 403100 \"Pending password change\" (with a regToken) "
                              "until the password changes by any route; `false` does nothing."),
    ("removeLoginEmails", "Also removes `loginIDs.username` when it equals a removed email (case-insensitive)."),
    ("findBy", "getAccountInfo accepts `findBy={\"field\": email|username|loginID|UID, \"value\": ...}` instead of "
               "`UID` (shape inferred); no match answers 403005."),
    ("Empty fields", "Top-level fields holding an empty string are omitted from getAccountInfo, login and search "
                     "results (HELP: empty fields are omitted); empty groups asked for with `include` stay `{}`."),
    ("isNewUser", "accounts.login answers `isNewUser: false`, the first login after an import included (HELP: "
                  "imported users are not considered new users); `newUser` belongs to notifyLogin/socialLogin, "
                  "which the mock does not serve."),
)

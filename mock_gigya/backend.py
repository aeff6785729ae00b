"""All of the mock's state and behaviour, with no HTTP: sites, application keys, accounts, policies,
logins, searches and the audit log. :mod:`mock_gigya.api` parses requests and calls in here; the
in-process mock and the HTTP server both go through that one dispatch.

Every behaviour follows docs/gigya-api.md; where the facts are inferred (I) or open, the choice
made is listed in SUPPORTED.md (``python -m mock_gigya.supported``). Methods raise
:class:`~mock_gigya.errors.MockGigyaError` with Gigya's errorCode.
"""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import re
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator

from mock_gigya import defaults
from mock_gigya.audit_retention import AuditRetention
from mock_gigya.errors import MockGigyaError
from mock_gigya.query import to_millis
from mock_gigya.search import (  # noqa: F401 (the limits are re-exported: lite.py, supported.py read them here)
    CURSOR_TTL, SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_WINDOW, Searcher)
from mock_gigya.store import Store

__all__ = ["AccountsView", "Backend", "Site", "default_policies", "iso", "public_account"]

NEVER = "0001-01-01T00:00:00Z"
"""``lastLogin`` of an account that never logged in (docs §4: timestamp 0)."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FIELDS = ("created", "lastLogin", "lastUpdated", "registered", "verified")
_IMPORT_GROUPS_MERGED = ("profile", "data", "preferences", "subscriptions", "communications")
_IMPORT_GROUPS_REPLACED = ("loginIDs", "emails", "identities", "password")
_INCLUDE_VALUES = (
    "identities-active", "identities-all", "identities-global", "loginIDs", "emails", "profile", "data",
    "memberships", "password", "isLockedOut", "lastLoginLocation", "regSource", "irank", "rba",
    "subscriptions", "userInfo", "preferences", "groups", "internal", "customIdentifiers", "id_token",
)
_DEFAULT_INCLUDE = ("profile", "data")
_ALWAYS_RETURNED = (
    "UID", "created", "createdTimestamp", "isActive", "isRegistered", "isVerified", "lastLogin",
    "lastLoginTimestamp", "lastUpdated", "lastUpdatedTimestamp", "oldestDataUpdated",
    "oldestDataUpdatedTimestamp", "registered", "registeredTimestamp", "verified", "verifiedTimestamp",
    "socialProviders", "loginProvider", "lang", "phoneNumber",
)
PROFILE_FIELDS = frozenset(
    "firstName lastName nickname name email username photoURL thumbnailURL profileURL birthDay birthMonth "
    "birthYear gender age city state country zip address phones languages locale timezone bio education "
    "educationLevel work skills likes favorites interestedIn relationshipStatus religion politicalView honors "
    "publications patents certifications professionalHeadline industry specialities hometown followersCount "
    "followingCount verified samlData oidcData proxiedEmail capabilities iRank activities books movies music "
    "television interests".split()
)
"""Gigya's fixed profile schema (accounts.getSchema profileSchema, SAP Help): other keys are refused."""

_EMPTY_OBJECT_GROUPS = ("profile", "data", "preferences", "subscriptions", "emails", "loginIDs", "password")
_NOT_IMPORTABLE_PROVIDERS = re.compile(r"^(saml|oidc)", re.I)


# ------------------------------------------------------------------ time helpers


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_NEVER_MS = to_millis(NEVER)


@functools.lru_cache(maxsize=4096)  # a call formats the same few instants several times
def iso(ms: int) -> str:
    """Gigya's date format: ISO-8601 UTC with milliseconds and a ``Z`` (any year 1..9999)."""
    moment = _EPOCH + _dt.timedelta(milliseconds=ms)  # no strftime: this runs several times a call
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z")


def _parse_date(name: str, value: Any) -> int:
    millis = to_millis(value) if isinstance(value, str) else None
    if millis is not None and not _NEVER_MS <= millis < 253402300800000:
        millis = None  # before year 1 or after 9999
    if millis is None:
        raise MockGigyaError.invalid(name, f"expected an ISO-8601 UTC date such as 2019-07-16T19:20:30Z, got {value!r}")
    return millis


# ------------------------------------------------------------------ sites and policies


def default_policies() -> dict:
    """A new site's policies (accounts.getPolicies sections). Values are plausible defaults (I)."""
    return {
        "registration": {"requireCaptcha": False, "requireSecurityQuestion": False, "requireLoginID": False,
                         "enforceCoppa": False},
        "gigyaPlugins": {"connectWithoutLoginBehavior": "alwaysLogin", "defaultRegScreenSet": "",
                         "defaultMobileRegScreenSet": "", "sessionExpiration": 0, "rememberSessionExpiration": 0},
        "accountOptions": {"verifyEmail": False, "allowUnverifiedLogin": False, "verifyProviderEmail": False,
                           "preventLoginIDHarvesting": False, "sendWelcomeEmail": False,
                           "sendAccountDeletedEmail": False, "defaultLanguage": "en",
                           "loginIdentifierConflict": "failOnSiteConflictingIdentity",
                           "loginIdentifiers": "email"},
        "passwordComplexity": {"minCharGroups": 2, "minLength": 8, "regExp": ""},
        "emailVerification": {"verificationEmailExpiration": 86400, "autoLogin": False},
        "emailNotifications": {"welcomeEmailTemplates": {}, "accountDeletedEmailTemplates": {}},
        "passwordReset": {"requireSecurityCode": False, "resetURL": "", "tokenExpiration": 3600},
        "profilePhoto": {"thumbnailWidth": 100, "thumbnailHeight": 100},
        # Lockout values from the RBA sample in seed 003 ("account lockout": 3 failures, 60 s).
        "security": {"accountLockout": {"failedLoginThreshold": 3, "lockoutTimeSec": 60, "failedLoginResetSec": 60},
                     "captcha": {"failedLoginThreshold": 0},
                     "ipLockout": {"hourlyFailedLoginThreshold": 0, "lockoutTimeSec": 0},
                     "passwordChangeInterval": 0, "passwordHistorySize": 0},
        "twoFactorAuth": {"providers": []},
        "federation": {"allowMultipleIdentities": False},
    }


@dataclass
class Site:
    """One Gigya site (apiKey) of a partner: data center, site secret, policies, schema, re-hash settings."""

    api_key: str
    data_center: str = defaults.DEFAULT_DATA_CENTER
    partner_id: str = "mock-partner"
    secret: str | None = None
    policies: dict = field(default_factory=default_policies)
    schema: dict = field(default_factory=dict)
    rehash: dict = field(default_factory=lambda: {"algorithm": "pbkdf2", "rounds": 3000})
    options: dict = field(default_factory=dict)  # mock_gigya.site_options

    def policy(self, section: str, key: str, default: Any = None) -> Any:
        """One policy value, e.g. ``site.policy("accountOptions", "verifyEmail")``."""
        return self.policies.get(section, {}).get(key, default)


def _deep_merge(target: dict, changes: dict, *, remove_nulls: bool = True) -> dict:
    """Merge ``changes`` into ``target`` (nested objects merged, arrays replaced, ``None`` removes)."""
    for key, value in changes.items():
        if value is None and remove_nulls:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value, remove_nulls=remove_nulls)
        elif isinstance(value, dict):
            target[key] = _deep_merge({}, value, remove_nulls=remove_nulls)
        else:
            target[key] = _copied(value)
    return target


_ATOMS = (str, int, float, bool, type(None))


def _copied(value: Any) -> Any:
    """``copy.deepcopy`` of a JSON value (dicts, lists, strings, numbers, booleans, null) without
    deepcopy's bookkeeping, which cost ~20 us per object of an import; other types go to deepcopy."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    return copy.deepcopy(value)


# ------------------------------------------------------------------ accounts helpers


def _login_ids_of(doc: dict) -> list[str]:
    """Normalised login identifiers of an account: emails, unverified emails, username (lower-case, I)."""
    ids = doc.get("loginIDs") or {}
    found = list(ids.get("emails") or []) + list(ids.get("unverifiedEmails") or [])
    if ids.get("username"):
        found.append(ids["username"])
    return [str(x).strip().lower() for x in found if x]


def _identities_of(doc: dict) -> list[tuple[str, str]]:
    return [
        (str(i.get("provider")), str(i.get("providerUID")))
        for i in doc.get("identities") or []
        if isinstance(i, dict) and i.get("provider") and i.get("providerUID") and i.get("provider") != "site"
    ]


def public_account(doc: dict) -> dict:
    """The account as Gigya shows it (no mock-internal keys, empty ``hashSettings`` omitted)."""
    out = {k: v for k, v in doc.items() if not k.startswith("_") and v != ""}  # HELP: empty fields omitted
    password = out.get("password")
    if isinstance(password, dict):
        out["password"] = {
            k: v for k, v in password.items() if not k.startswith("_") and (k != "hashSettings" or v)
        }
        if out["password"].get("hash") and not out["password"].get("created"):
            out["password"]["created"] = doc.get("created")  # HELP: password.created whenever there is one
    return out


class AccountsView:
    """A small read helper over one site's accounts, for tests and the control plane."""

    def __init__(self, backend: "Backend", api_key: str) -> None:
        self._backend = backend
        self._api_key = api_key

    def find(self, *, email: str | None = None, uid: str | None = None, login_id: str | None = None) -> dict | None:
        """The account (public view) by UID, login ID, or email (a login ID or ``profile.email``)."""
        store = self._backend.store
        if uid is None and (login_id or email):
            uid = store.uid_for_login_id(self._api_key, (login_id or email).strip().lower())
        if uid is None and email:
            wanted = email.strip().lower()
            uid = next(
                (d["UID"] for d in self._iter_docs() if str((d.get("profile") or {}).get("email", "")).lower() == wanted),
                None,
            )
        doc = store.get_account(self._api_key, uid) if uid else None
        return public_account(doc) if doc else None

    def all(self) -> list[dict]:
        """Every account of the site (public view), in insertion order."""
        return [public_account(d) for d in self._iter_docs()]

    def count(self) -> int:
        """Number of accounts on the site."""
        return self._backend.store.count("accounts", self._api_key)

    def _iter_docs(self) -> Iterator[dict]:
        after = 0
        while batch := self._backend.store.scan("accounts", self._api_key, after=after):
            for seq, doc in batch:
                yield doc
            after = batch[-1][0]


# ------------------------------------------------------------------ the backend


class Backend:
    """The mock Gigya: sites of partners, application keys, accounts, policies and the audit log.

    ``db_path`` is ``":memory:"`` or a SQLite file; ``clock`` returns Unix seconds (tests inject one).
    """

    def __init__(self, db_path: str = ":memory:", *, clock: Callable[[], float] = time.time) -> None:
        self.store = Store(db_path)
        self.clock = clock
        self._uid_locks: dict[tuple[str, str], threading.Lock] = {}
        self.server_options: dict = {}
        self._options_cache: dict[str, dict] = {}
        self._site_views: dict[str, tuple[dict, Site]] = {}  # api_key -> (store's shared doc, Site of it)
        """Server-wide defaults of :mod:`mock_gigya.site_options` (``serve --site-option``)."""
        from mock_gigya.search_index import SearchIndex
        from mock_gigya.uid_limits import UidLimits

        self.uid_limits = UidLimits()
        self.search_index = SearchIndex()
        self.audit_retention = AuditRetention()  # how much audit log is kept (mock_gigya/audit_retention.py)
        self.searcher = Searcher(self)  # accounts.search and audit.search (mock_gigya/search.py)

    # -------------------------------------------------------------- configuration

    def now_ms(self) -> int:
        """The mock's current time in Unix milliseconds."""
        return int(self.clock() * 1000)

    def add_site(
        self,
        api_key: str,
        *,
        data_center: str = defaults.DEFAULT_DATA_CENTER,
        partner_id: str = "mock-partner",
        secret: str | None = None,
        policies: dict | None = None,
        schema: dict | None = None,
        rehash: dict | None = None,
        options: dict | None = None,
    ) -> Site:
        """Create or replace a site. ``policies`` are merged over :func:`default_policies`;
        ``options`` are :mod:`mock_gigya.site_options` switches (ValueError when unknown)."""
        from mock_gigya.site_options import validate_options

        site = Site(
            api_key=api_key,
            data_center=data_center,
            partner_id=partner_id,
            secret=secret or defaults.DEFAULT_SECRET,
            policies=_deep_merge(default_policies(), policies or {}),
            schema=copy.deepcopy(schema or {}),
            rehash=dict(rehash or {"algorithm": "pbkdf2", "rounds": 3000}),
            options=validate_options(options),
        )
        self.store.put_site(api_key, asdict(site))
        self._options_cache.pop(api_key, None)
        return site

    def add_default_site(self) -> Site:
        """The site and application key of :mod:`mock_gigya.defaults` (what ``--mock`` talks to)."""
        self.add_app_key(defaults.DEFAULT_USER_KEY, defaults.DEFAULT_SECRET)
        return self.add_site(defaults.DEFAULT_API_KEY)

    def site(self, api_key: str) -> Site:
        """The site for ``api_key``, or 400093 Invalid ApiKey parameter."""
        doc = self.store.get_site(api_key) if api_key else None
        if doc is None:
            raise MockGigyaError(400093, details=f"Invalid ApiKey parameter: {api_key!r} is not a site of this mock")
        return Site(**doc)

    def site_view(self, api_key: str) -> Site:
        """:meth:`site` for a caller that only reads it (authentication, the import path): one
        :class:`Site` shared until the site is saved again, so it must never be changed (policies,
        schema and options are the shared dicts); 400093 as :meth:`site`. Parsing the stored site
        on every call cost ~15% of an import's CPU."""
        doc = self.store.site_view(api_key) if api_key else None
        if doc is None:
            return self.site(api_key)  # raises 400093
        cached = self._site_views.get(api_key)
        if cached is None or cached[0] is not doc:
            cached = self._site_views[api_key] = (doc, Site(**doc))
        return cached[1]

    def has_site(self, api_key: str) -> bool:
        """True when ``api_key`` is a site of this mock."""
        return bool(api_key) and self.store.has_site(api_key)

    def sites(self) -> list[Site]:
        """Every site."""
        return [self.site(key) for key in self.store.site_keys()]

    def save_site(self, site: Site) -> None:
        """Persist a changed site (policies, schema, re-hash settings); SQLite with --db."""
        self.store.put_site(site.api_key, asdict(site))
        self._options_cache.pop(site.api_key, None)

    def site_option(self, api_key: str, name: str) -> Any:
        """The effective :mod:`mock_gigya.site_options` value for a site (its own, server-wide, default).

        Read on every call by the per-UID limits and the search delay, so a site's options are cached
        until the site is saved again (reading the site from SQLite each time cost ~10% of an import)."""
        from mock_gigya.site_options import OPTIONS

        if api_key not in self._options_cache:
            self._options_cache[api_key] = dict(self.site(api_key).options)
        own = self._options_cache[api_key]
        return own[name] if name in own else self.server_options.get(name, OPTIONS[name].default)

    def add_app_key(
        self, user_key: str, secret: str | None = None, *, partner_id: str = "mock-partner", public_key: str | None = None
    ) -> dict:
        """Register an application key valid for every site of ``partner_id``.

        ``secret`` (base64) serves userKey+secret and signed requests; ``public_key`` (PEM) serves
        RS256 JWT bearer tokens whose ``kid`` is ``user_key``.
        """
        doc = {"userKey": user_key, "secret": secret, "partnerId": partner_id, "publicKey": public_key}
        self.store.put_app_key(user_key, doc)
        return doc

    def app_key(self, user_key: str) -> dict | None:
        """An application key's record, or None."""
        return self.store.get_app_key(user_key) if user_key else None

    def app_key_view(self, user_key: str) -> dict | None:
        """:meth:`app_key` for a caller that only reads it: a shared dict, never to be changed."""
        return self.store.app_key_view(user_key) if user_key else None

    def app_keys(self) -> list[dict]:
        """Every application key's record (``userKey``, ``partnerId``, ``secret``, ``publicKey``)."""
        return self.store.app_key_docs()

    def reset(self, *, keep_config: bool = False) -> None:
        """Forget everything (or, with ``keep_config``, everything but sites and application keys)."""
        from mock_gigya.uid_limits import UidLimits

        self.store.reset(keep_config=keep_config)
        self._options_cache.clear()
        self.uid_limits = UidLimits()
        self.search_index.reset()

    def accounts(self, api_key: str) -> AccountsView:
        """Read helper over a site's accounts: ``.find(...)``, ``.all()``, ``.count()``."""
        self.site(api_key)
        return AccountsView(self, api_key)

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    # -------------------------------------------------------------- seeding

    def seed_account(self, api_key: str, **fields: Any) -> dict:
        """Insert an account directly (tests, seeding), with no policy checks; returns its public view.

        ``password`` may be the import shape (``hashedPassword``/``compoundHashedPassword`` +
        ``hashSettings``) or the stored shape (``hash`` + ``hashSettings``); a cleartext
        ``password="..."`` string is hashed with the site's re-hash algorithm. Dates may be ISO
        strings or ms. Login IDs and identities must be free on the site (403043 / 409001).
        """
        site = self.site(api_key)
        doc = self._seed_doc(site, fields)
        with self.store.tx():
            self._check_unique(site.api_key, doc, doc["UID"])
            self._save(site.api_key, doc)
        return public_account(doc)

    def _seed_doc(self, site: Site, fields: dict) -> dict:
        fields = dict(fields)
        uid = fields.pop("UID", None) or fields.pop("uid", None) or _new_uid()
        now = self.now_ms()
        doc = _base_account(uid, now)
        password = fields.pop("password", None)
        for name in _DATE_FIELDS:
            value = fields.pop(name, None)
            if value is not None:
                _set_date(doc, name, value if isinstance(value, int) else _parse_date(name, value))
        doc.update(copy.deepcopy(fields))
        if "isRegistered" not in fields and doc.get("loginIDs"):
            doc["isRegistered"] = True  # same rule as importFullAccount
        if doc.get("isRegistered") and "registered" not in doc:
            _set_date(doc, "registered", doc["createdTimestamp"])
        if isinstance(password, str):
            doc["password"] = self._site_password(site, password, now)
        elif password and "hash" in password:
            doc["password"] = _stored_password(password, now)
        elif password:
            doc["password"] = _import_password(password, now)  # validated like importFullAccount
        _finish_account(doc)
        return doc

    def bulk_seed(self, api_key: str, docs: Iterable[dict], *, batch: int = 5000) -> int:
        """Insert many prepared accounts fast (benchmarks); each needs a unique ``UID`` and login IDs."""
        self.site(api_key)
        total, chunk = 0, []
        for fields in docs:
            doc = _base_account(fields.get("UID") or _new_uid(), self.now_ms())
            doc.update(fields)
            if "isRegistered" not in fields and doc.get("loginIDs"):
                doc["isRegistered"] = True
            _finish_account(doc)
            chunk.append(doc)
            if len(chunk) >= batch:
                total += self._flush_bulk(api_key, chunk)
                chunk = []
        return total + (self._flush_bulk(api_key, chunk) if chunk else 0)

    def _flush_bulk(self, api_key: str, chunk: list[dict]) -> int:
        self.store.bulk_insert_accounts(api_key, chunk, [_login_ids_of(d) for d in chunk])
        return len(chunk)

    # -------------------------------------------------------------- storage helpers

    def _load(self, api_key: str, uid: Any, *, param: str = "UID") -> dict:
        if not uid or not isinstance(uid, str):
            raise MockGigyaError.missing(param)
        doc = self.store.get_account(api_key, uid)
        if doc is None:
            # I: an unknown UID answers 403005 Unauthorized user (GRAZE fixture; docs §5).
            raise MockGigyaError(403005, details=f"No account with UID {uid!r} on this site", uid=uid)
        return doc

    def _save(self, api_key: str, doc: dict, *, new: bool = False) -> None:
        """Store ``doc``; ``new`` when the caller's transaction found no account with its UID."""
        if (delay := self.search_index.delay_ms(self, api_key)) > 0:  # site option searchDelaySeconds
            before = self.store.get_account(api_key, doc["UID"])
            self.search_index.note_write(self, api_key, doc["UID"], before, doc, delay)
        self.store.put_account(api_key, doc, login_ids=_login_ids_of(doc), identities=_identities_of(doc), new=new)

    def _check_unique(self, api_key: str, doc: dict, uid: str) -> None:
        for login_id in _login_ids_of(doc):
            owner = self.store.uid_for_login_id(api_key, login_id)
            if owner is not None and owner != uid:
                raise MockGigyaError(
                    403043,
                    details=f"Login identifier {login_id!r} already belongs to another account on this site",
                    validation_errors=[{"errorCode": 403043, "message": "Login identifier exists", "fieldName": "loginIDs"}],
                    uid=uid,
                )
        conflicts = [
            {"provider": p, "providerUID": puid}
            for p, puid in _identities_of(doc)
            if (owner := self.store.uid_for_identity(api_key, p, puid)) is not None and owner != uid
        ]
        if conflicts:
            raise MockGigyaError(409001, details="Identity already belongs to another account",
                                 fields={"identityConflicts": conflicts}, uid=uid)

    def _site_password(self, site: Site, cleartext: str, now: int) -> dict:
        from gigya_migrate.hashing import site_hash

        hashed = site_hash(cleartext, algorithm=site.rehash.get("algorithm", "pbkdf2"),
                           rounds=int(site.rehash.get("rounds", 3000)))
        return {"hash": hashed["hash"], "hashSettings": hashed["hashSettings"], "created": iso(now)}

    # -------------------------------------------------------------- accounts.importFullAccount

    def import_full_account(self, api_key: str, params: dict) -> dict:
        """accounts.importFullAccount: insert (default) or upsert one account with its password hash.

        ``params`` are already decoded (objects as dicts, booleans as bool). Returns the response fields.
        """
        site = self.site_view(api_key)  # read only here
        if site.policy("accountOptions", "verifyEmail"):
            # I: code not documented; seed 004 quotes only the message. 400006 keeps clients from retrying.
            raise MockGigyaError(
                400006, "Email verification policy is enabled",
                details="Email verification policy is enabled: disable accountOptions.verifyEmail on the target "
                        "site before importing (seed 000, seed 004)",
            )
        uid = _import_uid(params)
        policy = params.get("importPolicy") or "insert"
        if policy not in ("insert", "upsert"):
            raise MockGigyaError.invalid("importPolicy", f"must be insert or upsert, not {policy!r}")
        fields = self._import_fields(site, params)
        with self.store.tx():
            existing = self.store.get_account(api_key, uid)
            if existing is not None and policy == "insert":
                raise MockGigyaError(400003, details=f"User already exists: UID {uid!r}", uid=uid)
            doc = existing or _base_account(uid, self.now_ms())
            self._apply_import(doc, fields, new=existing is None, site=site)
            moved = self._resolve_identity_conflicts(api_key, doc, params.get("handleIdentityConflicts") or "error")
            self._check_unique(api_key, doc, uid)
            self._save(api_key, doc, new=existing is None)
        # HELP: identityConflicts is returned on success too when there were conflicts.
        return {"UID": uid, **({"identityConflicts": moved} if moved else {})}

    def _import_fields(self, site: Site, params: dict) -> dict:
        now = self.now_ms()
        fields: dict[str, Any] = {}
        for name in _IMPORT_GROUPS_MERGED:
            if params.get(name) is not None:
                fields[name] = _check_schema(site, name, _require_object(name, params[name]))
        login_ids = params.get("loginIDs", params.get("loginIds"))
        if login_ids is not None:
            fields["loginIDs"] = _validate_login_ids(login_ids)
        if params.get("emails") is not None:
            fields["emails"] = _validate_emails(params["emails"])
        if params.get("identities") is not None:
            fields["identities"] = _validate_identities(params["identities"])
        if params.get("password") not in (None, {}):
            # An empty object is "no password": getAccountInfo shows {} for social-only accounts and the
            # copy-accounts sample (seed 000) passes it straight back to importFullAccount.
            fields["password"] = _import_password(params["password"], now)
        for name in _DATE_FIELDS:
            if params.get(name) is not None:
                fields[name] = _parse_date(name, params[name])
        for name in ("isActive", "isRegistered", "isVerified"):
            if params.get(name) is not None:
                fields[name] = bool(params[name])
        for name in ("regSource", "lang", "phoneNumber"):
            if params.get(name) is not None:
                fields[name] = str(params[name])
        return fields

    def _apply_import(self, doc: dict, fields: dict, *, new: bool = True, site: Site | None = None) -> None:
        from mock_gigya.account_rules import merge_group

        now = self.now_ms()
        for name, value in fields.items():
            if name in _IMPORT_GROUPS_MERGED:
                doc[name] = merge_group(self, site, doc.get(name) or {}, value) if site else _deep_merge(doc.get(name) or {}, value)
            elif name in _DATE_FIELDS:
                _set_date(doc, name, value)
            else:
                doc[name] = _copied(value)
        if new and "isRegistered" not in fields and "loginIDs" in fields:
            # I (declared in SUPPORTED.md): a *new* account imported with login IDs and no isRegistered
            # is registered, so it can log in; an upsert leaves isRegistered as it was unless given.
            doc["isRegistered"] = True
        if doc.get("isRegistered") and "registered" not in doc:
            _set_date(doc, "registered", doc["createdTimestamp"])
        if doc.get("isVerified") and "verified" not in doc:
            _set_date(doc, "verified", now)
        if "lastUpdated" not in fields:
            _set_date(doc, "lastUpdated", now)
        _finish_account(doc)

    def _resolve_identity_conflicts(self, api_key: str, doc: dict, mode: str) -> list[dict]:
        if mode not in ("error", "connect"):
            raise MockGigyaError.invalid("handleIdentityConflicts", f"must be error or connect, not {mode!r}")
        moved: list[dict] = []
        if mode != "connect":
            return moved
        # I: "connect" moves a conflicting identity from its current owner to the imported account.
        for provider, puid in _identities_of(doc):
            owner = self.store.uid_for_identity(api_key, provider, puid)
            if owner and owner != doc["UID"]:
                other = self.store.get_account(api_key, owner)
                other["identities"] = [
                    i for i in other.get("identities", [])
                    if (i.get("provider"), i.get("providerUID")) != (provider, puid)
                ]
                _finish_account(other)
                self._save(api_key, other)
                moved.append({"provider": provider, "providerUID": puid})
        return moved

    # -------------------------------------------------------------- accounts.setAccountInfo

    def set_account_info(self, api_key: str, params: dict) -> dict:
        """accounts.setAccountInfo: deep-merge profile/data/..., isActive, password, login IDs."""
        from mock_gigya import account_rules

        site = self.site(api_key)
        uid = params.get("UID")
        mode, conflict = account_rules.conflict_handling(params), None
        with self.store.tx():
            doc = self._load(api_key, uid)
            login_ids_before = copy.deepcopy(doc.get("loginIDs"))
            for name in ("profile", "data", "preferences", "subscriptions", "communications"):
                if params.get(name) is not None:
                    changes = _check_schema(site, name, _require_object(name, params[name]))
                    doc[name] = account_rules.merge_group(self, site, doc.get(name) or {}, changes)
            self._set_flags(doc, params)
            self._set_login_ids(doc, params)
            self._set_password(site, doc, params)
            account_rules.mark_password_change(doc, params)
            if params.get("rba") is not None:
                doc["rbaPolicy"] = _deep_merge(doc.get("rbaPolicy") or {}, _require_object("rba", params["rba"]))
            if params.get("regSource") is not None and not doc.get("regSource"):
                doc["regSource"] = str(params["regSource"])  # I: immutable once set, later values ignored
            for name in ("lang", "phoneNumber"):
                if params.get(name) is not None:
                    doc[name] = str(params[name])
            _set_date(doc, "lastUpdated", self.now_ms())
            _finish_account(doc)
            try:
                self._check_unique(api_key, doc, uid)
            except MockGigyaError as exc:
                if exc.code != 403043 or mode != "saveProfileAndFail":
                    raise
                conflict, doc["loginIDs"] = exc, login_ids_before  # save everything but the login IDs
                _finish_account(doc)
            self._save(api_key, doc)
        if conflict is not None:
            raise account_rules.saved_but_conflicting(self, api_key, uid, conflict)
        return {}

    def _set_flags(self, doc: dict, params: dict) -> None:
        if params.get("isActive") is not None:
            doc["isActive"] = bool(params["isActive"])
        if params.get("isVerified") is True and not doc.get("isVerified"):
            # HELP: true marks every email verified, and cannot be undone.
            doc["isVerified"] = True
            _set_date(doc, "verified", self.now_ms())
            emails = doc.setdefault("emails", {"verified": [], "unverified": []})
            emails["verified"] = list(dict.fromkeys((emails.get("verified") or []) + (emails.get("unverified") or [])))
            emails["unverified"] = []
            ids = doc.setdefault("loginIDs", {})
            ids["emails"] = list(dict.fromkeys((ids.get("emails") or []) + (ids.get("unverifiedEmails") or [])))
            ids["unverifiedEmails"] = []

    def _set_login_ids(self, doc: dict, params: dict) -> None:
        if all(params.get(k) is None for k in ("addLoginEmails", "removeLoginEmails", "username")):
            return
        ids = doc.setdefault("loginIDs", {"emails": [], "unverifiedEmails": []})
        for email in _comma_list(params.get("addLoginEmails")):
            _check_email("addLoginEmails", email)
            if email.lower() not in [e.lower() for e in ids.get("emails") or []]:
                ids.setdefault("emails", []).append(email)
        removed = {e.lower() for e in _comma_list(params.get("removeLoginEmails"))}
        if removed:
            ids["emails"] = [e for e in ids.get("emails") or [] if e.lower() not in removed]
            ids["unverifiedEmails"] = [e for e in ids.get("unverifiedEmails") or [] if e.lower() not in removed]
            if str(ids.get("username") or "").lower() in removed:
                ids.pop("username")  # a username equal to a removed email is that login ID too
        if params.get("username") is not None:
            username = str(params["username"]).strip()
            if username:
                ids["username"] = username
            else:
                ids.pop("username", None)

    def _set_password(self, site: Site, doc: dict, params: dict) -> None:
        from mock_gigya import passwords  # the password paths live in their own module

        passwords.change_password(self, site, doc, params)

    # -------------------------------------------------------------- delete / get / logout

    def delete_account(self, api_key: str, uid: Any) -> dict:
        """accounts.deleteAccount: remove the account; it no longer matches any search."""
        self.site(api_key)
        with self.store.tx():
            self._load(api_key, uid)
            self.store.delete_account(api_key, uid)
        return {}

    def get_account_info(self, api_key: str, uid: Any, include: str | None = None) -> dict:
        """accounts.getAccountInfo: the account with the groups named in ``include``."""
        self.site_view(api_key)
        doc = self._load(api_key, uid)
        return self._account_view(api_key, doc, include)

    def _account_view(self, api_key: str, doc: dict, include: str | None) -> dict:
        wanted = _parse_include(include)
        public = public_account(doc)
        out = {k: public[k] for k in _ALWAYS_RETURNED if k in public}
        for name in wanted:
            if name.startswith("identities"):
                out["identities"] = public.get("identities", [])
            elif name == "rba":
                out["rbaPolicy"] = public.get("rbaPolicy", {"riskPolicyLocked": False})
            elif name == "isLockedOut":
                out["isLockedOut"] = self._locked_until(api_key, doc["UID"]) > self.now_ms()
            elif name in public:
                out[name] = public[name]
            elif name in _EMPTY_OBJECT_GROUPS:
                out[name] = {}
        return out

    def logout(self, api_key: str, uid: Any) -> dict:
        """accounts.logout: ends the user's sessions (:mod:`mock_gigya.sessions`); echoes providers."""
        from mock_gigya import sessions

        self.site(api_key)
        doc = self._load(api_key, uid)
        sessions.end_sessions(self, api_key, doc["UID"])
        return {"UID": doc["UID"], "connectedProviders": doc.get("socialProviders", "site"), "logoutActiveSession": True}

    def is_available_login_id(self, api_key: str, login_id: Any) -> dict:
        """accounts.isAvailableLoginID: False when an account on the site uses it; 403026 when protected."""
        site = self.site(api_key)
        if not login_id or not isinstance(login_id, str):
            raise MockGigyaError.missing("loginID")
        if site.policy("accountOptions", "preventLoginIDHarvesting"):
            raise MockGigyaError(403026, details="Login ID harvesting protection is enabled on this site")
        return {"isAvailable": self.store.uid_for_login_id(api_key, login_id.strip().lower()) is None}

    # -------------------------------------------------------------- login, lockout and re-hash

    def login(self, api_key: str, params: dict, *, source_ip: str | None = None) -> dict:
        """accounts.login: verify the stored hash with its own settings; re-hash on first success.

        ``source_ip`` (the caller's address) feeds the site's ``security.ipLockout`` policy.
        """
        site = self.site(api_key)
        login_id, password = params.get("loginID"), params.get("password")
        if not login_id:
            raise MockGigyaError.missing("loginID")
        if not password:
            raise MockGigyaError.missing("password")
        ip_key = f"ip:{source_ip}" if source_ip else None
        if ip_key and self._locked_until(api_key, ip_key) > self.now_ms():
            raise MockGigyaError(403120, details="Too many failed logins from this IP address: temporarily locked out")
        try:
            uid = self.store.uid_for_login_id(api_key, str(login_id).strip().lower())
            if uid is None:
                raise MockGigyaError(403042, details="Invalid loginID or password")
            with self._uid_locks.setdefault((api_key, uid), threading.Lock()):
                return self._login_account(site, uid, str(password), params)
        except MockGigyaError as exc:
            if ip_key and exc.code == 403042:
                self._record_ip_failure(site, ip_key)
            raise

    def _login_account(self, site: Site, uid: str, password: str, params: dict) -> dict:
        now = self.now_ms()
        doc = self.store.get_account(site.api_key, uid)
        if doc is None:
            raise MockGigyaError(403042, details="Invalid loginID or password")
        if self._locked_until(site.api_key, uid) > now:
            raise MockGigyaError(403120, details="Account temporarily locked out", uid=uid)
        if not self._verify(doc, password):
            self._record_failure(site, uid, now)
            raise MockGigyaError(403042, details="Invalid loginID or password", uid=uid)
        self.store.put_login_state(site.api_key, uid, {})
        if doc.get("isActive") is False:
            raise MockGigyaError(403041, details="Account disabled", uid=uid)
        from mock_gigya import account_rules

        account_rules.check_password_change(doc, lambda: self._reg_token(site, uid))
        if not doc.get("isRegistered", True):
            raise MockGigyaError(206001, details="Account Pending Registration", uid=uid,
                                 fields={"regToken": self._reg_token(site, uid), "UID": uid})
        if (site.policy("accountOptions", "verifyEmail") and not doc.get("isVerified")
                and not site.policy("accountOptions", "allowUnverifiedLogin")):
            raise MockGigyaError(206002, details="Account Pending Verification", uid=uid,
                                 fields={"regToken": self._reg_token(site, uid), "UID": uid,
                                         "unverifiedEmails": account_rules.unverified_emails(doc)})
        rehashed = self._rehashed(site, doc, password, now)  # hashing outside the database lock
        with self.store.tx():
            fresh = self.store.get_account(site.api_key, uid) or doc  # keep writes made meanwhile
            if rehashed and (fresh.get("password") or {}).get("hash") == doc["password"]["hash"]:
                fresh["password"] = rehashed
            _set_date(fresh, "lastLogin", now)
            self._save(site.api_key, fresh)
        return self._login_response(site, fresh, params, now)

    def _reg_token(self, site: Site, uid: str) -> str:
        """A live regToken for a login answered 206001/206002 (accounts.verifyLogin accepts it)."""
        from mock_gigya import registration

        return registration.new_reg_token(self, site.api_key, uid)

    def _verify(self, doc: dict, password: str) -> bool:
        from gigya_migrate.hashing import HashSettingsError, verify_password

        stored = doc.get("password") or {}
        if not stored.get("hash"):
            return False
        try:
            return verify_password(password, stored["hash"], stored.get("hashSettings") or None)
        except HashSettingsError:
            return False  # I: a stored hash the mock cannot verify behaves as a wrong password

    def _rehashed(self, site: Site, doc: dict, password: str, now: int) -> dict | None:
        """SEED4: after the first successful login with an imported hash, the site's own hash (else None)."""
        stored = doc.get("password") or {}
        settings = stored.get("hashSettings") or {}
        current = {"algorithm": site.rehash.get("algorithm", "pbkdf2"), "rounds": int(site.rehash.get("rounds", 3000))}
        same = settings.get("algorithm") == current["algorithm"] and _int(settings.get("rounds")) == current["rounds"]
        if stored.get("_imported") or not same or set(settings) - {"algorithm", "rounds", "salt"}:
            kept = {k: v for k, v in stored.items() if k == "_secretQuestionAndAnswer"}
            return {**self._site_password(site, password, now), **kept}
        return None

    def _login_response(self, site: Site, doc: dict, params: dict, now: int) -> dict:
        from gigya_migrate.signing import uid_signature
        from mock_gigya import sessions

        out = self._account_view(site.api_key, doc, params.get("include"))
        ts = str(now // 1000)
        out.update({"UIDSignature": uid_signature(doc["UID"], ts, site.secret), "signatureTimestamp": ts,
                    "isNewUser": False, "loginProvider": "site"})
        out["sessionInfo"] = sessions.open_session(self, site, doc["UID"], params)
        return out

    def _lockout_policy(self, site: Site) -> tuple[int, int, int]:
        lockout = site.policy("security", "accountLockout") or {}
        return (_int(lockout.get("failedLoginThreshold")) or 0, _int(lockout.get("lockoutTimeSec")) or 0,
                _int(lockout.get("failedLoginResetSec")) or 0)

    def _record_failure(self, site: Site, uid: str, now: int) -> None:
        threshold, lock_seconds, reset_seconds = self._lockout_policy(site)
        if threshold <= 0:
            return
        state = self.store.get_login_state(site.api_key, uid)
        if reset_seconds and now - state.get("firstFailure", now) > reset_seconds * 1000:
            state = {}
        state = {"failures": state.get("failures", 0) + 1, "firstFailure": state.get("firstFailure", now)}
        if state["failures"] >= threshold:
            state["lockedUntil"] = now + lock_seconds * 1000
        self.store.put_login_state(site.api_key, uid, state)

    def _record_ip_failure(self, site: Site, ip_key: str) -> None:
        """``security.ipLockout``: more than ``hourlyFailedLoginThreshold`` failures in an hour lock the IP."""
        ip = site.policy("security", "ipLockout") or {}
        threshold = _int(ip.get("hourlyFailedLoginThreshold")) or 0
        if threshold <= 0:
            return
        now = self.now_ms()
        state = self.store.get_login_state(site.api_key, ip_key)
        recent = [t for t in state.get("failedAt", []) if now - t < 3_600_000] + [now]
        state = {"failedAt": recent[-threshold:]}
        if len(recent) >= threshold:
            state["lockedUntil"] = now + (_int(ip.get("lockoutTimeSec")) or 0) * 1000
        self.store.put_login_state(site.api_key, ip_key, state)

    def locked_until(self, api_key: str, uid: Any) -> int:
        """When the account's lockout ends (Unix ms; 0 or a past time when it is not locked)."""
        return self._locked_until(api_key, uid) if isinstance(uid, str) and uid else 0

    def _locked_until(self, api_key: str, uid: str) -> int:
        return int(self.store.get_login_state(api_key, uid).get("lockedUntil", 0))

    # -------------------------------------------------------------- RBA and policies

    def rba_get_policy(self, api_key: str) -> dict:
        """accounts.rba.getPolicy: the seed-003 shaped policy, built from the site's lockout settings."""
        site = self.site(api_key)
        threshold, lock_seconds, reset_seconds = self._lockout_policy(site)
        ip = site.policy("security", "ipLockout") or {}
        captcha = site.policy("security", "captcha") or {}
        return {"policy": {
            "commonRules": [
                _rba_rule("account", "captcha", _int(captcha.get("failedLoginThreshold")) or 0, 0, 60, "captcha"),
                _rba_rule("account", "lockout", threshold, lock_seconds, reset_seconds, "account lockout"),
                _rba_rule("IP", "lockout", _int(ip.get("hourlyFailedLoginThreshold")) or 0,
                     _int(ip.get("lockoutTimeSec")) or 0, 3600, "IP lockout"),
            ],
            "rulesSets": [{"id": "_off", "description": "This policy represents a policy without any validations",
                           "enabled": True, "rules": []}],
            "defaultPolicy": "_off",
            "allowOverrideMode": "no",
        }}

    def rba_unlock(self, api_key: str, params: dict) -> dict:
        """accounts.rba.unlock: exactly one of loginID, UID or ip; clears the lockout."""
        self.site(api_key)
        given = [name for name in ("loginID", "UID", "ip") if params.get(name)]
        if len(given) != 1:
            raise MockGigyaError(400002 if not given else 400006,
                                 details="Exactly one of loginID, UID or ip is required")
        if given[0] == "ip":
            self.store.put_login_state(api_key, f"ip:{params['ip']}", {})
            return {}
        uid = params.get("UID")
        if given[0] == "loginID":
            uid = self.store.uid_for_login_id(api_key, str(params["loginID"]).strip().lower())
            if uid is None:
                raise MockGigyaError(403047, details=f"Login ID {params['loginID']!r} does not exist")
        self._load(api_key, uid)
        self.store.put_login_state(api_key, uid, {})
        return {}

    def get_policies(self, api_key: str, sections: str | None = None) -> dict:
        """accounts.getPolicies: all sections, or the comma list in ``sections``."""
        site = self.site(api_key)
        names = _comma_list(sections) or list(site.policies)
        unknown = [n for n in names if n not in site.policies]
        if unknown:
            raise MockGigyaError.invalid("sections", f"unknown section(s) {', '.join(unknown)}; known: {', '.join(site.policies)}")
        return {name: copy.deepcopy(site.policies[name]) for name in names}

    def set_policies(self, api_key: str, changes: dict) -> dict:
        """accounts.setPolicies: merge the given sections into the site's policies."""
        site = self.site(api_key)
        unknown = [n for n in changes if n not in site.policies]
        if unknown:
            raise MockGigyaError.invalid(unknown[0], f"unknown policy section; known: {', '.join(site.policies)}")
        for name, value in changes.items():
            site.policies[name] = _deep_merge(site.policies[name], _require_object(name, value), remove_nulls=False)
        self.save_site(site)
        return {}

    # -------------------------------------------------------------- search

    def search(self, api_key: str, *, query: str | None = None, cursor_id: str | None = None,
               open_cursor: bool = False) -> dict:
        """accounts.search: results, objectsCount, totalCount and (with a cursor) nextCursorId."""
        self.site(api_key)
        return self.searcher.run("accounts", api_key, query, cursor_id, open_cursor)

    def audit_search(self, api_key: str, *, query: str | None = None, cursor_id: str | None = None,
                     open_cursor: bool = False) -> dict:
        """audit.search: ``SELECT * FROM auditLog`` with WHERE, ORDER BY, START, LIMIT and cursors."""
        self.site(api_key)
        return self.searcher.run("audit", api_key, query, cursor_id, open_cursor)

    def check_query_signature(self, api_key: str, query: Any, query_sig: Any, exp_time: Any) -> None:
        """Client-side accounts.search: ``querySig`` = HMAC(site secret, f"{query}_{expTime}"), expTime in ms."""
        from gigya_migrate.signing import query_signature

        site = self.site(api_key)
        if not query_sig or not exp_time:
            raise MockGigyaError(403007, details="A client-side accounts.search needs querySig and expTime "
                                                 "(or send userKey + secret)")
        try:
            expires = int(exp_time)
        except (TypeError, ValueError):
            raise MockGigyaError.invalid("expTime", "must be Unix time in milliseconds") from None
        if expires < self.now_ms():
            raise MockGigyaError(403002, details="Request has expired: expTime is in the past")
        if not secrets.compare_digest(str(query_sig), query_signature(str(query or ""), expires, site.secret)):
            raise MockGigyaError(403003, details="Invalid request signature: querySig does not match")

    # -------------------------------------------------------------- audit log

    def record_audit(self, api_key: str, record: dict) -> None:
        """Append one audit record (api.py writes one per call, with secrets already removed)."""
        if self.has_site(api_key):
            self.store.add_audit(api_key, self.now_ms(), record)
            self.audit_retention.written(self, api_key)


# ------------------------------------------------------------------ module helpers


def _rba_rule(scope: str, kind: str, threshold: int, duration: int, reset: int, description: str) -> dict:
    """One ``commonRules`` entry shaped like the seed-003 sample; enabled when the threshold is set."""
    action: dict[str, Any] = {"scope": [scope.lower()], "type": kind}
    if kind == "lockout":
        action["duration"] = duration
    return {
        "action": action,
        "rootFactor": {"type": "failedLogins", "scope": [scope], "threshold": threshold, "resetInterval": reset},
        "description": description,
        "enabled": threshold > 0,
    }


def _new_uid() -> str:
    return uuid.uuid4().hex


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _set_date(doc: dict, name: str, ms: int) -> None:
    """Set ``name`` and ``nameTimestamp``; Gigya's "never" date (0001-01-01) is timestamp 0."""
    if not ms or ms <= _NEVER_MS:
        doc[name], doc[f"{name}Timestamp"] = NEVER, 0
    else:
        doc[name], doc[f"{name}Timestamp"] = iso(ms), ms


def _base_account(uid: str, now: int) -> dict:
    doc: dict[str, Any] = {"UID": uid, "isActive": True, "isRegistered": False, "isVerified": False}
    _set_date(doc, "created", now)
    _set_date(doc, "lastUpdated", now)
    _set_date(doc, "lastLogin", 0)
    _set_date(doc, "oldestDataUpdated", now)
    return doc


def _finish_account(doc: dict) -> None:
    """Derived fields: ``socialProviders`` from the password and identities."""
    providers = ["site"] if ((doc.get("password") or {}).get("hash") or _login_ids_of(doc)) else []
    providers += [i.get("provider") for i in doc.get("identities") or [] if isinstance(i, dict) and i.get("provider")]
    doc["socialProviders"] = ",".join(dict.fromkeys(p for p in providers if p))


def _import_uid(params: dict) -> str:
    """UID from ``UID``/``uid``/any casing; ``createUID`` generates one; UID wins when both are given."""
    for key, value in params.items():
        if key.lower() == "uid" and value:
            if not isinstance(value, str) or len(value) > 256:
                raise MockGigyaError.invalid("UID", "must be a string of at most 256 characters")
            return value
    if params.get("createUID"):
        return _new_uid()
    raise MockGigyaError.missing("UID (or createUID=true)")


def _require_object(name: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise MockGigyaError.invalid(name, "must be a JSON object")
    return value


def _leaf_paths(obj: dict, prefix: str) -> Iterator[str]:
    for key, value in obj.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict) and value:
            yield from _leaf_paths(value, path)
        else:
            yield path


def _check_schema(site: Site, group: str, value: dict) -> dict:
    """profile keys must be Gigya profile fields; ``data`` keys must be in the site's dataSchema when
    the site's schema says ``dynamicSchema: false`` (otherwise data is dynamic, as by default)."""
    if group == "profile":
        unknown = [f"profile.{k}" for k in value if k not in PROFILE_FIELDS]
    elif group == "data" and (site.schema.get("dataSchema") or {}).get("dynamicSchema") is False:
        known = set((site.schema["dataSchema"].get("fields") or {}))
        unknown = [p for p in _leaf_paths(value, "data") if p not in known and p[len("data."):] not in known]
    else:
        unknown = []
    if unknown:
        raise MockGigyaError(
            400006,
            details=f"Schema validation failed: {', '.join(unknown)} not in the site schema",
            validation_errors=[{"errorCode": 400006, "message": "Schema validation failed", "fieldName": f}
                               for f in unknown],
        )
    return value


def _check_email(name: str, email: Any) -> None:
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise MockGigyaError.invalid(name, f"{email!r} is not a valid email address")


def _validate_login_ids(value: Any) -> dict:
    value = _require_object("loginIDs", value)
    out: dict[str, Any] = {"emails": [], "unverifiedEmails": []}
    for key in ("emails", "unverifiedEmails"):
        out[key] = _email_list(f"loginIDs.{key}", value.get(key))
    if value.get("username"):
        out["username"] = str(value["username"])
    unknown = set(value) - {"emails", "unverifiedEmails", "username"}
    if unknown:
        raise MockGigyaError.invalid("loginIDs", f"unknown key(s) {', '.join(sorted(unknown))}")
    return out


def _validate_emails(value: Any) -> dict:
    value = _require_object("emails", value)
    out = {}
    for key in ("verified", "unverified"):
        out[key] = _email_list(f"emails.{key}", value.get(key))
    return out


def _email_list(name: str, emails: Any) -> list:
    """An array of valid emails (``None`` is empty), or 400006 naming the field."""
    emails = emails or []
    if not isinstance(emails, list):
        raise MockGigyaError.invalid(name, "must be an array of emails")
    for email in emails:
        _check_email(name, email)
    return list(emails)


def _validate_identities(value: Any) -> list:
    if not isinstance(value, list) or not all(isinstance(i, dict) for i in value):
        raise MockGigyaError.invalid("identities", "must be a JSON array of identity objects")
    for identity in value:
        if not identity.get("provider") or not identity.get("providerUID"):
            raise MockGigyaError.invalid("identities", "each identity needs provider and providerUID")
        if _NOT_IMPORTABLE_PROVIDERS.match(str(identity["provider"])):
            raise MockGigyaError.invalid("identities", f"{identity['provider']} identities cannot be imported")
    return _copied(value)


def _import_password(value: Any, now: int) -> dict:
    from gigya_migrate.hashing import HashSettingsError, validate_password_object

    if not isinstance(value, dict):
        raise MockGigyaError.invalid("password", "must be a JSON object")
    try:
        validate_password_object(value)
    except HashSettingsError as exc:
        raise MockGigyaError.invalid("password", str(exc)) from None
    return _stored_password(value, now)


def _stored_password(value: dict, now: int) -> dict:
    """The stored shape ``{hash, hashSettings, created}`` of an import or stored password object."""
    if "hash" in value:
        hashed = value["hash"]
    else:
        hashed = value.get("compoundHashedPassword") or value.get("hashedPassword")
    settings = {k: v for k, v in (value.get("hashSettings") or {}).items() if v is not None}
    stored = {"hash": hashed, "hashSettings": settings, "created": value.get("created") or iso(now), "_imported": True}
    if value.get("secretQuestionAndAnswer"):
        stored["_secretQuestionAndAnswer"] = _stored_secret_answer(value["secretQuestionAndAnswer"])
    return stored


def _stored_secret_answer(value: dict) -> dict:
    """The security question as given and its answer hashed like a password (never kept in clear text)."""
    from gigya_migrate.hashing import site_hash

    answer = site_hash(str(value["secretAnswer"]), algorithm="pbkdf2", rounds=3000)
    return {"secretQuestion": str(value["secretQuestion"]), "secretAnswer": answer}


def _check_complexity(site: Site, password: str) -> None:
    rules = site.policies.get("passwordComplexity") or {}
    groups = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    problems = []
    if len(password) < (_int(rules.get("minLength")) or 0):
        problems.append(f"at least {rules['minLength']} characters")
    if groups < (_int(rules.get("minCharGroups")) or 0):
        problems.append(f"at least {rules['minCharGroups']} character groups (lower, upper, digits, symbols)")
    if rules.get("regExp") and not re.search(rules["regExp"], password):
        problems.append("the site's password regular expression")
    if problems:
        raise MockGigyaError(400009, details="Password does not meet complexity requirements: needs " + "; ".join(problems),
                             validation_errors=[{"errorCode": 400009, "message": "Password does not meet complexity requirements",
                                                 "fieldName": "newPassword"}])


def _comma_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _parse_include(include: Any) -> list[str]:
    if include is None or include == "":
        return list(_DEFAULT_INCLUDE)
    names = _comma_list(include)
    unknown = [n for n in names if n not in _INCLUDE_VALUES]
    if unknown:
        raise MockGigyaError.invalid("include", f"unknown value(s) {', '.join(unknown)}; allowed: {', '.join(_INCLUDE_VALUES)}")
    return names

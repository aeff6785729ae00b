"""The import flow: a legacy user export -> accounts.importFullAccount, with working passwords.

The steps are those of the migration article's import dataflow (seed 004) on the shared runner:

======== ============================================================ ===========
step     what                                                         where
======== ============================================================ ===========
read     load and parse the file (CSV/DSV, JSON array, JSONL, .gz)    ``steps``
key      the login email (normalised); missing/invalid -> error       main thread
map      rename columns to Gigya fields, convert types, add, drop     main thread
hash     legacy hash + scheme/salt/rounds -> Gigya password object    main thread
lookup   accounts.search by login email: an existing UID -> upsert   workers
write    importFullAccount (insert or upsert)                         workers
======== ============================================================ ===========

Failed records go to the error output with errorCode and errorMessage (seed 004 step 8).

UIDs: the UID column of the mapping if any; else the UID of the account already holding the email
(lookup); else a UID derived from the site and the login email (``uuid5``), so that sending a
record twice (a retry, a resumed job) writes the same account rather than a second one.

Decisions (inferred, not documented by SAP): the login email also becomes ``profile.email`` when
the mapping sets none, goes to ``emails.verified`` (``email_verified: true``, the default, since the
legacy system's users could log in with it) and the account is ``isRegistered``/``isVerified``
unless the mapping's ``add`` says otherwise.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from gigya_migrate.flows.mapping import Mapping, MappingError, lookup
from gigya_migrate.flows.runner import RecordError, RecordResult, RunOptions, RunReport, Step, Tally, run
from gigya_migrate.flows.steps import count_in_background, csv_header, detect_format, read_records

__all__ = ["ImportJob", "PreflightError", "SiteRefused", "derive_uid", "import_file", "import_records", "preflight",
           "site_is_empty"]

POLICIES = ("insert", "upsert")
_UID_NAMESPACE = uuid.UUID("5b0f3c2e-9a47-4c55-8f51-6d8a2b1e7c90")
_UID_BYTES = _UID_NAMESPACE.bytes
_OWN_WRITE_CODES = frozenset({400003, 409001, 403043})  # "already exists" answers (errors.AlreadyExists)


# Answers that hold for every record of the run, not for one: bad credentials or signature, no
# permission, wrong data center or API key, clock skew (gigya-api.md section 7).
SITE_REFUSAL_CODES = frozenset({301001, 400093, 403002, 403003, 403006, 403007})


class SiteRefused(BaseException):
    """The site refused the run itself (credentials, permission, data center): every record would
    fail the same way, so the run stops at the first such answer instead of failing them one by one.

    A ``BaseException`` on purpose: the runner turns an ``Exception`` from a writer into one failed
    record, but stops the whole run on a ``BaseException`` raised in a worker (records in flight stay
    pending in the journal, and ``--resume`` sends them once the credentials are fixed).
    """

    def __init__(self, call: str, error: Exception) -> None:
        code = getattr(error, "error_code", None)
        message = getattr(error, "message", None) or str(error)
        super().__init__(f"the site refused {call}: {code} {message}")
        self.error_code = code


def _refused(call: str, exc: Exception) -> None:
    """Raise ``SiteRefused`` for a site-level refusal; return for a record-level error."""
    if getattr(exc, "error_code", None) in SITE_REFUSAL_CODES:
        raise SiteRefused(call, exc) from None


def derive_uid(api_key: str, login_id: str) -> str:
    """The UID this toolkit gives a new account: stable for one site and login email (32 hex chars)."""
    # uuid.uuid5(_UID_NAMESPACE, name).hex, byte for byte (RFC 4122 section 4.3: SHA-1 of the namespace
    # and the name, version 5 and the RFC variant set), without building a UUID object per record
    digest = bytearray(hashlib.sha1(_UID_BYTES + f"{api_key}\n{login_id.lower()}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


@dataclass
class ImportJob:
    """The steps and writer of one import, bound to a mapping, a client and a policy."""

    mapping: Mapping
    client: Any  # GigyaClient, or None for a dry run
    api_key: str
    policy: str = "upsert"
    lookup: bool = True
    formats: "HashFormats" = field(default_factory=lambda: HashFormats())

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be insert or upsert, not {self.policy!r}")
        if self.mapping.password is not None:
            # the hash converters load now, with the job, not inside the run's first record (20-40 ms
            # of imports that held up the first calls and counted in the run's records/s)
            import gigya_migrate.hashing  # noqa: F401

    # -- steps --------------------------------------------------------------------------------
    def key(self, row: dict) -> str:
        """The record key: its normalised login email."""
        if row.get("_raw") and not row.get(self.mapping.login_id):
            # a line an earlier run could not parse, fed back from its error file unchanged
            raise RecordError("malformed-row", "this line could not be parsed by an earlier run (see _raw): split "
                                               "it into the input's columns before feeding it back in")
        return self.mapping.login_of(row)

    def map_row(self, row: dict) -> dict:
        """Step "map": the account fields of the row, plus the login email and any given UID."""
        email = self.mapping.login_of(row)
        account = self.mapping.apply(row)
        given = str(row.get(self.mapping.uid) or "").strip() if self.mapping.uid else ""
        account.setdefault("profile", {}).setdefault("email", email)
        is_verified = self.mapping.email_verified_of(row)
        verified = "verified" if is_verified else "unverified"
        defaults = {"loginIDs": {"emails": [email]}, "emails": {verified: [email]}, "isRegistered": True,
                    "isVerified": is_verified}
        defaulted = [name for name in defaults if name not in account]
        for name in defaulted:
            account[name] = defaults[name]
        account["UID"] = given or derive_uid(self.api_key, email)
        return {"email": email, "uidGiven": bool(given), "row": row, "account": account, "defaulted": defaulted}

    def hash_row(self, item: dict) -> dict:
        """Step "hash": the legacy hash as a Gigya password object (or the record fails); a record
        imported without a password carries why in ``passwordless`` (counted in the run report)."""
        password, item["passwordless"] = self.mapping.password_for(item["row"])
        if password is not None:
            item["account"]["password"] = password
            item["hashFormat"] = self.formats.seen(self.mapping, item["row"], password)
        return item

    def lookup_row(self, item: dict) -> dict:
        """Step "lookup" (network): an account already holding the email decides the UID."""
        email = item["email"]
        # (I) equality on the array loginIDs.emails matches any element; login ids are encrypted
        # fields, which allow only = / != (gigya-api.md section 4). `=` is case-sensitive and we
        # send the lower-cased email: an account holding it in another case is not found here and
        # the import then fails with Gigya's own "login identifier exists" (error output).
        query = f'SELECT UID FROM accounts WHERE loginIDs.emails = "{_quote(email)}" LIMIT 2'
        try:
            page = self.client.search(query)
        except Exception as exc:  # noqa: BLE001 - only a site-level refusal is examined here
            _refused("accounts.search", exc)
            raise
        found = [a.uid for a in page.results if a.uid]
        if len(found) > 1:
            raise RecordError("ambiguous-login-id", f"{len(found)} accounts hold {email}: {', '.join(found)}")
        if not found or found[0] == item["account"]["UID"]:
            return item
        existing = found[0]
        if item["uidGiven"]:
            raise RecordError("uid-conflict", f"{email} belongs to account {existing}, "
                                              f"the file gives UID {item['account']['UID']}")
        if self.policy == "insert":
            raise RecordError("account-exists", f"{email} already belongs to account {existing} "
                                                "(use --policy upsert to update it)")
        item["account"]["UID"] = existing
        # An upsert replaces each field group it carries as a whole (gigya-api.md section 3): the
        # login ids, emails and flags we only defaulted would wipe the existing account's others
        # (a username, a second email). The account already holds this email: leave them alone.
        for name in item.get("defaulted", ()):
            item["account"].pop(name, None)
        return item

    def steps(self) -> list[Step]:
        """The transforms, in order (lookup only when enabled)."""
        steps = [Step("map", self.map_row), Step("hash", self.hash_row)]
        if self.lookup:
            steps.append(Step("lookup", self.lookup_row, network=True))
        return steps

    # -- writer -------------------------------------------------------------------------------
    def write(self, item: dict) -> RecordResult:
        """Step "write": importFullAccount with the job's policy."""
        try:
            result = self.client.import_full_account(account=item["account"], import_policy=self.policy)
        except Exception as exc:  # noqa: BLE001 - only a site-level refusal is examined here
            _refused("accounts.importFullAccount", exc)
            raise
        return RecordResult(item["email"], ok=True, uid=result.uid or item["account"]["UID"])

    def recover(self, item: dict) -> RecordResult:
        """The write again, for a record whose earlier attempt may have been applied.

        An upsert by a known UID is idempotent. An insert that now answers "already exists" is
        checked: if the account with our UID holds our login email, the earlier attempt wrote it.
        """
        try:
            return self.write(item)
        except Exception as exc:  # noqa: BLE001 - only "already exists" is examined
            if getattr(exc, "error_code", None) not in _OWN_WRITE_CODES or not self._is_ours(item):
                raise
            return RecordResult(item["email"], ok=True, uid=item["account"]["UID"],
                                message="written by an earlier attempt (confirmed)")

    def _is_ours(self, item: dict) -> bool:
        try:
            info = self.client.get_account_info(item["account"]["UID"], include="loginIDs")
        except Exception:  # noqa: BLE001 - cannot confirm: report the original error
            return False
        emails = {e.lower() for e in (info.login_ids.emails if info.login_ids else [])}
        return item["email"] in emails


PASSWORDLESS = Tally("passwordless", "without a password", lambda item: item.get("passwordless"))
"""Records imported without a password, by reason (report key ``passwordless``): never silent."""


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dry_write(item: dict) -> RecordResult:
    return RecordResult(item["email"], ok=True, uid=item["account"]["UID"])


def import_records(records: Iterable[Any], job: ImportJob, options: RunOptions) -> RunReport:
    """Run an import over already-read records (any iterable of dicts / ``BadRecord``).

    The report's ``details.hashFormats`` counts, per legacy hash format, the records seen and how
    many importFullAccount accepted (the HTML report's "hash formats" table)."""
    options.details["hashFormats"] = job.formats.table
    write = job.formats.counting(_dry_write if options.dry_run else job.write)
    recover = job.formats.counting(job.recover)
    if not any(t.name == "passwordless" for t in options.tallies):
        options.tallies = (*options.tallies, PASSWORDLESS)
    return run(records, name="import", key=job.key, transforms=job.steps(), write=write,
               recover=recover, options=options, key_name="login-id")


class HashFormats:
    """Per legacy hash format: records converted, then accepted or refused by the write.

    ``table`` is a JSON-ready dict kept up to date in place (the run report holds it):
    ``{"django pbkdf2_sha256": {"gigyaAlgorithm": "pbkdf2_sha256", "records": 3, "ok": 2}}``.
    """

    def __init__(self) -> None:
        self.table: dict[str, dict] = {}
        self._lock = threading.Lock()

    def seen(self, mapping: Mapping, row: dict, password: dict) -> str:
        """Count one converted hash (main thread); returns its format label."""
        algorithm = (password.get("hashSettings") or {}).get("algorithm") or (
            "compound (crypt string)" if password.get("compoundHashedPassword") else "unknown")
        label = _format_label(mapping, row, algorithm)
        with self._lock:
            entry = self.table.setdefault(label, {"gigyaAlgorithm": algorithm, "records": 0, "ok": 0})
            entry["records"] += 1
        return label

    def counting(self, write: Callable[[dict], RecordResult]) -> Callable[[dict], RecordResult]:
        """``write`` that also counts accepted records under their format (worker threads).

        Only successes are counted here: a failed attempt may be retried, a success is final. The
        records of a format not imported (refused, failed at lookup, or left by a stopped run) are
        ``records - ok``."""

        def counted(item: dict) -> RecordResult:
            result = write(item)
            label = item.get("hashFormat")
            if label is not None and isinstance(result, RecordResult) and result.ok:
                with self._lock:
                    self.table[label]["ok"] += 1
            return result

        return counted


def _format_label(mapping: Mapping, row: dict, algorithm: str) -> str:
    """The row's declared scheme, else the format its stored hash is recognised as, else the Gigya
    algorithm it became (a preset may build the password without a ``password:`` column)."""
    from gigya_migrate.hashing.legacy import detect

    spec = mapping.password
    if spec is None:
        return algorithm
    scheme = str(lookup(row, spec.scheme) or "").strip() if spec.scheme else ""
    # the first hash column holding text (Auth0's passwordHash / password_hash / custom_password_hash)
    stored = next((v for c in mapping.hash_columns() if isinstance(v := lookup(row, c), str) and v.strip()), None)
    if scheme or spec.force_scheme:
        return scheme or spec.force_scheme
    return (detect(stored) if stored else None) or spec.default_scheme or algorithm


def import_file(path: str | Path, job: ImportJob, options: RunOptions, *, format: str | None = None,
                delimiter: str | None = None, warn: Callable[[str], None] | None = None,
                encoding: str | None = None, header: list[str] | None = None, table: str | None = None) -> RunReport:
    """Import a file: checks the mapping against a CSV header first, then streams the file.

    ``header`` names the columns of a CSV without a header row (a preset's, e.g. Firebase's);
    ``table`` the table of a phpMyAdmin JSON export (``phpmyadmin.choose_table``).

    ``warn`` receives what the mapping leaves out (no password section, unread columns) before the run.
    ``ValueError`` (``MappingError``) before the run for an input the mapping cannot read;
    ``steps.InputError`` during it for a file that breaks off (a truncated ``.gz``).
    """
    fmt = (format or detect_format(path)).lower()
    fixed, header = (list(header) if header and fmt in ("csv", "tsv", "dsv") else None), None
    if fmt in ("csv", "tsv", "dsv"):
        sep = delimiter or {"csv": ",", "tsv": "\t", "dsv": "|"}[fmt]
        header = fixed or csv_header(path, delimiter=sep, encoding=encoding)
        try:
            job.mapping.check_columns(header)
        except MappingError as exc:
            if "_extra" not in header:  # a CSV error file keeps some columns inside _extra
                raise MappingError(f"{exc}{_separator_hint(header, sep)}") from None
    for warning in job.mapping.warnings(header) if warn else ():
        warn(warning)
    if header is None and warn and job.mapping.strict_columns:  # JSON: the first record shows a typo'd column
        first = next((r for r in read_records(path, format=fmt, encoding=encoding, table=table)
                      if isinstance(r, dict)), None)
        missing = [c for c in job.mapping.columns()
                   if first is not None and c not in first and lookup(first, c) is None
                   and c not in job.mapping.hash_columns()[1:]]
        if missing:
            warn(f"the first record has no {', '.join(map(repr, missing))} (its fields: {', '.join(first)}); "
                 "check the mapping's column names")
    options.input = options.input or str(path)
    shows_progress = options.progress if options.progress is not None else sys.stderr.isatty()
    if shows_progress and options.expected is None:
        options.expected = count_in_background(path, fmt)
    records = read_records(path, format=fmt, delimiter=delimiter, encoding=encoding,
                           header=fixed, table=table)
    return import_records(records, job, options)


def _separator_hint(header: list[str], sep: str) -> str:
    """A hint when the whole header came out as one column: the file uses another separator."""
    if len(header) != 1:
        return ""
    found = max((c for c in ",;\t|" if c != sep), key=header[0].count)
    if not header[0].count(found):
        return ""
    shown = {"\t": "tab"}.get(found, found)
    return f". The header looks separated by {shown!r}, not {sep!r}: pass --delimiter '{shown}'"


class PreflightError(Exception):
    """The target site would refuse the import (checked before anything is sent)."""


def preflight(client: Any) -> list[str]:
    """Check the target site before importing; raise ``PreflightError`` or return warnings.

    Seed 004: importFullAccount fails ("Email verification policy is enabled") while the site's
    email verification policy is on, so that is refused up front rather than record by record.
    """
    from gigya_migrate.errors import GigyaError

    try:
        policies = client.get_policies(["accountOptions"])
    except GigyaError as exc:
        if exc.error_code in (403003, 403007, 400093, 301001, 403000):  # credentials, permissions, site
            raise PreflightError(f"the site refused the credentials: {exc}") from None
        # never skipped silently: with the policy on, every record would fail (400006) and the run "pass"
        raise PreflightError(
            f"could not check the site's email verification policy: accounts.getPolicies failed "
            f"({exc.error_code}: {exc.message}) after its retries. Run again, or pass --skip-preflight "
            "if you know accountOptions.verifyEmail is off.") from None
    if (policies.account_options or {}).get("verifyEmail"):
        raise PreflightError(
            "the site's email verification policy is on (accountOptions.verifyEmail = true): importFullAccount "
            "fails while it is, and imported users would be mailed (seed 004). Turn it off for the migration.")
    return []



def site_is_empty(client: Any) -> bool:
    """True when the site holds no account at all (then lookups by email can only miss)."""
    page = client.search("SELECT count(*) FROM accounts")
    if page.total_count is not None:
        return page.total_count == 0
    first = page.results[0].model_extra if page.results else {}
    return not (first or {}).get("count(*)")

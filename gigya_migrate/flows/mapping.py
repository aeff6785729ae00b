"""The mapping file of an import: which source column becomes which Gigya field.

A mapping is YAML or JSON (JSON is YAML)::

    login_id: email                 # the column holding the login email (required)
    uid: legacy_uid                 # optional: a column holding the Gigya UID to use
    fields:                         # source column (or path into JSON) -> Gigya field (dotted path)
      first_name: profile.firstName
      birth_year: {to: profile.birthYear, type: int}
      newsletter: {to: data.newsletter, type: bool}
      disabled: {to: isActive, type: bool, invert: true}
      createdAt: {to: created, type: date, format: epoch_ms}   # epoch_s | epoch_ms | iso8601 | '%d/%m/%Y'
      roles: {to: data.roles, type: list, separator: ';'}
      user_metadata.plan: data.plan                           # a path into a JSON record
      user_metadata: data.userMetadata                        # a whole object
      credentials[0].secretData.value: data.x                 # a field holding JSON text is parsed
    add:                            # constants added to every account
      data.migratedFrom: legacy-shop
      isRegistered: true
    drop: [data.internalNote]       # Gigya fields removed after mapping (useful with passthrough)
    passthrough: false              # true: keep unmapped source fields as they are (JSON input)
    email_verified: true            # the login email goes to emails.verified (false: .unverified);
                                    # or a column: per row (true/1/yes -> verified, else unverified)
    password:                       # the legacy hash and its settings
      hash: password_hash           # column with the stored hash (or a list: the first non-empty)
      scheme: hash_scheme           # optional column naming the scheme per row
      salt: salt                    # optional column
      rounds: rounds                # optional column
      default_scheme: null          # fallback: used only where the format cannot be detected
      force_scheme: null            # every row read as this scheme (no detection)
      salt_encoding: null           # text (default) | hex | base64: how the legacy salt is stored
      encoding: null                # hex | base64 (default: guessed): how a bare digest is stored
      required: true                # a row without a hash fails (false: import without password)

The user-facing reference with an example per feature is ``docs/mapping.md``.

``load_mapping`` validates the whole file before a run starts and raises ``MappingError`` listing
every problem (unknown keys, unknown Gigya fields with a suggestion, a password field mapped
outside the password section...). ``Mapping.check_columns`` checks it against a CSV header.
``Mapping.apply`` (the "rename/add/drop" step) and ``Mapping.password_object`` (the "hash"
step) raise ``RecordError`` for one bad row.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gigya_migrate.flows.runner import RecordError
from gigya_migrate.flows.values import (FALSE, TRUE, blank, column_label, convert, flat_items, lookup, root,
                                        to_gigya_date)

__all__ = ["FieldSpec", "Mapping", "MappingError", "PasswordMapping", "load_mapping", "lookup", "to_gigya_date"]
# lookup and to_gigya_date live in values.py; re-exported here for mapping users

# Gigya's Profile object (fixed schema; custom fields belong in data.*).
PROFILE_FIELDS = frozenset("""
address age bio birthDay birthMonth birthYear certifications city country education educationLevel email
favorites firstName followersCount followingCount gender hometown honors industry interestedIn interests
languages lastLoginLocation lastName likes locale name nickname oidcData patents phones photoURL
politicalView professionalHeadline proxiedEmail publications relationshipStatus religion samlData skills
specialities state thumbnailURL timezone username verified work zip
""".split())
OBJECT_ROOTS = frozenset({"profile", "data", "preferences", "subscriptions", "communications"})
TOP_LEVEL = frozenset({"isActive", "isRegistered", "isVerified", "created", "lastLogin", "lastUpdated",
                       "registered", "verified", "regSource", "lang", "phoneNumber", "identities",
                       "loginIDs.username", "loginIDs.emails", "loginIDs.unverifiedEmails",
                       "emails.verified", "emails.unverified"})
RESERVED = {"UID": "set `uid:` to the column holding the UID",
            "password": "use the `password:` section (hash, scheme, salt, rounds)"}
TYPES = ("str", "int", "float", "bool", "json", "date", "list")


class MappingError(ValueError):
    """The mapping file is unusable; the message lists every problem found."""


class FieldSpec(BaseModel):
    """One mapped column: the Gigya field it goes to and how to convert the text."""

    model_config = ConfigDict(extra="forbid")
    to: str
    type: Literal["str", "int", "float", "bool", "json", "date", "list"] = "str"
    format: str | None = None
    """For ``date``: ``epoch_s``, ``epoch_ms``, ``iso8601`` or a ``strptime`` pattern (``%d/%m/%Y``)."""
    invert: bool = False
    """For ``bool``: store the opposite (``disabled`` -> ``isActive``)."""
    separator: str = ","
    """For ``list``: what separates the items of a text value."""
    values: dict[str, Any] | None = None
    """Source value -> stored value (``{SUSPENDED: false, "*": true}``); ``*`` is any other value.
    Applied to the text of the source value, before ``type``."""


class PasswordMapping(BaseModel):
    """Where the legacy hash and its settings are in each row."""

    model_config = ConfigDict(extra="forbid")
    hash: Union[str, list[str]]
    scheme: str | None = None
    salt: str | None = None
    rounds: str | None = None
    default_scheme: str | None = None
    force_scheme: str | None = None
    salt_encoding: Literal["text", "hex", "base64"] | None = None
    encoding: Literal["hex", "base64"] | None = None
    required: bool = True


class Mapping(BaseModel):
    """A validated mapping file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    login_id: str = "email"
    uid: str | None = None
    fields: dict[str, Union[str, FieldSpec]] = Field(default_factory=dict)
    add: dict[str, Any] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)
    passthrough: bool = False
    email_verified: Union[bool, str] = True
    password: PasswordMapping | None = None
    strict_columns: bool = True
    """False (presets): a CSV may lack mapped columns other than the login id (they stay empty)."""

    @field_validator("fields", mode="after")
    @classmethod
    def _specs(cls, value: dict) -> dict:
        return {col: FieldSpec(to=spec) if isinstance(spec, str) else spec for col, spec in value.items()}

    # -- checks -------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """Every problem with the targets of this mapping (empty when it is usable)."""
        found = [p for col, spec in self.fields.items()
                 if (p := _target_problem(spec.to, f"fields.{col}", whole=spec.type == "json"))]
        found += [p for target in self.add if (p := _target_problem(target, f"add.{target}"))]
        found += [p for target in self.drop if (p := _target_problem(target, f"drop {target}", drop=True))]
        targets = [spec.to for spec in self.fields.values()]
        found += [f"fields: two columns map to {t}" for t in sorted({t for t in targets if targets.count(t) > 1})]
        if self.password and not self.hash_columns():
            found.append("password.hash: name the column holding the hash (or a list of columns)")
        for column in self.hash_columns():
            if column in self.fields:
                found.append(f"fields.{column}: the password column is mapped as a field; "
                             "keep it only in the password section")
        if self.password and self.password.default_scheme and (p := _scheme_problem(self.password.default_scheme)):
            found.append(f"password.default_scheme: {p}")
        if self.password and self.password.force_scheme and (
                p := _scheme_problem(self.password.force_scheme, platform=True)):
            found.append(f"password.force_scheme: {p}")
        for column, spec in self.fields.items():
            found += [f"fields.{column}: {p}" for p in _spec_problems(spec)]
        return found

    def hash_columns(self) -> list[str]:
        """The column(s) the password hash is read from, in the order they are tried."""
        if self.password is None:
            return []
        return [self.password.hash] if isinstance(self.password.hash, str) else list(self.password.hash)

    def verified_column(self) -> str | None:
        """The column deciding per row whether the email is verified (None: one flag for all rows)."""
        flag = self.email_verified
        return flag if isinstance(flag, str) and flag.strip().lower() not in TRUE | FALSE else None

    def email_verified_of(self, row: dict) -> bool:
        """Whether ``row``'s email goes to emails.verified. A per-row column says verified only for a
        true value (true/1/yes): missing, empty or anything else is unverified, never verified."""
        column = self.verified_column()
        if column is None:
            flag = self.email_verified
            return flag if isinstance(flag, bool) else flag.strip().lower() in TRUE
        value = lookup(row, column)
        if isinstance(value, bool):
            return value
        return _text(value).lower() in TRUE

    def columns(self) -> list[str]:
        """Source columns this mapping reads."""
        cols = [self.login_id, *(c for c in [self.uid, self.verified_column()] if c), *self.fields]
        if self.password:
            cols += [*self.hash_columns(), *(c for c in (self.password.scheme, self.password.salt,
                                                         self.password.rounds) if c)]
        return list(dict.fromkeys(cols))

    def source_roots(self) -> set[str]:
        """The top-level source fields this mapping reads (``user_metadata`` for ``user_metadata.plan``)."""
        return {root(c) for c in self.columns()}

    def reads(self, column: str) -> bool:
        """Whether this mapping reads the top-level source ``column`` (by name, as a path's root, or
        through a ``prefix*`` field such as ``custom:*``)."""
        prefixes = tuple(c[:-1] for c in self.fields if c.endswith("*"))
        return (column in self.columns() or column in self.source_roots()
                or bool(prefixes) and column.startswith(prefixes))

    def check_columns(self, header: list[str]) -> None:
        """Raise ``MappingError`` if a column this mapping reads is not in ``header``."""
        optional = set(self.hash_columns()[1:] if self.password else [])  # alternatives: one is enough
        wanted = self.columns() if self.strict_columns else [self.login_id]
        missing = [c for c in wanted if c not in header and root(c) not in header and c not in optional
                   and not c.endswith("*")]
        if missing:
            hints = "; ".join(f"{c!r}{_suggest(c, header)}" for c in missing)
            raise MappingError(f"the mapping reads columns the input does not have: {hints}. "
                               f"Input columns: {', '.join(column_label(c) for c in header)}")

    def warnings(self, header: list[str] | None = None) -> list[str]:
        """What this mapping leaves out without failing a record: no password section, unread columns."""
        found = []
        if self.password is None:
            found.append("the mapping has no password section: accounts are imported WITHOUT passwords "
                         "(their users will have to reset them)")
        if header is not None and not self.passthrough:
            # the error columns of a fed-back error file are not data: no need to mention them
            unread = [c for c in header if not self.reads(c) and c not in ("errorCode", "errorMessage", "errorStep")
                      and not c.startswith("_")]
            if unread:
                found.append(f"input columns the mapping does not read (not imported): {', '.join(unread)}")
        return found

    # -- per record ---------------------------------------------------------------------------
    def login_of(self, row: dict) -> str:
        """The normalised login email of ``row`` (the record key); ``RecordError`` if absent/invalid."""
        value = lookup(row, self.login_id)
        email = str(value).strip().lower() if value is not None else ""
        if not email:
            raise RecordError("missing-login-id", f"no login id in column {self.login_id!r}")
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email or "@" in domain or domain.startswith(".") or domain.endswith("."):
            raise RecordError("invalid-login-id", f"{email!r} in column {self.login_id!r} is not an email address")
        return email

    def apply(self, row: dict) -> dict:
        """Rename, convert, add and drop: the Gigya account fields of one row (no password)."""
        skip = set(self.columns())
        account: dict = {}
        if self.passthrough:
            for name, value in row.items():
                if name not in skip and not name.startswith("_") and name not in ("errorCode", "errorMessage",
                                                                                    "errorStep"):
                    _set_path(account, name, value)
        for column, spec, value in self._field_values(row):
            if value is None or value == "":
                continue
            if (converted := convert(value, spec, column)) is not None:  # a value map may say "nothing"
                _set_path(account, spec.to, converted)
        for target, value in self.add.items():
            _set_path(account, target, value)
        for target in self.drop:
            _drop_path(account, target)
        return account

    def _field_values(self, row: dict):
        """(column, spec, value) for each mapped field; a ``prefix*`` column maps every source column
        starting with ``prefix`` that no other field names (``custom:*`` -> ``data.*``)."""
        for column, spec in self.fields.items():
            if not column.endswith("*"):
                yield column, spec, lookup(row, column)
                continue
            prefix, read = column[:-1], set(self.columns())
            for name, value in (flat_items(row, prefix) if "." in prefix else row.items()):
                if name.startswith(prefix) and name != prefix and name not in read:
                    yield name, spec.model_copy(update={"to": spec.to.replace("*", name[len(prefix):])}), value

    def password_object(self, row: dict) -> dict | None:
        """The importFullAccount ``password`` object for ``row`` (None if it is imported without one).
        Unsupported or inconsistent hashes raise ``RecordError``."""
        return self.password_for(row)[0]

    def password_for(self, row: dict) -> tuple[dict | None, str | None]:
        """``(password object, None)``, or ``(None, why)`` for a row imported without a password: no
        password section, no hash column, an empty hash, an unusable password (``!``), or (with
        ``required: false``) a scheme Gigya cannot import. ``RecordError`` when the row must fail."""
        spec = self.password
        if spec is None:
            return None, "no password section in the mapping"
        columns = self.hash_columns()
        stored = next((v for c in columns if not blank(v := lookup(row, c))), None)
        if stored is None:
            present = any(lookup(row, c) is not None for c in columns)
            reason = "empty hash" if present else "no hash column"
            if spec.required:
                raise RecordError("missing-password", f"{reason} ({', '.join(map(repr, columns))})")
            return None, reason
        from gigya_migrate.hashing.errors import HashSettingsError, NoPassword, UnsupportedHash

        try:
            return self._convert_password(stored, row), None
        except NoPassword as exc:  # the source says there is no password: nothing to fail
            return None, exc.reason
        except UnsupportedHash as exc:
            if spec.required:
                raise RecordError("unsupported-hash", str(exc)) from None
            return None, f"unsupported scheme: {exc.format_name}"
        except (HashSettingsError, ValueError) as exc:
            raise RecordError("invalid-hash", str(exc)) from None

    def _convert_password(self, stored: Any, row: dict) -> dict:
        from gigya_migrate.hashing.legacy import to_gigya_password
        from gigya_migrate.hashing.platforms import PLATFORM_SCHEMES, convert_structured, platform_scheme

        spec = self.password
        scheme = (_text(lookup(row, spec.scheme)) if spec.scheme else "") or spec.force_scheme
        if scheme in PLATFORM_SCHEMES:
            return platform_scheme(stored, scheme).password
        if isinstance(stored, (dict, list)):
            return convert_structured(stored).password
        salt = _text(lookup(row, spec.salt)) if spec.salt else None
        rounds = _text(lookup(row, spec.rounds)) if spec.rounds else None
        options = {k: v for k, v in (("salt_encoding", spec.salt_encoding), ("encoding", spec.encoding)) if v}
        if rounds and not rounds.isdigit():
            raise RecordError("invalid-hash", f"rounds {rounds[:12]!r} in column {spec.rounds!r} is not a whole number")
        return to_gigya_password(_text(stored), scheme=scheme or None, salt=salt or None,
                                 rounds=int(rounds) if rounds else None, default_scheme=spec.default_scheme,
                                 **options)


def load_mapping(path: str | Path | None) -> Mapping:
    """Read and validate a mapping file (None: the default mapping, login id in column ``email``)."""
    if path is None:
        return Mapping()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"cannot read the mapping {path}: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{path} is not valid YAML/JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: a mapping file is an object (login_id, fields, add, drop, password)")
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as exc:
        problems = dict.fromkeys(_pydantic_problem(e) for e in exc.errors())  # a union repeats its path
        # a field whose {to:, type:} form has a precise problem: drop the generic "wrong shape" line
        detailed = {f"fields.{e['loc'][1]}:" for e in exc.errors() if len(e["loc"]) > 3 and e["loc"][0] == "fields"}
        problems = {p: None for p in problems
                    if not ("expected a Gigya field" in p and p.startswith(tuple(detailed) or ("\0",)))}
        raise MappingError(f"{path}: " + "; ".join(problems)) from None
    if problems := mapping.problems():
        raise MappingError(f"{path}: " + "; ".join(problems))
    return mapping


# ---------------------------------------------------------------------------------------------
# helpers


def _scheme_problem(scheme: str, *, platform: bool = False) -> str | None:
    """Why ``scheme`` is not a scheme name the hash step accepts (None if it is); ``platform`` also
    accepts the platform schemes (auth0, keycloak, firebase_scrypt)."""
    from gigya_migrate.hashing.legacy import SCHEMES
    from gigya_migrate.hashing.platforms import PLATFORM_SCHEMES

    names = SCHEMES + (PLATFORM_SCHEMES if platform else ())
    name = scheme.strip().split("(", 1)[0]
    if name in names:
        return None
    return f"unknown scheme {scheme!r}{_suggest(name, names)}; use one of {', '.join(names)}"


_DATE_FORMATS = ("epoch_s", "epoch_ms", "iso8601")


def _spec_problems(spec: FieldSpec) -> list[str]:
    """Options of a field that do not fit its type (said before the run, not once per row)."""
    found = []
    if spec.format is not None and spec.type != "date":
        found.append(f"format applies to type date, not {spec.type}")
    elif spec.format is not None and spec.format not in _DATE_FORMATS and "%" not in spec.format:
        found.append(f"date format {spec.format!r} is not {', '.join(_DATE_FORMATS)} nor a strptime pattern "
                     "such as '%d/%m/%Y %H:%M'")
    if spec.invert and spec.type != "bool":
        found.append(f"invert applies to type bool, not {spec.type}")
    if spec.separator != "," and spec.type != "list":
        found.append(f"separator applies to type list, not {spec.type}")
    if not spec.separator:
        found.append("separator is empty")
    return found


def _pydantic_problem(error: dict) -> str:
    loc = error["loc"]
    if len(loc) > 3 and loc[0] == "fields" and loc[2] == "FieldSpec":
        loc = (*loc[:2], *loc[3:])  # pydantic's union tag: the mapping file never says "FieldSpec"
    where = ".".join(str(p) for p in loc)
    if loc == ("password",) and error["type"] == "model_type":
        return ("password: expected a section naming columns, e.g. {hash: password_hash, scheme: hash_scheme, "
                "salt: salt}, not " + repr(error.get("input"))[:40])
    if error["type"] == "extra_forbidden":
        known = ("login_id", "uid", "fields", "add", "drop", "passthrough", "email_verified", "password",
                 "hash", "scheme", "salt", "rounds", "default_scheme", "force_scheme", "salt_encoding", "encoding",
                 "required", "to", "type", "format", "invert", "separator", "values", "strict_columns")
        return f"unknown key {where!r}{_suggest(str(error['loc'][-1]), known)}"
    if len(error["loc"]) == 3 and error["loc"][0] == "fields" and error["loc"][2] in ("str", "FieldSpec"):
        # the two shapes a field takes, tried in turn by pydantic: say both once, without its type tags
        return (f"fields.{error['loc'][1]}: expected a Gigya field (e.g. profile.firstName) or "
                "{to: <Gigya field>, type: str|int|float|bool|date|json|list, format:, invert:, separator:}")
    return f"{where}: {error['msg']}"


def _target_problem(target: str, where: str, *, drop: bool = False, whole: bool = False) -> str | None:
    """Why ``target`` is not a Gigya account field (None if it is). A whole object (``data``)
    is a target only for a JSON value (``whole``) or a drop."""
    root, _, rest = target.partition(".")
    if root in RESERVED:
        return f"{where}: {target} cannot be mapped; {RESERVED[root]}"
    if target in TOP_LEVEL or (root in OBJECT_ROOTS and (rest or drop or whole)):
        if root == "profile" and rest and rest.split(".")[0] not in PROFILE_FIELDS:
            field = rest.split(".")[0]
            return (f"{where}: profile.{field} is not a Gigya profile field{_suggest(field, PROFILE_FIELDS)} "
                    "(custom fields go under data.)")
        return None
    known = sorted(TOP_LEVEL | {f"{r}.<field>" for r in OBJECT_ROOTS})
    return f"{where}: {target!r} is not a Gigya account field{_suggest(target, known)}; use e.g. data.{target}"


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f" (did you mean {column_label(close[0])!r}?)" if close else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _set_path(target: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = target
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            child = node[name] = {}
        node = child
    node[leaf] = value


def _drop_path(target: dict, path: str) -> None:
    *parents, leaf = path.split(".")
    node = target
    for name in parents:
        node = node.get(name)
        if not isinstance(node, dict):
            return
    node.pop(leaf, None)

"""The mapping file of an import: which source column becomes which Gigya field.

A mapping is YAML or JSON (JSON is YAML)::

    login_id: email                 # the column holding the login email (required)
    uid: legacy_uid                 # optional: a column holding the Gigya UID to use
    fields:                         # source column -> Gigya field (dotted path)
      first_name: profile.firstName
      birth_year: {to: profile.birthYear, type: int}
      newsletter: {to: data.newsletter, type: bool}
    add:                            # constants added to every account
      data.migratedFrom: legacy-shop
      isRegistered: true
    drop: [data.internalNote]       # Gigya fields removed after mapping (useful with passthrough)
    passthrough: false              # true: keep unmapped source fields as they are (JSON input)
    email_verified: true            # the login email goes to emails.verified (else .unverified)
    password:                       # the legacy hash and its settings
      hash: password_hash           # column with the stored hash (a crypt string or a digest)
      scheme: hash_scheme           # optional column naming the scheme per row
      salt: salt                    # optional column
      rounds: rounds                # optional column
      default_scheme: null          # a scheme for rows without one (else it is detected)
      salt_encoding: null           # text (default) | hex | base64: how the legacy salt is stored
      encoding: null                # hex | base64 (default: guessed): how a bare digest is stored
      required: true                # a row without a hash fails (false: import without password)

``load_mapping`` validates the whole file before a run starts and raises ``MappingError`` listing
every problem (unknown keys, unknown Gigya fields with a suggestion, a password field mapped
outside the password section...). ``Mapping.check_columns`` checks it against a CSV header.
``Mapping.apply`` (the "rename/add/drop" step) and ``Mapping.password_object`` (the "hash"
step) raise ``RecordError`` for one bad row.
"""

from __future__ import annotations

import difflib
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gigya_migrate.flows.runner import RecordError

__all__ = ["FieldSpec", "Mapping", "MappingError", "PasswordMapping", "load_mapping"]

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


class PasswordMapping(BaseModel):
    """Where the legacy hash and its settings are in each row."""

    model_config = ConfigDict(extra="forbid")
    hash: str
    scheme: str | None = None
    salt: str | None = None
    rounds: str | None = None
    default_scheme: str | None = None
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
    email_verified: bool = True
    password: PasswordMapping | None = None

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
        if self.password and self.password.hash in self.fields:
            found.append(f"fields.{self.password.hash}: the password column is mapped as a field; "
                         "keep it only in the password section")
        if self.password and self.password.default_scheme and (p := _scheme_problem(self.password.default_scheme)):
            found.append(f"password.default_scheme: {p}")
        return found

    def columns(self) -> list[str]:
        """Source columns this mapping reads."""
        cols = [self.login_id, *(c for c in [self.uid] if c), *self.fields]
        if self.password:
            cols += [c for c in (self.password.hash, self.password.scheme, self.password.salt,
                                 self.password.rounds) if c]
        return list(dict.fromkeys(cols))

    def check_columns(self, header: list[str]) -> None:
        """Raise ``MappingError`` if a column this mapping reads is not in ``header``."""
        missing = [c for c in self.columns() if c not in header]
        if missing:
            hints = "; ".join(f"{c!r}{_suggest(c, header)}" for c in missing)
            raise MappingError(f"the mapping reads columns the input does not have: {hints}. "
                               f"Input columns: {', '.join(header)}")

    def warnings(self, header: list[str] | None = None) -> list[str]:
        """What this mapping leaves out without failing a record: no password section, unread columns."""
        found = []
        if self.password is None:
            found.append("the mapping has no password section: accounts are imported WITHOUT passwords "
                         "(their users will have to reset them)")
        if header is not None and not self.passthrough:
            read = set(self.columns())
            # the error columns of a fed-back error file are not data: no need to mention them
            unread = [c for c in header if c not in read and c not in ("errorCode", "errorMessage", "errorStep")
                      and not c.startswith("_")]
            if unread:
                found.append(f"input columns the mapping does not read (not imported): {', '.join(unread)}")
        return found

    # -- per record ---------------------------------------------------------------------------
    def login_of(self, row: dict) -> str:
        """The normalised login email of ``row`` (the record key); ``RecordError`` if absent/invalid."""
        value = row.get(self.login_id)
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
        for column, spec in self.fields.items():
            value = row.get(column)
            if value is None or value == "":
                continue
            _set_path(account, spec.to, _convert(value, spec, column))
        for target, value in self.add.items():
            _set_path(account, target, value)
        for target in self.drop:
            _drop_path(account, target)
        return account

    def password_object(self, row: dict) -> dict | None:
        """The importFullAccount ``password`` object for ``row`` (None if the row has no hash and
        none is required). Unsupported or inconsistent hashes raise ``RecordError``."""
        spec = self.password
        if spec is None:
            return None
        stored = _text(row.get(spec.hash))
        if not stored:
            if spec.required:
                raise RecordError("missing-password", f"no hash in column {spec.hash!r}")
            return None
        from gigya_migrate.hashing import HashSettingsError, UnsupportedHash

        try:
            from gigya_migrate.hashing import to_gigya_password
        except ImportError:  # the package may not re-export it yet; legacy.py owns it
            from gigya_migrate.hashing.legacy import to_gigya_password

        scheme = _text(row.get(spec.scheme)) if spec.scheme else None
        salt = _text(row.get(spec.salt)) if spec.salt else None
        rounds = _text(row.get(spec.rounds)) if spec.rounds else None
        options = {k: v for k, v in (("salt_encoding", spec.salt_encoding), ("encoding", spec.encoding)) if v}
        if rounds and not rounds.isdigit():
            raise RecordError("invalid-hash", f"rounds {rounds[:12]!r} in column {spec.rounds!r} is not a whole number")
        try:
            return to_gigya_password(stored, scheme=scheme or spec.default_scheme, salt=salt or None,
                                     rounds=int(rounds) if rounds else None, **options)
        except UnsupportedHash as exc:
            raise RecordError("unsupported-hash", str(exc)) from None
        except (HashSettingsError, ValueError) as exc:
            raise RecordError("invalid-hash", str(exc)) from None


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


def _scheme_problem(scheme: str) -> str | None:
    """Why ``scheme`` is not a scheme name the hash step accepts (None if it is)."""
    from gigya_migrate.hashing.legacy import SCHEMES

    name = scheme.strip().split("(", 1)[0]
    if name in SCHEMES:
        return None
    return f"unknown scheme {scheme!r}{_suggest(name, SCHEMES)}; use one of {', '.join(SCHEMES)}"


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
                 "hash", "scheme", "salt", "rounds", "default_scheme", "salt_encoding", "encoding", "required",
                 "to", "type")
        return f"unknown key {where!r}{_suggest(str(error['loc'][-1]), known)}"
    if len(error["loc"]) == 3 and error["loc"][0] == "fields" and error["loc"][2] in ("str", "FieldSpec"):
        # the two shapes a field takes, tried in turn by pydantic: say both once, without its type tags
        return (f"fields.{error['loc'][1]}: expected a Gigya field (e.g. profile.firstName) or "
                "{to: <Gigya field>, type: str|int|float|bool|date|json|list}")
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
    return f" (did you mean {close[0]!r}?)" if close else ""


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def _convert(value: Any, spec: FieldSpec, column: str) -> Any:
    if not isinstance(value, str) or spec.type == "str":
        return value  # JSON input arrives typed; CSV text is kept as text
    text = value.strip()
    try:
        if spec.type == "int":
            return int(text)
        if spec.type == "float":
            return float(text)
        if spec.type == "bool":
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise ValueError
        if spec.type == "json":
            return json.loads(text)
        if spec.type == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        if spec.type == "date":  # Gigya dates are ISO-8601 UTC strings
            return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        pass
    raise RecordError("invalid-value", f"column {column!r}: {text[:40]!r} is not a valid {spec.type}")


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

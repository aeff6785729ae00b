"""SQLite storage for the mock: ``:memory:`` by default, a file when given; one code path.

Accounts and audit records are JSON documents with a few indexed columns beside them (UID, created
and lastUpdated timestamps); login identifiers and identities live in their own tables so their
uniqueness per site is enforced by SQLite. ``account_values`` is the search index: the exact string
values of the fields in :data:`INDEXED_FIELDS` (emails and usernames: the lookups a migration makes),
so ``accounts.search`` answers ``loginIDs.emails = "..."`` without reading every account. Rows carry an increasing ``seq`` so a cursor page is a
keyset query (``seq > last``): a page costs the page, never the offset.

Schema versions (``PRAGMA user_version``): 0 is a file made before versioning (no search index);
1 adds ``account_values`` and numbers-only timestamp columns. Opening an older file rebuilds the
index from the stored JSON once, in one transaction. Caveat: an older toolkit writing to a file after
it was upgraded would leave the index stale (it does not know the table); use one version per file.

Thread safety: one connection guarded by a re-entrant lock. Writes go through :meth:`Store.tx`
(``BEGIN IMMEDIATE`` ... ``COMMIT``); a file database runs in WAL mode with ``synchronous=NORMAL``,
which keeps every committed transaction across a process crash (SIGKILL).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

from mock_gigya import json_text

__all__ = ["INDEXED_FIELDS", "SCHEMA_VERSION", "Store"]

SCHEMA_VERSION = 1
"""Bump when the search index's content changes (a field added to INDEXED_FIELDS): files rebuild at open."""

INDEXED_FIELDS = (
    "UID",
    "profile.email",
    "profile.username",
    "loginIDs.emails",
    "loginIDs.unverifiedEmails",
    "loginIDs.username",
    "emails.verified",
    "emails.unverified",
)
"""Fields whose string values ``account_values`` holds, exactly as stored (case kept: Gigya's ``=`` is
case-sensitive, unlike the lower-cased ``login_ids`` uniqueness table). UID is served by its column."""

_ODD_TIMESTAMPS = "~timestamps"
"""``account_values`` marker of an account whose created/lastUpdated timestamp is present but not a
plain number (a date string, a list...): its timestamp columns are NULL, so SQL range filters must let
it through and leave the comparison to Python."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sites (api_key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS app_keys (user_key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key TEXT NOT NULL, uid TEXT NOT NULL, doc TEXT NOT NULL,
    created_ts INTEGER, updated_ts INTEGER,
    UNIQUE (api_key, uid));
CREATE INDEX IF NOT EXISTS accounts_site_seq ON accounts (api_key, seq);
CREATE INDEX IF NOT EXISTS accounts_site_updated ON accounts (api_key, updated_ts);
CREATE INDEX IF NOT EXISTS accounts_site_created ON accounts (api_key, created_ts);
CREATE TABLE IF NOT EXISTS login_ids (
    api_key TEXT NOT NULL, login_id TEXT NOT NULL, uid TEXT NOT NULL,
    PRIMARY KEY (api_key, login_id));
CREATE INDEX IF NOT EXISTS login_ids_uid ON login_ids (api_key, uid);
CREATE TABLE IF NOT EXISTS identities (
    api_key TEXT NOT NULL, provider TEXT NOT NULL, provider_uid TEXT NOT NULL, uid TEXT NOT NULL,
    PRIMARY KEY (api_key, provider, provider_uid));
CREATE INDEX IF NOT EXISTS identities_uid ON identities (api_key, uid);
CREATE TABLE IF NOT EXISTS account_values (
    api_key TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, uid TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS account_values_lookup ON account_values (api_key, field, value);
CREATE INDEX IF NOT EXISTS account_values_uid ON account_values (api_key, uid);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, api_key TEXT NOT NULL, ts INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_site_seq ON audit (api_key, seq);
CREATE INDEX IF NOT EXISTS audit_site_ts ON audit (api_key, ts);
CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (cursor_id TEXT PRIMARY KEY, api_key TEXT NOT NULL, doc TEXT NOT NULL,
    expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cursor_rows (cursor_id TEXT NOT NULL, pos INTEGER NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (cursor_id, pos));
CREATE TABLE IF NOT EXISTS login_state (
    api_key TEXT NOT NULL, uid TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (api_key, uid));
CREATE TABLE IF NOT EXISTS tokens (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, token TEXT NOT NULL, api_key TEXT NOT NULL,
    uid TEXT, doc TEXT NOT NULL, expires INTEGER, UNIQUE (kind, token));
CREATE INDEX IF NOT EXISTS tokens_owner ON tokens (kind, api_key, uid);
"""

_TABLES = ("sites", "app_keys", "accounts", "login_ids", "identities", "account_values", "audit", "nonces",
           "cursors", "cursor_rows", "login_state", "tokens")
_CONFIG_TABLES = ("sites", "app_keys")
_UNREAD = object()
_SCAN_COLUMNS = {"accounts": "doc", "audit": "doc"}


_dumps = json_text.compact  # json.dumps(doc, separators=(",", ":"), ensure_ascii=False), its encoder made once


def _timestamp(value: Any) -> int | float | None:
    """The column value of a timestamp: the number itself, NULL for anything else (bools included)."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _columns(doc: dict) -> tuple[Any, Any]:
    return _timestamp(doc.get("createdTimestamp")), _timestamp(doc.get("lastUpdatedTimestamp"))


_INDEXED_PATHS = tuple((path, *path.split(".")) for path in INDEXED_FIELDS[1:])
assert all(len(parts) == 2 and "[" not in path for path, *parts in _INDEXED_PATHS), "two-level paths only"


def _strings_at(doc: dict, group: str, key: str) -> dict[str, None]:
    """The strings of ``resolve(doc, "group.key")`` in order, each once (arrays fanned out at both
    levels as the query evaluator does), without its general path walk: written on every import."""
    top = doc.get(group)
    found: dict[str, None] = {}
    for item in top if isinstance(top, list) else (top,):
        if isinstance(item, dict) and key in item:
            value = item[key]
            for text in value if isinstance(value, list) else (value,):
                if isinstance(text, str):
                    found[text] = None
    return found


def _index_rows(api_key: str, doc: dict) -> list[tuple[str, str, str, str]]:
    """``account_values`` rows of one account: every string at each indexed path (arrays fanned out
    exactly as the query evaluator resolves them), plus the odd-timestamps marker when needed."""
    uid = doc["UID"]
    rows = [(api_key, path, value, uid)
            for path, group, key in _INDEXED_PATHS for value in _strings_at(doc, group, key)]
    if any(doc.get(k) is not None and _timestamp(doc.get(k)) is None
           for k in ("createdTimestamp", "lastUpdatedTimestamp")):
        rows.append((api_key, _ODD_TIMESTAMPS, "", uid))
    return rows


class _Transaction:
    """:meth:`Store.tx`: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception) under the store's lock,
    joined by nested calls. A class, not a ``@contextmanager`` generator: an import opens two."""

    __slots__ = ("_store",)

    def __init__(self, store: "Store") -> None:
        self._store = store

    def __enter__(self) -> sqlite3.Connection:
        store = self._store
        store._lock.acquire()
        try:
            if store._depth == 0:
                store._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            store._lock.release()
            raise
        store._depth += 1
        return store._conn

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        store = self._store
        try:
            store._depth -= 1
            if store._depth == 0 and kind is None:
                store._conn.execute("COMMIT")
            elif store._depth == 0:
                store._conn.execute("ROLLBACK")
                store._config_text.clear()  # it may hold a write that was just undone
        finally:
            store._lock.release()


class Store:
    """The mock's database. Every method is safe to call from any thread."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        # (table, key) -> the stored JSON text (None: no such row) of sites and application keys,
        # read on every call (authentication, options) but written almost never
        self._config_text: dict[tuple[str, str], str | None] = {}
        # (table, key) -> (the text it was parsed from, the parsed document): the shared, read-only
        # documents of :meth:`site_view` / :meth:`app_key_view`, re-parsed only when the text changes
        self._config_parsed: dict[tuple[str, str], tuple[str, dict]] = {}
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Bring a file made by an older schema version up to :data:`SCHEMA_VERSION` (idempotent)."""
        if self._conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        with self.tx() as conn:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return  # another process upgraded it while we waited for the write lock
            conn.execute("DELETE FROM account_values")
            after = 0
            while rows := conn.execute(
                "SELECT seq, api_key, doc FROM accounts WHERE seq > ? ORDER BY seq LIMIT 5000", (after,)
            ).fetchall():
                for seq, api_key, text in rows:
                    doc = json.loads(text)
                    conn.execute("UPDATE accounts SET created_ts = ?, updated_ts = ? WHERE seq = ?", (*_columns(doc), seq))
                    conn.executemany("INSERT INTO account_values VALUES (?, ?, ?, ?)", _index_rows(api_key, doc))
                after = rows[-1][0]
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ------------------------------------------------------------ transactions

    def tx(self) -> "_Transaction":
        """A write transaction (re-entrant: nested calls join the outer one): ``with store.tx() as conn``."""
        return _Transaction(self)

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the connection (a file database keeps its committed data)."""
        with self._lock:
            self._conn.close()

    def reset(self, *, keep_config: bool = False) -> None:
        """Delete all state; with ``keep_config`` keep sites and application keys."""
        with self.tx() as conn:
            for table in _TABLES:
                if not (keep_config and table in _CONFIG_TABLES):
                    conn.execute(f"DELETE FROM {table}")
            self._config_text.clear()

    # ------------------------------------------------------------ configuration

    def put_site(self, api_key: str, doc: dict) -> None:
        """Insert or replace a site's configuration document."""
        with self.tx() as conn:
            conn.execute("INSERT OR REPLACE INTO sites VALUES (?, ?)", (api_key, _dumps(doc)))
            self._config_text.pop(("sites", api_key), None)

    def get_site(self, api_key: str) -> dict | None:
        """A site's configuration document (a fresh copy), or None."""
        return self._config_doc("sites", "api_key", api_key)

    def site_view(self, api_key: str) -> dict | None:
        """A site's configuration document shared between callers: read it, never change it (use
        :meth:`get_site` for a copy to change and :meth:`put_site` it); parsed once per stored version."""
        return self._config_view("sites", "api_key", api_key)

    def has_site(self, api_key: str) -> bool:
        """True when a site ``api_key`` is stored (nothing parsed)."""
        return self._config_text_of("sites", "api_key", api_key) is not None

    def _config_text_of(self, table: str, key_column: str, key: str) -> str | None:
        """The stored JSON text of a row of ``sites`` or ``app_keys``; read from SQLite once.

        A cached text is read without the store's lock (every call asks, 64 threads waiting on the
        lock cost more CPU than the reads): the cache only ever holds committed text, because it is
        filled outside transactions and a write empties its entry under the lock."""
        text = self._config_text.get((table, key), _UNREAD)
        if text is not _UNREAD:
            return text
        with self._lock:
            rows = self._conn.execute(f"SELECT doc FROM {table} WHERE {key_column} = ?", (key,)).fetchall()
            text = rows[0][0] if rows else None
            if self._depth == 0:  # inside a transaction the row may yet be rolled back: not cached
                self._config_text[(table, key)] = text
        return text

    def _config_doc(self, table: str, key_column: str, key: str) -> dict | None:
        """A row of ``sites`` or ``app_keys`` as a new dict."""
        text = self._config_text_of(table, key_column, key)
        return json.loads(text) if text is not None else None

    def _config_view(self, table: str, key_column: str, key: str) -> dict | None:
        """The shared parsed row: the same dict until the row's text changes (a put, a rollback)."""
        text = self._config_text_of(table, key_column, key)
        if text is None:
            return None
        parsed = self._config_parsed.get((table, key))
        if parsed is None or parsed[0] is not text:
            parsed = self._config_parsed[(table, key)] = (text, json.loads(text))
        return parsed[1]

    def site_keys(self) -> list[str]:
        """Every site's apiKey."""
        return [r[0] for r in self._query("SELECT api_key FROM sites ORDER BY api_key")]

    def put_app_key(self, user_key: str, doc: dict) -> None:
        """Insert or replace an application key."""
        with self.tx() as conn:
            conn.execute("INSERT OR REPLACE INTO app_keys VALUES (?, ?)", (user_key, _dumps(doc)))
            self._config_text.pop(("app_keys", user_key), None)

    def app_key_docs(self) -> list[dict]:
        """Every application key's document, by userKey."""
        return [json.loads(r[0]) for r in self._query("SELECT doc FROM app_keys ORDER BY user_key")]

    def get_app_key(self, user_key: str) -> dict | None:
        """An application key's document, or None."""
        return self._config_doc("app_keys", "user_key", user_key)

    def app_key_view(self, user_key: str) -> dict | None:
        """An application key's document shared between callers (read it, never change it), or None."""
        return self._config_view("app_keys", "user_key", user_key)

    # ------------------------------------------------------------ accounts

    def get_account(self, api_key: str, uid: str) -> dict | None:
        """The stored account document, or None."""
        rows = self._query("SELECT doc FROM accounts WHERE api_key = ? AND uid = ?", (api_key, uid))
        return json.loads(rows[0][0]) if rows else None

    def put_account(self, api_key: str, doc: dict, *, login_ids: list[str], identities: list[tuple[str, str]],
                    new: bool = False) -> None:
        """Insert or update an account (keeping its ``seq``) with its login IDs and identities.

        ``new``: the caller found no account with this UID in the same transaction, so there is no
        row to update and no login ID, identity or index row of it to delete (delete_account removes
        them with the account): it is inserted in half the statements.

        Raises ``sqlite3.IntegrityError`` when a login ID or identity belongs to another account:
        callers check first and report 403043 / 409001; this is the last line of defence.
        """
        uid = doc["UID"]
        row = (_dumps(doc), *_columns(doc))
        with self.tx() as conn:
            updated = 0 if new else conn.execute(
                "UPDATE accounts SET doc = ?, created_ts = ?, updated_ts = ? WHERE api_key = ? AND uid = ?",
                (*row, api_key, uid),
            ).rowcount
            if not updated:
                conn.execute(
                    "INSERT INTO accounts (api_key, uid, doc, created_ts, updated_ts) VALUES (?, ?, ?, ?, ?)",
                    (api_key, uid, *row),
                )
            if not new:
                for table in ("login_ids", "identities", "account_values"):
                    conn.execute(f"DELETE FROM {table} WHERE api_key = ? AND uid = ?", (api_key, uid))
            if login_ids:
                conn.executemany(
                    "INSERT INTO login_ids VALUES (?, ?, ?)", [(api_key, lid, uid) for lid in dict.fromkeys(login_ids)]
                )
            if identities:  # most accounts have none: no statement to run
                conn.executemany(
                    "INSERT OR REPLACE INTO identities VALUES (?, ?, ?, ?)",
                    [(api_key, p, puid, uid) for p, puid in dict.fromkeys(identities)],
                )
            conn.executemany("INSERT INTO account_values VALUES (?, ?, ?, ?)", _index_rows(api_key, doc))

    def bulk_insert_accounts(self, api_key: str, docs: list[dict], login_ids: list[list[str]]) -> None:
        """Insert many new accounts in one transaction (seeding and benchmarks)."""
        with self.tx() as conn:
            conn.executemany(
                "INSERT INTO accounts (api_key, uid, doc, created_ts, updated_ts) VALUES (?, ?, ?, ?, ?)",
                [(api_key, d["UID"], _dumps(d), *_columns(d)) for d in docs],
            )
            conn.executemany(
                "INSERT INTO account_values VALUES (?, ?, ?, ?)", [r for d in docs for r in _index_rows(api_key, d)]
            )
            conn.executemany(
                "INSERT INTO login_ids VALUES (?, ?, ?)",
                [(api_key, lid, d["UID"]) for d, ids in zip(docs, login_ids) for lid in dict.fromkeys(ids)],
            )

    def delete_account(self, api_key: str, uid: str) -> bool:
        """Remove an account with its login IDs, identities and login state; False if absent."""
        with self.tx() as conn:
            gone = conn.execute("DELETE FROM accounts WHERE api_key = ? AND uid = ?", (api_key, uid)).rowcount
            for table in ("login_ids", "identities", "account_values", "login_state"):
                conn.execute(f"DELETE FROM {table} WHERE api_key = ? AND uid = ?", (api_key, uid))
        return bool(gone)

    def uid_for_login_id(self, api_key: str, login_id: str) -> str | None:
        """The UID owning a (normalised) login ID on a site."""
        rows = self._query("SELECT uid FROM login_ids WHERE api_key = ? AND login_id = ?", (api_key, login_id))
        return rows[0][0] if rows else None

    def uid_for_identity(self, api_key: str, provider: str, provider_uid: str) -> str | None:
        """The UID holding a social/provider identity on a site."""
        rows = self._query(
            "SELECT uid FROM identities WHERE api_key = ? AND provider = ? AND provider_uid = ?",
            (api_key, provider, provider_uid),
        )
        return rows[0][0] if rows else None

    @staticmethod
    def indexed_uids(api_key: str, path: str, values: tuple[str, ...]) -> tuple[str, tuple]:
        """A ``SELECT`` of the UIDs whose ``path`` holds one of ``values`` exactly (case-sensitive),
        answered from indexes, never from the JSON; ``path`` is one of :data:`INDEXED_FIELDS`.
        Use it as ``uid IN (...)`` in a condition, or as ``among`` in :meth:`scan` / :meth:`count`."""
        if path == "UID":
            return "SELECT value FROM json_each(?)", (_dumps(list(values)),)
        if path not in INDEXED_FIELDS:
            raise ValueError(f"{path} is not indexed")
        marks = ",".join("?" * len(values))
        return (f"SELECT uid FROM account_values WHERE api_key = ? AND field = ? AND value IN ({marks})",
                (api_key, path, *values))

    def selects_more_than(self, select: tuple[str, tuple], limit: int) -> bool:
        """True when ``select`` (e.g. from :meth:`indexed_uids`) yields more than ``limit`` rows; reads
        at most ``limit + 1`` of them."""
        sql, params = select
        return self._query(f"SELECT count(*) FROM (SELECT 1 FROM ({sql}) LIMIT ?)", (*params, limit + 1))[0][0] > limit

    @staticmethod
    def odd_timestamps_uids(api_key: str) -> tuple[str, tuple]:
        """A ``SELECT`` of the UIDs whose timestamp columns are NULL because their JSON holds a non-number."""
        return "SELECT uid FROM account_values WHERE api_key = ? AND field = ?", (api_key, _ODD_TIMESTAMPS)

    def has_odd_timestamps(self, api_key: str) -> bool:
        """True when some account of the site has a created/lastUpdated timestamp that is not a number."""
        return bool(self._query("SELECT 1 FROM account_values WHERE api_key = ? AND field = ? LIMIT 1",
                                (api_key, _ODD_TIMESTAMPS)))

    def count(self, table: str, api_key: str, where_sql: str = "", params: tuple = (),
              among: tuple[str, tuple] | None = None) -> int:
        """Rows of ``table`` for a site, optionally narrowed by an SQL condition on its columns, and
        (accounts) to the UIDs ``among`` selects (see :meth:`scan`)."""
        source, head = self._source(table, api_key, among)
        extra = f" AND ({where_sql})" if where_sql else ""
        return self._query(f"SELECT count(*) FROM {source}{extra}", (*head, *params))[0][0]

    @staticmethod
    def _source(table: str, api_key: str, among: tuple[str, tuple] | None) -> tuple[str, tuple]:
        """``FROM ... WHERE`` head: with ``among`` (a SELECT of candidate UIDs, usually a few), SQLite is
        told to start from those UIDs rather than walk every row of the site in ``seq`` order."""
        if among is None:
            return f"{table} WHERE api_key = ?", (api_key,)
        if table != "accounts":
            raise ValueError("among applies to accounts only")
        return ("accounts INDEXED BY sqlite_autoindex_accounts_1 WHERE api_key = ? AND uid IN "
                f"({among[0]})", (api_key, *among[1]))

    def scan(
        self, table: str, api_key: str, *, after: int = 0, batch: int = 1000, where_sql: str = "", params: tuple = (),
        skip: int = 0, among: tuple[str, tuple] | None = None,
    ) -> list[tuple[int, dict]]:
        """One keyset batch ``(seq, doc)`` with ``seq > after`` in ``seq`` order, the first ``skip``
        matching rows left out. ``among`` = ``(select_sql, params)`` restricts accounts to the UIDs it
        selects and makes SQLite start from them (then sort them): meant for small candidate sets."""
        source, head = self._source(table, api_key, among)
        extra = f" AND ({where_sql})" if where_sql else ""
        rows = self._query(
            f"SELECT seq, {_SCAN_COLUMNS[table]} FROM {source} AND seq > ?{extra} ORDER BY seq LIMIT ? OFFSET ?",
            (*head, after, *params, batch, skip),
        )
        return [(seq, json.loads(doc)) for seq, doc in rows]

    def fetch_seqs(self, table: str, seqs: list[int]) -> dict[int, dict]:
        """Documents by ``seq`` (rows deleted meanwhile are simply absent)."""
        if not seqs:
            return {}
        marks = ",".join("?" * len(seqs))
        rows = self._query(f"SELECT seq, doc FROM {table} WHERE seq IN ({marks})", tuple(seqs))
        return {seq: json.loads(doc) for seq, doc in rows}

    # ------------------------------------------------------------ login state (failed logins, lockout)

    def get_login_state(self, api_key: str, uid: str) -> dict:
        """Failed-login counters and lockout of one account ({} when clean)."""
        rows = self._query("SELECT doc FROM login_state WHERE api_key = ? AND uid = ?", (api_key, uid))
        return json.loads(rows[0][0]) if rows else {}

    def put_login_state(self, api_key: str, uid: str, state: dict) -> None:
        """Replace (or, when empty, clear) an account's login state."""
        with self.tx() as conn:
            if state:
                conn.execute("INSERT OR REPLACE INTO login_state VALUES (?, ?, ?)", (api_key, uid, _dumps(state)))
            else:
                conn.execute("DELETE FROM login_state WHERE api_key = ? AND uid = ?", (api_key, uid))

    # ------------------------------------------------------------ audit

    def add_audit(self, api_key: str, ts: int, doc: dict) -> None:
        """Append one audit record: one INSERT, which outside a transaction commits by itself
        (autocommit: SQLite wraps the statement in its own transaction, as durable as BEGIN ...
        COMMIT, at a third of the statements); inside one it joins it."""
        row = (api_key, ts, _dumps(doc))
        with self._lock:
            self._conn.execute("INSERT INTO audit (api_key, ts, doc) VALUES (?, ?, ?)", row)

    # ------------------------------------------------------------ tokens (regTokens, sessions, mails, webhooks)

    def put_token(self, kind: str, token: str, api_key: str, doc: dict, *, uid: str | None = None,
                  expires: int | None = None) -> None:
        """Insert or replace one short-lived (or, with ``expires`` None, lasting) record of ``kind``."""
        with self.tx() as conn:
            conn.execute("DELETE FROM tokens WHERE kind = ? AND token = ?", (kind, token))
            conn.execute("INSERT INTO tokens (kind, token, api_key, uid, doc, expires) VALUES (?, ?, ?, ?, ?, ?)",
                         (kind, token, api_key, uid, _dumps(doc), expires))

    def get_token(self, kind: str, token: str) -> dict | None:
        """``{"apiKey", "uid", "doc", "expires"}`` of one token, or None."""
        rows = self._query("SELECT api_key, uid, doc, expires FROM tokens WHERE kind = ? AND token = ?", (kind, token))
        if not rows:
            return None
        api_key, uid, doc, expires = rows[0]
        return {"apiKey": api_key, "uid": uid, "doc": json.loads(doc), "expires": expires, "token": token}

    def live_token(self, kind: str, token: str, api_key: str, now: float) -> dict | None:
        """:meth:`get_token` when the token belongs to ``api_key`` and has not expired by ``now``, else None."""
        found = self.get_token(kind, token)
        if found is None or found["apiKey"] != api_key:
            return None
        return found if found["expires"] is None or found["expires"] >= now else None

    def delete_tokens(self, kind: str, *, token: str | None = None, api_key: str | None = None,
                      uid: str | None = None) -> int:
        """Delete the tokens of ``kind`` matching every filter given; returns how many went."""
        where, params = self._token_filter(kind, token, api_key, uid)
        with self.tx() as conn:
            return conn.execute(f"DELETE FROM tokens WHERE {where}", params).rowcount

    def list_tokens(self, kind: str, *, api_key: str | None = None, uid: str | None = None) -> list[dict]:
        """The tokens of ``kind`` (oldest first) matching the filters, shaped as :meth:`get_token`."""
        where, params = self._token_filter(kind, None, api_key, uid)
        rows = self._query(f"SELECT token, api_key, uid, doc, expires FROM tokens WHERE {where} ORDER BY seq", params)
        return [{"token": t, "apiKey": a, "uid": u, "doc": json.loads(d), "expires": e} for t, a, u, d, e in rows]

    def prune_tokens(self, now: int) -> int:
        """Delete every token whose ``expires`` (Unix seconds) has passed; returns how many went."""
        with self.tx() as conn:
            return conn.execute("DELETE FROM tokens WHERE expires IS NOT NULL AND expires < ?", (now,)).rowcount

    @staticmethod
    def _token_filter(kind: str, token: str | None, api_key: str | None, uid: str | None) -> tuple[str, tuple]:
        clauses, params = ["kind = ?"], [kind]
        for column, value in (("token", token), ("api_key", api_key), ("uid", uid)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        return " AND ".join(clauses), tuple(params)

    # ------------------------------------------------------------ nonces

    def use_nonce(self, nonce: str, now: int, *, keep_seconds: int = 600) -> bool:
        """Record a nonce; False when it was already used (replay). Old nonces are forgotten."""
        with self.tx() as conn:
            conn.execute("DELETE FROM nonces WHERE ts < ?", (now - keep_seconds,))
            try:
                conn.execute("INSERT INTO nonces VALUES (?, ?)", (nonce, now))
            except sqlite3.IntegrityError:
                return False
        return True

    # ------------------------------------------------------------ cursors

    def put_cursor(
        self, cursor_id: str, api_key: str, doc: dict, expires: int, seqs: list[int] | None = None, *, opening: bool = False
    ) -> None:
        """Save a cursor's state; ``seqs`` (ordered results of an ORDER BY query) are stored once."""
        with self.tx() as conn:
            if opening:
                # Opening a cursor is rare: forget cursors expired for an hour and ordered rows nobody can reach.
                conn.execute("DELETE FROM cursors WHERE expires < ?", (expires - 3600,))
                conn.execute(
                    "DELETE FROM cursor_rows WHERE cursor_id NOT IN "
                    "(SELECT coalesce(json_extract(doc, '$.root'), cursor_id) FROM cursors)"
                )
            conn.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, ?, ?)", (cursor_id, api_key, _dumps(doc), expires))
            if seqs is not None:
                conn.executemany(
                    "INSERT INTO cursor_rows VALUES (?, ?, ?)", [(cursor_id, i, s) for i, s in enumerate(seqs)]
                )

    def get_cursor(self, cursor_id: str) -> tuple[str, dict, int] | None:
        """``(api_key, doc, expires)`` of a cursor, or None."""
        rows = self._query("SELECT api_key, doc, expires FROM cursors WHERE cursor_id = ?", (cursor_id,))
        return (rows[0][0], json.loads(rows[0][1]), rows[0][2]) if rows else None

    def cursor_seqs(self, cursor_id: str, start: int, count: int) -> list[int]:
        """The stored result positions ``start .. start+count`` of an ordered cursor."""
        rows = self._query(
            "SELECT seq FROM cursor_rows WHERE cursor_id = ? AND pos >= ? ORDER BY pos LIMIT ?",
            (cursor_id, start, count),
        )
        return [r[0] for r in rows]

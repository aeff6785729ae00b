"""The import path's shortcuts answer exactly what the general code answers.

- ``json_text.compact`` / ``spaced`` (encoders made once) write ``json.dumps``'s bytes, for any JSON value;
- the search index rows of an account (``store._strings_at``, a two-level walk) are the strings the
  query evaluator (``query.resolve``) finds at every indexed path;
- ``Store.tx`` (a class, no longer a generator): commits, rolls back on any exception, joins an outer
  transaction, and releases the store's lock whatever happens.
"""

from __future__ import annotations

import json
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_gigya import json_text
from mock_gigya.query import resolve
from mock_gigya.store import INDEXED_FIELDS, Store, _strings_at

_ATOMS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_JSON = st.recursive(_ATOMS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                     max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_encoders_write_what_json_dumps_writes(value):
    assert json_text.compact(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert json_text.spaced(value) == json.dumps(value, ensure_ascii=False)


def test_an_unencodable_value_is_refused_as_json_dumps_refuses_it():
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_text.spaced({"when": object()})


_KEYS = st.sampled_from(["emails", "unverifiedEmails", "username", "verified", "unverified", "email", "other"])
_VALUE = st.recursive(st.none() | st.integers() | st.sampled_from(["a@x.io", "A@x.io", "b", ""]),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
                      max_leaves=12)
_GROUPS = st.sampled_from(["profile", "loginIDs", "emails", "data"])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_GROUPS, _VALUE, max_size=4))
def test_index_rows_hold_the_strings_the_query_evaluator_finds(doc):
    for path in INDEXED_FIELDS[1:]:
        group, key = path.split(".")
        expected = dict.fromkeys(v for v in resolve(doc, path) if isinstance(v, str))
        assert list(_strings_at(doc, group, key)) == list(expected), path


def _nonces(store: Store) -> list[str]:
    return [row[0] for row in store._query("SELECT nonce FROM nonces ORDER BY nonce")]


def test_a_transaction_commits_and_rolls_back_whole():
    store = Store()
    with store.tx() as conn:
        conn.execute("INSERT INTO nonces VALUES ('kept', 1)")
    with pytest.raises(KeyError):
        with store.tx() as conn:
            conn.execute("INSERT INTO nonces VALUES ('undone', 1)")
            with store.tx() as inner:  # nested: joins the outer transaction
                inner.execute("INSERT INTO nonces VALUES ('undone too', 1)")
            raise KeyError("boom")
    assert _nonces(store) == ["kept"]


def test_a_nested_failure_caught_by_the_outer_transaction_does_not_end_it():
    store = Store()
    with store.tx() as conn:
        conn.execute("INSERT INTO nonces VALUES ('a', 1)")
        with pytest.raises(ValueError):
            with store.tx() as inner:
                inner.execute("INSERT INTO nonces VALUES ('b', 1)")
                raise ValueError
        conn.execute("INSERT INTO nonces VALUES ('c', 1)")
    assert _nonces(store) == ["a", "b", "c"]


def test_the_lock_is_released_after_a_failed_transaction():
    store = Store()
    with pytest.raises(RuntimeError):
        with store.tx():
            raise RuntimeError
    done = threading.Event()

    def write() -> None:
        with store.tx() as conn:
            conn.execute("INSERT INTO nonces VALUES ('other thread', 1)")
        done.set()

    threading.Thread(target=write, daemon=True).start()
    assert done.wait(10)
    assert _nonces(store) == ["other thread"]

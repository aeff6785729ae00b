"""Storage: a file database keeps committed writes across a reopen, writes are transactional, and
the backend is safe to call from many threads at once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from mock_gigya import api
from mock_gigya.backend import Backend
from mock_gigya.errors import MockGigyaError

CREDS = {"apiKey": "3_mock_site", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}


def test_file_database_survives_reopen(tmp_path):
    path = str(tmp_path / "mock.db")
    first = Backend(path)
    first.add_default_site()
    api.handle(first, "accounts.importFullAccount", {**CREDS, "UID": "u1", "data": '{"x": 1}'})
    first.close()
    second = Backend(path)
    status, body = api.handle(second, "accounts.getAccountInfo", {**CREDS, "UID": "u1"})
    assert body["data"] == {"x": 1}
    audit = api.handle(second, "audit.search", {**CREDS, "query": "SELECT * FROM auditLog"})[1]
    assert audit["results"][0]["endpoint"] == "accounts.importFullAccount"
    second.close()


def test_failed_write_leaves_nothing_behind(backend: Backend):
    backend.seed_account("3_mock_site", UID="owner", loginIDs={"emails": ["taken@example.com"]})
    with pytest.raises(MockGigyaError):
        backend.import_full_account("3_mock_site", {"UID": "new", "loginIDs": {"emails": ["taken@example.com"]}})
    assert backend.accounts("3_mock_site").find(uid="new") is None
    assert backend.accounts("3_mock_site").count() == 1


def test_concurrent_imports_and_reads(backend: Backend, fake):
    emails = [fake.unique.email() for _ in range(200)]

    def work(i: int) -> int:
        params = {**CREDS, "UID": f"u{i}", "loginIDs": json.dumps({"emails": [emails[i]]})}
        code = api.handle(backend, "accounts.importFullAccount", params)[1]["errorCode"]
        api.handle(backend, "accounts.search", {**CREDS, "query": "SELECT count(*) FROM accounts"})
        return code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(work, range(200)))
    assert codes == [0] * 200
    assert backend.accounts("3_mock_site").count() == 200
    # the same login ID imported concurrently under different UIDs: exactly one wins
    with ThreadPoolExecutor(max_workers=16) as pool:
        clash = list(pool.map(lambda i: api.handle(backend, "accounts.importFullAccount", {
            **CREDS, "UID": f"dup{i}", "loginIDs": json.dumps({"emails": ["same@example.com"]})})[1]["errorCode"],
            range(16)))
    assert sorted(clash) == [0] + [403043] * 15


def test_concurrent_first_logins_rehash_once_and_keep_other_writes(backend: Backend):
    # base64(sha1("password")): the SAP Help importFullAccount example
    password = json.dumps({"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}})
    api.handle(backend, "accounts.importFullAccount", {**CREDS, "UID": "u1", "password": password,
                                                       "loginIDs": '{"emails": ["a@example.com"]}'})

    def login(i: int) -> int:
        if i % 4 == 0:
            api.handle(backend, "accounts.setAccountInfo", {**CREDS, "UID": "u1", "data": json.dumps({f"k{i}": i})})
        return api.handle(backend, "accounts.login", {**CREDS, "loginID": "a@example.com", "password": "password"})[1]["errorCode"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(login, range(32))) == {0}
    account = backend.accounts("3_mock_site").find(uid="u1")
    assert account["password"]["hashSettings"]["algorithm"] == "pbkdf2"
    assert account["data"] == {f"k{i}": i for i in range(0, 32, 4)}
    assert api.handle(backend, "accounts.login", {**CREDS, "loginID": "a@example.com", "password": "password"})[1]["errorCode"] == 0


def test_site_and_app_key_documents_are_fresh_copies_kept_in_step_with_writes_and_rollbacks():
    from mock_gigya.store import Store

    store = Store(":memory:")
    store.put_site("3_a", {"apiKey": "3_a", "policies": {"x": 1}})
    first = store.get_site("3_a")
    first["policies"]["x"] = 99  # a caller mutating its copy changes nothing stored
    assert store.get_site("3_a")["policies"] == {"x": 1}
    store.put_site("3_a", {"apiKey": "3_a", "policies": {"x": 2}})
    assert store.get_site("3_a")["policies"] == {"x": 2}  # a write is seen at once
    assert store.get_site("3_b") is None
    store.put_site("3_b", {"apiKey": "3_b"})
    assert store.get_site("3_b") == {"apiKey": "3_b"}  # an earlier "no such site" is forgotten
    try:
        with store.tx():
            store.put_site("3_a", {"apiKey": "3_a", "policies": {"x": 3}})
            store.put_app_key("UK", {"userKey": "UK"})
            assert store.get_site("3_a")["policies"] == {"x": 3}
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    assert store.get_site("3_a")["policies"] == {"x": 2} and store.get_app_key("UK") is None  # rolled back
    store.reset()
    assert store.get_site("3_a") is None

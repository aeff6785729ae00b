"""The client against the in-process mock Gigya (mock_gigya.inprocess): the same wire protocol end to end."""

import time

import pytest
from client_wire import FakeClock
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gigya_migrate import errors as E
from gigya_migrate.client import GigyaClient
from mock_gigya import defaults
from mock_gigya.inprocess import mock_gigya

# HELP importFullAccount sample: base64(SHA1("password")) (docs/gigya-api.md §3).
SHA1_OF_PASSWORD = "W6ph5Mm5Pz8GgiULbPgzG37mj9g="


@pytest.fixture
def gigya():
    with mock_gigya() as mock:
        yield mock


@pytest.fixture
def sleeps():
    return FakeClock()


def _client(sleeps, **options):
    options.setdefault("user_key", defaults.DEFAULT_USER_KEY)
    options.setdefault("secret", defaults.DEFAULT_SECRET)
    return GigyaClient(defaults.DEFAULT_API_KEY, sleep=sleeps.sleep, rand=lambda: 0.0, **options)


@pytest.mark.parametrize("signed", [False, True])
def test_import_read_login_update_delete_round_trip(gigya, sleeps, signed):
    client = _client(sleeps, sign_requests=signed)
    password = {"hashedPassword": SHA1_OF_PASSWORD, "hashSettings": {"algorithm": "sha1"}}
    result = client.import_full_account(
        "u-ada", profile={"email": "ada@example.com", "firstName": "Ada"}, data={"legacyId": 7},
        password=password, login_ids={"emails": ["ada@example.com"]}, emails={"verified": ["ada@example.com"]},
        isVerified=True, isRegistered=True,
    )
    assert result.error_code == 0 and not result.recovered_after_retry

    info = client.get_account_info("u-ada", include=["loginIDs", "profile", "data"])
    assert info.uid == "u-ada" and info.profile.first_name == "Ada" and info.data["legacyId"] == 7
    assert info.login_ids.emails == ["ada@example.com"]

    login = client.login("ada@example.com", "password")
    assert login.uid == "u-ada"
    with pytest.raises(E.InvalidLogin):
        client.login("ada@example.com", "wrong-password")

    client.set_account_info("u-ada", data={"segment": "gold"})
    assert client.get_account_info("u-ada").data == {"legacyId": 7, "segment": "gold"}

    with pytest.raises(E.AlreadyExists):
        client.import_full_account("u-ada", login_ids={"emails": ["ada@example.com"]})

    client.delete_account("u-ada")
    with pytest.raises(E.NotFound):
        client.get_account_info("u-ada")


def test_search_all_pages_through_a_seeded_site(gigya, sleeps):
    gigya.seed(defaults.DEFAULT_API_KEY, 230)
    client = _client(sleeps)
    uids = [account.uid for account in client.search_all("SELECT * FROM accounts", page_size=50)]
    assert len(uids) == 230 and len(set(uids)) == 230
    searches = [c for c in gigya.calls if c.method == "accounts.search"]
    assert len(searches) == 5 and "cursorId" in searches[1].params and "query" not in searches[1].params


def test_rate_limits_from_the_mock_are_retried_with_backoff(gigya, sleeps):
    gigya.faults.rate_limit(times=2, method="accounts.importFullAccount")
    client = _client(sleeps)
    assert client.import_full_account("u-rl", profile={"firstName": "R"}).error_code == 0
    assert sleeps.sleeps == [1.0, 2.0]
    assert [c.error_code for c in gigya.calls if c.method == "accounts.importFullAccount"] == [403048, 403048, 0]


def test_insert_whose_answer_was_lost_is_confirmed_not_reported_as_existing(gigya, sleeps):
    gigya.faults.timeout(times=1, method="accounts.importFullAccount", processed=True)
    client = _client(sleeps)
    result = client.import_full_account("u-lost", login_ids={"emails": ["lost@example.com"]}, profile={"firstName": "L"})
    assert result.recovered_after_retry is True and result.uid == "u-lost"
    assert client.get_account_info("u-lost").profile.first_name == "L"


def test_bearer_jwt_against_the_mock(gigya, sleeps):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    gigya.add_app_key("AJwtKey", public_key=public.decode())
    client = GigyaClient(defaults.DEFAULT_API_KEY, user_key="AJwtKey", private_key=private, sleep=sleeps.sleep)
    assert client.search("SELECT * FROM accounts").total_count == 0


def test_wrong_secret_is_refused_by_the_mock(gigya, sleeps):
    client = _client(sleeps, secret="d3Jvbmctc2VjcmV0", sign_requests=True)
    with pytest.raises(E.InvalidSignature) as info:
        client.search("SELECT * FROM accounts")
    assert "d3Jvbmctc2VjcmV0" not in str(info.value)


def test_deletions_show_in_the_audit_log(gigya, sleeps):
    client = _client(sleeps)
    for n in range(3):
        client.import_full_account(f"u-del-{n}", profile={"firstName": "D"})
        client.delete_account(f"u-del-{n}")
    query = 'SELECT * FROM auditLog WHERE endpoint = "accounts.deleteAccount"'
    records = list(client.audit_search_all(query, page_size=2))
    assert sorted(r.uid or r.params.get("UID") for r in records) == ["u-del-0", "u-del-1", "u-del-2"]


def test_clock_skew_against_the_mock_is_corrected_by_one_re_sign(sleeps):
    from mock_gigya.backend import Backend

    mock_now = 1_900_000_000.0  # the mock's clock is far ahead of ours
    with mock_gigya(backend=Backend(clock=lambda: mock_now)) as gigya:
        client = _client(sleeps, sign_requests=True)
        assert client.search("SELECT * FROM accounts").error_code == 0
        assert [c.error_code for c in gigya.calls] == [403002, 0]
        assert abs(client.clock_offset - (mock_now - time.time())) < 5


@pytest.mark.parametrize("signed", [False, True])
def test_over_loopback_http_to_the_mock_server(gigya_server, sleeps, signed):
    """Real HTTP: the signed base string carries the server's port (http://127.0.0.1:<port>/...)."""
    client = _client(sleeps, base_url=gigya_server.url, sign_requests=signed)
    client.import_full_account("u-http", profile={"firstName": "H"}, login_ids={"emails": ["h@example.com"]})
    assert client.get_account_info("u-http").profile.first_name == "H"
    assert [a.uid for a in client.search_all("SELECT * FROM accounts", page_size=10)] == ["u-http"]

"""gigya_migrate.GigyaClient against the mock in both modes: every credential mode, cursors,
scripted faults it must ride out, and concurrent use."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gigya_migrate.client import GigyaClient
from gigya_migrate.errors import InvalidLogin, Throttled, UnauthorizedUser
from mock_gigya import defaults

KEY, USER_KEY, SECRET = defaults.DEFAULT_API_KEY, defaults.DEFAULT_USER_KEY, defaults.DEFAULT_SECRET


@pytest.fixture(params=["inprocess", "server"])
def mock(request):
    """The in-process mock or the loopback server (both carry the default site and key)."""
    return request.getfixturevalue("gigya_mock" if request.param == "inprocess" else "gigya_server")


def client_for(mock, **options) -> GigyaClient:
    base_url = getattr(mock, "url", None) if not hasattr(mock, "calls") else None
    options.setdefault("user_key", USER_KEY)
    if "private_key" not in options:
        options.setdefault("secret", SECRET)
    return GigyaClient(KEY, base_url=base_url, sleep=lambda seconds: None, **options)


def import_one(client: GigyaClient, uid: str, **extra):
    return client.import_full_account(uid, login_ids={"emails": [f"{uid}@example.com"]},
                                      profile={"firstName": uid.title()}, **extra)


@pytest.mark.parametrize("mode", ["secret", "signed", "bearer"])
def test_every_credential_mode_imports_reads_and_logs_in(mock, mode):
    options = {}
    if mode == "signed":
        options["sign_requests"] = True
    if mode == "bearer":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        mock.add_app_key("AJwtKey", partner_id="mock-partner", public_key=public)
        options.update(user_key="AJwtKey", private_key=pem)
    client = client_for(mock, **options)
    # md5-crypt of "password" from `openssl passwd -1 -salt saltsalt password`
    assert import_one(client, "ada", password={"compoundHashedPassword": "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"}).uid == "ada"
    assert client.get_account_info("ada").profile.first_name == "Ada"
    assert client.login("ada@example.com", "password").uid == "ada"
    with pytest.raises(InvalidLogin):
        client.login("ada@example.com", "not-it")
    with pytest.raises(UnauthorizedUser):
        client.get_account_info("nobody")


def test_search_all_pages_through_a_cursor(mock):
    report = mock.seed(KEY, 25, algorithms=["sha256"], seed=9)
    client = client_for(mock)
    uids = [account.uid for account in client.search_all("SELECT * FROM accounts", page_size=10)]
    assert sorted(uids) == sorted(report.uids)


def test_client_rides_out_scripted_rate_limits_and_server_errors(mock):
    mock.faults.rate_limit(times=2, method="importFullAccount").server_error(times=1, method="importFullAccount")
    client = client_for(mock, max_retries=5)
    assert import_one(client, "grace").uid == "grace"
    assert mock.faults.state()["injected"] == {"error:403048": 2, "error:500001": 1}
    assert mock.accounts(KEY).count() == 1


def test_client_gives_up_after_its_retry_budget(mock):
    mock.faults.rate_limit(times=10)
    with pytest.raises(Throttled):
        import_one(client_for(mock, max_retries=2), "linus")
    assert mock.faults.state()["scripts"][0]["remaining"] == 7  # 1 try + 2 retries


def test_lost_answer_after_a_write_is_recovered_not_duplicated(gigya_server):
    gigya_server.faults.drop(method="importFullAccount", processed=True)
    result = import_one(client_for(gigya_server), "barbara")
    assert result.uid == "barbara" and result.recovered_after_retry
    assert gigya_server.accounts(KEY).count() == 1


def test_timeouts_are_retried(gigya_mock):
    gigya_mock.faults.timeout(method="getAccountInfo")
    client = client_for(gigya_mock)
    import_one(client, "edsger")
    assert client.get_account_info("edsger").uid == "edsger"
    assert [c.method for c in gigya_mock.calls].count("accounts.getAccountInfo") == 2


def test_one_client_shared_by_32_threads(gigya_server):
    client = client_for(gigya_server, pool_size=32)
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(lambda n: import_one(client, f"user{n:03d}").uid, range(160)))
    assert sorted(results) == [f"user{n:03d}" for n in range(160)]
    body = client.search("SELECT count(*) FROM accounts")
    assert body.total_count == 160


@pytest.mark.parametrize("mode", ["inprocess", "server"])
def test_clock_skew_is_resynced_from_the_mocks_date_header(mode):
    """The mock's clock runs 10 minutes ahead: a signed call answers 403002, the client reads the
    Date header (from the mock's clock, as real Gigya's), re-signs once and succeeds."""
    from mock_gigya.backend import Backend
    from mock_gigya.inprocess import MockGigya
    from mock_gigya.server import MockServer

    ahead = Backend(clock=lambda: time.time() + 600)
    with (MockGigya(backend=ahead) if mode == "inprocess" else MockServer(backend=ahead)) as mock:
        client = client_for(mock, sign_requests=True)
        assert client.search("SELECT count(*) FROM accounts").total_count == 0
        assert 590 < client.clock_offset < 610

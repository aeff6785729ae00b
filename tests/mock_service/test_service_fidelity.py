"""The real mock behind both adapters: what official SDKs send is accepted, bad credentials and bad
input get Gigya envelopes, and the same calls answer the same in-process and over HTTP."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from faker import Faker

from mock_gigya import defaults

from .sdk_wire import signed_params

KEY, USER_KEY, SECRET = defaults.DEFAULT_API_KEY, defaults.DEFAULT_USER_KEY, defaults.DEFAULT_SECRET
GIGYA = "https://accounts.us1.gigya.com"


@pytest.fixture(params=["inprocess", "server"])
def target(request):
    """(base URL to post to, the mock's control object) for each adapter."""
    if request.param == "inprocess":
        mock = request.getfixturevalue("gigya_mock")
        return GIGYA, mock
    server = request.getfixturevalue("gigya_server")
    return server.url, server


def an_account(fake: Faker, uid: str) -> dict:
    email = f"{uid}@{fake.free_email_domain()}"
    return {"UID": uid, "loginIDs": json.dumps({"emails": [email]}),
            "profile": json.dumps({"firstName": fake.first_name(), "email": email}),
            # md5-crypt of "password": `openssl passwd -1 -salt saltsalt password`
            "password": json.dumps({"compoundHashedPassword": "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"})}


def call(base, method, **params):
    creds = {"apiKey": KEY, "userKey": USER_KEY, "secret": SECRET}
    return requests.post(f"{base}/{method}", data={**creds, **params}, timeout=10).json()


def test_import_then_search_then_login_answer_the_same_in_both_modes(target):
    base, mock = target
    fake = Faker()
    fake.seed_instance(61)
    account = an_account(fake, "uid-one")
    assert call(base, "accounts.importFullAccount", **account)["errorCode"] == 0
    found = call(base, "accounts.search", query='SELECT UID FROM accounts WHERE UID = "uid-one"')
    assert (found["errorCode"], found["totalCount"], found["results"][0]["UID"]) == (0, 1, "uid-one")
    email = json.loads(account["profile"])["email"]
    # the stored md5-crypt is `openssl passwd -1 -salt saltsalt password` (OpenSSL, not our code)
    assert call(base, "accounts.login", loginID=email, password="password")["errorCode"] == 0
    assert call(base, "accounts.login", loginID=email, password="nope")["errorCode"] == 403042
    assert mock.accounts(KEY).find(email=email)["UID"] == "uid-one"


@pytest.mark.parametrize("sdk", ["python", "java", "php", "dotnet", "node"])
@pytest.mark.parametrize("signed_scheme", ["https", "http"])
def test_official_sdk_signed_requests_via_host_header(gigya_server, sdk, signed_scheme):
    url = f"{signed_scheme}://accounts.us1.gigya.com/accounts.search"
    form = signed_params(sdk, url, KEY, USER_KEY, SECRET,
                         {"query": "SELECT count(*) FROM accounts", "openCursor": False})
    response = requests.post(f"{gigya_server.url}/accounts.search", data=form,
                             headers={"Host": "accounts.us1.gigya.com"}, timeout=10)
    assert response.status_code == 200
    assert response.json()["errorCode"] == 0, response.json()


@pytest.mark.parametrize("sdk", ["python", "node"])
def test_official_sdk_signed_requests_through_the_proxy(gigya_server, sdk):
    url = "http://accounts.us1.gigya.com/accounts.getAccountInfo"
    gigya_server.seed_account(KEY, UID="proxied", profile={"firstName": "Ada"})
    form = signed_params(sdk, url, KEY, USER_KEY, SECRET, {"UID": "proxied"})
    body = requests.post(url, data=form, proxies={"http": gigya_server.url}, timeout=10).json()
    assert (body["errorCode"], body["profile"]["firstName"]) == (0, "Ada")


@pytest.mark.parametrize("sdk", ["python", "java", "php", "node"])
def test_sdk_style_objects_and_booleans_in_a_signed_import(gigya_server, sdk):
    """The Python SDK's default: plain http through its proxy setting, JSON with spaces, "True"."""
    url = "http://accounts.us1.gigya.com/accounts.importFullAccount"
    uid = f"{sdk}-user"
    account = {"UID": uid, "loginIDs": {"emails": [f"{uid}@example.com"]}, "isVerified": True,
               "profile": {"firstName": "Zoë", "lastName": "O'Neil & Sons"}, "data": {"tags": ["a b", "c+d"]}}
    form = signed_params(sdk, url, KEY, USER_KEY, SECRET, account)
    assert requests.post(url, data=form, proxies={"http": gigya_server.url}, timeout=10).json()["errorCode"] == 0
    stored = gigya_server.accounts(KEY).find(uid=uid)
    assert stored["profile"]["lastName"] == "O'Neil & Sons" and stored["data"]["tags"] == ["a b", "c+d"]
    assert stored["isVerified"] is True


def test_signed_requests_in_process_use_the_real_gigya_url(gigya_mock):
    url = f"{GIGYA}/accounts.search"
    form = signed_params("java", url, KEY, USER_KEY, SECRET, {"query": "SELECT * FROM accounts"})
    assert requests.post(url, data=form).json()["errorCode"] == 0


def signed_to(server, sdk="java", url=f"{GIGYA}/accounts.search", **changes):
    form = signed_params(sdk, url, KEY, USER_KEY, SECRET, {"query": "SELECT * FROM accounts"},
                         now=changes.pop("now", None))
    form.update(changes)
    return requests.post(f"{server.url}/accounts.search", data=form,
                         headers={"Host": "accounts.us1.gigya.com"}, timeout=10).json()


def test_signature_errors(gigya_server):
    assert signed_to(gigya_server, sig="AAAAAAAAAAAAAAAAAAAAAAAAAAA=")["errorCode"] == 403003
    assert signed_to(gigya_server, url=f"{GIGYA}/accounts.getAccountInfo")["errorCode"] == 403003
    assert signed_to(gigya_server, now=time.time() - 3600)["errorCode"] == 403002
    form = signed_params("java", f"{GIGYA}/accounts.search", KEY, USER_KEY, SECRET, {"query": "SELECT * FROM accounts"})
    replies = [requests.post(f"{gigya_server.url}/accounts.search", data=form,
                             headers={"Host": "accounts.us1.gigya.com"}).json()["errorCode"] for _ in range(2)]
    assert replies == [0, 403004]


@pytest.mark.parametrize("params, code", [
    ({"apiKey": "3_unknown"}, 400093),
    ({"userKey": "ANotAKey"}, 403005),
    ({"secret": "d3Jvbmc="}, 403003),
    ({"profile": "{not json", "UID": "x"}, 400006),
])
def test_wrong_credentials_and_broken_json_get_envelopes(target, params, code):
    base, _ = target
    method = "accounts.setAccountInfo" if "profile" in params else "accounts.search"
    body = call(base, method, **{"query": "SELECT * FROM accounts", **params})
    assert body["errorCode"] == code
    assert {"callId", "errorMessage", "statusCode", "statusReason", "time"} <= set(body)


def test_secret_over_plain_http_to_a_gigya_host_is_403006(gigya_server):
    body = requests.post("http://accounts.us1.gigya.com/accounts.search", proxies={"http": gigya_server.url},
                         data={"apiKey": KEY, "userKey": USER_KEY, "secret": SECRET, "query": "SELECT * FROM accounts"},
                         timeout=10).json()
    assert body["errorCode"] == 403006


def test_wrong_data_center_host_is_301001(gigya_server):
    body = requests.post(f"{gigya_server.url}/accounts.search", headers={"Host": "accounts.eu1.gigya.com"},
                         data={"apiKey": KEY, "userKey": USER_KEY, "secret": SECRET, "query": "SELECT * FROM accounts"},
                         timeout=10).json()
    assert body["errorCode"] == 301001


def test_unknown_method_says_the_mock_does_not_implement_it(target):
    base, _ = target
    body = call(base, "accounts.tfa.getProviders")
    assert body["errorCode"] != 0 and "not implement" in body["errorDetails"]


def test_oversized_parameter_gets_an_envelope(target):
    base, _ = target
    body = call(base, "accounts.setAccountInfo", UID="x", data=json.dumps({"blob": "x" * 2_000_000}))
    assert body["errorCode"] in (400001, 400006)


def test_https_through_the_proxy_with_the_mock_ca(gigya_server):
    url = f"{GIGYA}/accounts.search"
    proxies = {"https": gigya_server.url}
    plain = requests.post(url, proxies=proxies, verify=gigya_server.ca_path, timeout=10,
                          data={"apiKey": KEY, "userKey": USER_KEY, "secret": SECRET, "query": "SELECT * FROM accounts"})
    assert plain.json()["errorCode"] == 0  # the secret went over TLS: no 403006
    with requests.Session() as session:  # keep-alive inside one tunnel, signed like the Python SDK
        for _ in range(3):
            form = signed_params("python", url, KEY, USER_KEY, SECRET, {"query": "SELECT * FROM accounts"})
            assert session.post(url, data=form, proxies=proxies, verify=gigya_server.ca_path).json()["errorCode"] == 0


def test_https_proxy_refusals(gigya_server):
    with pytest.raises(requests.exceptions.SSLError):  # the client does not trust the mock's CA
        requests.post(f"{GIGYA}/accounts.search", proxies={"https": gigya_server.url}, timeout=10)
    with pytest.raises(requests.exceptions.ProxyError):  # the mock tunnels to no other host
        requests.get("https://example.com/", proxies={"https": gigya_server.url}, verify=gigya_server.ca_path,
                     timeout=10)


def test_64_concurrent_clients_writing_and_reading(gigya_server):
    barrier = threading.Barrier(64)

    def client(n):
        with requests.Session() as session:
            barrier.wait(timeout=10)
            codes = []
            for k in range(3):
                uid = f"c{n:02d}-{k}"
                data = {"apiKey": KEY, "userKey": USER_KEY, "secret": SECRET, "UID": uid,
                        "loginIDs": json.dumps({"emails": [f"{uid}@example.com"]})}
                codes.append(session.post(f"{gigya_server.url}/accounts.importFullAccount", data=data,
                                          timeout=30).json()["errorCode"])
                read = {k: v for k, v in data.items() if k != "loginIDs"}
                codes.append(session.post(f"{gigya_server.url}/accounts.getAccountInfo", data=read,
                                          timeout=30).json()["errorCode"])
            return codes

    with ThreadPoolExecutor(64) as pool:
        assert list(pool.map(client, range(64))) == [[0] * 6] * 64
    assert gigya_server.accounts(KEY).count() == 192

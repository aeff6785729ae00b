"""The in-process adapter alone (api.handle replaced by an echo): interception, decoding, faults."""

import json

import pytest
import requests

from mock_gigya import defaults
from mock_gigya.inprocess import MockGigya, mock_gigya
from mock_gigya.server import MockServer

from .conftest import EchoBackend, echo_handle

KEY = defaults.DEFAULT_API_KEY


@pytest.mark.parametrize("url", [
    "https://accounts.us1.gigya.com/accounts.search",
    "https://audit.eu1.gigya.com/audit.search",
    "https://accounts.au1.gigya.com/accounts.search",
    "https://accounts.cn1.sapcdm.cn/accounts.search",
    "https://accounts.cn1.gigya-api.cn/accounts.search",
    "http://accounts.global.gigya.com/accounts.search",
])
def test_gigya_hosts_are_answered_with_the_url_the_client_addressed(echo_mock, url):
    body = requests.post(url, data={"apiKey": KEY, "query": "SELECT * FROM accounts"}).json()
    assert body["url"] == url
    assert body["method"] == url.rsplit("/", 1)[1]
    assert body["params"] == {"apiKey": KEY, "query": "SELECT * FROM accounts"}


def test_form_body_json_strings_and_unicode_arrive_as_sent(echo_mock):
    profile = {"firstName": "Zoë", "tags": ["a&b", "c=d"]}
    body = requests.post("https://accounts.us1.gigya.com/accounts.setAccountInfo",
                         data={"apiKey": KEY, "profile": json.dumps(profile), "empty": ""}).json()
    assert json.loads(body["params"]["profile"]) == profile
    assert body["params"]["empty"] == ""


def test_query_string_and_headers_reach_the_handler(echo_mock):
    body = requests.get("https://accounts.us1.gigya.com/accounts.getAccountInfo?apiKey=3_mock_site&UID=u1",
                        headers={"Authorization": "Bearer abc"}).json()
    assert body["params"] == {"apiKey": KEY, "UID": "u1"}
    assert body["headers"]["Authorization"] == "Bearer abc"


def test_base_url_is_intercepted_too():
    with MockGigya(backend=EchoBackend(), handle=echo_handle, base_url="http://mock.test:8080/") as mock:
        body = requests.post("http://mock.test:8080/accounts.search", data={"apiKey": KEY}).json()
        assert body["url"] == "http://mock.test:8080/accounts.search"
        state = requests.get("http://mock.test:8080/__mock__/state").json()
        assert [s["apiKey"] for s in state["sites"]] == [KEY]
    assert mock.calls[0].method == "accounts.search"


def test_other_hosts_pass_through_to_the_network(echo_mock):
    with MockServer(backend=EchoBackend(), handle=echo_handle) as server:  # a real loopback server
        url = server.url + "/accounts.search"
        body = requests.post(url, data={"apiKey": KEY}).json()
    assert body["url"] == url


def test_unknown_api_key_answer_comes_from_the_handler(echo_mock):
    body = requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": "3_nope"}).json()
    assert body["errorCode"] == 400093


def test_broken_percent_encoding_gets_a_400001_envelope(echo_mock):
    response = requests.post("https://accounts.us1.gigya.com/accounts.search", data=b"apiKey=%ff%fe",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert response.json()["errorCode"] == 400001
    assert {"callId", "statusCode", "statusReason", "time"} <= set(response.json())


def test_a_crash_in_the_handler_is_a_500001_envelope(echo_mock, capsys):
    body = requests.post("https://crash.us1.gigya.com/crash.now", data={"apiKey": KEY}).json()
    assert body["errorCode"] == 500001 and "Traceback" not in json.dumps(body)
    assert "RuntimeError" in capsys.readouterr().err


def test_scripted_error_faults_answer_gigya_envelopes_then_stop(echo_mock):
    echo_mock.faults.rate_limit(times=2, method="importFullAccount")
    url = "https://accounts.us1.gigya.com/accounts.importFullAccount"
    codes = [requests.post(url, data={"apiKey": KEY}).json()["errorCode"] for _ in range(3)]
    assert codes == [403048, 403048, 0]
    first = echo_mock.calls[0]
    assert (first.method, first.status, first.error_code) == ("accounts.importFullAccount", 200, 403048)


def test_http_status_codes_param_is_honoured_by_faults(echo_mock):
    echo_mock.faults.server_error()
    response = requests.post("https://accounts.us1.gigya.com/accounts.search",
                             data={"apiKey": KEY, "httpStatusCodes": "true"})
    assert response.status_code == 500 and response.json()["errorCode"] == 500001


def test_timeout_and_drop_faults_raise_what_requests_raises(echo_mock):
    echo_mock.faults.timeout().drop()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY}, timeout=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY})


def test_http_fault_is_a_bare_gateway_error(echo_mock):
    echo_mock.faults.script(http_status=503)
    response = requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY})
    assert response.status_code == 503 and response.headers["Content-Type"].startswith("text/html")


def test_secrets_and_passwords_are_masked_in_recorded_calls(echo_mock):
    requests.post("https://accounts.us1.gigya.com/accounts.login",
                  data={"apiKey": KEY, "secret": "s3", "password": "pw", "loginID": "a@b.c"})
    assert echo_mock.calls[-1].params == {"apiKey": KEY, "secret": "***", "password": "***", "loginID": "a@b.c"}


def test_start_stop_and_decorator():
    mock = MockGigya(backend=EchoBackend(), handle=echo_handle)
    mock.start()
    with pytest.raises(RuntimeError):
        mock.start()
    assert requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY}).ok
    mock.stop()

    @mock
    def decorated():
        return requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY}).json()

    assert decorated()["errorCode"] == 0
    assert len(mock.calls) == 1  # the decorator starts each run from a reset mock


def test_mock_gigya_factory_builds_a_started_context():
    with mock_gigya(backend=EchoBackend(), handle=echo_handle, default_site=False) as mock:
        body = requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY}).json()
        assert body["errorCode"] == 400093  # no default site was created
        mock.add_site(KEY)
        assert requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY}).json()[
            "errorCode"] == 0


@pytest.mark.parametrize("verb", ["HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"])
def test_no_verb_reaches_the_real_gigya(echo_mock, verb):
    response = requests.request(verb, "https://accounts.us1.gigya.com/accounts.search", params={"apiKey": KEY})
    assert response.status_code == 200
    assert echo_mock.calls[-1].method == "accounts.search"

"""Request signing and SigUtils checks, against published and hand-computed vectors.

Expected values are computed inline with hmac/hashlib/urllib (or copied from a published source),
never with gigya_migrate.signing itself.
"""

import base64
import hashlib
import hmac
from urllib.parse import quote

import pytest

from gigya_migrate import signing

# JAVA SigUtilsTest (SAP/gigya-java-sdk), quoted in docs/gigya-api.md §2.2: the OAuth1 "photos" example.
JAVA_VECTOR_PARAMS = {
    "oauth_consumer_key": "test-consumer-secret",
    "oauth_token": "test-token-secret",
    "oauth_signature_method": "HMAC-SHA1",
    "oauth_timestamp": "1191242096",
    "oauth_nonce": "kllo9940pd9333jh",
    "oauth_version": "1.0",
    "file": "vacation.jpg",
    "size": "original",
}
JAVA_VECTOR_SECRET = "dGVzdC1jb25zdW1lci1zZWNyZXQmdGVzdC10b2tlbi1zZWNyZXQ="
JAVA_VECTOR_SIG = "j4/Jwtp11HLWl7KG3QlsczfRRpU="

SECRET = base64.b64encode(b"a site secret for tests").decode()


def _hand_sig(secret_b64: str, text: str) -> str:
    mac = hmac.new(base64.b64decode(secret_b64), text.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def test_published_java_vector():
    sig = signing.signature_for("POST", "http://photos.example.net/photos", JAVA_VECTOR_PARAMS, JAVA_VECTOR_SECRET)
    assert sig == JAVA_VECTOR_SIG


def test_published_vector_secret_decodes_as_documented():
    assert base64.b64decode(JAVA_VECTOR_SECRET) == b"test-consumer-secret&test-token-secret"


def test_base_string_by_hand():
    params = {"apiKey": "3_abc", "query": "SELECT * FROM accounts WHERE profile.email = 'a b*'", "format": "json"}
    expected_qs = (
        "apiKey=3_abc&format=json&query=SELECT%20%2A%20FROM%20accounts%20WHERE%20profile.email%20%3D%20%27a%20b%2A%27"
    )
    expected = "POST&https%3A%2F%2Faccounts.us1.gigya.com%2Faccounts.search&" + quote(expected_qs, safe="")
    assert signing.base_string("POST", "https://accounts.us1.gigya.com/accounts.search", params) == expected


@pytest.mark.parametrize(
    "url, normalised",
    [
        ("HTTPS://Accounts.US1.gigya.com/accounts.search", "https://accounts.us1.gigya.com/accounts.search"),
        ("https://accounts.eu1.gigya.com:443/accounts.search?x=1", "https://accounts.eu1.gigya.com/accounts.search"),
        ("http://127.0.0.1:8080/accounts.search", "http://127.0.0.1:8080/accounts.search"),
        ("http://localhost:80/a.b", "http://localhost/a.b"),
        ("https://host:8443/a.b", "https://host:8443/a.b"),
    ],
)
def test_normalize_url(url, normalised):
    assert signing.normalize_url(url) == normalised


@pytest.mark.parametrize(
    "raw, encoded",
    [
        ("abc-_.~XYZ09", "abc-_.~XYZ09"),
        ("a b", "a%20b"),
        ("*", "%2A"),
        ("/?=&+", "%2F%3F%3D%26%2B"),
        ("é", "%C3%A9"),  # UTF-8, upper-case hex
        ('{"a":1}', "%7B%22a%22%3A1%7D"),
    ],
)
def test_percent_encode(raw, encoded):
    assert signing.percent_encode(raw) == encoded


def test_signature_for_hand_computed_example_with_unicode_and_json():
    url = "https://accounts.eu1.gigya.com/accounts.setAccountInfo"
    params = {
        "apiKey": "3_site",
        "userKey": "AUK",
        "UID": "u1",
        "profile": '{"firstName":"Zoë","lastName":"O\'Brien"}',
        "timestamp": "1700000000",
        "nonce": "n-1",
        "format": "json",
        "httpStatusCodes": "false",
    }
    qs = "&".join(f"{k}={quote(params[k], safe='')}" for k in sorted(params))
    base = "POST&" + quote(url, safe="") + "&" + quote(qs, safe="")
    assert signing.signature_for("POST", url, params, SECRET) == _hand_sig(SECRET, base)


def test_signature_ignores_sig_and_none_and_sorts_ordinally():
    url = "https://accounts.us1.gigya.com/accounts.search"
    params = {"b": "2", "B": "1", "a": "3", "sig": "old", "skip": None}
    base = "POST&" + quote(url, safe="") + "&" + quote("B=1&a=3&b=2", safe="")
    assert signing.signature_for("POST", url, params, SECRET) == _hand_sig(SECRET, base)


def test_booleans_sign_as_true_false():
    url = "https://accounts.us1.gigya.com/accounts.search"
    base = "POST&" + quote(url, safe="") + "&" + quote("closeCursor=false&openCursor=true", safe="")
    expected = _hand_sig(SECRET, base)
    assert signing.signature_for("POST", url, {"openCursor": True, "closeCursor": False}, SECRET) == expected


def test_sign_params_adds_timestamp_nonce_sig_and_drops_secret():
    url = "https://accounts.us1.gigya.com/accounts.getAccountInfo"
    params = {"apiKey": "3_x", "userKey": "uk", "secret": SECRET, "UID": "u1"}
    signed = signing.sign_params(params, url, SECRET, now=lambda: 1700000000.7, clock_offset=-30, nonce="N1")
    assert "secret" not in signed and SECRET not in repr(signed)
    assert signed["timestamp"] == "1699999970"
    assert signed["nonce"] == "N1"
    unsigned = {"apiKey": "3_x", "userKey": "uk", "UID": "u1", "timestamp": "1699999970", "nonce": "N1"}
    qs = "&".join(f"{k}={quote(unsigned[k], safe='')}" for k in sorted(unsigned))
    assert signed["sig"] == _hand_sig(SECRET, "POST&" + quote(url, safe="") + "&" + quote(qs, safe=""))
    assert params == {"apiKey": "3_x", "userKey": "uk", "secret": SECRET, "UID": "u1"}  # input untouched


def test_sign_params_gives_fresh_nonces():
    url = "https://accounts.us1.gigya.com/accounts.search"
    nonces = {signing.sign_params({}, url, SECRET)["nonce"] for _ in range(200)}
    assert len(nonces) == 200


def test_verify_signature_accepts_a_hand_signed_request_and_rejects_tampering():
    url = "http://127.0.0.1:8080/accounts.search"
    params = {"apiKey": "k", "query": "SELECT * FROM accounts", "timestamp": "1700000000", "nonce": "n-7"}
    qs = "&".join(f"{k}={quote(params[k], safe='')}" for k in sorted(params))
    signed = {**params, "sig": _hand_sig(SECRET, "POST&" + quote(url, safe="") + "&" + quote(qs, safe=""))}
    assert signing.verify_signature("POST", url, signed, SECRET)
    assert not signing.verify_signature("POST", url, {**signed, "query": "SELECT UID FROM accounts"}, SECRET)
    assert not signing.verify_signature("POST", url, signed, base64.b64encode(b"other").decode())
    assert not signing.verify_signature("POST", url, {k: v for k, v in signed.items() if k != "sig"}, SECRET)
    assert not signing.verify_signature("POST", "http://127.0.0.1:8081/accounts.search", signed, SECRET)


def test_invalid_secret_is_a_clear_error_without_the_secret():
    with pytest.raises(ValueError) as info:
        signing.calc_signature("x", "not base64 !!")
    assert "not base64 !!" not in str(info.value)


# docs/gigya-api.md §2.3: vector computed locally by the doc author (I), re-checked by hand below.
def test_uid_signature_doc_vector_and_hand_computation():
    secret, uid, ts = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM=", "abc123", "1700000000"
    assert signing.uid_signature(uid, ts, secret) == "9HOEX8Ph2hy635It3CdyTyO0FeQ="
    assert signing.uid_signature(uid, ts, secret) == _hand_sig(secret, f"{ts}_{uid}")


def test_validate_uid_signature_freshness_window():
    secret, uid, ts = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM=", "abc123", 1700000000
    sig = "9HOEX8Ph2hy635It3CdyTyO0FeQ="
    assert signing.validate_uid_signature(uid, ts, secret, sig, now=lambda: ts + 180)
    assert signing.validate_uid_signature(uid, str(ts), secret, sig, now=lambda: ts - 180)
    assert not signing.validate_uid_signature(uid, ts, secret, sig, now=lambda: ts + 181)
    assert not signing.validate_uid_signature(uid, ts, secret, sig, now=lambda: ts + 500, max_age=400)
    assert signing.validate_uid_signature(uid, ts, secret, sig, now=lambda: ts + 390, max_age=400)
    assert not signing.validate_uid_signature("abc124", ts, secret, sig, now=lambda: ts)
    assert not signing.validate_uid_signature(uid, "garbage", secret, sig, now=lambda: ts)
    assert not signing.validate_uid_signature(uid, ts, secret, "", now=lambda: ts)


def test_friend_and_query_signatures_by_hand():
    assert signing.friend_signature("me", "friend", 1700000000, SECRET) == _hand_sig(SECRET, "1700000000_friend_me")
    sig = _hand_sig(SECRET, "1700000000_friend_me")
    assert signing.validate_friend_signature("me", "friend", 1700000000, SECRET, sig, now=lambda: 1700000100)
    assert not signing.validate_friend_signature("friend", "me", 1700000000, SECRET, sig, now=lambda: 1700000100)
    query = "SELECT * FROM accounts"
    assert signing.query_signature(query, 1700000000000, SECRET) == _hand_sig(SECRET, f"{query}_1700000000000")

"""Every typed method: the URL and parameters sent, and the model parsed from the answer."""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs

import pytest
from client_wire import API_KEY, BASE, SECRET, USER_KEY, fail, ok, sent
from faker import Faker

from gigya_migrate import errors as E
from gigya_migrate.client import SDK_NAME, GigyaClient
from gigya_migrate.models import Account, AccountInfo, AuditRecord

fake = Faker()


def _account(i: int) -> dict:
    """Account ``i``: the same data whatever tests ran before (seeded per account, not per module)."""
    fake.seed_instance(4242 + i)
    email = f"{fake.user_name()}.{i}@{fake.free_email_domain()}"
    return {
        "UID": f"uid-{i:05d}",
        "created": "2020-01-02T03:04:05.000Z",
        "createdTimestamp": 1577934245000,
        "isActive": True,
        "loginIDs": {"emails": [email], "unverifiedEmails": []},
        "profile": {"email": email, "firstName": fake.first_name(), "zodiac": "leo"},
        "data": {"tier": fake.random_element(["gold", "silver"]), "nested": {"n": i}},
        "customTopLevel": i,
    }


def test_common_envelope_and_secret_credentials(rsps, client):
    rsps.post(f"{BASE}/accounts.getAccountInfo", json=ok(UID="u1"))
    client.get_account_info("u1")
    params = sent(rsps.calls[0])
    assert params["apiKey"] == API_KEY and params["userKey"] == USER_KEY and params["secret"] == SECRET
    assert params["format"] == "json" and params["httpStatusCodes"] == "false" and params["sdk"] == SDK_NAME
    assert "sig" not in params and "nonce" not in params
    assert rsps.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert rsps.calls[0].request.method == "POST"


@pytest.mark.parametrize(
    "options, method, url",
    [
        ({}, "accounts.search", "https://accounts.us1.gigya.com/accounts.search"),
        ({"data_center": "eu1"}, "audit.search", "https://audit.eu1.gigya.com/audit.search"),
        ({"data_center": "au1"}, "accounts.rba.unlock", "https://accounts.au1.gigya.com/accounts.rba.unlock"),
        ({"data_center": "cn1"}, "accounts.search", "https://accounts.cn1.sapcdm.cn/accounts.search"),
        ({"data_center": "global"}, "accounts.search", "https://accounts.global.gigya.com/accounts.search"),
        ({"base_url": "http://127.0.0.1:8080/"}, "accounts.search", "http://127.0.0.1:8080/accounts.search"),
        ({"base_url": "http://127.0.0.1:8080"}, "audit.search", "http://127.0.0.1:8080/audit.search"),
        ({}, "/getUserInfo", "https://socialize.us1.gigya.com/socialize.getUserInfo"),
    ],
)
def test_urls(rsps, make_client, options, method, url):
    rsps.post(url, json=ok())
    assert make_client(**options).call(method)["errorCode"] == 0
    assert rsps.calls[0].request.url == url


def test_unknown_data_center_is_refused_at_construction():
    with pytest.raises(ValueError, match="unknown Gigya data center 'xx9'"):
        GigyaClient(API_KEY, data_center="xx9")


def test_search_first_page_parameters_and_model(rsps, client):
    body = ok(results=[_account(1), _account(2)], objectsCount=2, totalCount=9, nextCursorId="cur-1")
    rsps.post(f"{BASE}/accounts.search", json=body)
    page = client.search("SELECT * FROM accounts", open_cursor=True, accountTypes="full")
    params = sent(rsps.calls[0])
    assert params["query"] == "SELECT * FROM accounts" and params["openCursor"] == "true"
    assert params["accountTypes"] == "full" and "cursorId" not in params
    assert page.next_cursor_id == "cur-1" and page.total_count == 9 and page.objects_count == 2
    first = page.results[0]
    assert isinstance(first, Account) and first.uid == "uid-00001"
    assert first.login_ids.emails == body["results"][0]["loginIDs"]["emails"]
    assert first.profile.model_extra == {"zodiac": "leo"} and first.model_extra == {"customTopLevel": 1}
    assert first.data == {"tier": body["results"][0]["data"]["tier"], "nested": {"n": 1}}
    assert page.raw == body and page.call_id == "c0ffee"


def test_search_with_cursor_sends_only_the_cursor(rsps, client):
    rsps.post(f"{BASE}/accounts.search", json=ok(results=[]))
    client.search(cursor_id="cur-9")
    params = sent(rsps.calls[0])
    assert params["cursorId"] == "cur-9" and "query" not in params and "openCursor" not in params
    with pytest.raises(ValueError, match="not both"):
        client.search("SELECT * FROM accounts", cursor_id="cur-9")
    with pytest.raises(ValueError):
        client.search()


def _paged(rsps, url, records, per_page):
    """Register a cursor search serving ``records`` in pages; returns the list of requests seen."""
    seen = []

    def callback(request):
        params = {k: v[0] for k, v in parse_qs(request.body).items()}
        seen.append(params)
        index = 0 if "query" in params else int(params["cursorId"].split("-")[1])
        chunk = records[index * per_page:(index + 1) * per_page]
        more = (index + 1) * per_page < len(records)
        body = ok(results=chunk, objectsCount=len(chunk), totalCount=len(records))
        if more:
            body["nextCursorId"] = f"cur-{index + 1}"
        return 200, {}, json.dumps(body)

    rsps.add_callback("POST", url, callback=callback)
    return seen


def test_search_all_streams_every_page_through_the_cursor(rsps, client):
    records = [_account(i) for i in range(1, 1251)]
    seen = _paged(rsps, f"{BASE}/accounts.search", records, per_page=100)
    stream = client.search_all("SELECT * FROM accounts WHERE isActive = true", page_size=100)
    first = next(stream)
    assert first.uid == "uid-00001" and len(seen) == 1  # streaming: one page fetched so far
    rest = list(stream)
    assert [a.uid for a in [first, *rest]] == [r["UID"] for r in records]
    assert len(seen) == 13
    assert seen[0]["query"] == "SELECT * FROM accounts WHERE isActive = true LIMIT 100"
    assert seen[0]["openCursor"] == "true" and "cursorId" not in seen[0]
    for i, params in enumerate(seen[1:], start=1):
        assert params["cursorId"] == f"cur-{i}" and "query" not in params and "openCursor" not in params


def test_search_all_refuses_two_limits(client):
    with pytest.raises(ValueError, match="LIMIT"):
        list(client.search_all("SELECT * FROM accounts LIMIT 50", page_size=100))


def test_search_all_stops_on_empty_page_even_with_a_cursor(rsps, client):
    rsps.post(f"{BASE}/accounts.search", json=ok(results=[_account(1)], nextCursorId="c1"))
    rsps.post(f"{BASE}/accounts.search", json=ok(results=[], nextCursorId="c2"))
    assert len(list(client.search_all("SELECT * FROM accounts"))) == 1
    assert len(rsps.calls) == 2


def test_audit_search_all(rsps, client):
    records = [
        {"@timestamp": f"2026-11-2{i % 3}T00:00:00.000Z", "callID": f"cid{i}", "errCode": "0",
         "endpoint": "accounts.deleteAccount", "uid": f"u{i}", "apikey": API_KEY, "sourceIP": "10.0.0.1",
         "params": {"UID": f"u{i}"}, "httpReq": {"SDK": "js"}}
        for i in range(25)
    ]
    seen = _paged(rsps, "https://audit.us1.gigya.com/audit.search", records, per_page=10)
    query = 'SELECT * FROM auditLog WHERE endpoint = "accounts.deleteAccount"'
    got = list(client.audit_search_all(query, page_size=10))
    assert len(seen) == 3 and seen[0]["query"] == query + " LIMIT 10"
    assert all(isinstance(r, AuditRecord) for r in got)
    assert [r.uid for r in got] == [f"u{i}" for i in range(25)]
    assert got[3].call_id == "cid3" and got[3].api_key == API_KEY and got[3].model_extra["httpReq"] == {"SDK": "js"}
    assert got[0].timestamp.startswith("2026-11-20")


def test_audit_search_single_page(rsps, client):
    rsps.post("https://audit.us1.gigya.com/audit.search", json=ok(results=[], totalCount=0))
    page = client.audit_search("SELECT * FROM auditLog", open_cursor=True)
    assert page.total_count == 0 and sent(rsps.calls[0])["openCursor"] == "true"


def test_import_full_account_parameters(rsps, client):
    rsps.post(f"{BASE}/accounts.importFullAccount", json=ok(UID="u-1"))
    # base64(sha1("password")): the SAP Help importFullAccount example
    password = {"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}}
    result = client.import_full_account(
        "u-1",
        profile={"email": "zoë@example.com", "firstName": "Zoë"},
        data={"legacyId": 7, "flags": [True, None]},
        password=password,
        login_ids={"emails": ["zoë@example.com"]},
        emails={"verified": ["zoë@example.com"]},
        handle_identity_conflicts="error",
        isVerified=True,
        created="2019-07-16T19:20:30Z",
    )
    params = sent(rsps.calls[0])
    assert params["UID"] == "u-1" and params["importPolicy"] == "insert"
    assert json.loads(params["profile"]) == {"email": "zoë@example.com", "firstName": "Zoë"}
    assert json.loads(params["data"]) == {"legacyId": 7, "flags": [True, None]}
    assert params["data"] == '{"legacyId":7,"flags":[true,null]}'  # compact JSON
    assert json.loads(params["password"]) == password
    assert json.loads(params["loginIDs"]) == {"emails": ["zoë@example.com"]}
    assert json.loads(params["emails"]) == {"verified": ["zoë@example.com"]}
    assert params["isVerified"] == "true" and params["created"] == "2019-07-16T19:20:30Z"
    assert params["handleIdentityConflicts"] == "error" and "createUID" not in params
    assert result.uid == "u-1" and result.recovered_after_retry is False


def test_import_full_account_from_a_whole_account_object(rsps, client):
    rsps.post(f"{BASE}/accounts.importFullAccount", json=ok(UID="uid-00003", identityConflicts=[]))
    record = _account(3)
    result = client.import_full_account(account=record, import_policy="upsert", data={"override": 1})
    params = sent(rsps.calls[0])
    assert params["UID"] == "uid-00003" and params["importPolicy"] == "upsert"
    assert json.loads(params["profile"]) == record["profile"]
    assert json.loads(params["data"]) == {"override": 1}  # keyword wins over the account's field
    assert params["isActive"] == "true" and params["customTopLevel"] == "3"
    assert result.identity_conflicts == []


def test_import_full_account_create_uid_and_bad_arguments(rsps, client):
    rsps.post(f"{BASE}/accounts.importFullAccount", json=ok(UID="generated"))
    assert client.import_full_account(create_uid=True, profile={"email": "a@b.c"}).uid == "generated"
    assert sent(rsps.calls[0])["createUID"] == "true" and "UID" not in sent(rsps.calls[0])
    with pytest.raises(ValueError, match="needs a uid"):
        client.import_full_account(profile={})
    with pytest.raises(ValueError, match="import_policy"):
        client.import_full_account("u", import_policy="merge")


def test_set_account_info(rsps, client):
    rsps.post(f"{BASE}/accounts.setAccountInfo", json=ok())
    result = client.set_account_info(
        "u1", profile={"firstName": None}, data={"segment": "horrorFic"}, is_active=False,
        add_login_emails=["a@x.com", "b@x.com"], muteWebhooks=True,
    )
    params = sent(rsps.calls[0])
    assert params["UID"] == "u1" and params["profile"] == '{"firstName":null}'
    assert json.loads(params["data"]) == {"segment": "horrorFic"}
    assert params["isActive"] == "false" and params["addLoginEmails"] == "a@x.com,b@x.com"
    assert params["muteWebhooks"] == "true" and "isVerified" not in params
    assert result.error_code == 0


def test_delete_account(rsps, client):
    rsps.post(f"{BASE}/accounts.deleteAccount", json=ok())
    result = client.delete_account("u-del")
    assert sent(rsps.calls[0])["UID"] == "u-del" and result.recovered_after_retry is False


def test_get_account_info(rsps, client):
    body = ok(**_account(5), UIDSignature="sig", signatureTimestamp="1700000000",
              password={"hash": "aGFzaGhhc2g=", "hashSettings": {"algorithm": "pbkdf2", "rounds": 3000, "salt": "c2FsdA=="}})
    rsps.post(f"{BASE}/accounts.getAccountInfo", json=body)
    info = client.get_account_info("uid-00005", include=["loginIDs", "profile", "data", "password"])
    params = sent(rsps.calls[0])
    assert params["UID"] == "uid-00005" and params["include"] == "loginIDs,profile,data,password"
    assert isinstance(info, AccountInfo) and info.uid == "uid-00005" and info.uid_signature == "sig"
    assert info.password.hash_settings.rounds == 3000 and info.created_timestamp == 1577934245000
    assert "aGFzaGhhc2g=" not in repr(info)  # a full hash never shows in a repr
    assert info.raw["password"]["hash"] == "aGFzaGhhc2g="


def test_login_and_uid_signature(rsps, client, clock):
    ts = str(int(clock.now) - 10)
    # UIDSignature = base64(HMAC-SHA1(base64-decoded secret, "<timestamp>_<UID>")), made here by hand
    hand_sig = base64.b64encode(hmac.new(base64.b64decode(SECRET), f"{ts}_u9".encode(), hashlib.sha1).digest()).decode()
    body = ok(UID="u9", sessionInfo={"cookieName": "glt_x", "cookieValue": "v"}, isNewUser=False,
              UIDSignature=hand_sig, signatureTimestamp=ts, profile={"email": "a@b.c"})
    rsps.post(f"{BASE}/accounts.login", json=body)
    result = client.login("a@b.c", "S3cret!pw", include="profile,data")
    params = sent(rsps.calls[0])
    assert params["loginID"] == "a@b.c" and params["password"] == "S3cret!pw" and params["include"] == "profile,data"
    assert result.uid == "u9" and result.session_info.cookie_name == "glt_x" and result.profile.email == "a@b.c"
    assert client.validate_uid_signature(result.uid, result.signature_timestamp, result.uid_signature)
    assert not client.validate_uid_signature("u8", result.signature_timestamp, result.uid_signature)


def test_login_failure_never_shows_the_password(rsps, client):
    rsps.post(f"{BASE}/accounts.login", json=fail(403042, "Invalid LoginID", errorDetails="password S3cret!pw wrong"))
    with pytest.raises(E.InvalidLogin) as info:
        client.login("a@b.c", "S3cret!pw")
    assert "S3cret!pw" not in str(info.value) and "accounts.login" in str(info.value)
    assert len(rsps.calls) == 1


def test_logout(rsps, client):
    rsps.post(f"{BASE}/accounts.logout", json=ok(connectedProviders="site"))
    result = client.logout("u1")
    assert sent(rsps.calls[0])["UID"] == "u1" and result.model_extra["connectedProviders"] == "site"


@pytest.mark.parametrize("available", [True, False])
def test_is_available_login_id(rsps, client, available):
    rsps.post(f"{BASE}/accounts.isAvailableLoginID", json=ok(isAvailable=available))
    result = client.is_available_login_id("a@b.c")
    assert sent(rsps.calls[0])["loginID"] == "a@b.c"
    assert result.is_available is available and bool(result) is available


def test_rba_get_policy(rsps, client):
    rsps.post(f"{BASE}/accounts.rba.getPolicy", json=ok(policy={"riskAssessmentWithTFA": []}))
    assert client.rba_get_policy().policy == {"riskAssessmentWithTFA": []}


@pytest.mark.parametrize("kwargs, key, value", [({"uid": "u1"}, "UID", "u1"), ({"login_id": "a@b.c"}, "loginID", "a@b.c"),
                                                ({"ip": "10.1.2.3"}, "ip", "10.1.2.3")])
def test_rba_unlock(rsps, client, kwargs, key, value):
    rsps.post(f"{BASE}/accounts.rba.unlock", json=ok())
    client.rba_unlock(**kwargs)
    params = sent(rsps.calls[0])
    assert params[key] == value and not {"UID", "loginID", "ip"} - {key} & params.keys()


@pytest.mark.parametrize("kwargs", [{}, {"uid": "u", "ip": "1.2.3.4"}])
def test_rba_unlock_needs_exactly_one_target(client, kwargs):
    with pytest.raises(ValueError, match="exactly one"):
        client.rba_unlock(**kwargs)


def test_get_policies(rsps, client):
    body = ok(accountOptions={"loginIdentifierConflict": "failOnSiteConflictingIdentity"},
              security={"accountLockout": {"failedLoginThreshold": 5}}, federation={"x": 1})
    rsps.post(f"{BASE}/accounts.getPolicies", json=body)
    policies = client.get_policies(["accountOptions", "security"])
    assert sent(rsps.calls[0])["sections"] == "accountOptions,security"
    assert policies.security["accountLockout"]["failedLoginThreshold"] == 5
    assert policies.account_options["loginIdentifierConflict"] == "failOnSiteConflictingIdentity"
    assert policies.model_extra["federation"] == {"x": 1}


def test_set_policies(rsps, client):
    rsps.post(f"{BASE}/accounts.setPolicies", json=ok())
    client.set_policies({"emailVerification": {"verificationEmailExpiration": 3600}},
                        account_options={"verifyEmail": False}, password_complexity={"minLength": 8})
    params = sent(rsps.calls[0])
    assert json.loads(params["accountOptions"]) == {"verifyEmail": False}
    assert json.loads(params["passwordComplexity"]) == {"minLength": 8}
    assert json.loads(params["emailVerification"]) == {"verificationEmailExpiration": 3600}
    with pytest.raises(ValueError):
        client.set_policies()


def test_get_schema(rsps, client):
    rsps.post(f"{BASE}/accounts.getSchema", json=ok(profileSchema={"fields": {"email": {"type": "string"}}}))
    schema = client.get_schema(include=["profileSchema"])
    assert sent(rsps.calls[0])["include"] == "profileSchema"
    assert schema.raw["profileSchema"]["fields"]["email"]["type"] == "string"


def test_raw_call_returns_the_dict_and_encodes_values(rsps, client):
    rsps.post(f"{BASE}/accounts.getJWTPublicKey", json=ok(keys=[{"kid": "k"}]))
    body = client.call("accounts.getJWTPublicKey", V2=True, skipMe=None, extra={"a": [1]}, n=3)
    assert body["keys"] == [{"kid": "k"}]
    params = sent(rsps.calls[0])
    assert params["V2"] == "true" and "skipMe" not in params and params["extra"] == '{"a":[1]}' and params["n"] == "3"


def test_success_variant_200009_is_not_an_error(rsps, client):
    rsps.post(f"{BASE}/accounts.linkAccounts", json={"callId": "x", "errorCode": 200009, "errorMessage": "Accounts linked"})
    assert client.call("accounts.linkAccounts")["errorCode"] == 200009


@pytest.mark.parametrize("code, cls", sorted(E.ERROR_CLASSES.items()))
def test_each_error_code_raises_its_class_from_a_call(rsps, make_client, code, cls):
    client = make_client(max_retries=0)
    rsps.post(f"{BASE}/accounts.getAccountInfo", json=fail(code, "boom", errorDetails="details here"))
    with pytest.raises(cls) as info:
        client.get_account_info("u1")
    error = info.value
    assert type(error) is cls and error.method == "accounts.getAccountInfo" and error.error_code == code
    assert error.call_id == f"call{code}" and error.details == "details here" and error.response["errorCode"] == code
    assert f"call{code}" in str(error) and str(code) in str(error)


def test_encode_param_table():
    from datetime import date, datetime, timedelta, timezone

    from gigya_migrate.client import encode_param
    from gigya_migrate.models import LoginIds

    cet = timezone(timedelta(hours=1))
    assert encode_param(True) == "true" and encode_param(False) == "false" and encode_param(None) == "null"
    assert encode_param(7) == "7" and encode_param("x y") == "x y"
    assert encode_param(datetime(2019, 7, 16, 20, 20, 30, tzinfo=cet)) == "2019-07-16T19:20:30.000Z"
    assert encode_param({"when": date(2020, 1, 2)}) == '{"when":"2020-01-02"}'
    assert encode_param(LoginIds(emails=["a@b.c"])) == '{"emails":["a@b.c"],"unverifiedEmails":[]}'
    assert encode_param(("a", 1)) == '["a",1]'
    with pytest.raises(TypeError, match="set"):
        encode_param({"bad": {1, 2}})

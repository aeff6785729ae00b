"""Response and audit details where the mock used to differ from documented Gigya.

Sources are named per test: Gigya's "Response Codes and Errors" page (301001 fields), a captured
403048 response ("Api rate limit exceeded"), DEVA audit.search (clause order, record fields) and
TS gigya-audit.ts (record fields), as summarised in docs/gigya-api.md §6.
"""

from __future__ import annotations

from mock_gigya import api
from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY
from mock_gigya.faults import FaultInjector
from mock_gigya.transport import dispatch

CREDS = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}


def test_injected_403048_uses_the_real_message(backend):
    faults = FaultInjector().rate_limit(times=1)
    answer = dispatch(api.handle, backend, faults, "accounts.getPolicies", CREDS)
    assert answer.body["errorCode"] == 403048
    assert answer.body["errorMessage"] == "Api rate limit exceeded"  # as a real 403048 response words it


def test_301001_carries_api_domain_and_location(backend):
    """Response Codes page: "apiDomain - The base domain of the data center where the data is stored
    (e.g. "eu1.gigya.com")" and "location - The full location to which to redirect, e.g.
    "https://socialize.eu1.gigya.com/socialize.getUserInfo"."""
    backend.add_site("3_eu", data_center="eu1")
    _, body = api.handle(backend, "accounts.getPolicies", {**CREDS, "apiKey": "3_eu"},
                         url="https://accounts.us1.gigya.com/accounts.getPolicies")
    assert body["errorCode"] == 301001
    assert body["apiDomain"] == "eu1.gigya.com"
    assert body["location"] == "https://accounts.eu1.gigya.com/accounts.getPolicies"


def test_301001_for_china_uses_the_sapcdm_domain(backend):
    """docs/gigya-api.md §1: the China data center's domain is cn1.sapcdm.cn (HELP "Request URL")."""
    backend.add_site("3_cn", data_center="cn1")
    _, body = api.handle(backend, "accounts.getPolicies", {**CREDS, "apiKey": "3_cn"},
                         url="https://accounts.eu1.gigya.com/accounts.getPolicies")
    assert body["apiDomain"] == "cn1.sapcdm.cn"
    assert body["location"] == "https://accounts.cn1.sapcdm.cn/accounts.getPolicies"


def test_audit_record_carries_the_documented_fields(backend, call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]})
    api.handle(backend, "accounts.setAccountInfo",
               {**CREDS, "UID": "u1", "password": "old-Secret1", "newPassword": "new-Secret2", "securityOverride": "true"},
               headers={"X-Mock-Gigya-Country": "de"})
    found = call("audit.search", query='SELECT * FROM auditLog WHERE endpoint = "accounts.setAccountInfo"')
    record = found["results"][0]
    for name in ("@timestamp", "callID", "errCode", "endpoint", "uid", "params", "httpReq", "userKey", "userKeyDetails"):
        assert name in record, name
    assert record["uid"] == "u1" and record["errCode"] == "0"  # errCode is a string in the doc's queries
    assert record["httpReq"]["country"] == "DE"
    assert set(record["userKeyDetails"]) == {"name", "description", "emailDomain"}
    assert record["params"]["UID"] == "u1"
    assert not {"secret", "password", "newPassword"} & set(record["params"])  # secrets removed
    assert "old-Secret1" not in str(record) and DEFAULT_SECRET not in str(record)


def test_audit_search_limit_must_be_last(call):
    """DEVA: "ORDER BY, START, LIMIT, in that order"."""
    bad = call("audit.search", query="SELECT * FROM auditLog LIMIT 5 START 1")
    assert bad["errorCode"] == 400006 and "LIMIT must be the last clause" in bad["errorDetails"]
    assert call("audit.search", query="SELECT * FROM auditLog START 1 LIMIT 5")["errorCode"] == 0


def test_accounts_search_limit_must_be_last(call):
    """HELP accounts.search: the clause order is fixed; any other order is an error."""
    bad = call("accounts.search", query="SELECT * FROM accounts LIMIT 5 START 1")
    assert bad["errorCode"] == 400006 and "LIMIT must be the last clause" in bad["errorDetails"]


def test_supported_md_lists_site_options_and_differences():
    from pathlib import Path

    from mock_gigya import site_options, supported

    text = Path(supported.TARGET).read_text(encoding="utf-8")
    assert "## Differences from real Gigya" in text and "`custom` hash algorithm" in text
    for name in site_options.OPTIONS:
        assert f"| `{name}` |" in text


def test_a_template_less_salt_is_refused_and_listed_as_a_difference(call):
    """hash-algorithms.md §3.5: the docs never say where a salt without a template goes for the plain
    digests, so the mock refuses the import; a rehearsal can then fail where production may not, which
    SUPPORTED.md's differences table must say."""
    from pathlib import Path

    from mock_gigya import supported

    answer = call("accounts.importFullAccount", UID="tplless", loginIDs='{"emails": ["tplless@example.com"]}',
                  password='{"hashedPassword": "1B2M2Y8AsgTpgAmY7PhCfg==", '
                           '"hashSettings": {"algorithm": "md5", "salt": "c2FsdA=="}}')
    assert answer["errorCode"] == 400006 and "$salt$password" in answer["errorDetails"]
    differences = Path(supported.TARGET).read_text(encoding="utf-8").split("## Differences from real Gigya")[1]
    differences = differences.split("\n## ")[0]
    assert "A `salt` with md5" in differences and "no `format`/`binaryFormat`" in differences

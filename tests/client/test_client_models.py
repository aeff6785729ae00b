"""Models: camelCase aliases, unknown fields kept, raw wire objects kept at every level."""

from gigya_migrate.models import Account, AccountInfo, AuditRecord, ImportResult, PasswordInfo, SearchResult


def test_nested_results_keep_their_exact_wire_object():
    item = {"UID": "a", "loginIDs": {"emails": ["x@y.z"]}, "profile": {"age": "33", "nick": None}, "isActive": "true"}
    page = SearchResult.from_wire({"results": [item], "nextCursorId": "n", "errorCode": 0})
    account = page.results[0]
    assert account.raw == item  # not re-serialised: no added defaults, nulls and strings as sent
    assert account.is_active is True and account.profile.age == "33"
    assert account.login_ids.raw == {"emails": ["x@y.z"]}


def test_to_wire_round_trips_unknown_fields_in_gigya_spelling():
    wire = {"UID": "u", "loginIDs": {"emails": ["a@b.c"], "unverifiedEmails": []}, "profile": {"firstName": "A", "zodiac": "leo"},
            "data": {"custom": {"deep": [1, 2]}}, "newTopLevelField": {"x": 1}, "identities": [{"provider": "site", "providerUID": "u"}]}
    account = Account.from_wire(wire)
    assert account.to_wire() == wire
    assert account.identities[0].provider_uid == "u"
    built = Account(uid="u2", login_ids={"emails": ["q@r.s"]}, is_verified=True)
    assert built.to_wire() == {"UID": "u2", "loginIDs": {"emails": ["q@r.s"], "unverifiedEmails": []}, "isVerified": True}


def test_uid_spellings_and_audit_field_names():
    assert AccountInfo.from_wire({"uid": "lower"}).uid == "lower"
    assert ImportResult.from_wire({"Uid": "mixed"}).uid == "mixed"
    record = AuditRecord.from_wire({"@timestamp": "2026-01-01T00:00:00Z", "callID": "c", "apiKey": "3_k", "errCode": 0})
    assert record.timestamp.startswith("2026") and record.call_id == "c" and record.api_key == "3_k" and record.err_code == 0
    assert record.to_wire()["@timestamp"] == "2026-01-01T00:00:00Z" and record.to_wire()["callID"] == "c"


def test_password_repr_shows_only_a_prefix():
    password = PasswordInfo.from_wire({"hash": "c2VjcmV0LWhhc2gtdmFsdWU=", "hashSettings": {"algorithm": "sha256", "URL": "u"}})
    assert "c2VjcmV0LWhhc2gtdmFsdWU=" not in repr(password) and "c2VjcmV" not in str(password)
    assert "sha256" in repr(password) and password.hash_settings.url == "u"

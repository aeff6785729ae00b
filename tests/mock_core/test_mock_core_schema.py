"""accounts.getSchema / accounts.setSchema: declared fields, fields the accounts hold, strict data."""

import pytest


def _import(call, uid, **groups):
    body = call("accounts.importFullAccount", UID=uid, loginIDs={"emails": [f"{uid}@example.com"]}, **groups)
    assert body["errorCode"] == 0, body


def test_profile_schema_is_gigyas_fixed_field_set(call):
    body = call("accounts.getSchema", include="profileSchema")
    fields = body["profileSchema"]["fields"]
    assert {"email", "firstName", "lastName", "birthYear", "zip"} <= set(fields)
    assert "shoeSize" not in fields
    assert "dataSchema" not in body


def test_default_include_is_profile_and_data(call):
    body = call("accounts.getSchema")
    assert set(body) >= {"profileSchema", "dataSchema"} and "subscriptionsSchema" not in body


def test_dynamic_data_schema_lists_the_fields_accounts_hold_with_their_types(call):
    _import(call, "u1", data={"tier": "gold", "visits": 3, "vip": True, "likes": {"genre": "horror"}})
    _import(call, "u2", data={"score": 1.5})
    data = call("accounts.getSchema", include="dataSchema")["dataSchema"]
    assert data["dynamicSchema"] is True
    types = {path: spec["type"] for path, spec in data["fields"].items()}
    assert types == {"tier": "string", "visits": "long", "vip": "boolean", "likes.genre": "string",
                     "score": "float"}


def test_set_schema_declares_fields_and_a_strict_schema_refuses_others(call):
    body = call("accounts.setSchema", dataSchema={"fields": {"segment": {"type": "string"}}, "dynamicSchema": False})
    assert body["errorCode"] == 0
    data = call("accounts.getSchema", include="dataSchema")["dataSchema"]
    assert data["dynamicSchema"] is False and data["fields"]["segment"] == {"type": "string"}
    refused = call("accounts.importFullAccount", UID="u3", loginIDs={"emails": ["u3@example.com"]},
                   data={"segment": "a", "unknownField": 1})
    assert refused["errorCode"] == 400006
    assert [e["fieldName"] for e in refused["validationErrors"]] == ["data.unknownField"]
    _import(call, "u4", data={"segment": "b"})


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"include": "nopeSchema"}, "unknown schema 'nopeSchema'"),
    ],
)
def test_get_schema_bad_include_answers_400006(call, params, fragment):
    body = call("accounts.getSchema", **params)
    assert body["errorCode"] == 400006 and fragment in body["errorDetails"]


def test_set_schema_cannot_invent_profile_fields(call):
    body = call("accounts.setSchema", profileSchema={"fields": {"shoeSize": {"type": "long"}}})
    assert body["errorCode"] == 400006 and "custom fields belong in dataSchema" in body["errorDetails"]
    assert call("accounts.setSchema")["errorCode"] == 400002


def test_schema_survives_a_restart_with_a_db_file(tmp_path):
    from mock_gigya import api
    from mock_gigya.backend import Backend
    from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY

    creds = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}
    first = Backend(db_path=str(tmp_path / "mock.db"))
    first.add_default_site()
    api.handle(first, "accounts.setSchema", {**creds, "dataSchema": '{"fields": {"segment": {"type": "string"}}}'})
    first.close()
    again = Backend(db_path=str(tmp_path / "mock.db"))
    status, body = api.handle(again, "accounts.getSchema", {**creds, "include": "dataSchema"})
    assert body["dataSchema"]["fields"]["segment"] == {"type": "string"}
    again.close()


"""Models print what they hold, and never a whole password hash."""

from gigya_migrate.models import Account


def test_repr_lists_only_fields_with_values_and_masks_the_hash():
    hashed = "W6ph5Mm5Pz8GgiULbPgzG37mj9g="  # base64(sha1("password")), SAP's importFullAccount example
    account = Account.from_wire({"UID": "u1", "profile": {"email": "ada@example.com"},
                                 "password": {"hash": hashed, "hashSettings": {"algorithm": "sha1"}}})
    text = repr(account)
    assert text.startswith("Account(uid='u1'")
    assert "None" not in text
    assert hashed not in text and "W6ph5M..." in text

"""Okta users (the Users API shape: ``id``, ``status``, ``created``, ``lastLogin``, ``profile.*``), as
a CSV with ``profile.login``-style columns or as JSON. Okta never exports password hashes."""

from gigya_migrate.flows.presets import Preset

_INACTIVE = {"SUSPENDED": False, "DEPROVISIONED": False, "STAGED": False, "*": True}

PRESET = Preset(
    name="okta",
    title="Okta",
    exports="users CSV (profile.* columns) or Users API JSON",
    mapping={
        "login_id": "profile.email",
        "email_verified": False,  # Okta's export does not say whether the email was verified
        "strict_columns": False,
        "fields": {
            "id": "data.okta.id",
            "status": {"to": "isActive", "type": "bool", "values": _INACTIVE},
            "created": {"to": "created", "type": "date"},
            "lastLogin": {"to": "lastLogin", "type": "date"},
            "profile.login": "data.okta.login",
            "profile.firstName": "profile.firstName",
            "profile.lastName": "profile.lastName",
            "profile.nickName": "profile.nickname",
            "profile.locale": "profile.locale",
            "profile.mobilePhone": "data.phoneNumber",
            "profile.*": "data.okta.*",
        },
        "add": {"data.migratedFrom": "okta"},
    },
    advice={
        "no password section": "Okta never exports password hashes. Options: import without passwords and "
                               "send password resets; or keep Okta as a login fallback (lazy migration: on a "
                               "user's first Gigya login, check the password with Okta and set it in Gigya)",
    },
)

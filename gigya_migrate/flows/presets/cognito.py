"""AWS Cognito user CSV (the user-pool CSV header: ``cognito:username``, standard attributes,
``custom:*``; ``Enabled``/``UserCreateDate`` when the export came from ListUsers). Cognito never
exports password hashes: every user is imported without a password, said once with the count."""

from gigya_migrate.flows.presets import Preset

PRESET = Preset(
    name="cognito",
    title="AWS Cognito",
    exports="user CSV (GetCSVHeader columns, custom:* attributes)",
    mapping={
        "login_id": "email",
        "email_verified": "email_verified",
        "strict_columns": False,
        "fields": {
            "cognito:username": "data.cognito.username",
            "given_name": "profile.firstName",
            "family_name": "profile.lastName",
            "nickname": "profile.nickname",
            "preferred_username": "profile.username",
            "picture": "profile.photoURL",
            "locale": "profile.locale",
            "gender": "profile.gender",
            "birthdate": "data.birthdate",
            "phone_number": "data.phoneNumber",
            "name": "data.cognito.name",
            "updated_at": {"to": "data.cognito.updatedAt", "type": "date", "format": "epoch_s"},
            "UserCreateDate": {"to": "created", "type": "date"},
            "Enabled": {"to": "isActive", "type": "bool"},
            "custom:*": "data.*",
        },
        "add": {"data.migratedFrom": "cognito"},
    },
    advice={
        "no password section": "AWS Cognito never exports password hashes. Options: import without passwords "
                               "and send password resets; or keep Cognito as a login fallback (lazy migration: on "
                               "a user's first Gigya login, check the password with Cognito and set it in Gigya)",
    },
)

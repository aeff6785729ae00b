"""Auth0: the three export shapes under one mapping.

* the password-hash export Auth0 support sends (NDJSON: ``_id.$oid``, ``email``, ``email_verified``,
  ``passwordHash`` bcrypt, ``tenant``, ``connection``);
* the bulk user export job (gzipped NDJSON, no hashes: ``user_id``, ``created_at``, ``last_login``,
  ``blocked``, ``identities``, ``user_metadata``, ``app_metadata``);
* the bulk-import schema (JSON array: ``password_hash`` bcrypt or ``custom_password_hash``).
"""

from gigya_migrate.flows.presets import Preset

PRESET = Preset(
    name="auth0",
    title="Auth0",
    exports="password-hash export (NDJSON), user export job (NDJSON .gz), bulk-import JSON",
    mapping={
        "login_id": "email",
        "email_verified": "email_verified",
        "strict_columns": False,
        "fields": {
            "user_id": "data.auth0.userId",
            "_id.$oid": "data.auth0.id",
            "given_name": "profile.firstName",
            "family_name": "profile.lastName",
            "nickname": "profile.nickname",
            "username": "profile.username",
            "picture": "profile.photoURL",
            "name": "data.auth0.name",
            "created_at": {"to": "created", "type": "date", "format": "iso8601"},
            "last_login": {"to": "lastLogin", "type": "date", "format": "iso8601"},
            "logins_count": {"to": "data.auth0.loginsCount", "type": "int"},
            "blocked": {"to": "isActive", "type": "bool", "invert": True},
            "identities[0].provider": "data.auth0.provider",
            "user_metadata": "data.userMetadata",
            "app_metadata": "data.appMetadata",
        },
        "add": {"data.migratedFrom": "auth0"},
        "password": {"hash": ["passwordHash", "password_hash", "custom_password_hash"], "required": False},
    },
    advice={
        "no hash column": "Auth0's user export job and social (non-database) users carry no password hash: ask "
                          "Auth0 support for the password-hash export, or send these users password resets",
        "unsupported scheme": "Some Auth0 hashes use an algorithm Gigya cannot import (named in the summary): "
                              "send those users password resets, or keep Auth0 as a login fallback",
    },
)

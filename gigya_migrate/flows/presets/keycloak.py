"""Keycloak realm export (``users[]`` with ``credentials[]``): the old flat credential form
(``hashedSaltedValue``, ``salt``, ``hashIterations``, ``algorithm``) and the newer one whose
``secretData``/``credentialData`` hold JSON text. pbkdf2 (SHA-1/256/512) converts to Gigya's pbkdf2."""

from gigya_migrate.flows.presets import Preset

PRESET = Preset(
    name="keycloak",
    title="Keycloak",
    exports="realm export (realm.json or realm-users-N.json: {\"users\": [...]})",
    mapping={
        "login_id": "email",
        "email_verified": "emailVerified",
        "strict_columns": False,
        "fields": {
            "id": "data.keycloak.id",
            "username": "profile.username",
            "firstName": "profile.firstName",
            "lastName": "profile.lastName",
            "createdTimestamp": {"to": "created", "type": "date", "format": "epoch_ms"},
            "enabled": {"to": "isActive", "type": "bool"},
            "attributes": "data.keycloak.attributes",
            "realmRoles": "data.keycloak.realmRoles",
            "groups": "data.keycloak.groups",
        },
        "add": {"data.migratedFrom": "keycloak"},
        "password": {"hash": "credentials", "force_scheme": "keycloak", "required": False},
    },
    advice={
        "unsupported scheme": "Some Keycloak credentials use an algorithm Gigya cannot import (named in the "
                              "summary, e.g. argon2): send those users password resets",
    },
)

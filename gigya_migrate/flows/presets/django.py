"""Django ``manage.py dumpdata auth.user`` (JSON: ``[{"model", "pk", "fields": {...}}]``). Every
hasher Django ships is recognised: pbkdf2_sha256/pbkdf2_sha1, salted and unsalted md5/sha1 and
bcrypt convert; argon2, bcrypt_sha256, scrypt and crypt are named; ``!`` unusable passwords are
imported without a password and counted."""

from gigya_migrate.flows.presets import Preset

PRESET = Preset(
    name="django",
    title="Django (django.contrib.auth)",
    exports="manage.py dumpdata auth.user > users.json",
    mapping={
        "login_id": "fields.email",
        "email_verified": False,  # django.contrib.auth does not record that an address was verified
        "strict_columns": False,
        "fields": {
            "pk": "data.django.id",
            "fields.username": "profile.username",
            "fields.first_name": "profile.firstName",
            "fields.last_name": "profile.lastName",
            "fields.date_joined": {"to": "created", "type": "date", "format": "iso8601"},
            "fields.last_login": {"to": "lastLogin", "type": "date", "format": "iso8601"},
            "fields.is_active": {"to": "isActive", "type": "bool"},
            "fields.is_staff": {"to": "data.django.isStaff", "type": "bool"},
            "fields.groups": "data.django.groups",
        },
        "add": {"data.migratedFrom": "django"},
        # unsalted md5 is stored as a bare hex digest: md5 where no format is recognised
        "password": {"hash": "fields.password", "default_scheme": "md5", "required": False},
    },
    advice={
        "unsupported scheme": "Some Django hashes use a hasher Gigya cannot import (named in the summary: argon2, "
                              "bcrypt_sha256, scrypt, crypt): send those users password resets",
        "unusable password": "Their Django password is unusable ('!', set_unusable_password(): users who sign in "
                             "through another backend such as social login, or who never set one): there is no "
                             "password to keep; they sign in as before, or set one with a password reset",
    },
)

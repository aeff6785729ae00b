"""WordPress ``wp_users`` (a CSV/JSON dump of the table, or phpMyAdmin's JSON export of the table or of
the whole database, where the table named ``*users`` is read): ``user_pass`` is phpass ``$P$``, a bare
md5 (very old installs), bcrypt ``$2y$`` (plugins), or 6.8's ``$wp$2y$`` (bcrypt over an HMAC-SHA384
pre-hash, which Gigya cannot verify: named with its own message)."""

from gigya_migrate.flows.presets import Preset

PRESET = Preset(
    name="wordpress",
    title="WordPress",
    exports="wp_users table as CSV or JSON (ID, user_login, user_pass, user_email, user_registered, ...), "
            "or phpMyAdmin's JSON export of it or of the whole database",
    table="*users",  # $table_prefix . 'users': wp_users, or wp123_users with another prefix
    mapping={
        "login_id": "user_email",
        "email_verified": False,  # WordPress does not record that an address was verified
        "strict_columns": False,
        "fields": {
            "ID": "data.wordpress.id",
            "user_login": "profile.username",
            "display_name": "profile.nickname",
            "user_nicename": "data.wordpress.nicename",
            "user_url": "data.wordpress.url",
            "user_registered": {"to": "created", "type": "date", "format": "%Y-%m-%d %H:%M:%S"},
            "user_status": {"to": "isActive", "type": "bool", "values": {"0": True, "*": False}},
        },
        "add": {"data.migratedFrom": "wordpress"},
        "password": {"hash": "user_pass", "default_scheme": "md5", "required": False},
    },
    advice={
        "unsupported scheme: wordpress 6.8": "WordPress 6.8+ stores bcrypt over an HMAC-SHA384 pre-hash ($wp$), "
                                             "which Gigya's bcrypt cannot verify: send those users password "
                                             "resets, or keep WordPress as a login fallback",
    },
)

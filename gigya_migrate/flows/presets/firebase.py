"""Firebase ``auth:export``: JSON (``{"users": [...]}``) and the headerless CSV.

Password hashes are Firebase's modified scrypt, which Gigya cannot import: the users are imported
without passwords, said once up front with the count and the options.
"""

from gigya_migrate.flows.presets import Preset
from gigya_migrate.hashing.platforms import FIREBASE_OPTIONS

# auth:export CSV columns (no header row): firebase-tools accountExporter; the last two were added later
_PROVIDERS = [f"{p}.{f}" for p in ("google", "facebook", "twitter", "github")
              for f in ("rawId", "email", "displayName", "photoUrl")]
CSV_HEADER = ("localId", "email", "emailVerified", "passwordHash", "salt", "displayName", "photoUrl", *_PROVIDERS,
              "createdAt", "lastSignedInAt", "phoneNumber", "disabled", "customAttributes")

PRESET = Preset(
    name="firebase",
    title="Firebase Authentication",
    exports="firebase auth:export users.json (or users.csv, no header row)",
    csv_header=CSV_HEADER,
    mapping={
        "login_id": "email",
        "email_verified": "emailVerified",
        "strict_columns": False,
        "fields": {
            "localId": "data.firebase.uid",
            "displayName": "profile.nickname",
            "photoUrl": "profile.photoURL",
            "createdAt": {"to": "created", "type": "date", "format": "epoch_ms"},
            "lastSignedInAt": {"to": "lastLogin", "type": "date", "format": "epoch_ms"},
            "disabled": {"to": "isActive", "type": "bool", "invert": True},
            "phoneNumber": "data.phoneNumber",
            "providerUserInfo": "data.firebase.providers",
            "customAttributes": {"to": "data.firebase.claims", "type": "json"},
        },
        "add": {"data.migratedFrom": "firebase"},
        "password": {"hash": "passwordHash", "force_scheme": "firebase_scrypt", "required": False},
    },
    advice={
        "unsupported scheme: firebase scrypt": (
            "Firebase's modified scrypt is not among Gigya's hash algorithms, so these users cannot keep their "
            "passwords. Options: " + "; or ".join(FIREBASE_OPTIONS)),
    },
)

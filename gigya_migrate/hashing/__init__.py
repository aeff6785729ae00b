"""The one place in the project that knows password hashes.

- :func:`verify_password` / :func:`hash_password`: every importFullAccount ``hashSettings.algorithm``;
- :func:`validate_password_object`: refuse a ``password`` object Gigya could not verify;
- :func:`site_hash`: Gigya's first-login re-hash (pbkdf2, parameters inferred);
- :func:`to_gigya_password` / :func:`detect`: legacy stored formats -> Gigya password object;
- :func:`diagnose`: why a known cleartext does not verify.
"""

from gigya_migrate.hashing.diagnosis import Diagnosis, diagnose
from gigya_migrate.hashing.errors import HashSettingsError, UnsupportedHash
from gigya_migrate.hashing.legacy import detect, to_gigya_password
from gigya_migrate.hashing.password import (
    EXTRA_ALGORITHMS,
    ALGORITHMS,
    hash_password,
    site_hash,
    validate_password_object,
    verify_password,
)

__all__ = [
    "ALGORITHMS",
    "EXTRA_ALGORITHMS",
    "HashSettingsError",
    "UnsupportedHash",
    "hash_password",
    "site_hash",
    "validate_password_object",
    "verify_password",
    "to_gigya_password",
    "detect",
    "Diagnosis",
    "diagnose",
]

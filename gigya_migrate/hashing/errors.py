"""The two ways a password hash can be refused: bad settings, or a format Gigya cannot verify."""

__all__ = ["HashSettingsError", "NoPassword", "UnsupportedHash", "LAZY_MIGRATION_ALTERNATIVES"]

LAZY_MIGRATION_ALTERNATIVES = (
    "lazy migration: import the account without a password and, on the user's first login, check the "
    "password against the legacy system and set it in Gigya (accounts.setAccountInfo newPassword)",
    "password reset: import without a password and send each user a reset-password email",
)
"""What to do with users whose stored hash Gigya cannot verify."""


class HashSettingsError(ValueError):
    """A password object or ``hashSettings`` that Gigya would refuse or could never verify.

    The message says what is wrong and how to fix it; it never contains a full hash.
    """


class UnsupportedHash(ValueError):
    """A stored hash in a format none of Gigya's import algorithms can verify (argon2, scrypt, ...).

    ``format_name`` names the format; ``alternatives`` lists what a migration can do instead.
    """

    def __init__(self, format_name: str, detail: str = "", alternatives: tuple[str, ...] = LAZY_MIGRATION_ALTERNATIVES):
        self.format_name = format_name
        self.alternatives = alternatives
        self.detail = detail
        reason = f" ({detail})" if detail else ""
        options = "; or ".join(alternatives)
        super().__init__(
            f"{format_name} hashes cannot be imported into Gigya{reason}: no importFullAccount algorithm "
            f"verifies them. Alternatives: {options}."
        )


class NoPassword(ValueError):
    """The stored value says the account has no usable password (Django's ``!`` unusable password, a
    Keycloak user without a password credential): the account is imported without one, and counted.

    ``reason`` is the short text counted in the run report (e.g. "unusable password (!)").
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

"""Pydantic v2 models of Gigya's wire objects (camelCase on the wire, unknown fields kept).

Every model parsed by the client keeps the JSON it came from in ``.raw``.
"""

from gigya_migrate.models.account import Account, AccountInfo, Emails, HashSettings, Identity, LoginIds, PasswordInfo, Profile
from gigya_migrate.models.base import GigyaModel, GigyaResponse
from gigya_migrate.models.results import (
    AvailabilityResult,
    DeleteResult,
    ImportResult,
    LoginResult,
    PoliciesResult,
    RbaPolicyResult,
    SessionInfo,
)
from gigya_migrate.models.search import AuditRecord, AuditSearchResult, SearchResult

__all__ = [
    "Account",
    "AccountInfo",
    "AuditRecord",
    "AuditSearchResult",
    "AvailabilityResult",
    "DeleteResult",
    "Emails",
    "GigyaModel",
    "GigyaResponse",
    "HashSettings",
    "Identity",
    "ImportResult",
    "LoginIds",
    "LoginResult",
    "PasswordInfo",
    "PoliciesResult",
    "Profile",
    "RbaPolicyResult",
    "SearchResult",
    "SessionInfo",
]

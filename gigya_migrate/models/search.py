"""Pages of accounts.search and audit.search, and the audit log record."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from gigya_migrate.models.account import Account
from gigya_migrate.models.base import GigyaModel, GigyaResponse

__all__ = ["AuditRecord", "AuditSearchResult", "SearchResult"]


class SearchResult(GigyaResponse):
    """One page of accounts.search: ``results``, counts, and ``next_cursor_id`` unless it is the last."""

    results: list[Account] = Field(default_factory=list)
    objects_count: int | None = None
    total_count: int | None = None
    next_cursor_id: str | None = None


class AuditRecord(GigyaModel):
    """One audit log record (field names are case-sensitive on the wire: ``callID``, ``uid``)."""

    timestamp: str | None = Field(default=None, alias="@timestamp")
    call_id: str | None = Field(default=None, alias="callID")
    err_code: int | str | None = None
    endpoint: str | None = None
    err_message: str | None = None
    err_details: str | None = None
    uid: str | None = None
    api_key: str | None = Field(default=None, validation_alias=AliasChoices("apiKey", "apikey"), serialization_alias="apiKey")
    user_key: str | None = None
    source_ip: str | None = Field(default=None, alias="sourceIP")
    params: dict[str, Any] | None = None


class AuditSearchResult(GigyaResponse):
    """One page of audit.search."""

    results: list[AuditRecord] = Field(default_factory=list)
    objects_count: int | None = None
    total_count: int | None = None
    next_cursor_id: str | None = None

"""The base every Gigya model shares: camelCase aliases, unknown fields kept, the raw body at hand."""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel

__all__ = ["GigyaModel", "GigyaResponse"]


class GigyaModel(BaseModel):
    """A Gigya wire object: snake_case in Python, camelCase on the wire, unknown fields kept.

    Unknown fields (custom ``data.*``, fields newer than this code) stay in ``model_extra`` and
    round-trip through ``to_wire()``. ``raw`` is the dict the model was parsed from.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    _raw: dict[str, Any] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        """When parsing wire data, every model (nested ones too) keeps the object it came from."""
        model = handler(data)
        if info.context and info.context.get("wire") and isinstance(data, Mapping):
            model._raw = dict(data)
        return model

    @classmethod
    def from_wire(cls, body: Mapping[str, Any]):
        """Parse a Gigya JSON object; it and each nested object stay available, untouched, as ``raw``."""
        return cls.model_validate(body, context={"wire": True})

    @property
    def raw(self) -> dict[str, Any]:
        """The JSON object this model came from (or its wire form when built in code)."""
        return self._raw if self._raw is not None else self.to_wire()

    def __repr_args__(self):
        """Only the fields that hold a value: a search result is not a wall of ``None``."""
        return [(name, value) for name, value in super().__repr_args__() if value is not None]

    def to_wire(self) -> dict[str, Any]:
        """The model as Gigya spells it (camelCase, unset and ``None`` fields left out)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class GigyaResponse(GigyaModel):
    """The envelope every Gigya answer carries (docs/gigya-api.md §1)."""

    call_id: str | None = None
    error_code: int = 0
    status_code: int | None = None
    status_reason: str | None = None
    time: str | None = None
    api_version: int | None = None

"""Pydantic v2 models of Gigya's wire objects (camelCase on the wire, unknown fields kept)."""

"""Field transformers: rename, remove, add, replace, flatten, array.extract, evaluate.

Field names are dotted paths into the record (``password.hash``, ``profile.email``), as in the
copy-accounts sample's ``field.rename``. Parameter names are IdentitySync's where a public
document shows them (docs/gigya-api.md section 9); ``field.replace``, ``field.flatten`` and
``field.array.extract`` have no published parameters, so theirs are our choice (marked in
``dataflow components``).
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from gigya_migrate.dataflow.components.base import (Component, Failure, Output, Param, ParamError, delete_path,
                                                    get_path, register, set_path)

__all__ = ["expand_placeholders"]


def expand_placeholders(value: Any, job: Any) -> Any:
    """``${jobId}``, ``${now}`` (UTC ``yyyyMMddHHmmss``), ``${nowMs}`` and ``${apiKey}`` in a string
    (docs/gigya-api.md section 9: runtime placeholders in file names and field values)."""
    if not isinstance(value, str) or "${" not in value:
        return value
    now = time.gmtime(job.started_ms / 1000)
    values = {"jobId": job.job_id, "now": time.strftime("%Y%m%d%H%M%S", now), "nowMs": str(job.started_ms),
              "apiKey": getattr(job.site, "api_key", "") or ""}
    return re.sub(r"\$\{(jobId|now|nowMs|apiKey)\}", lambda m: values[m.group(1)], value)


def _pairs(params: dict, name: str, keys: tuple[str, ...]) -> None:
    items = params[name]
    for index, item in enumerate(items):
        if not isinstance(item, dict) or any(not isinstance(item.get(k), str) or not item.get(k) for k in keys):
            raise ParamError(name, f"item {index + 1} must be an object with {' and '.join(keys)}")


@register
class Rename(Component):
    """Rename fields (moving a value to a new dotted path)."""

    type = "field.rename"
    summary = "Rename fields: fields[{sourceField, targetField}] (dotted paths move nested values)."
    params = (Param("fields", "array", required=True, doc="[{sourceField, targetField}]"),)

    @classmethod
    def check(cls, params: dict) -> None:
        _pairs(params, "fields", ("sourceField", "targetField"))

    def process(self, items: list) -> Output:
        for record in items:
            for pair in self.p["fields"]:
                if get_path(record, pair["sourceField"], _ABSENT) is not _ABSENT:
                    set_path(record, pair["targetField"], delete_path(record, pair["sourceField"]))
        return Output(items)


_ABSENT = object()


@register
class Remove(Component):
    """Remove fields."""

    type = "field.remove"
    summary = "Remove fields: fields[<field names>]."
    params = (Param("fields", "array", required=True, doc="field names (dotted paths)"),)

    def process(self, items: list) -> Output:
        for record in items:
            for name in self.p["fields"]:
                delete_path(record, str(name))
        return Output(items)


@register
class Add(Component):
    """Add fields with constant values (``${jobId}``, ``${now}``, ``${apiKey}`` expanded)."""

    type = "field.add"
    summary = "Add fields: fields[{field, value}]; value may hold ${jobId}, ${now}, ${apiKey}."
    params = (Param("fields", "array", required=True, doc="[{field, value}]"),)

    @classmethod
    def check(cls, params: dict) -> None:
        for index, item in enumerate(params["fields"]):
            if not isinstance(item, dict) or not isinstance(item.get("field"), str) or "value" not in item:
                raise ParamError("fields", f"item {index + 1} must be an object with field and value")

    def process(self, items: list) -> Output:
        values = [(f["field"], expand_placeholders(f["value"], self.job)) for f in self.p["fields"]]
        for record in items:
            for name, value in values:
                set_path(record, name, copy.deepcopy(value))
        return Output(items)


@register
class Replace(Component):
    """Replace text matching a regular expression in string fields."""

    type = "field.replace"
    summary = "Replace text matching regex in fields (IdentitySync: 'replacing strings within field values using regex')."
    params = (
        Param("fields", "array", required=True, doc="field names (dotted paths)", documented=False),
        Param("regex", required=True, doc="regular expression (Python syntax, close to Java's)", documented=False),
        Param("replacement", default="", doc="replacement text; \\1 refers to a group", documented=False),
    )

    @classmethod
    def check(cls, params: dict) -> None:
        try:
            re.compile(params["regex"])
        except re.error as exc:
            raise ParamError("regex", f"not a valid regular expression: {exc}") from None

    def setup(self) -> None:
        self.pattern = re.compile(self.p["regex"])

    def process(self, items: list) -> Output:
        for record in items:
            for name in self.p["fields"]:
                value = get_path(record, name)
                if isinstance(value, str):
                    set_path(record, name, self.pattern.sub(self.p["replacement"], value))
        return Output(items)


@register
class Flatten(Component):
    """Flatten nested objects into dotted top-level fields; arrays joined into one string."""

    type = "field.flatten"
    summary = "Flatten objects to dotted fields (profile.email) and arrays to one delimited string."
    params = (
        Param("fields", "array", doc="fields to flatten (default: every object and array)", documented=False),
        Param("delimiter", default=".", doc="joins the names of nested fields", documented=False),
        Param("arrayDelimiter", default=",", doc="joins array values", documented=False),
    )

    def process(self, items: list) -> Output:
        return Output([self._flat(r) for r in items])

    def _flat(self, record: dict) -> dict:
        chosen = self.p["fields"]
        out: dict = {}
        for key, value in record.items():
            if chosen is None or key in chosen:
                self._into(out, key, value)
            else:
                out[key] = value
        return out

    def _into(self, out: dict, name: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                self._into(out, f"{name}{self.p['delimiter']}{key}", inner)
        elif isinstance(value, list):
            import json

            out[name] = self.p["arrayDelimiter"].join(
                json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v) for v in value)
        else:
            out[name] = value


@register
class ArrayExtract(Component):
    """Extract one element of an array field (by index or by a field's value) into a field."""

    type = "field.array.extract"
    summary = "Take one element of an array field (index, or first whose matchField = matchValue) into targetField."
    params = (
        Param("field", required=True, doc="the array field", documented=False),
        Param("targetField", required=True, doc="where the element goes", documented=False),
        Param("index", "integer", default=0, doc="element position when no match is given", documented=False),
        Param("matchField", doc="pick the first element whose field equals matchValue", documented=False),
        Param("matchValue", "any", doc="value matchField must have", documented=False),
        Param("extractField", doc="take only this field of the element", documented=False),
    )

    def process(self, items: list) -> Output:
        for record in items:
            value = get_path(record, self.p["field"])
            element = self._pick(value) if isinstance(value, list) else None
            if element is not None and self.p["extractField"]:
                element = get_path(element, self.p["extractField"]) if isinstance(element, dict) else None
            if element is not None:
                set_path(record, self.p["targetField"], element)
        return Output(items)

    def _pick(self, values: list) -> Any:
        if self.p["matchField"]:
            return next((v for v in values if isinstance(v, dict)
                         and get_path(v, self.p["matchField"]) == self.p["matchValue"]), None)
        index = self.p["index"]
        return values[index] if -len(values) <= index < len(values) else None


@register
class Evaluate(Component):
    """New fields from JEXL expressions over the record's fields (pyjexl)."""

    type = "field.evaluate"
    summary = "Set fields from JEXL expressions: fields[{field, expression}], language jexl."
    params = (
        Param("fields", "array", required=True, doc="[{field, expression}]"),
        Param("language", default="jexl", choices=("jexl",), doc="expression language"),
    )

    @classmethod
    def check(cls, params: dict) -> None:
        _pairs(params, "fields", ("field", "expression"))
        from pyjexl import JEXL

        for item in params["fields"]:
            try:
                JEXL().parse(item["expression"])
            except Exception as exc:  # noqa: BLE001 - pyjexl raises parser-specific errors
                raise ParamError("fields", f"expression for {item['field']!r} does not parse: {exc}") from None

    def setup(self) -> None:
        from pyjexl import JEXL
        from pyjexl.evaluator import Evaluator

        jexl = JEXL()
        self.evaluator = Evaluator(jexl.config)
        self.parsed = [(f["field"], jexl.parse(f["expression"])) for f in self.p["fields"]]

    def process(self, items: list) -> Output:
        out = Output()
        for record in items:
            try:
                for name, expression in self.parsed:
                    set_path(record, name, self.evaluator.evaluate(expression, record))
            except Exception as exc:  # noqa: BLE001 - a bad value fails this record only
                out.failed.append(Failure(record, "expression-error", f"{type(exc).__name__}: {exc}"))
                continue
            out.items.append(record)
        return out

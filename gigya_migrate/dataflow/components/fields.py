"""Field transformers: rename, remove, add, replace, flatten, array.extract, evaluate.

Field names are dotted paths into the record (``password.hash``, ``profile.email``), as in the
copy-accounts sample's ``field.rename``. Parameter names are IdentitySync's where a public
document shows them (docs/gigya-api.md section 9); ``field.replace``, ``field.flatten`` and
``field.array.extract`` show only ``fields``/``field`` in public templates (docs/gigya-api.md DFT),
so their other parameters and the exact semantics are our choice (marked in ``dataflow components``).
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
    summary = ("Rename fields: fields[{sourceField, targetField}]; dotted paths move nested values, a quoted "
               "'a.b' target is one key")
    params = (Param("fields", "array", required=True, doc="[{sourceField, targetField}]"),)

    @classmethod
    def check(cls, params: dict) -> None:
        _pairs(params, "fields", ("sourceField", "targetField"))

    def process(self, items: list) -> Output:
        for record in items:
            for pair in self.p["fields"]:
                if get_path(record, pair["sourceField"], _ABSENT) is not _ABSENT:
                    value = delete_path(record, pair["sourceField"])
                    target = pair["targetField"]
                    if len(target) > 1 and target[0] == target[-1] == "'":
                        record[target[1:-1]] = value  # 'profile.gender': one key holding the dot
                    else:
                        set_path(record, target, value)
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
    """Replace text matching regular expressions in string fields (``"*"``: every string field)."""

    type = "field.replace"
    summary = "Replace regex matches in fields: fields[{field ('*' = every string field), regex, replacement}]."
    params = (Param("fields", "array", required=True, doc="[{field, regex, replacement}]; field '*' = all"),)

    @classmethod
    def check(cls, params: dict) -> None:
        _pairs(params, "fields", ("field", "regex"))
        for item in params["fields"]:
            try:
                re.compile(item["regex"])
            except re.error as exc:
                raise ParamError("fields", f"regex {item['regex']!r} is not valid: {exc}") from None

    def setup(self) -> None:
        self.rules = [(f["field"], re.compile(f["regex"]), str(f.get("replacement", ""))) for f in self.p["fields"]]

    def process(self, items: list) -> Output:
        for record in items:
            for name, pattern, replacement in self.rules:
                if name == "*":
                    _replace_all(record, pattern, replacement)
                elif isinstance(value := get_path(record, name), str):
                    set_path(record, name, pattern.sub(replacement, value))
        return Output(items)


def _replace_all(node: dict, pattern: re.Pattern, replacement: str) -> None:
    for key, value in node.items():
        if isinstance(value, str):
            node[key] = pattern.sub(replacement, value)
        elif isinstance(value, dict):
            _replace_all(value, pattern, replacement)


@register
class Flatten(Component):
    """Flatten nested objects into dotted top-level fields; arrays joined into one string."""

    type = "field.flatten"
    summary = "Flatten objects to dotted fields (profile.email) and arrays to one delimited string."
    params = (
        Param("fields", "array", doc="fields to flatten (default: every object and array)"),
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
    """One record per element of an array field (the element replaces the array)."""

    type = "field.array.extract"
    summary = "One record per element of an array field: each copy holds one element (inferred semantics)."
    params = (
        Param("field", required=True, doc="the array field"),
        Param("targetField", doc="where each element goes (default: the array field itself)", documented=False),
    )

    def process(self, items: list) -> Output:
        out = []
        for record in items:
            values = get_path(record, self.p["field"])
            if not isinstance(values, list):
                out.append(record)
                continue
            for value in values:
                copy_ = copy.deepcopy(record)
                if self.p["targetField"]:
                    delete_path(copy_, self.p["field"])
                set_path(copy_, self.p["targetField"] or self.p["field"], copy.deepcopy(value))
                out.append(copy_)
        return Output(out)


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

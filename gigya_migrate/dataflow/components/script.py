"""record.evaluate: the user's JavaScript, run as written, in V8 (the ``mini-racer`` package).

The script defines ``function process(record, ctx, logger, next, error)`` (IdentitySync's custom
script entry point; docs/gigya-api.md section 9). Per record:

- returning an object passes it on; returning ``null``/``undefined`` drops the record; returning an
  array passes each element on (our choice);
- ``error.accept(newRecord, record)`` sends ``newRecord`` (or ``record``) to the step's error path;
- ``next(record)`` passes an extra record on (our reading of the undocumented ``next`` argument);
- ``ctx`` is one object for the whole job (a script may keep counters in it), holding ``jobId``
  and ``stepId``; ``logger.info/debug/warn/error(message)`` writes to the job trace, at most
  **10 lines per script** (seed 000), further lines are dropped with one note;
- a thrown error or a syntax error fails the record to the error path with the script's message
  and line (``script-error``); a record running longer than the time limit (``timeoutMs``,
  default 1,000 ms; ours, IdentitySync publishes none) fails with ``script-timeout``.

``script`` is base64 of the JavaScript, as the console stores it, or the JavaScript itself.
IdentitySync runs scripts on Nashorn (seed 000): Java interop (``Java.type``) does not exist here;
plain ECMAScript does. Shared variables are not visible to the script (refused in its params, and
V8 here has no access to the environment or files).
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from gigya_migrate.dataflow.components.base import Component, Failure, Output, Param, ParamError, register

__all__ = ["RecordEvaluate", "decode_script"]

MAX_LOG_LINES = 10
_LINE = re.compile(r"^<anonymous>:(\d+): (.*)$", re.MULTILINE)

_HARNESS = """
var __log = [], __logged = 0, __dropped = 0, __out = [], __err = [];
var __ctx = {};
function __say(level) {
  return function () {
    var parts = [];
    for (var i = 0; i < arguments.length; i++) {
      var a = arguments[i];
      parts.push(typeof a === 'string' ? a : JSON.stringify(a));
    }
    if (__logged < %(max)d) { __logged++; __log.push([level, parts.join(' ')]); } else { __dropped++; }
  };
}
var __logger = {info: __say('info'), debug: __say('debug'), warn: __say('warn'), error: __say('error'),
                log: __say('info'), trace: __say('debug')};
var __next = function (r) { __out.push(r); };
var __error = {accept: function (r, original) { __err.push(r || original); }};
function __run(record, jobId, stepId) {
  __ctx.jobId = jobId; __ctx.stepId = stepId;
  __out = []; __err = [];
  var value = process(record, __ctx, __logger, __next, __error);
  var logs = __log; __log = [];
  return JSON.stringify({value: value === undefined ? null : value, out: __out, err: __err, logs: logs,
                         dropped: __dropped});
}
"""


def decode_script(text: str) -> str:
    """The JavaScript of a ``script`` parameter: base64 (as the console stores it) or plain."""
    stripped = text.strip()
    if "process" in stripped and ("function" in stripped or "=>" in stripped):
        return text
    try:
        decoded = base64.b64decode(stripped, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return text
    return decoded


def _js_error(exc: Exception) -> str:
    """``line 3: Error: bad value`` from mini-racer's message (the user's line numbers)."""
    text = str(exc)
    found = _LINE.search(text)
    if found:
        return f"line {found.group(1)}: {found.group(2)}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _new_context(script: str, timeout: float):
    from py_mini_racer import MiniRacer

    context = MiniRacer()
    context.eval(script, timeout_sec=timeout)  # evaluated alone, so its line numbers are the user's
    context.eval(_HARNESS % {"max": MAX_LOG_LINES})
    if context.eval("typeof process") != "function":
        raise ParamError("script", "the script must define function process(record, ctx, logger, next)")
    return context


@register
class RecordEvaluate(Component):
    """A custom JavaScript step."""

    type = "record.evaluate"
    summary = "Run a JavaScript process(record, ctx, logger, next, error) per record (10 log lines per script)."
    params = (
        Param("script", required=True, doc="base64 of the JavaScript (or the JavaScript itself)"),
        Param("ECMAScriptVersion", default="12", choices=("5.1", "6", "12"), doc="accepted; V8 runs every version"),
        Param("notifyLastRecord", "boolean", default=False,
              doc="call process(null, ...) once after the last record (our reading)"),
        Param("timeoutMs", "integer", doc="per-record time limit in ms (default 1000, or --script-timeout)",
              documented=False),
    )

    @classmethod
    def check(cls, params: dict) -> None:
        from py_mini_racer import JSParseException

        try:
            context = _new_context(decode_script(params["script"]), 5.0)
        except JSParseException as exc:
            raise ParamError("script", f"the script does not parse: {_js_error(exc)}") from None
        except ParamError:
            raise
        except Exception as exc:  # noqa: BLE001 - an error at the script's top level
            raise ParamError("script", f"the script fails when loaded: {_js_error(exc)}") from None
        del context

    def setup(self) -> None:
        self.code = decode_script(self.p["script"])
        limit = self.p["timeoutMs"] or self.job.settings.script_timeout_ms
        self.timeout = max(limit, 1) / 1000
        self.context = _new_context(self.code, 5.0)
        self.dropped_noted = False

    def process(self, items: list) -> Output:
        out = Output()
        for record in items:
            self._one(record, out)
        return out

    def finish(self) -> list:
        if not self.p["notifyLastRecord"]:
            return []
        out = Output()
        self._one(None, out)
        return out.items

    def _one(self, record: dict | None, out: Output) -> None:
        from py_mini_racer import JSTimeoutException

        try:
            raw = self.context.call("__run", record, self.job.job_id, self.step_id, timeout_sec=self.timeout)
        except JSTimeoutException:
            self.context = _new_context(self.code, 5.0)  # a terminated isolate is not reused
            if record is not None:
                out.failed.append(Failure(record, "script-timeout",
                                          f"the script ran longer than {self.timeout * 1000:.0f} ms on this record"))
            return
        except Exception as exc:  # noqa: BLE001 - the script threw: this record fails
            if record is not None:
                out.failed.append(Failure(record, "script-error", _js_error(exc)))
            return
        self._take(json.loads(raw), record, out)

    def _take(self, answer: dict, record: dict | None, out: Output) -> None:
        for level, message in answer["logs"]:
            self.job.log("error" if level == "error" else "info", self.step_id, f"script {level}: {message}")
        if answer["dropped"] and not self.dropped_noted:
            self.dropped_noted = True
            self.job.log("info", self.step_id, f"the script logged more than {MAX_LOG_LINES} lines; the rest are dropped")
        value = answer["value"]
        passed = value if isinstance(value, list) else [value] if value is not None else []
        out.items.extend(r for r in [*passed, *answer["out"]] if isinstance(r, dict))
        for rejected in answer["err"]:
            out.failed.append(Failure(rejected if isinstance(rejected, dict) else (record or {}), "script-rejected",
                                      "the script sent the record to the error path (error.accept)"))

    def close(self) -> None:
        self.context = None

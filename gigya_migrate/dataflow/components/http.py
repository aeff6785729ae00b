"""datasource.write.external.generic: records POSTed as JSON to an HTTP endpoint.

IdentitySync names this generic writer (seed 000) but publishes no parameters
(docs/gigya-api.md section 9), so all of them are ours. The HTTP contract is the one the
``deletions --post`` sink already follows (``flows.downstream.HttpSink``): one JSON object per
request (``batchSize`` 1) or a JSON array per batch; 2xx accepted; 408/425/429/5xx and network
errors retried with backoff; any other answer fails the record to the error path with the status.
"""

from __future__ import annotations

from gigya_migrate.dataflow.components.base import Component, Failure, Output, Param, ParamError, register

__all__ = ["WriteGeneric"]


@register
class WriteGeneric(Component):
    """POST records to a URL."""

    type = "datasource.write.external.generic"
    role = "writer"
    summary = "POST records as JSON to an HTTP endpoint (one per request, or arrays of batchSize)."
    params = (
        Param("url", required=True, doc="http(s) endpoint", documented=False),
        Param("headers", "object", default={}, doc="extra headers (an Authorization variable)", documented=False),
        Param("batchSize", "integer", default=1, doc="records per request (1 = one JSON object)", documented=False),
        Param("maxAttempts", "integer", default=5, doc="tries per request on 408/429/5xx", documented=False),
        Param("timeout", "integer", default=30000, doc="request timeout in milliseconds", documented=False),
        Param("addResponse", "boolean", default=False, doc="add the status and answer as _response",
              documented=False),
    )

    @classmethod
    def check(cls, params: dict) -> None:
        if not params["url"].startswith(("http://", "https://")):
            raise ParamError("url", f"expected an http(s) URL, got {params['url']!r}")

    def setup(self) -> None:
        from gigya_migrate.flows.downstream import HttpSink

        self.sink = HttpSink(self.p["url"], mode="record" if self.p["batchSize"] == 1 else "batch",
                             headers={str(k): str(v) for k, v in self.p["headers"].items()},
                             max_attempts=self.p["maxAttempts"], timeout=self.p["timeout"] / 1000,
                             name=self.step_id)

    def process(self, items: list) -> Output:
        out = Output()
        size = max(1, self.p["batchSize"])
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            for record, delivery in zip(chunk, self.sink.send(chunk, [str(i) for i in range(len(chunk))])):
                if not delivery.ok:
                    code = f"http-{delivery.status}" if delivery.status else "http-unreachable"
                    out.failed.append(Failure(record, code, delivery.error or "refused"))
                    continue
                if self.p["addResponse"]:
                    record["_response"] = {"status": delivery.status, "answer": delivery.answer}
                out.items.append(record)
        return out

    def close(self) -> None:
        self.sink.close()

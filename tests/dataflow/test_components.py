"""Each component on its own and in small flows: splits, the error path, --limit, the job history."""

from __future__ import annotations

import base64
import csv
import gzip
import json

import pytest

from .helpers import cli, write_json


def _csv(path, rows, header=("email", "first", "last")):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(tmp_path, steps, *extra, name="t", env_token=None):
    flow = write_json(tmp_path / f"{name}.json", {"name": name, "steps": steps})
    return cli("dataflow", "run", flow, *extra, env={"GIGYA_VAR_crmToken": env_token} if env_token else None)


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(tmp_path, rows, **parse):
    data = _csv(tmp_path / "in.csv", rows)
    return [{"id": "file", "type": "datasource.read.file", "params": {"path": str(data)}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": parse, "next": ["t"]}]


def _to_json(step_id, folder, name, next_of=None):
    return [{"id": step_id, "type": "file.format.json", "params": {"fileName": name}, "next": [f"{step_id}-w"]},
            {"id": f"{step_id}-w", "type": "datasource.write.file", "params": {"path": f"{folder}/"}}]


ROWS = [("ada@example.com", "Ada", "Lovelace"), ("alan@example.com", "Alan", "Turing"),
        ("grace@example.com", "Grace", "Hopper")]


@pytest.mark.parametrize("step, expected", [
    ({"type": "field.rename", "params": {"fields": [{"sourceField": "first", "targetField": "profile.firstName"}]}},
     {"email": "ada@example.com", "last": "Lovelace", "profile": {"firstName": "Ada"}}),
    ({"type": "field.remove", "params": {"fields": ["first", "last"]}}, {"email": "ada@example.com"}),
    ({"type": "field.add", "params": {"fields": [{"field": "data.source", "value": "legacy"},
                                                 {"field": "isVerified", "value": True}]}},
     {"email": "ada@example.com", "first": "Ada", "last": "Lovelace", "data": {"source": "legacy"}, "isVerified": True}),
    ({"type": "field.replace", "params": {"fields": [{"field": "email", "regex": "@example\\.com$",
                                                      "replacement": "@example.org"},
                                                     {"field": "*", "regex": "[aeiou]", "replacement": "_"}]}},
     {"email": "_d_@_x_mpl_._rg", "first": "Ad_", "last": "L_v_l_c_"}),
    ({"type": "field.evaluate", "params": {"fields": [{"field": "profile.name", "expression": "first + ' ' + last"}]}},
     {"email": "ada@example.com", "first": "Ada", "last": "Lovelace", "profile": {"name": "Ada Lovelace"}}),
])
def test_field_components(tmp_path, step, expected):
    steps = [*_source(tmp_path, ROWS[:1]), {"id": "t", **step, "next": ["out"]}, *_to_json("out", tmp_path / "o", "o.json")]
    result = _run(tmp_path, steps)
    assert result.exit_code == 0, result.output
    assert _read(tmp_path / "o" / "o.json") == [expected]


def test_field_flatten_and_array_extract(tmp_path):
    data = write_json(tmp_path / "in.json", [{"UID": "u1", "profile": {"email": "a@x.org"}, "tags": ["a", "b"],
                                              "phones": [{"type": "home", "n": "1"}, {"type": "mobile", "n": "2"}]}])
    steps = [{"id": "file", "type": "datasource.read.file", "params": {"path": str(data)}, "next": ["parse"]},
             {"id": "parse", "type": "file.parse.json", "next": ["t"]},
             {"id": "t", "type": "field.array.extract", "params": {"field": "phones", "targetField": "phone"},
              "next": ["flat"]},
             {"id": "flat", "type": "field.flatten", "params": {"arrayDelimiter": "|", "fields": ["profile", "tags", "phone"]},
              "next": ["out"]},
             *_to_json("out", tmp_path / "o", "o.json")]
    assert _run(tmp_path, steps).exit_code == 0
    assert _read(tmp_path / "o" / "o.json") == [
        {"UID": "u1", "profile.email": "a@x.org", "tags": "a|b", "phone.type": "home", "phone.n": "1"},
        {"UID": "u1", "profile.email": "a@x.org", "tags": "a|b", "phone.type": "mobile", "phone.n": "2"}]


def test_a_split_that_joins_again_in_one_writer_with_a_marker_file(tmp_path):
    # the shape of the guide's split example: records -> (json file, empty marker) -> the same writer
    steps = [*_source(tmp_path, ROWS[:2]),
             {"id": "t", "type": "field.rename",
              "params": {"fields": [{"sourceField": "first", "targetField": "'profile.firstName'"}]}, "next": ["json", "ok"]},
             {"id": "json", "type": "file.format.json", "params": {"fileName": "people.json"}, "next": ["w"]},
             {"id": "ok", "type": "file.empty", "params": {"fileName": "people.ok"}, "next": ["w"]},
             {"id": "w", "type": "datasource.write.file", "params": {"path": f"{tmp_path}/out/"}}]
    result = _run(tmp_path, steps)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["people.json", "people.ok"]
    assert (tmp_path / "out" / "people.ok").read_bytes() == b""
    assert _read(tmp_path / "out" / "people.json")[0] == {"email": "ada@example.com", "last": "Lovelace",
                                                          "profile.firstName": "Ada"}


def test_dsv_round_trip_with_gzip_and_nested_columns(tmp_path):
    data = _csv(tmp_path / "in.csv", [("ada@example.com", "Ada", "3")], header=("profile.email", "profile.firstName", "data.n"))
    steps = [{"id": "file", "type": "datasource.read.file", "params": {"path": str(data)}, "next": ["parse"]},
             {"id": "parse", "type": "file.parse.dsv", "params": {"inferTypes": True, "addFilename": True}, "next": ["t"]},
             {"id": "t", "type": "file.format.dsv", "params": {"fileName": "out.psv", "columnSeparator": "|"},
              "next": ["gz"]},
             {"id": "gz", "type": "file.compress.gzip", "next": ["w", "gunzip"]},  # split: two branches
             {"id": "w", "type": "datasource.write.file", "params": {"path": f"{tmp_path}/o/"}},
             {"id": "gunzip", "type": "file.uncompress.gzip", "next": ["w2"]},
             {"id": "w2", "type": "datasource.write.file", "params": {"path": f"{tmp_path}/plain/"}}]
    result = _run(tmp_path, steps)
    assert result.exit_code == 0, result.output
    expected = "profile.email|profile.firstName|data.n|fileName\nada@example.com|Ada|3|in.csv\n"
    assert gzip.decompress((tmp_path / "o" / "out.psv.gz").read_bytes()).decode() == expected
    assert (tmp_path / "plain" / "out.psv").read_text() == expected


def test_a_split_gives_each_branch_its_own_copy(tmp_path):
    steps = [*_source(tmp_path, ROWS), {"id": "t", "type": "field.add", "params": {"fields": [{"field": "x", "value": 1}]},
                                         "next": ["a", "b"]},
             {"id": "a", "type": "field.remove", "params": {"fields": ["first", "last"]}, "next": ["outa"]},
             {"id": "b", "type": "field.rename", "params": {"fields": [{"sourceField": "x", "targetField": "y"}]},
              "next": ["outb"]},
             *_to_json("outa", tmp_path / "a", "a.json"), *_to_json("outb", tmp_path / "b", "b.json")]
    assert _run(tmp_path, steps).exit_code == 0
    assert _read(tmp_path / "a" / "a.json")[0] == {"email": "ada@example.com", "x": 1}
    assert _read(tmp_path / "b" / "b.json")[0] == {"email": "ada@example.com", "first": "Ada", "last": "Lovelace", "y": 1}


SCRIPT = """function process(record, ctx, logger, next) {
    ctx.count = (ctx.count || 0) + 1;
    logger.info('record ' + ctx.count);
    if (record.first === 'Alan') {
        throw new Error('no Alans today');
    }
    if (record.first === 'Grace') { return null; }
    record.n = ctx.count;
    record.job = ctx.jobId.length;
    return record;
}
"""


def test_record_evaluate_runs_the_script_as_written_and_fails_records_to_the_error_path(tmp_path):
    encoded = base64.b64encode(SCRIPT.encode()).decode()  # the console stores scripts in base64
    steps = [*_source(tmp_path, ROWS * 5), {"id": "t", "type": "record.evaluate", "params": {"script": encoded},
                                            "next": ["ok"], "error": ["bad"]},
             *_to_json("ok", tmp_path / "ok", "ok.json"), *_to_json("bad", tmp_path / "bad", "bad.json")]
    result = _run(tmp_path, steps, "--log-level", "info")
    assert result.exit_code == 0, result.output
    ok, bad = _read(tmp_path / "ok" / "ok.json"), _read(tmp_path / "bad" / "bad.json")
    assert [r["n"] for r in ok] == [1, 4, 7, 10, 13] and ok[0]["job"] == 32  # ctx lives for the whole job
    assert len(bad) == 5 and bad[0]["first"] == "Alan"
    assert bad[0]["errorCode"] == "script-error" and bad[0]["errorMessage"] == "line 5: Error: no Alans today"
    assert bad[0]["errorStep"] == "t"
    job = json.loads(cli("jobs", "show", result.output.split("job ")[1].split()[0], "--json").output)
    logged = [t["message"] for t in job["trace"] if t["message"].startswith("script ")]
    assert logged == [f"script info: record {i}" for i in range(1, 11)]  # 10 logged lines per script
    assert any("more than 10 lines" in t["message"] for t in job["trace"])
    metrics = {m["step"]: m for m in job["stepMetrics"]}
    assert (metrics["t"]["input"], metrics["t"]["output"], metrics["t"]["errors"]) == (15, 5, 5)
    assert job["errors"] == [{"step": "t", "errorCode": "script-error", "errorMessage": "line 5: Error: no Alans today",
                              "count": 5}]


def test_record_evaluate_time_limit_and_syntax_errors(tmp_path):
    slow = "function process(record) {\n  if (record.first === 'Alan') { while (true) {} }\n  return record;\n}"
    steps = [*_source(tmp_path, ROWS), {"id": "t", "type": "record.evaluate", "params": {"script": slow, "timeoutMs": 200},
                                        "next": ["ok"]}, *_to_json("ok", tmp_path / "ok", "ok.json")]
    result = _run(tmp_path, steps, "--errors", tmp_path / "errors.jsonl")
    assert result.exit_code == 0, result.output
    assert [r["first"] for r in _read(tmp_path / "ok" / "ok.json")] == ["Ada", "Grace"]  # the next records still run
    failed = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert [(f["first"], f["errorCode"]) for f in failed] == [("Alan", "script-timeout")]
    broken = [*_source(tmp_path, ROWS), {"id": "t", "type": "record.evaluate",
                                         "params": {"script": "function process(record) {\n  return record +;\n}"}}]
    refused = _run(tmp_path, broken, name="broken")
    assert refused.exit_code == 2 and "step 't' (record.evaluate): parameter 'script': the script does not parse: line 2" in refused.output


def test_parse_failures_are_records_on_the_error_path_and_the_run_goes_on(tmp_path):
    data = tmp_path / "in.csv"
    data.write_text("email,first\nada@example.com,Ada\nbroken-row\nalan@example.com,Alan\n")
    steps = [{"id": "file", "type": "datasource.read.file", "params": {"path": str(data)}, "next": ["parse"]},
             {"id": "parse", "type": "file.parse.dsv", "next": ["ok"], "error": ["bad"]},
             *_to_json("ok", tmp_path / "ok", "ok.json"), *_to_json("bad", tmp_path / "bad", "bad.json")]
    assert _run(tmp_path, steps).exit_code == 0
    assert [r["first"] for r in _read(tmp_path / "ok" / "ok.json")] == ["Ada", "Alan"]
    bad = _read(tmp_path / "bad" / "bad.json")
    assert bad[0]["errorCode"] == "malformed-row" and bad[0]["_raw"] == "broken-row"


def test_limit_is_the_consoles_run_test_and_the_job_history_records_it(tmp_path):
    rows = [(f"u{i}@example.com", f"F{i}", "L") for i in range(25)]
    steps = [*_source(tmp_path, rows), {"id": "t", "type": "field.remove", "params": {"fields": ["last"]}, "next": ["out"]},
             *_to_json("out", tmp_path / "o", "o.json")]
    result = _run(tmp_path, steps, "--limit", "10")
    assert "succeeded; 10 of 10 records processed" in result.output
    assert len(_read(tmp_path / "o" / "o.json")) == 10
    full = _run(tmp_path, steps)
    assert "25 of 25" in full.output
    listing = cli("jobs", "list").output
    assert listing.count("succeeded") == 2 and "t\n" in listing
    job_id = full.output.split("job ")[1].split()[0]
    shown = cli("jobs", "show", job_id[:8]).output
    assert f"job {job_id}: succeeded" in shown and "processed 25 of 25" in shown
    assert "Job has succeeded." in shown
    assert cli("jobs", "show", "nosuchjob").exit_code == 2


def test_the_trace_is_capped_at_1000_entries(tmp_path):
    rows = [(f"u{i}@example.com", "F", "L") for i in range(1100)]
    script = "function process(record) { throw new Error('always'); }"
    steps = [*_source(tmp_path, rows), {"id": "t", "type": "record.evaluate", "params": {"script": script}}]
    result = _run(tmp_path, steps, "--log-level", "error")
    job = json.loads(cli("jobs", "show", result.output.split("job ")[1].split()[0], "--json").output)
    assert len(job["trace"]) == 1000 and job["traceDropped"] == 100  # one error line per failed record
    assert job["errors"][0]["count"] == 1100 and job["processed"] == 0 and job["total"] == 1100


def test_a_run_level_failure_is_a_failed_job_with_exit_1(tmp_path):
    steps = [{"id": "file", "type": "datasource.read.file", "params": {"path": str(tmp_path / "missing")},
              "next": ["parse"]}, {"id": "parse", "type": "file.parse.json"}]
    result = _run(tmp_path, steps)
    assert result.exit_code == 1 and "failed: TransportError" in result.output and "missing: no such file or folder" in result.output
    assert "failed" in cli("jobs", "list").output


def test_external_generic_posts_records_and_refusals_take_the_error_path(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            refused = body.get("first") == "Alan"
            if not refused:
                received.append((body, self.headers.get("Authorization")))
            self.send_response(400 if refused else 200)
            self.end_headers()
            self.wfile.write(b'{"ok": %s}' % (b"false" if refused else b"true"))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        steps = [*_source(tmp_path, ROWS), {"id": "t", "type": "datasource.write.external.generic",
                                            "params": {"url": f"http://127.0.0.1:{server.server_address[1]}/crm",
                                                       "headers": {"Authorization": "<$crmToken$>"}},
                                            "error": ["bad"]}, *_to_json("bad", tmp_path / "bad", "bad.json")]
        result = _run(tmp_path, steps, "--log-level", "debug", env_token="Bearer s3cr3t-token")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert [b["first"] for b, _ in received] == ["Ada", "Grace"] and received[0][1] == "Bearer s3cr3t-token"
    bad = _read(tmp_path / "bad" / "bad.json")
    assert [(b["first"], b["errorCode"]) for b in bad] == [("Alan", "http-400")]
    assert "s3cr3t-token" not in result.output


def test_lookup_behaviours(sites, tmp_path):
    sites.dst.import_full_account("known", login_ids={"emails": ["ada@example.com"]},
                                  profile={"email": "ada@example.com", "lastName": "FromGigya"})
    steps = [*_source(tmp_path, ROWS[:2]),
             {"id": "t", "type": "datasource.lookup.gigya.account",
              "params": {"select": "UID,profile.lastName", "handleFieldConflicts": "take_source",
                         "lookupFields": [{"sourceField": "email", "gigyaField": "loginIDs.emails"}],
                         "mismatchBehavior": "error"}, "next": ["ok"], "error": ["bad"]},
             *_to_json("ok", tmp_path / "ok", "ok.json"), *_to_json("bad", tmp_path / "bad", "bad.json")]
    assert _run(tmp_path, steps, *sites.site_args()).exit_code == 0
    assert _read(tmp_path / "ok" / "ok.json") == [{"email": "ada@example.com", "first": "Ada", "last": "Lovelace",
                                                   "UID": "known", "profile": {"lastName": "FromGigya"}}]
    bad = _read(tmp_path / "bad" / "bad.json")
    assert [(b["first"], b["errorCode"]) for b in bad] == [("Alan", "lookup-mismatch")]


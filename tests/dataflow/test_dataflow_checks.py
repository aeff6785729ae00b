"""A dataflow is checked before anything runs: entry step, ids, cycles, types, parameters, variables."""

from __future__ import annotations

import json

import pytest

from gigya_migrate.dataflow import DataflowError, Variables, VariableError, parse_dataflow

from .helpers import cli, sample, write_json

READ = {"id": "read", "type": "datasource.read.file", "params": {"path": "in.csv"}, "next": ["parse"]}
PARSE = {"id": "parse", "type": "file.parse.dsv", "next": ["rename"]}
RENAME = {"id": "rename", "type": "field.rename", "params": {"fields": [{"sourceField": "a", "targetField": "b"}]}}


def _flow(*steps):
    return {"name": "t", "steps": [dict(s) for s in steps]}


def _refused(document, variables=None) -> str:
    with pytest.raises(DataflowError) as caught:
        parse_dataflow(document, variables or Variables())
    return str(caught.value)


def test_the_entry_is_the_step_no_step_names_and_order_follows_next():
    flow = parse_dataflow(_flow(RENAME, PARSE, READ), Variables())  # file order does not matter
    assert flow.entry == "read" and flow.order == ["read", "parse", "rename"]
    assert flow.outline() == "read > parse > rename"


CASES = [
    ("unknown next id", _flow(READ, {**PARSE, "next": ["nowhere"]}, RENAME), "step 'parse': next names unknown step id 'nowhere'"),
    ("unknown error id", _flow(READ, PARSE, {**RENAME, "error": ["gone"]}), "step 'rename': error names unknown step id 'gone'"),
    ("cycle", _flow(READ, PARSE, {**RENAME, "next": ["parse"]}), "cycle"),
    ("two entries", _flow(READ, PARSE, RENAME, {**RENAME, "id": "other"}), "several entry steps ('read', 'other')"),
    ("unknown type", _flow(READ, {**PARSE, "type": "file.parse.xml"}, RENAME), "step 'parse': unknown component type 'file.parse.xml'"),
    ("unknown param", _flow(READ, {**PARSE, "params": {"columnSeperator": ";"}}, RENAME),
     "step 'parse' (file.parse.dsv): parameter 'columnSeperator': unknown parameter"),
    ("missing param", _flow(READ, PARSE, {**RENAME, "params": {}}),
     "step 'rename' (field.rename): parameter 'fields': missing required parameter"),
    ("wrong kind", _flow(READ, PARSE, {**RENAME, "params": {"fields": "a"}}), "parameter 'fields': must be an array"),
    ("bad choice", _flow(READ, {**PARSE, "next": ["imp"]}, {"id": "imp", "type": "datasource.write.gigya.importaccount",
                                       "params": {"importPolicy": "replace"}}), "parameter 'importPolicy': must be one of"),
    ("duplicate id", _flow(READ, PARSE, {**PARSE}), "step 'parse': the id is used by two steps"),
    ("files into records", _flow({**READ, "next": ["rename"]}, RENAME), "outputs files, but its next step 'rename'"),
    ("entry not a reader", _flow(PARSE, RENAME), "is not a reader"),
    ("no steps", {"name": "x", "steps": []}, "non-empty \"steps\""),
]


@pytest.mark.parametrize("case, document, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_dataflows_are_refused_naming_the_step_and_parameter(case, document, expected):
    assert expected in _refused(document)


def test_variables_resolve_by_scope_and_are_case_sensitive(tmp_path):
    vars_file = write_json(tmp_path / "vars.json", {"partner": {"user": "partner-u", "pw": "partner-pw"},
                                                     "dataCenter": {"user": "dc-u"}, "site": {"path": "site.csv"}})
    variables = Variables.load(vars_file, environ={})
    flow = parse_dataflow(_flow({**READ, "params": {"path": "<$path$>"}}, PARSE, RENAME), variables)
    assert flow.steps["read"].params["path"] == "site.csv"
    missing = []
    assert variables.resolve("<$user$>/<$pw$>", missing) == "dc-u/partner-pw" and not missing
    assert variables.resolve("<$USER$>", missing) == "<$USER$>" and missing == ["USER"]  # case sensitive
    env = Variables.load(vars_file, environ={"GIGYA_VAR_user": "env-u"})
    assert env.resolve("<$user$>", []) == "env-u"  # the environment overrides the file


def test_an_undefined_variable_is_refused_naming_step_and_parameter():
    message = _refused(_flow({**READ, "params": {"path": "<$inputFile$>"}}, PARSE, RENAME))
    assert "step 'read': parameter 'path' uses variable <$inputFile$>, which is not defined" in message


def test_variables_are_refused_in_record_evaluate():
    script = {"id": "js", "type": "record.evaluate", "params": {"script": "function process(r){return '<$k$>'}"}}
    assert "shared variables cannot be used in a record.evaluate step" in _refused(_flow(READ, {**PARSE, "next": ["js"]}, script),
                                                                                   Variables({"k": "v"}))


@pytest.mark.parametrize("content, expected", [
    ({"site": {"bad name": "x"}}, "not allowed"),
    ({"site": {"n": 5}}, "not a string"),
    ({"site": {"n": "[x"}}, r"cannot start with '\['"),
    ({"site": {"n": "x" * 101}}, "longer than 100"),
    ({"site": {}, "galaxy": {"n": "x"}}, "unknown scope 'galaxy'"),
    ({"site": {f"v{i}": "x" for i in range(51)}}, "at most 50"),
])
def test_vars_files_follow_the_documented_limits(tmp_path, content, expected):
    with pytest.raises(VariableError, match=expected):
        Variables.load(write_json(tmp_path / "v.json", content), environ={})


def test_variable_values_never_reach_the_output_or_the_history(sites, tmp_path):
    secret = "very-secret-app-key"
    flow = sample("copy_accounts_seed000.json")
    vars_file = write_json(tmp_path / "vars.json", {"sourceApiKey": "3_src", "sourceUserKey": secret,
                                                    "sourceSecret": "c2VjcmV0LW5vdC1yaWdodA=="})
    result = cli("dataflow", "run", write_json(tmp_path / "copy.json", flow), "--vars", vars_file, "--full",
                 "--log-level", "debug", *sites.site_args())
    shown = cli("jobs", "show", result.output.split("job ")[1].split()[0], "--json").output
    for text in (result.output, shown):
        assert secret not in text and "c2VjcmV0LW5vdC1yaWdodA==" not in text
    assert "<$sourceUserKey$>" in result.output  # the refusal names the variable, not its value


def test_the_cli_refuses_a_bad_flow_with_exit_2_before_running(tmp_path):
    bad = write_json(tmp_path / "bad.json", _flow(READ, {**PARSE, "params": {"nope": 1}}, RENAME))
    result = cli("dataflow", "run", bad)
    assert result.exit_code == 2 and "step 'parse' (file.parse.dsv): parameter 'nope'" in result.output
    assert "no jobs recorded" in cli("jobs", "list").output
    broken = tmp_path / "broken.json"
    broken.write_text('{"steps": [')
    assert "is not valid JSON" in cli("dataflow", "check", broken).output


def test_dataflow_components_lists_every_component_with_its_parameters():
    out = cli("dataflow", "components").output
    for name in ["datasource.read.gigya.account", "datasource.read.gigya.audit", "datasource.lookup.gigya.account",
                 "datasource.write.gigya.importaccount", "datasource.write.gigya.account",
                 "datasource.write.external.generic", "datasource.read.sftp", "datasource.write.sftp",
                 "datasource.read.amazon.s3", "datasource.write.amazon.s3", "field.rename", "field.remove",
                 "field.add", "field.replace", "field.flatten", "field.array.extract", "field.evaluate",
                 "record.evaluate", "file.parse.dsv", "file.parse.json", "file.format.dsv", "file.format.json",
                 "file.compress.gzip", "file.uncompress.gzip"]:
        assert f"\n{name}  (" in f"\n{out}", name
    one = cli("dataflow", "components", "datasource.write.gigya.importaccount").output
    for param in ("importPolicy", "handleIdentityConflicts", "maxConnections", "addResponse"):
        assert param in one
    read = cli("dataflow", "components", "datasource.read.gigya.account").output
    for param in ("select", "from", "where", "deltaField", "batchSize", "maxConcurrency", "apiKey", "userKey", "secret"):
        assert f" {param} " in read


def test_the_guides_commented_samples_are_accepted_with_a_warning(tmp_path):
    # seed 002's "Step Structure" sample keeps // comments and a trailing comma in params
    data = tmp_path / "in.csv"
    data.write_text("a,b\n1,2\n")
    flow = tmp_path / "commented.json"
    flow.write_text('{"name": "c", "steps": [\n'
                    '{"id": "file", "type": "datasource.read.file", "params": {"path": "' + str(data) + '"}, "next": ["dsv"]},\n'
                    '{\n  "id": "dsv", // A name you assign to this step\n  "type": "file.parse.dsv", // The component\n'
                    '  "params": { // The parameters\n    "columnSeparator": ",",\n  },\n'
                    '  "next": [ // The next step\n    "rename"\n  ]\n},\n' + json.dumps(RENAME) + "]}")
    result = cli("dataflow", "check", flow)
    assert result.exit_code == 0, result.output
    assert "not strict JSON (comments or trailing commas were ignored)" in result.output
    assert "dsv [file.parse.dsv] -> rename" in result.output

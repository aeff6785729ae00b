"""One bad record never stops a run: too deep JSON, rows the csv module rejects, control characters."""

import json

import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.flows.steps import MAX_DEPTH, read_records

DEEP = 100_000  # far past Python's recursion limit: json.loads raises RecursionError on it


def _deep(levels: int) -> str:
    return '{"email": "deep@example.com", "data": {"x": ' + "[" * levels + "]" * levels + "}}"


def _kinds(path) -> list:
    return [record.get("email") if isinstance(record, dict) else record.code for record in read_records(path)]


def test_jsonl_too_deep_is_one_error_record(tmp_path):
    path = tmp_path / "users.jsonl"
    path.write_text('{"email": "a@example.com"}\n' + _deep(DEEP) + "\n" + _deep(MAX_DEPTH + 1) + "\n"
                    '{"email": "b@example.com"}\n', encoding="utf-8")
    assert _kinds(path) == ["a@example.com", "too-deep", "too-deep", "b@example.com"]


def test_json_array_too_deep_element_is_stepped_over(tmp_path):
    path = tmp_path / "users.json"
    tricky = '{"note": "brackets ]} and an escaped quote \\" in a string", "x": ' + "[" * DEEP + "]" * DEEP + "}"
    path.write_text('[{"email": "a@example.com"}, ' + tricky + ', {"email": "b@example.com"}]', encoding="utf-8")
    assert _kinds(path) == ["a@example.com", "too-deep", "b@example.com"]


def test_csv_row_the_csv_module_rejects_is_one_error_record(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text('email,name\na@example.com,"bad"quote\nb@example.com,Bo\n', encoding="utf-8")
    assert _kinds(path) == ["malformed-row", "b@example.com"]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_become_error_records(tmp_path, char):
    csv_path = tmp_path / "users.csv"
    csv_path.write_text(f"email,name\na{char}@example.com,A\nb@example.com,B{char}\nc@example.com,C\n",
                        encoding="utf-8")
    assert _kinds(csv_path) == ["control-character", "control-character", "c@example.com"]
    jsonl = tmp_path / "users.jsonl"
    jsonl.write_text(json.dumps({"email": f"a{char}@example.com"}) + "\n" + json.dumps({"email": "c@example.com"})
                     + "\n", encoding="utf-8")
    assert _kinds(jsonl) == ["control-character", "c@example.com"]


def test_tab_and_newline_in_free_text_are_data(tmp_path):
    path = tmp_path / "users.jsonl"
    path.write_text(json.dumps({"email": "a@example.com", "note": "line one\nline\ttwo"}) + "\n", encoding="utf-8")
    assert _kinds(path) == ["a@example.com"]


def test_a_header_the_csv_module_rejects_exits_2_with_a_message(tmp_path, site_args):
    path = tmp_path / "users.csv"
    path.write_text('email,"na"me\na@example.com,1\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path), *site_args])
    assert result.exit_code == 2, result.output
    assert "header row cannot be parsed" in result.output and "Traceback" not in result.output


def test_import_goes_on_and_resume_does_not_stop_on_them(tmp_path, site_args, gigya_server):
    path = tmp_path / "users.jsonl"
    lines = [json.dumps({"email": "a@example.com"}), _deep(DEEP), json.dumps({"email": "n\u0000ul@example.com"}),
             json.dumps({"email": "b@example.com"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    outputs = ["--report", str(tmp_path / "report.json"), "--errors", str(tmp_path / "errors.jsonl"),
               "--journal", str(tmp_path / "journal.sqlite")]
    first = runner.invoke(main, ["import", str(path), *site_args, *outputs])
    assert "Traceback" not in first.output, first.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["records"]["ok"] == 2 and report["records"]["failed"] == 2
    errors = [json.loads(line) for line in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert sorted(e["errorCode"] for e in errors) == ["control-character", "too-deep"]
    assert gigya_server.accounts("3_mock_site").count() == 2
    again = runner.invoke(main, ["import", str(path), *site_args, *outputs, "--resume"])
    assert "Traceback" not in again.output and again.exit_code in (0, 1, 3), again.output
    assert gigya_server.accounts("3_mock_site").count() == 2

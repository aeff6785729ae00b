"""The progress line: a bar with percentage and ETA when the input's size is known, one terminal row."""

import io
import sys
import time

from gigya_migrate.flows.runner import RecordResult, RunOptions, RunReport, eta, progress_bar, run
from gigya_migrate.flows.steps import count_in_background


def test_bar_and_eta_texts():
    assert progress_bar(181_204, 412_118) == "[#######.........] 181,204/412,118 44%"
    assert progress_bar(0, 10) == "[................] 0/10 0%"
    assert progress_bar(12, 10).startswith("[################] 12/10 100%")
    assert eta(181_204, 412_118, 620.0) == " ETA 6m12s"
    assert eta(0, 10_000_000, 500.0) == " ETA 5h33m"
    assert eta(10, 10, 5.0) == "" and eta(1, 10, 0.0) == ""


def test_count_in_background_counts_lines_of_csv_gz_and_jsonl(tmp_path):
    import gzip

    csv_gz = tmp_path / "users.csv.gz"
    with gzip.open(csv_gz, "wt", encoding="utf-8") as handle:
        handle.write("email\n" + "".join(f"u{i}@example.com\n" for i in range(2500)))
    jsonl = tmp_path / "users.jsonl"
    jsonl.write_text("".join('{"email": "u%d@example.com"}\n' % i for i in range(7)), encoding="utf-8")
    for path, fmt, expected in [(csv_gz, "csv", 2500), (jsonl, "jsonl", 7)]:
        counted = count_in_background(path, fmt)
        for _ in range(200):
            if counted() is not None:
                break
            time.sleep(0.01)
        assert counted() == expected
    assert count_in_background(jsonl, "json")() is None  # a JSON array: no count, the line stays a counter


def test_progress_line_fits_one_row_and_shows_the_bar(monkeypatch):
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback=None: __import__("os").terminal_size((60, 24)))
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    records = ({"id": str(i)} for i in range(60))

    def write(record):
        time.sleep(0.01)  # 60 records on 2 connections: about 0.3 s, so the line is redrawn mid-run
        return RecordResult(record["id"], ok=True)

    options = RunOptions(concurrency=2, progress=True, expected=lambda: 60)
    report = run(records, name="import", key=lambda r: r["id"], write=write, options=options)
    assert isinstance(report, RunReport) and report.ok == 60
    frames = [f for f in err.getvalue().replace("\n", "\r").split("\r") if f]
    assert frames and all(len(f) <= 59 for f in frames)
    assert any(f.startswith("import [") and "/60 " in f and "%" in f for f in frames[:-1])
    assert frames[-1].startswith("import: 60 read 60 ok 0 failed")

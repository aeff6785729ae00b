"""The journal buffers marks in memory until a checkpoint: lookups must still see them, and
only checkpointed marks may reach the file."""

import sqlite3

from gigya_migrate.flows.journal import DONE, FAILED, PENDING, Journal


def _rows(path):
    with sqlite3.connect(str(path)) as db:
        return dict(db.execute("SELECT seq, state FROM records"))


def test_lookups_see_marks_not_yet_written(tmp_path):
    journal = Journal(tmp_path / "j.sqlite", name="t", resume=False)
    assert journal.state(0, "a@x") is None
    journal.mark(0, "a@x", PENDING)
    assert journal.owner("a@x", 1) == 0  # a duplicate key in one input is caught before any checkpoint
    assert journal.state(0, "a@x") == PENDING
    journal.mark(0, "a@x", FAILED, 403048)
    assert journal.owner("a@x", 1) is None  # a failed record does not own its key
    assert journal.code(0) == "403048"
    journal.mark(1, "a@x", DONE)
    assert journal.owner("a@x", 2) == 1
    assert journal.totals() == {FAILED: 1, DONE: 1}
    journal.close()


def test_only_checkpointed_marks_survive_a_dropped_close(tmp_path):
    path = tmp_path / "j.sqlite"
    journal = Journal(path, name="t", resume=False)
    for seq in range(1200):  # more than one INSERT statement's worth
        journal.mark(seq, f"u{seq}", PENDING)
    journal.checkpoint()
    journal.mark(1200, "u1200", PENDING)
    journal.close(commit=False)
    rows = _rows(path)
    assert len(rows) == 1200 and 1200 not in rows
    resumed = Journal(path, name="t", resume=True)
    assert resumed.state(5, "u5") == PENDING and resumed.state(1200, "u1200") is None
    resumed.close()

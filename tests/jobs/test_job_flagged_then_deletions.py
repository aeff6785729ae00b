"""flagged-deletions then the nightly deletions feed: each deleted account reaches downstream once."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gigya_migrate.cli import main


def _sent(path):
    return sorted(json.loads(line)["uid"] for line in path.read_text().splitlines())


def test_flagged_deletions_are_not_sent_again_by_the_deletions_feed(sites, tmp_path):
    uids = sites.people(4, seed=41, prefix="f")
    for uid in uids[:2]:
        sites.src.set_account_info(uid, is_active=False, data={"deleteUser": True})
    site = sites.cli_args("", "3_src", "us1")
    flagged = CliRunner().invoke(main, ["flagged-deletions", *site, "--out", str(tmp_path / "flagged.jsonl")])
    assert flagged.exit_code == 0, flagged.output
    assert _sent(tmp_path / "flagged.jsonl") == sorted(uids[:2])
    sites.src.delete_account(uids[2])  # deleted some other way: the feed must send this one

    feed = ["deletions", *site, "--state", str(tmp_path / "state.json"), "--report", str(tmp_path / "r.json")]
    result = CliRunner().invoke(main, [*feed, "--out", str(tmp_path / "feed.jsonl")])
    assert result.exit_code == 0, result.output
    assert _sent(tmp_path / "feed.jsonl") == [uids[2]]
    assert "2 skipped (already sent by flagged-deletions)" in result.output

    everything = CliRunner().invoke(main, [*feed, "--job", "audit-copy", "--include-flagged",
                                           "--out", str(tmp_path / "all.jsonl")])
    assert everything.exit_code == 0, everything.output
    assert _sent(tmp_path / "all.jsonl") == sorted(uids[:3])

"""``gigya-migrate check-hashes`` on awkward samples: empty cleartexts, BOMs, broken JSON Lines."""

import json

from click.testing import CliRunner

from gigya_migrate.cli import main

# md5("password") in hex: passlib hex_md5_test / RFC 1321 implementations agree on this digest.
MD5_PASSWORD = "5f4dcc3b5aa765d61d8327deb882cf99"


def _run(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["check-hashes", str(path)])
    assert "Traceback" not in result.output
    return result


def test_an_empty_cleartext_is_invalid_not_a_hash_mismatch(tmp_path):
    text = f"id,password,hash,scheme\nbob,password,{MD5_PASSWORD},md5\nann,,{MD5_PASSWORD},md5\n"
    result = _run(tmp_path, "sample.csv", text.encode())
    assert result.exit_code == 3
    assert "row 2 (ann), ?: no cleartext password in this row." in result.output
    assert "2 rows: 1 verify, 0 fail, 0 unsupported, 1 invalid" in result.output


def test_a_broken_json_lines_sample_names_the_broken_line(tmp_path):
    good = json.dumps({"id": "bob", "password": "password", "hash": MD5_PASSWORD, "scheme": "md5"})
    result = _run(tmp_path, "sample.jsonl", f"{good}\n{good}\n{{broken\n{good}\n".encode())
    assert result.exit_code == 2
    assert "(line 3)" in result.output  # it used to say line 1 (the line within the broken line)


def test_a_json_sample_with_a_byte_order_mark_is_read(tmp_path):
    rows = [{"id": "bob", "password": "password", "hash": MD5_PASSWORD, "scheme": "md5"}]
    result = _run(tmp_path, "sample.json", b"\xef\xbb\xbf" + json.dumps(rows).encode())
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 verify" in result.output


def test_show_objects_never_overwrites_the_sample(tmp_path):
    text = f"id,password,hash,scheme\nbob,password,{MD5_PASSWORD},md5\n"
    path = tmp_path / "sample.csv"
    path.write_text(text)
    result = CliRunner().invoke(main, ["check-hashes", str(path), "--show-objects", str(path)])
    assert result.exit_code == 2
    assert path.read_text() == text  # it used to be replaced by the objects (full hashes included)


def test_show_objects_in_a_missing_folder_is_refused_without_a_traceback(tmp_path):
    path = tmp_path / "sample.csv"
    path.write_text(f"id,password,hash,scheme\nbob,password,{MD5_PASSWORD},md5\n")
    result = CliRunner().invoke(main, ["check-hashes", str(path), "--show-objects", str(tmp_path / "no" / "o.jsonl")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_latin1_sample_is_refused_with_the_fix(tmp_path):
    text = f"id,password,hash,scheme\nbob,pässword,{MD5_PASSWORD},md5\n"
    result = _run(tmp_path, "sample.csv", text.encode("latin-1"))
    assert result.exit_code == 2
    assert "is not UTF-8 (byte 0xe4" in result.output and "iconv" in result.output

"""envtag.readers on bad input: bad records as markers, garbage bytes,
laziness on big files."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest

from envtag.readers import BadRecord, InputError, Paragraph, detect_encoding, iter_paragraphs

PARAGRAPH = "深入打好蓝天、碧水、净土保卫战，持续推进入河排污口排查整治，加强土壤污染源头防控。"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _kinds(items) -> list[tuple]:
    return [("bad", x.index, x.line) if isinstance(x, BadRecord) else ("par", x.index, x.text) for x in items]


# --- bad records: reported and skipped, reading goes on ------------------------------


def test_jsonl_bad_lines_become_markers_and_keep_their_index(tmp_path):
    path = _write(
        tmp_path / "mixed.jsonl",
        '{"text": "甲"}\n'
        '{"text": "乙"\n'  # 2: syntax
        "\n"
        '["a list"]\n'  # 4: not an object
        '{"body": "丙"}\n'  # 5: no text field
        '{"text": 5}\n'  # 6: not a string
        + "[" * 5000
        + "\n"  # 7: nested too deeply for the decoder
        + '{"n": '
        + "9" * 5000
        + ', "text": "x"}\n'  # 8: an integer beyond Python's limit
        '{"text": "丁"}\n',
    )
    items = list(iter_paragraphs(path, on_error="yield"))
    assert _kinds(items) == [
        ("par", 0, "甲"),
        ("bad", 1, 2),
        ("bad", 2, 4),
        ("bad", 3, 5),
        ("bad", 4, 6),
        ("bad", 5, 7),
        ("bad", 6, 8),
        ("par", 7, "丁"),
    ]
    reasons = [str(x) for x in items if isinstance(x, BadRecord)]
    assert reasons[0].startswith(f"{path}:2: malformed JSON")
    assert reasons[1] == f"{path}:4: expected a JSON object, got list"
    assert reasons[2] == f"{path}:5: missing field 'text' (fields: 'body'; choose the text field)"
    assert reasons[3] == f"{path}:6: field 'text' is int, not a string"
    assert all("\n" not in r for r in reasons)
    # the default still raises at the first bad line
    with pytest.raises(InputError, match=rf"^{path}:2: malformed JSON"):
        list(iter_paragraphs(path))


def test_csv_bad_rows_become_markers(tmp_path):
    path = _write(tmp_path / "t.csv", 'id,text\n1,甲\n2\n3,乙\n4,"丙\n')
    items = list(iter_paragraphs(path, on_error="yield"))
    assert _kinds(items)[:3] == [("par", 0, "甲"), ("bad", 1, 3), ("par", 2, "乙")]
    assert str(items[1]) == f"{path}:3: row has 1 fields, missing column 'text'"
    # the unterminated quote at the end is either read as a row or reported; never a crash
    assert len(items) == 4


def test_json_array_element_errors_become_markers(tmp_path):
    path = _write(tmp_path / "a.json", '[\n  {"text": "甲"},\n  {"text": 3},\n  {"text": "乙"}\n]\n')
    assert _kinds(iter_paragraphs(path, on_error="yield")) == [("par", 0, "甲"), ("bad", 1, 3), ("par", 2, "乙")]


def test_file_level_errors_still_raise_in_yield_mode(tmp_path):
    cols = _write(tmp_path / "cols.csv", "id,body\n1,甲\n")
    with pytest.raises(InputError, match=r"cols\.csv:1: missing column 'text' \(columns: 'id', 'body'; choose"):
        list(iter_paragraphs(cols, on_error="yield"))
    broken = _write(tmp_path / "broken.json", '[\n  {"text": "甲"},\n  {"text" "乙"}\n]\n')
    it = iter_paragraphs(broken, on_error="yield")
    assert next(it).text == "甲"
    with pytest.raises(InputError, match=r"broken\.json:3: malformed JSON"):
        next(it)
    with pytest.raises(ValueError, match="on_error"):
        list(iter_paragraphs(cols, on_error="ignore"))


def test_lone_surrogates_from_json_escapes_are_replaced(tmp_path):
    path = _write(tmp_path / "s.jsonl", '{"id": "\\udc00", "text": "蓝天\\ud800碧水\\ud83d\\ude00"}\n')
    (par,) = iter_paragraphs(path)
    assert par.text == "蓝天\ufffd碧水\U0001f600"
    assert par.id == "\ufffd"
    json.dumps(par.text, ensure_ascii=False).encode("utf-8")  # writable as UTF-8


# --- garbage bytes -----------------------------------------------------------------


def test_random_bytes_without_nul_are_undecodable(tmp_path):
    rng = random.Random(5)
    for name, low in (("high.txt", 0x80), ("any.txt", 0x01)):
        data = bytes(rng.randrange(low, 256) for _ in range(20_000))
        assert detect_encoding(data, complete=True) is None
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError, match=rf"{name}: not decodable as UTF-8, UTF-16, GB18030 or Big5 text"):
            list(iter_paragraphs(path))


def test_control_character_soup_is_undecodable():
    assert detect_encoding(bytes(range(1, 32)) * 100, complete=True) is None


def test_text_with_a_few_bad_bytes_is_still_read(tmp_path):
    data = bytearray(("\n".join([PARAGRAPH] * 40) + "\n").encode("gbk"))
    for i in (101, 1001, 2001):
        data[i] = 0xFF
    path = tmp_path / "nearly.txt"
    path.write_bytes(bytes(data))
    texts = [p.text for p in iter_paragraphs(path)]
    assert len(texts) == 40
    assert sum(t == PARAGRAPH for t in texts) >= 37


# --- streaming -------------------------------------------------------------------------


def _big_file(path: Path, fmt: str, target_bytes: int) -> Path:
    line = {
        "txt": PARAGRAPH + "\n",
        "jsonl": json.dumps({"text": PARAGRAPH}, ensure_ascii=False) + "\n",
        "csv": PARAGRAPH + "\n",
    }[fmt]
    n = target_bytes // len(line.encode("utf-8")) + 1
    with open(path, "w", encoding="utf-8") as fh:
        if fmt == "csv":
            fh.write("text\n")
        fh.write(line * n)
    return path


@pytest.mark.parametrize("fmt", ["txt", "jsonl", "csv"])
def test_big_file_is_streamed_not_loaded(tmp_path, fmt):
    path = _big_file(tmp_path / f"big.{fmt}", fmt, 5_000_000)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = 0
        for par in iter_paragraphs(path):
            count += 1
            assert isinstance(par, Paragraph)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 10_000
    assert peak < size / 10, f"peak {peak} bytes reading a {size}-byte file"


def test_first_paragraph_does_not_read_the_whole_file(tmp_path, monkeypatch):
    path = _big_file(tmp_path / "big.txt", "txt", 5_000_000)
    read = 0
    real_open = open

    class Counting:
        def __init__(self, fh):
            self.fh = fh

        def read(self, n=-1):
            nonlocal read
            data = self.fh.read(n)
            read += len(data)
            return data

        def readinto(self, buf):
            nonlocal read
            n = self.fh.readinto(buf)
            read += n or 0
            return n

        def __getattr__(self, name):
            return getattr(self.fh, name)

    def counting_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return Counting(fh) if str(file) == str(path) and "b" in mode else fh

    monkeypatch.setattr("builtins.open", counting_open)
    it = iter_paragraphs(path)
    assert next(it).text == PARAGRAPH
    it.close()
    assert 0 < read < 200_000

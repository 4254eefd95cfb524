"""envtag.readers: input formats, encodings, errors and input specs."""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

import pytest
from text_samples import SIMPLIFIED, TRADITIONAL

from envtag.readers import (
    InputError,
    Paragraph,
    detect_encoding,
    expand_inputs,
    iter_inputs,
    iter_paragraphs,
    iter_stdin_paragraphs,
)


def _texts(path: Path, **kw) -> list[str]:
    return [p.text for p in iter_paragraphs(path, **kw)]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- plain text ------------------------------------------------------------------


def test_txt_non_empty_lines_are_paragraphs(tmp_path):
    path = _write(tmp_path / "a.txt", "\n第一段\n\n\n  第二段  \n \t \n第三段")
    pars = list(iter_paragraphs(path))
    assert [p.text for p in pars] == ["第一段", "  第二段  ", "第三段"]
    assert [p.index for p in pars] == [0, 1, 2]
    assert all(p.source == str(path) and p.id is None for p in pars)
    assert all(isinstance(p, Paragraph) for p in pars)


def test_crlf_and_md(tmp_path):
    path = _write(tmp_path / "notes.md", "# 标题\r\n\r\n正文一段。\r\n")
    assert _texts(path) == ["# 标题", "正文一段。"]


def test_unknown_suffix_is_read_as_text(tmp_path):
    path = _write(tmp_path / "article.text", "甲\n乙\n")
    assert _texts(path) == ["甲", "乙"]


def test_empty_file_has_no_paragraphs(tmp_path):
    for name in ("e.txt", "e.jsonl", "e.csv"):
        assert _texts(_write(tmp_path / name, "")) == []


def test_seed_files_reproduce_seeds_gold(SHARED, seeds_gold):
    rows = []
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        rows += [(f"{path.name}#{p.index}", p.text) for p in iter_paragraphs(path)]
    assert rows == [(r["id"], r["text"]) for r in seeds_gold]


# --- JSON ------------------------------------------------------------------------


def test_jsonl_with_ids(tmp_path):
    lines = [
        json.dumps({"id": "doc-1", "text": SIMPLIFIED[0]}, ensure_ascii=False),
        "",
        json.dumps({"id": 7, "text": SIMPLIFIED[1], "other": [1, 2]}, ensure_ascii=False),
        json.dumps({"text": SIMPLIFIED[2]}, ensure_ascii=False),
        json.dumps({"id": None, "text": ""}),
    ]
    path = _write(tmp_path / "in.jsonl", "\n".join(lines) + "\n")
    pars = list(iter_paragraphs(path))
    assert [p.id for p in pars] == ["doc-1", "7", None, None]
    assert [p.text for p in pars] == SIMPLIFIED + [""]
    assert [p.index for p in pars] == [0, 1, 2, 3]


def test_jsonl_custom_fields(tmp_path):
    path = _write(tmp_path / "in.jsonl", '{"key": "k1", "body": "正文"}\n')
    pars = list(iter_paragraphs(path, text_field="body", id_field="key"))
    assert [(p.id, p.text) for p in pars] == [("k1", "正文")]


def test_json_suffix_reads_json_lines(tmp_path):
    path = _write(tmp_path / "in.json", '{"text": "甲"}\n{"text": "乙"}\n')
    assert _texts(path) == ["甲", "乙"]


def test_json_array_is_streamed(tmp_path):
    data = [{"id": i, "text": t} for i, t in enumerate(SIMPLIFIED)]
    path = _write(tmp_path / "in.json", json.dumps(data, ensure_ascii=False, indent=2))
    pars = list(iter_paragraphs(path))
    assert [(p.id, p.text) for p in pars] == [(str(i), t) for i, t in enumerate(SIMPLIFIED)]
    one_line = _write(tmp_path / "one.json", json.dumps(data, ensure_ascii=False))
    assert _texts(one_line) == SIMPLIFIED
    assert _texts(_write(tmp_path / "empty.json", " [ ]\n")) == []


def test_json_array_errors_name_the_line(tmp_path):
    path = _write(tmp_path / "bad.json", '[\n  {"text": "甲"},\n  {"text": 3}\n]\n')
    with pytest.raises(InputError, match=r"bad\.json:3: field 'text' is int"):
        list(iter_paragraphs(path))
    path = _write(tmp_path / "broken.json", '[\n  {"text": "甲"},\n  {"text" "乙"}\n]\n')
    with pytest.raises(InputError, match=r"broken\.json:3: malformed JSON"):
        list(iter_paragraphs(path))
    path = _write(tmp_path / "open.json", '[\n  {"text": "甲"},\n')
    with pytest.raises(InputError, match=r"open\.json:\d+: malformed JSON"):
        list(iter_paragraphs(path))


def test_malformed_jsonl_line_reports_file_and_line(tmp_path):
    path = _write(tmp_path / "bad.jsonl", '{"text": "甲"}\n\n{"text": "乙"\n{"text": "丙"}\n')
    it = iter_paragraphs(path)
    assert next(it).text == "甲"  # streamed: lines before the error are yielded
    with pytest.raises(InputError, match=rf"^{path}:3: malformed JSON"):
        next(it)


def test_jsonl_non_object_line(tmp_path):
    path = _write(tmp_path / "list.jsonl", '{"text": "甲"}\n["not", "an", "object"]\n')
    with pytest.raises(InputError, match=r"list\.jsonl:2: expected a JSON object, got list"):
        list(iter_paragraphs(path))


def test_jsonl_missing_text_field(tmp_path):
    path = _write(tmp_path / "nofield.jsonl", '{"text": "甲"}\n{"id": 2, "body": "乙"}\n')
    with pytest.raises(InputError, match=r"nofield\.jsonl:2: missing field 'text'"):
        list(iter_paragraphs(path))


def test_jsonl_text_must_be_a_string(tmp_path):
    path = _write(tmp_path / "null.jsonl", '{"text": null}\n')
    with pytest.raises(InputError, match=r"null\.jsonl:1: field 'text' is NoneType"):
        list(iter_paragraphs(path))


# --- CSV / TSV ---------------------------------------------------------------------


def test_csv_with_id_and_quoted_fields(tmp_path):
    content = 'id,text,extra\n1,"蓝天，碧水, 净土",x\n2,"第一行\n第二行",y\n\n3,"他说""好""",z\n'
    pars = list(iter_paragraphs(_write(tmp_path / "in.csv", content)))
    assert [p.id for p in pars] == ["1", "2", "3"]
    assert [p.text for p in pars] == ["蓝天，碧水, 净土", "第一行\n第二行", '他说"好"']
    assert [p.index for p in pars] == [0, 1, 2]


def test_csv_without_id_column(tmp_path):
    pars = list(iter_paragraphs(_write(tmp_path / "in.csv", "text\n甲\n乙\n")))
    assert [(p.id, p.text) for p in pars] == [(None, "甲"), (None, "乙")]


def test_tsv(tmp_path):
    path = _write(tmp_path / "in.tsv", "text\tid\n蓝天, 碧水\ta\n净土\tb\n")
    assert [(p.id, p.text) for p in iter_paragraphs(path)] == [("a", "蓝天, 碧水"), ("b", "净土")]


def test_csv_missing_text_column(tmp_path):
    path = _write(tmp_path / "cols.csv", "id,body\n1,甲\n")
    with pytest.raises(InputError, match=r"cols\.csv:1: missing column 'text'"):
        list(iter_paragraphs(path))


def test_csv_short_row(tmp_path):
    path = _write(tmp_path / "short.csv", "id,text\n1,甲\n2\n")
    with pytest.raises(InputError, match=r"short\.csv:3: row has 1 fields"):
        list(iter_paragraphs(path))


def test_csv_long_field(tmp_path):
    long_text = "污染防治" * 60_000  # beyond the csv module's default field limit
    pars = list(iter_paragraphs(_write(tmp_path / "long.csv", f"text\n{long_text}\n")))
    assert pars[0].text == long_text


# --- encodings -------------------------------------------------------------------------


def test_gbk_file(tmp_path):
    path = _write(tmp_path / "gbk.txt", "\n".join(SIMPLIFIED) + "\n", "gbk")
    assert _texts(path) == SIMPLIFIED


def test_gb18030_csv(tmp_path):
    path = _write(tmp_path / "gb.csv", "id,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(SIMPLIFIED)), "gb18030")
    assert _texts(path) == SIMPLIFIED


def test_big5_file(tmp_path):
    path = _write(tmp_path / "big5.txt", "\n".join(TRADITIONAL) + "\n", "big5")
    assert _texts(path) == TRADITIONAL


def test_utf16_file(tmp_path):
    path = _write(tmp_path / "u16.txt", "\n".join(SIMPLIFIED) + "\n", "utf-16")  # with BOM
    assert path.read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    assert _texts(path) == SIMPLIFIED
    jsonl = _write(tmp_path / "u16.jsonl", json.dumps({"text": "甲"}, ensure_ascii=False) + "\n", "utf-16-be")
    jsonl.write_bytes(codecs.BOM_UTF16_BE + jsonl.read_bytes())
    assert _texts(jsonl) == ["甲"]


def test_utf16_without_bom(tmp_path):
    path = _write(tmp_path / "u16le.txt", "\n".join(SIMPLIFIED) + "\n", "utf-16-le")
    assert _texts(path) == SIMPLIFIED


def test_utf8_bom(tmp_path):
    path = _write(tmp_path / "bom.txt", "第一段\n第二段\n", "utf-8-sig")
    assert _texts(path) == ["第一段", "第二段"]
    csv_path = _write(tmp_path / "bom.csv", "text,id\n甲,1\n", "utf-8-sig")
    assert [(p.id, p.text) for p in iter_paragraphs(csv_path)] == [("1", "甲")]
    jsonl = _write(tmp_path / "bom.jsonl", '{"text": "甲"}\n', "utf-8-sig")
    assert _texts(jsonl) == ["甲"]


def test_gbk_file_larger_than_the_detection_sample(tmp_path):
    # the 64 KB sample ends in the middle of a two-byte character
    lines = [f"{i}{SIMPLIFIED[i % 3]}" for i in range(3000)]
    data = ("\n".join(lines) + "\n").encode("gbk")
    assert len(data) > 64 * 1024
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    assert _texts(path) == lines


def test_detect_encoding():
    assert detect_encoding(b"") == "utf-8"
    assert detect_encoding("蓝天".encode()) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + "蓝天".encode()) == "utf-8-sig"
    assert detect_encoding("蓝天碧水".encode("utf-16")) == "utf-16"
    assert detect_encoding("\n".join(SIMPLIFIED).encode("gbk")) == "gb18030"
    assert detect_encoding("\n".join(TRADITIONAL).encode("big5")) in ("cp950", "big5", "big5hkscs")
    assert detect_encoding(b"\x00\x01\x02\x03\xff\xfe\x00\x00\x89PNG") is None


def test_detect_encoding_utf16_without_bom():
    assert detect_encoding("蓝天碧水\n".encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding("蓝天碧水\n".encode("utf-16-be")) == "utf-16-be"
    assert detect_encoding(bytes([0x00, 0x01, 0xFE, 0x00] * 64)) is None


def test_binary_file_is_skipped(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match=r"image\.txt: binary file, skipped"):
        list(iter_paragraphs(path))


# --- missing inputs ----------------------------------------------------------------------


def test_nonexistent_path(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError, match="no such file or directory: .*nope.txt"):
        expand_inputs([str(missing)])
    with pytest.raises(InputError, match="no such file or directory"):
        list(iter_paragraphs(missing))


def test_empty_directory(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no input files"):
        expand_inputs([str(empty)])


def test_directory_with_only_hidden_or_other_files(tmp_path):
    d = tmp_path / "d"
    (d / ".git").mkdir(parents=True)
    _write(d / ".git" / "x.txt", "甲")
    _write(d / ".hidden.txt", "甲")
    _write(d / "image.png", "甲")
    with pytest.raises(InputError, match="no input files"):
        expand_inputs([str(d)])


def test_glob_without_match(tmp_path):
    with pytest.raises(InputError, match="no such file or directory"):
        expand_inputs([str(tmp_path / "*.jsonl")])


# --- expand_inputs -------------------------------------------------------------------------


def test_expand_directory_recursive_sorted_filtered(tmp_path):
    root = tmp_path / "corpus"
    for rel in [
        "b.txt",
        "a.jsonl",
        "sub/c.csv",
        "sub/d.tsv",
        "sub/e.md",
        "sub/f.json",
        "z.pdf",
        "z.doc",
        ".h.txt",
        ".hid/g.txt",
    ]:
        _write(_mk(root, rel), "甲")
    got = expand_inputs([str(root)])
    assert [p.relative_to(root).as_posix() for p in got] == [
        "a.jsonl",
        "b.txt",
        "sub/c.csv",
        "sub/d.tsv",
        "sub/e.md",
        "sub/f.json",
        "z.pdf",
    ]


def _mk(root: Path, rel: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_expand_files_globs_stdin_and_duplicates(tmp_path):
    a = _write(tmp_path / "a.txt", "甲")
    b = _write(tmp_path / "b.txt", "乙")
    other = _write(tmp_path / "notes.text", "丙")  # named explicitly: taken as given
    got = expand_inputs([str(a), "-", str(tmp_path / "*.txt"), str(other), "-"])
    assert got == [a, "-", b, other]


def test_expand_recursive_glob(tmp_path):
    x = _write(_mk(tmp_path, "p/q/x.jsonl"), "{}")
    _write(_mk(tmp_path, "p/q/y.txt"), "甲")
    assert expand_inputs([str(tmp_path / "**" / "*.jsonl")]) == [x]


# --- stdin and iter_inputs -------------------------------------------------------------------


def test_stdin_text_stream():
    pars = list(iter_stdin_paragraphs(io.StringIO("甲\n\n乙\n")))
    assert [(p.source, p.index, p.text) for p in pars] == [("<stdin>", 0, "甲"), ("<stdin>", 1, "乙")]


def test_stdin_binary_stream_detects_encoding():
    raw = io.BytesIO(("\n".join(SIMPLIFIED) + "\n").encode("gbk"))
    assert [p.text for p in iter_stdin_paragraphs(raw)] == SIMPLIFIED
    assert not raw.closed  # the caller's stream is left open


def test_stdin_wrapper_with_buffer():
    wrapper = io.TextIOWrapper(io.BytesIO("甲\n乙\n".encode("utf-16")), encoding="utf-8")
    assert [p.text for p in iter_stdin_paragraphs(wrapper)] == ["甲", "乙"]


def test_iter_inputs_chains_files_and_stdin(tmp_path):
    a = _write(tmp_path / "a.txt", "甲\n乙\n")
    b = _write(tmp_path / "b.jsonl", '{"id": "x", "text": "丙"}\n')
    pars = list(iter_inputs([a, "-", b], stdin=io.StringIO("丁\n")))
    assert [(p.source, p.index, p.text, p.id) for p in pars] == [
        (str(a), 0, "甲", None),
        (str(a), 1, "乙", None),
        ("<stdin>", 0, "丁", None),
        (str(b), 0, "丙", "x"),
    ]

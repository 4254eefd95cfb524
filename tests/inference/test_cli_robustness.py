"""`envtag tag` on bad input and broken models: one line per problem, the run
goes on where it can, exit codes say what happened, and no paragraph is lost.

Bad files are generated here, never committed."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from text_samples import SIMPLIFIED, TRADITIONAL
from typer.testing import CliRunner

from envtag.cli import app
from envtag.readers import iter_paragraphs

runner = CliRunner()


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _errors(res) -> list[str]:
    return [line for line in res.stderr.splitlines() if line.startswith("envtag: ")]


def _tag(model, *args):
    return runner.invoke(app, ["tag", *map(str, args), "-m", str(model), "--no-evidence"])


# --- encodings ---------------------------------------------------------------------


def test_every_supported_encoding_is_decoded(tmp_path, tiny_model):
    d = tmp_path / "enc"
    d.mkdir()
    text = "\n".join(SIMPLIFIED) + "\n"
    files = {
        "utf8.txt": text.encode("utf-8"),
        "utf8bom.txt": text.encode("utf-8-sig"),
        "gbk.txt": text.encode("gbk"),
        "gb18030.txt": (text + "㐀䶵\n").encode("gb18030"),  # beyond GBK
        "big5.txt": ("\n".join(TRADITIONAL) + "\n").encode("big5"),
        "utf16.txt": text.encode("utf-16"),
        "utf16le.txt": text.encode("utf-16-le"),  # no BOM
        "utf16.jsonl": "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in SIMPLIFIED).encode("utf-16"),
        "gbk.csv": ("id,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(SIMPLIFIED))).encode("gbk"),
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    out = tmp_path / "out.jsonl"
    res = _tag(tiny_model, d, "-o", out)
    assert res.exit_code == 0, res.output
    by_source: dict[str, list[str]] = {}
    for r in _records(out):
        by_source.setdefault(Path(r["source"]).name, []).append(r["text"])
    expected = {name: SIMPLIFIED for name in files}
    expected["big5.txt"] = TRADITIONAL
    expected["gb18030.txt"] = [*SIMPLIFIED, "㐀䶵"]
    assert by_source == expected


# --- unreadable files, empty files ---------------------------------------------------


def test_binary_and_undecodable_files_are_skipped_and_the_run_goes_on(tmp_path, tiny_model):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a_image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    rng = random.Random(3)
    (d / "b_random.txt").write_bytes(bytes(rng.randrange(0x80, 256) for _ in range(8000)))
    (d / "c_empty.txt").write_bytes(b"")
    (d / "d_blank.md").write_text("\n  \n\t\n", encoding="utf-8")
    (d / "e_good.txt").write_text("\n".join(SIMPLIFIED) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = _tag(tiny_model, d, "-o", out)
    assert res.exit_code == 1, res.output
    assert [r["text"] for r in _records(out)] == SIMPLIFIED
    errors = _errors(res)
    assert errors == [
        f"envtag: skipped input: {d / 'a_image.txt'}: binary file, skipped",
        f"envtag: skipped input: {d / 'b_random.txt'}: not decodable as UTF-8, UTF-16, GB18030 or Big5 text, skipped",
    ]
    assert f"{d / 'c_empty.txt'}: no paragraphs (empty input)" in res.stderr.splitlines()
    assert f"{d / 'd_blank.md'}: no paragraphs (empty input)" in res.stderr.splitlines()
    assert "total: 5 inputs, 3 paragraphs, 3 tagged, 0 skipped, 2 inputs failed" in res.stderr
    assert "Traceback" not in res.output


def test_only_empty_files_exit_zero_with_notes(tmp_path, tiny_model):
    (tmp_path / "e.txt").write_bytes(b"")
    (tmp_path / "e.jsonl").write_bytes(b"\n\n")
    (tmp_path / "e.csv").write_text("id,text\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = _tag(tiny_model, tmp_path / "e.txt", tmp_path / "e.jsonl", tmp_path / "e.csv", "-o", out)
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == ""
    assert res.stderr.count("no paragraphs (empty input)") == 3


def test_directory_with_no_readable_files(tmp_path, tiny_model):
    d = tmp_path / "unreadable"
    d.mkdir()
    (d / "x.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (d / "y.csv").write_bytes(b"\x00\xff" * 100)
    res = _tag(tiny_model, d, "-o", tmp_path / "out.jsonl")
    assert res.exit_code == 1
    assert _errors(res) == [
        f"envtag: skipped input: {d / 'x.txt'}: binary file, skipped",
        f"envtag: skipped input: {d / 'y.csv'}: binary file, skipped",
        "envtag: error: none of the 2 inputs could be read",
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "directory has no input files (.txt, .md, .jsonl, .json, .csv, .tsv, .html"),
        (lambda d: d / "missing.txt", "no such file or directory"),
        (lambda d: d / "*.jsonl", "no such file or directory"),
    ],
)
def test_no_inputs_at_all_is_one_line(tmp_path, make, message):
    d = tmp_path / "d"
    d.mkdir()
    (d / "image.png").write_bytes(b"\x89PNG")
    res = runner.invoke(app, ["tag", str(make(d))])
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()]
    assert res.stderr.startswith("envtag: error: ") and message in res.stderr


# --- malformed records ------------------------------------------------------------------


def test_malformed_records_are_reported_skipped_and_counted(tmp_path, tiny_model):
    jl = tmp_path / "a.jsonl"
    jl.write_text(
        '{"id": "k1", "text": "加强大气污染防治"}\n'
        '{"text": "推进"\n'
        "[1, 2]\n"
        '{"body": "土壤"}\n'
        '{"id": "k5", "text": "推进污水处理"}\n'
        '{"text": "蓝天\\ud800"}\n',
        encoding="utf-8",
    )
    tab = tmp_path / "b.csv"
    tab.write_text("id,text\n1,土壤污染防治\n2\n3,碳达峰\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = _tag(tiny_model, jl, tab, "-o", out)
    assert res.exit_code == 1, res.output
    recs = _records(out)
    assert [(Path(r["source"]).name, r["index"], r["text"]) for r in recs] == [
        ("a.jsonl", 0, "加强大气污染防治"),
        ("a.jsonl", 4, "推进污水处理"),
        ("a.jsonl", 5, "蓝天\ufffd"),
        ("b.csv", 0, "土壤污染防治"),
        ("b.csv", 2, "碳达峰"),
    ]
    errors = _errors(res)
    assert [e.split(": ", 2)[1] for e in errors] == ["skipped record"] * 4
    assert [e.split(": ", 2)[2].split(": ")[0] for e in errors] == [f"{jl}:2", f"{jl}:3", f"{jl}:4", f"{tab}:3"]
    assert "missing field 'text' (fields: 'body'; choose the text field) (--text-field NAME)" in errors[2]
    assert f"{jl}: 3 paragraphs, 3 tagged, 0 skipped, 3 bad records" in res.stderr
    assert f"{tab}: 2 paragraphs, 2 tagged, 0 skipped, 1 bad records" in res.stderr
    assert "total: 2 inputs, 5 paragraphs, 5 tagged, 0 skipped, 4 bad records, 0 inputs failed" in res.stderr


def test_many_bad_records_are_capped(tmp_path, tiny_model):
    jl = tmp_path / "wrong_field.jsonl"
    jl.write_text("".join(json.dumps({"body": f"第{i}段"}, ensure_ascii=False) + "\n" for i in range(50)))
    res = _tag(tiny_model, jl, "-o", tmp_path / "out.jsonl")
    assert res.exit_code == 1
    errors = _errors(res)
    assert len(errors) == 21
    assert errors[-1] == f"envtag: {jl}: 30 more bad records"
    assert "0 paragraphs, 0 tagged, 0 skipped, 50 bad records" in res.stderr


def test_missing_text_column_is_one_clear_line(tmp_path, tiny_model):
    tab = tmp_path / "cols.csv"
    tab.write_text("id,body\n1,土壤污染防治\n", encoding="utf-8")
    res = _tag(tiny_model, tab, "-o", tmp_path / "out.jsonl")
    assert res.exit_code == 1
    assert _errors(res) == [
        f"envtag: skipped input: {tab}:1: missing column 'text' (columns: 'id', 'body'; choose the text column)"
        " (--text-field NAME)",
        "envtag: error: none of the 1 inputs could be read",
    ]
    res = _tag(tiny_model, tab, "-o", tmp_path / "out.jsonl", "--text-field", "body")
    assert res.exit_code == 0


def test_json_array_syntax_error_skips_the_rest_of_that_file_only(tmp_path, tiny_model):
    arr = tmp_path / "a.json"
    arr.write_text('[\n  {"text": "加强大气污染防治"},\n  {"text" "乙"},\n  {"text": "丙"}\n]\n', encoding="utf-8")
    good = tmp_path / "b.txt"
    good.write_text("推进污水处理\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = _tag(tiny_model, arr, good, "-o", out)
    assert res.exit_code == 1
    assert [r["text"] for r in _records(out)] == ["加强大气污染防治", "推进污水处理"]
    assert _errors(res) == [f"envtag: skipped the rest of input: {arr}:3: malformed JSON: Expecting ':' delimiter"]


# --- models ----------------------------------------------------------------------------


def _broken_copy(tiny_model: Path, root: Path, how: str) -> Path:
    d = root / how
    shutil.copytree(tiny_model, d)
    if how == "no_weights":
        (d / "model.safetensors").unlink()
    elif how == "truncated_weights":
        data = (d / "model.safetensors").read_bytes()
        (d / "model.safetensors").write_bytes(data[: len(data) // 2])
    elif how == "garbage_config":
        (d / "config.json").write_text("{not json", encoding="utf-8")
    elif how == "config_without_labels":
        cfg = json.loads((d / "config.json").read_text())
        cfg["id2label"] = {"0": "air", "5": "x"}
        (d / "config.json").write_text(json.dumps(cfg))
    elif how == "no_settings":
        (d / "envtag.json").unlink()
    elif how == "garbage_settings":
        (d / "envtag.json").write_text("[]", encoding="utf-8")
    elif how == "no_tokenizer":
        (d / "tokenizer.json").unlink()
    elif how == "settings_labels_differ":
        st_ = json.loads((d / "envtag.json").read_text())
        st_["labels"] = st_["labels"][::-1]
        (d / "envtag.json").write_text(json.dumps(st_))
    elif how == "weights_are_a_file":
        shutil.rmtree(d)
        d.write_text("not a dir")
    elif how == "empty_dir":
        shutil.rmtree(d)
        d.mkdir()
    return d


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("no_weights", "corrupt or incomplete"),
        ("truncated_weights", "corrupt or incomplete"),
        ("garbage_config", "corrupt or incomplete"),
        ("config_without_labels", "corrupt or incomplete"),
        ("no_settings", "no envtag.json"),
        ("garbage_settings", "corrupt or incomplete"),
        ("no_tokenizer", "no readable tokenizer.json"),
        ("settings_labels_differ", "differ from config.json id2label"),
        ("weights_are_a_file", "is a file"),
        ("empty_dir", "not a model directory"),
    ],
)
def test_broken_model_dir_is_one_line_with_a_fix(tmp_path, tiny_model, how, message):
    model = _broken_copy(tiny_model, tmp_path, how)
    src = tmp_path / "in.txt"
    src.write_text("加强大气污染防治\n", encoding="utf-8")
    res = runner.invoke(app, ["tag", str(src), "-m", str(model)])
    assert res.exit_code == 3, res.output
    lines = res.stderr.strip().splitlines()
    assert len([x for x in lines if not x.startswith("Loading weights")]) == 1, res.stderr
    assert lines[-1].startswith("envtag: error: ") and message in lines[-1]
    assert any(fix in lines[-1] for fix in ("envtag train", "--model", "retrain", "pass the model directory"))
    assert "Traceback" not in res.output
    assert res.stdout == ""


def test_debug_shows_the_traceback(tmp_path, tiny_model):
    from envtag.errors import ModelError

    model = _broken_copy(tiny_model, tmp_path, "garbage_config")
    src = tmp_path / "in.txt"
    src.write_text("加强大气污染防治\n", encoding="utf-8")
    res = runner.invoke(app, ["tag", str(src), "-m", str(model), "--debug"])
    assert res.exit_code != 0
    assert isinstance(res.exception, ModelError)


def test_interrupted_model_save_is_named(tmp_path, tiny_model):
    shutil.copytree(tiny_model, tmp_path / "model.old")
    src = tmp_path / "in.txt"
    src.write_text("加强大气污染防治\n", encoding="utf-8")
    res = runner.invoke(app, ["tag", str(src), "-m", str(tmp_path / "model")])
    assert res.exit_code == 3
    assert "a save was interrupted" in res.stderr and "rename" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_hub_id_while_offline(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    src = tmp_path / "in.txt"
    src.write_text("加强大气污染防治\n", encoding="utf-8")
    res = runner.invoke(app, ["tag", str(src), "-m", "someone/no-such-envtag-model"])
    assert res.exit_code == 3
    (line,) = res.stderr.strip().splitlines()
    assert "offline?" in line and "pass a local model directory" in line


def test_model_labels_differing_from_the_taxonomy_warn(tmp_path, tiny_model):
    from model_variants import drop_label

    model = drop_label(tiny_model, tmp_path / "five", "enforcement")
    src = tmp_path / "in.txt"
    src.write_text("加强大气污染防治\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["tag", str(src), "-m", str(model), "-o", str(out)])
    assert res.exit_code == 0
    assert "envtag: warning: model labels" in res.stderr and "retrain with `envtag train`" in res.stderr
    assert set(_records(out)[0]["scores"]) == {"air", "water", "soil", "carbon", "supervision"}


# --- nothing lost ----------------------------------------------------------------------

_CHARS = list("加强大气污染防治推进污水处理土壤碳达峰执法监管编辑：张三首页>分享到，。、 abcPM2.5()（）\"'")
_TEXT = st.text(alphabet=st.sampled_from(_CHARS), min_size=1, max_size=30).filter(lambda t: t.strip())
_FILE = st.tuples(
    st.sampled_from(["txt", "jsonl", "csv", "json", "empty", "binary"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    st.lists(_TEXT, max_size=12),
    st.lists(st.integers(0, 12), max_size=3),  # positions of malformed records (jsonl/csv)
)


def _write_input(path: Path, kind: str, encoding: str, texts: list[str], bad_at: list[int]) -> None:
    if kind == "empty":
        path.write_bytes(b"")
        return
    if kind == "binary":
        path.write_bytes(b"\x00\x01\x02\xff" * 64)
        return
    if kind == "txt":
        body = "".join(t.replace("\r", " ").replace("\n", " ") + "\n\n" for t in texts)
    elif kind == "json":
        body = json.dumps([{"text": t} for t in texts], ensure_ascii=False, indent=1)
    elif kind == "jsonl":
        lines = [json.dumps({"text": t}, ensure_ascii=False) for t in texts]
        for k in sorted(bad_at, reverse=True):
            lines.insert(min(k, len(lines)), '{"text": broken')
        body = "".join(line + "\n" for line in lines)
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        rows = [[str(i), t] for i, t in enumerate(texts)]
        for k in sorted(bad_at, reverse=True):
            rows.insert(min(k, len(rows)), ["short-row"])
        w.writerows([["id", "text"], *rows])
        body = buf.getvalue()
    path.write_bytes(body.encode(encoding))


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(files=st.lists(_FILE, min_size=1, max_size=5))
def test_every_paragraph_appears_exactly_once_and_counts_match(tmp_path_factory, tiny_model, files):
    root = tmp_path_factory.mktemp("mixed")
    d = root / "in"
    d.mkdir()
    suffix = {"empty": "txt", "binary": "txt"}
    paths = []
    for n, (kind, encoding, texts, bad_at) in enumerate(files):
        path = d / f"f{n:02d}.{suffix.get(kind, kind)}"
        _write_input(path, kind, encoding, texts, bad_at if kind in ("jsonl", "csv") else [])
        paths.append((path, kind))
    expected = []
    bad = 0
    for path, kind in paths:
        if kind == "binary":
            continue
        for item in iter_paragraphs(path, on_error="yield"):
            if hasattr(item, "text"):
                expected.append((str(path), item.index, item.text))
            else:
                bad += 1
    out = root / "out.jsonl"
    res = _tag(tiny_model, d, "-o", out)
    recs = _records(out)
    got = [(r["source"], r["index"], r["text"]) for r in recs]
    assert got == expected  # every paragraph once, in input order
    assert len(set((s, i) for s, i, _ in got)) == len(got)
    n_binary = sum(kind == "binary" for _, kind in paths)
    tagged = sum(1 for r in recs if r["skipped"] is None)
    assert all((r["skipped"] is None) == bool(r["scores"]) for r in recs)
    summary = [line for line in res.stderr.splitlines() if line.startswith("total: ")]
    extra = f", {bad} bad records" if bad else ""
    assert summary == [
        f"total: {len(paths)} inputs, {len(recs)} paragraphs, {tagged} tagged, {len(recs) - tagged} skipped"
        f"{extra}, {n_binary} inputs failed"
    ]
    for path, kind in paths:
        mine = [r for r in recs if r["source"] == str(path)]
        if mine:
            skipped = sum(1 for r in mine if r["skipped"])
            assert f"{path}: {len(mine)} paragraphs, {len(mine) - skipped} tagged, {skipped} skipped" in res.stderr
        elif kind != "binary" and not any(line.startswith(f"{path}: ") for line in res.stderr.splitlines()):
            pytest.fail(f"no summary or note for {path}:\n{res.stderr}")
    assert res.exit_code == (1 if n_binary or bad else 0), res.output


def test_output_inside_the_input_folder_is_not_read_back(tmp_path, tiny_model):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text("\n".join(SIMPLIFIED) + "\n", encoding="utf-8")
    out = d / "out.jsonl"
    for resume in ([], ["--resume"], []):
        res = _tag(tiny_model, d, "-o", out, *resume)
        assert res.exit_code == 0, res.output
        assert [r["text"] for r in _records(out)] == SIMPLIFIED
    assert f"envtag: warning: not reading the output file {out} as an input" in res.stderr
    res = _tag(tiny_model, out, "-o", out)
    assert res.exit_code == 2
    assert res.stderr.strip() == f"envtag: error: the only input is the output file {out}; write the output elsewhere"

"""The CLI through typer's runner, with the tiny model."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from envtag.cli import app

runner = CliRunner()


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_tag_seeds_accounts_for_every_paragraph(tmp_path, tiny_model, SHARED, seeds_gold):  # noqa: N803
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["tag", str(SHARED / "seeds"), "-o", str(out), "--model", str(tiny_model)])
    assert res.exit_code == 0, res.output
    recs = _records(out)
    assert len(recs) == 58
    gold_texts = [g["text"] for g in seeds_gold]
    assert [r["text"] for r in recs] == gold_texts  # all paragraphs, in order
    skipped = [r for r in recs if r["skipped"]]
    assert len(skipped) == 10
    assert {r["text"] for r in skipped} == {g["text"] for g in seeds_gold if not g["content"]}
    for r in recs:
        assert set(r) >= {"source", "index", "id", "text", "labels", "scores", "skipped"}
        assert (r["skipped"] is None) == bool(r["scores"])
    assert "58 paragraphs, 48 tagged, 10 skipped" in res.stderr


def test_jsonl_ids_come_back_and_csv_output(tmp_path, tiny_model):
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "a-1", "text": "加强大气污染防治"},
        {"id": 7, "text": "编辑：张三"},
        {"id": "z", "text": "推进污水处理"},
    ]
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["tag", str(src), "-o", str(out), "-m", str(tiny_model)])
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in _records(out)] == ["a-1", "7", "z"]
    out_csv = tmp_path / "out.csv"
    res = runner.invoke(app, ["tag", str(src), "-o", str(out_csv), "-m", str(tiny_model)])
    assert res.exit_code == 0, res.output
    table = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8"))))
    assert [row["id"] for row in table] == ["a-1", "7", "z"]
    assert table[1]["skipped"] == "byline"
    assert "score_air" in table[0]


def test_stdin_to_stdout(tiny_model):
    res = runner.invoke(app, ["tag", "-", "-m", str(tiny_model)], input="加强大气污染防治\n\n推进污水处理\n")
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [r["source"] for r in recs] == ["<stdin>", "<stdin>"]
    assert [r["index"] for r in recs] == [0, 1]


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["tag", "no/such/file.txt"], 2, "no such file"),
        (["tag", "x.txt", "-o", "out.parquet"], 2, ".jsonl, .csv or .xlsx"),
        (["tag", "x.txt", "-m", "no/such/model/dir"], 3, "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("加强大气污染防治\n", encoding="utf-8")
    res = runner.invoke(app, args)
    assert res.exit_code == code
    assert message in res.stderr
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_document_summaries_in_jsonl_and_csv(tmp_path, tiny_model, SHARED):  # noqa: N803
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["tag", str(SHARED / "seeds"), "-o", str(out), "-m", str(tiny_model), "--summary"])
    assert res.exit_code == 0, res.output
    recs = _records(out)
    summaries = [r for r in recs if r.get("type") == "summary"]
    paragraphs = [r for r in recs if r.get("type") != "summary"]
    assert len(paragraphs) == 58 and len(summaries) == 5
    for s in summaries:
        mine = [r for r in paragraphs if r["source"] == s["source"]]
        tagged = [r for r in mine if not r["skipped"]]
        assert (s["paragraphs"], s["tagged"]) == (len(mine), len(tagged))
        for lab, v in s["labels"].items():
            count = sum(lab in r["labels"] for r in tagged)
            assert v["count"] == count and abs(v["share"] - count / len(tagged)) < 1e-3
    out_csv = tmp_path / "out.csv"
    res = runner.invoke(app, ["tag", str(SHARED / "seeds"), "-o", str(out_csv), "-m", str(tiny_model), "--summary"])
    assert res.exit_code == 0, res.output
    table = list(csv.DictReader(io.StringIO((tmp_path / "out.summary.csv").read_text(encoding="utf-8"))))
    assert len(table) == 5 and {"count_air", "share_air"} <= set(table[0])


def test_csv_output_opens_in_spreadsheets_safely(tmp_path, tiny_model):
    src = tmp_path / "in.txt"
    src.write_text('=HYPERLINK("x") 加强大气污染防治\n推进污水处理\n', encoding="utf-8")
    out = tmp_path / "new" / "folder" / "out.csv"  # a missing folder is created
    res = runner.invoke(app, ["tag", str(src), "-o", str(out), "-m", str(tiny_model)])
    assert res.exit_code == 0, res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["text"].startswith("'=HYPERLINK")  # neutralised formula
    assert rows[1]["text"] == "推进污水处理"
    assert "evidence" in rows[0]


def test_extra_input_fields_are_carried_to_the_output(tmp_path, tiny_model):
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "a1", "text": "加强大气污染防治", "province": "河北", "标题": "工作要点"},
        {"id": "a2", "text": "推进污水处理", "province": "山东", "date": "2025-01-02"},
    ]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["tag", str(src), "-o", str(out), "-m", str(tiny_model)]).exit_code == 0
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["meta"] for r in recs] == [
        {"province": "河北", "标题": "工作要点"},
        {"province": "山东", "date": "2025-01-02"},
    ]
    out_csv = tmp_path / "out.csv"
    assert runner.invoke(app, ["tag", str(src), "-o", str(out_csv), "-m", str(tiny_model)]).exit_code == 0
    table = list(csv.DictReader(out_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["id"], r["province"], r["标题"]) for r in table] == [("a1", "河北", "工作要点"), ("a2", "山东", "")]
    assert json.loads(table[1]["meta"]) == {"date": "2025-01-02"}  # a field the first record lacked


@pytest.mark.parametrize(
    ("stdin", "args", "ids"),
    [
        ('{"id": "j1", "text": "加强大气污染防治", "date": "2025"}\n', [], ["j1"]),  # JSONL sniffed
        ("id,text\nc1,推进污水处理\n", ["--format", "csv"], ["c1"]),
        ("加强大气污染防治\n推进污水处理\n", [], [None, None]),  # plain text sniffed
    ],
)
def test_stdin_formats(tiny_model, stdin, args, ids):
    res = runner.invoke(app, ["tag", "-", "-m", str(tiny_model), *args], input=stdin)
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert [r["id"] for r in recs] == ids


def test_xlsx_output(tmp_path, tiny_model):
    from openpyxl import load_workbook

    src = tmp_path / "in.txt"
    src.write_text("=SUM(A1) 加强大气污染防治\n推进污水处理\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    res = runner.invoke(app, ["tag", str(src), "-o", str(out), "-m", str(tiny_model), "--summary"])
    assert res.exit_code == 0, res.output
    book = load_workbook(out)
    rows = list(book["paragraphs"].iter_rows(values_only=True))
    header = rows[0]
    texts = [r[header.index("text")] for r in rows[1:]]
    assert texts == ["'=SUM(A1) 加强大气污染防治", "推进污水处理"]  # stored as text, never as a formula
    assert list(book["summary"].iter_rows(values_only=True))[1][1] == 2


def test_version_and_short_help():
    from envtag import __version__

    assert runner.invoke(app, ["--version"]).stdout.strip() == f"envtag {__version__}"
    res = runner.invoke(app, ["tag", "-h"])
    assert res.exit_code == 0 and "--paragraphs" in res.stdout


def test_help_shows_flags_as_on_off_pairs_without_a_bool_value():
    res = runner.invoke(app, ["tag", "--help"], env={"COLUMNS": "120"})
    assert "--evidence / --no-evidence" in res.stdout
    assert "<bool>" not in res.stdout and "--output <path>" in res.stdout


def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path, tiny_model):
    src = tmp_path / "in.txt"
    src.write_text("加强大气污染防治\n", encoding="utf-8")
    (tmp_path / "taken.jsonl").mkdir()  # a folder where the output file should go
    res = runner.invoke(app, ["tag", str(src), "-o", str(tmp_path / "taken.jsonl"), "-m", str(tiny_model)])
    assert res.exit_code == 2
    assert res.stderr.strip().startswith("envtag: error: ") and len(res.stderr.strip().splitlines()) == 1


def test_id_field_picks_the_id_column(tmp_path, tiny_model):
    src = tmp_path / "in.csv"
    src.write_text("编号,text\nA-1,加强大气污染防治\n", encoding="utf-8")
    res = runner.invoke(app, ["tag", str(src), "-m", str(tiny_model), "--id-field", "编号"])
    rec = json.loads(next(line for line in res.stdout.splitlines() if line.startswith("{")))
    assert rec["id"] == "A-1" and "编号" not in rec.get("meta", {})

from __future__ import annotations

import json

from typer.testing import CliRunner

from envtag.cli import app
from envtag_train.annotation_stats import agreement, stats


def _write(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_stats_counts_and_cooccurrence(tmp_path):
    f = _write(
        tmp_path / "a.jsonl",
        [
            {"id": "1", "text": "加强大气和水污染防治", "labels": ["air", "water"]},
            {"id": "2", "text": "水泥产业", "labels": []},
            {"id": "3", "text": "编辑：张三", "labels": [], "content": False},
        ],
    )
    s = stats(f)
    assert (s["paragraphs"], s["content"], s["non_content"], s["label_free"]) == (3, 2, 1, 1)
    assert s["labels"]["air"] == 1 and s["labels"]["soil"] == 0
    m = s["cooccurrence"]["matrix"]
    assert m[0][1] == 1 and m[1][0] == 1  # air × water


def test_agreement_kappa_and_f1(tmp_path):
    rows = [{"id": str(i), "text": f"段落{i}", "labels": ["air"] if i % 2 else []} for i in range(10)]
    a = _write(tmp_path / "a.jsonl", rows)
    b_rows = [dict(r) for r in rows]
    b_rows[0]["labels"] = ["air"]  # one disagreement on air
    b = _write(tmp_path / "b.jsonl", b_rows)
    r = agreement(a, b)
    assert r["paragraphs"] == 10
    assert r["per_label"]["water"]["kappa"] == 1.0
    assert 0.0 < r["per_label"]["air"]["kappa"] < 1.0
    assert abs(r["per_label"]["air"]["f1"] - 2 * 5 / (2 * 5 + 1)) < 1e-9
    res = CliRunner().invoke(app, ["labels", "agreement", str(a), str(b)])
    assert res.exit_code == 0 and "kappa" in res.stdout


def test_agreement_without_overlap_is_one_line_error(tmp_path):
    a = _write(tmp_path / "a.jsonl", [{"id": "1", "text": "甲", "labels": []}])
    b = _write(tmp_path / "b.jsonl", [{"id": "2", "text": "乙", "labels": []}])
    res = CliRunner().invoke(app, ["labels", "agreement", str(a), str(b)])
    assert res.exit_code == 2 and "share no paragraph" in res.stderr


def test_suggest_spreads_across_documents(tmp_path, tiny_model):
    docs = []
    for d in range(4):
        text = "\n".join(f"第{d}号文件第{k}段：加强大气污染防治，推进污水处理和固体废物治理。" for k in range(6))
        docs.append({"id": f"doc{d}", "text": text})
    corpus = _write(tmp_path / "corpus.jsonl", docs)
    out = tmp_path / "todo.jsonl"
    res = CliRunner().invoke(
        app, ["suggest", str(corpus), "-o", str(out), "-m", str(tiny_model), "-n", "6", "--per-document", "2"]
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6
    per_doc = {}
    for r in rows:
        per_doc[r["doc"]] = per_doc.get(r["doc"], 0) + 1
        assert set(r) >= {"id", "text", "labels", "content", "margin"}
    assert len(per_doc) == 4 and max(per_doc.values()) == 2  # round-robin over all documents
    margins = [r["margin"] for r in rows]
    assert margins[0] == min(margins)

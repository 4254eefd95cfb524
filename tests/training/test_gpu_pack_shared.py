"""training/gpu/pack_shared.py: the cut corpus keeps every document a label
file names, lines unchanged, so stand-off records resolve on the GPU machine."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("pack_shared", REPO / "training" / "gpu" / "pack_shared.py")
pack_shared = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pack_shared)


def _doc(i: int) -> str:
    text = f"第{i}篇\n加强第{i}条河流的水污染防治。"
    return json.dumps({"id": f"d{i}", "kind": "news", "text": text}, ensure_ascii=False)


def test_cut_keeps_named_documents_and_a_seeded_share(tmp_path):
    src, dst = tmp_path / "news_corpus.jsonl", tmp_path / "cut.jsonl"
    lines = [_doc(i) for i in range(200)]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kept, total = pack_shared.cut_corpus(src, dst, {"d3", "d150"}, share=0.25, seed=1)
    out = dst.read_text(encoding="utf-8").splitlines()
    assert total == 200 and kept == len(out)
    assert {lines[3], lines[150]} <= set(out) and set(out) <= set(lines)  # named docs kept, lines unchanged
    assert 25 < kept < 80  # about a quarter of the rest
    again = tmp_path / "again.jsonl"
    pack_shared.cut_corpus(src, again, {"d3", "d150"}, share=0.25, seed=1)
    assert again.read_text(encoding="utf-8") == dst.read_text(encoding="utf-8")


def test_referenced_docs_are_the_stand_off_records_of_every_label_file(tmp_path):
    (tmp_path / "challenge").mkdir()
    (tmp_path / "a.jsonl").write_text(
        '{"id": "x", "corpus": "news_corpus.jsonl", "doc": "d1", "para": 1, "sha1": "0", "labels": []}\n'
        '{"id": "y", "text": "自写段落", "labels": []}\n',
        encoding="utf-8",
    )
    (tmp_path / "challenge" / "b.jsonl").write_text(
        '{"id": "z", "corpus": "policy_corpus.jsonl", "doc": 7, "para": 0, "sha1": "0", "labels": []}\n',
        encoding="utf-8",
    )
    assert pack_shared.referenced_docs(tmp_path) == {("news_corpus.jsonl", "d1"), ("policy_corpus.jsonl", "7")}

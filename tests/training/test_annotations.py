from __future__ import annotations

import json

import pytest

from envtag.errors import DataError
from envtag_train.annotations import load_examples, validate_file


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows))
    return path


def test_validate_reports_each_problem_with_its_line(tmp_path):
    f = _write(
        tmp_path / "a.jsonl",
        [
            {"id": "1", "text": "加强大气污染防治", "labels": ["air"]},
            {"id": "1", "text": "水污染防治", "labels": ["wator"]},
            {"id": "3", "text": "  ", "labels": []},
            "{not json",
            {"id": "5", "text": "加强大气污染防治", "labels": ["air", "air"]},
            {"id": "6", "text": "编辑：张三", "labels": ["air"], "content": False},
        ],
    )
    problems = validate_file(f)
    joined = "\n".join(problems)
    assert f"{f}:2: duplicate id '1'" in joined
    assert f"{f}:2: unknown label 'wator'" in joined
    assert f"{f}:3: empty or missing text" in joined
    assert f"{f}:4: invalid JSON" in joined
    assert f"{f}:5: duplicate label" in joined
    assert f"{f}:5: duplicate text" in joined
    assert f"{f}:6: non-content paragraph carries labels" in joined


def test_shared_and_project_files_are_valid(SHARED):  # noqa: N803
    from pathlib import Path

    for f in [SHARED / "data" / "silver_dev.jsonl", SHARED / "data" / "seeds_gold.jsonl"]:
        assert validate_file(f) == []
    examples = Path(__file__).resolve().parents[2] / "labels" / "examples.jsonl"
    assert validate_file(examples) == []


def test_load_refuses_unknown_labels(tmp_path):
    f = _write(tmp_path / "a.jsonl", [{"text": "噪声污染防治", "labels": ["noise"]}])
    with pytest.raises(DataError, match=r"a.jsonl:1: unknown label 'noise'"):
        load_examples(f)


def test_inline_records_may_name_their_documents_title(tmp_path):
    f = _write(
        tmp_path / "a.jsonl",
        [
            {"id": "1", "text": "第五条 违反本条例的，责令改正。", "labels": [], "title": "某市扬尘污染防治条例"},
            {"id": "2", "text": "推进污水处理厂建设。", "labels": ["water"]},
        ],
    )
    assert [e.title for e in load_examples(f)] == ["某市扬尘污染防治条例", None]
    bad = _write(tmp_path / "b.jsonl", [{"text": "推进污水处理厂建设。", "labels": [], "title": 3}])
    assert f"{bad}:1: title must be a string" in "\n".join(validate_file(bad))

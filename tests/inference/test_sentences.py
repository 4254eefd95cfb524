"""envtag.sentences: sentence spans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envtag.cleaning import clean
from envtag.sentences import split_sentences

SEEDS_GOLD = Path(__file__).resolve().parents[3] / "shared" / "data" / "seeds_gold.jsonl"
GOLD = [json.loads(line) for line in SEEDS_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def _check_spans(text: str, spans: list[tuple[int, int]]) -> None:
    """Non-empty, trimmed, ordered, disjoint spans covering all non-space text."""
    prev_end = 0
    covered = [False] * len(text)
    for start, end in spans:
        assert 0 <= prev_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece and piece == piece.strip()
        for i in range(start, end):
            covered[i] = True
        prev_end = end
    for i, ch in enumerate(text):
        assert covered[i] or ch.isspace(), (i, ch)


def _pieces(text: str, **kw) -> list[str]:
    spans = split_sentences(text, **kw)
    _check_spans(text, spans)
    return [text[s:e] for s, e in spans]


def test_split_basic():
    assert _pieces("蓝天。碧水！净土？结束") == ["蓝天。", "碧水！", "净土？", "结束"]


def test_split_semicolons_and_ascii_marks():
    assert _pieces("一是治气；二是治水; 三是治土!好?") == ["一是治气；", "二是治水; 三是治土!", "好?"]


def test_split_keeps_closing_quotes_and_brackets():
    text = "他说：“要守护好一泓碧水。”然后离开了。（完）"
    assert _pieces(text) == ["他说：“要守护好一泓碧水。”", "然后离开了。", "（完）"]
    assert _pieces("（这是括号里的话。）接着。") == ["（这是括号里的话。）", "接着。"]
    assert _pieces("《方案》已印发。」下一句") == ["《方案》已印发。」", "下一句"]


def test_split_runs_of_terminators_stay_together():
    assert _pieces("真的吗？！是的。。好") == ["真的吗？！", "是的。。", "好"]


def test_split_newlines_and_spaces():
    assert _pieces("第一行\n第二行。  \n\n  第三行  ") == ["第一行", "第二行。", "第三行"]


def test_split_never_returns_empty_spans():
    assert split_sentences("") == []
    assert split_sentences("   \n\n ") == []
    assert _pieces("。") == ["。"]
    assert _pieces("  。。  ") == ["。。"]


def test_split_decimal_points_do_not_split():
    assert _pieces("PM2.5浓度为35.2微克/立方米。") == ["PM2.5浓度为35.2微克/立方米。"]


def test_split_max_len_cuts_long_sentences_at_commas():
    text = "推进清洁能源替代，强化大气污染协同控制，狠抓面源污染治理，提升精细化管理水平。短句。"
    pieces = _pieces(text, max_len=12)
    assert all(len(p) <= 12 for p in pieces)
    assert pieces[0] == "推进清洁能源替代，"
    assert pieces[-1] == "短句。"
    assert "".join(pieces) == text


def test_split_max_len_hard_cut_without_commas():
    text = "甲" * 25 + "。"
    pieces = _pieces(text, max_len=10)
    assert [len(p) for p in pieces] == [10, 10, 6]


def test_split_max_len_must_be_positive():
    with pytest.raises(ValueError):
        split_sentences("蓝天。", max_len=0)


def test_split_on_all_cleaned_seeds():
    for row in GOLD:
        text = clean(row["text"])
        spans = split_sentences(text)
        _check_spans(text, spans)
        if text:
            assert spans
        for start, end in spans[:-1]:
            # every sentence but the last ends at a terminator (plus closers)
            assert re.search(r"[。！？；!?][”’」』）)】》〉\]\"'…]*$", text[start:end]), row["id"]
        _check_spans(text, split_sentences(text, max_len=50))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("蓝天碧水。！？；!?”）」 \n\t，a1")), max_size=60))
def test_split_properties(text):
    _check_spans(text, split_sentences(text))
    spans = split_sentences(text, max_len=5)
    _check_spans(text, spans)
    assert all(e - s <= 5 for s, e in spans)

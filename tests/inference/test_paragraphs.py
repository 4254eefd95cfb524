"""Plain text as paragraphs: one per line, blank-line separated, hard-wrapped."""

from __future__ import annotations

import pytest

from envtag.paragraphs import text_paragraphs

ONE_PER_LINE = [
    "一、总体要求",
    "坚持以改善生态环境质量为核心，统筹推进减污降碳。",
    "二、重点任务",
    "深入打好蓝天保卫战，加强挥发性有机物综合治理。",
    "编辑：王明",
]
SENTENCE = (
    "全市持续推进大气污染防治，加强工业企业废气治理和扬尘管控，开展柴油货车尾气排放专项检查，"
    "空气质量优良天数比例稳步提升，细颗粒物浓度持续下降。"
)


def _wrap(text: str, width: int = 20) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def test_one_paragraph_per_line_files_stay_as_they_are():
    assert list(text_paragraphs(ONE_PER_LINE, "auto")) == ONE_PER_LINE
    assert list(text_paragraphs(ONE_PER_LINE, "lines")) == ONE_PER_LINE


def test_hard_wrapped_text_is_rejoined():
    second = SENTENCE.replace("全市", "全县")
    lines = _wrap(SENTENCE) + _wrap(second)
    assert list(text_paragraphs(lines, "auto")) == [SENTENCE, second]
    assert list(text_paragraphs(lines, "lines")) == lines  # asked for lines: kept


def test_blank_line_separated_paragraphs():
    second = SENTENCE.replace("全市", "全县")
    lines = [*_wrap(SENTENCE, 25), "", *_wrap(second, 25), ""]
    assert list(text_paragraphs(lines, "auto")) == [SENTENCE, second]
    assert list(text_paragraphs(lines, "blank")) == [SENTENCE, second]


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="auto, lines, blank"):
        list(text_paragraphs(ONE_PER_LINE, "words"))

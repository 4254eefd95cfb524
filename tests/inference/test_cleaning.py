"""envtag.cleaning: every noise form found in the seed articles."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envtag.cleaning import CLEANING_VERSION, clean, normalise_width, strip_inline_pinyin


def _pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable of pypinyin's dictionary (ü as v)."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            out.add(_toneless(reading))
    return frozenset(out)


def _toneless(syllable: str) -> str:
    s = unicodedata.normalize("NFD", syllable.lower()).replace("u\u0308", "v")
    return "".join(ch for ch in s if not unicodedata.combining(ch))


SYLLABLES = _pinyin_syllables()
HAN_THEN_LATIN_GROUP = re.compile(r"[\u3400-\u9fff][(（]\s*([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü:]+)\s*[)）]")


def test_version_is_a_string():
    assert isinstance(CLEANING_VERSION, str) and CLEANING_VERSION


# --- inline pinyin --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("加強(qiáng)", "加强"),
        ("會(hui)議", "会议"),
        ("堅(jian)(jian)", "坚"),
        ("打(da)(da)好", "打好"),
        ("生態(tài)環(huán)境保護(hù)", "生态环境保护"),
        ("工(gong)作(zuo)(zuo)(zuo)", "工作"),
        ("會（hui）議", "会议"),  # full-width parentheses
        ("綠(lü)色", "绿色"),
        ("綠(lv)色", "绿色"),
        ("綠(lu)色", "绿色"),  # ü typed as u
        ("長(zhǎng)垣", "长垣"),  # heteronym: 長 reads cháng and zhǎng
    ],
)
def test_inline_pinyin_removed(raw, expected):
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PM2.5(细颗粒物)", "PM2.5(细颗粒物)"),
        ("治理率(含管控)为48%", "治理率(含管控)为48%"),
        ("圍河(he)(庫)造(zao)地", "围河(库)造地"),
        ("挥发性有机物(VOCs)", "挥发性有机物(VOCs)"),
        ("第(一)条", "第(一)条"),
        ("第（二）款", "第（二）款"),
        ("各县(市、区)", "各县(市、区)"),
        ("臭氧(O3)浓度", "臭氧(O3)浓度"),
        ("一氧化碳(CO)", "一氧化碳(CO)"),
        ("氮氧化物(NOx)", "氮氧化物(NOx)"),
        ("大气(da)", "大气(da)"),  # not a reading of 气: kept
    ],
)
def test_parentheses_that_are_not_pinyin_stay(raw, expected):
    assert clean(raw) == expected


def test_strip_inline_pinyin_alone_keeps_script():
    assert strip_inline_pinyin("會(hui)議(yi)") == "會議"


# --- script, debris, width, whitespace ------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("環境保護", "环境保护"),
        ("藍天保衛戰", "蓝天保卫战"),
        ("強化監管,守牢環境底線", "强化监管,守牢环境底线"),
        ("污染防治攻堅戰", "污染防治攻坚战"),
    ],
)
def test_traditional_to_simplified(raw, expected):
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("????近年來", "近年来"),
        ("????強(qiáng)化措施", "强化措施"),
        ("戰(zhàn)。???????(夏天翔)", "战。(夏天翔)"),
        ("？？？？近年来", "近年来"),
    ],
)
def test_question_mark_runs(raw, expected):
    assert clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("河南日?qǐng)?bào)", "河南日"),
        ("首頁(yè) >> 河南日?qǐng)?bào) >> 內(nèi)容", "首页 >> 河南日 >> 内容"),
    ],
)
def test_lost_characters_leave_no_debris(raw, expected):
    assert clean(raw) == expected


def test_real_question_marks_between_words_are_not_debris():
    # A full-width question mark ending a question is text.
    assert clean("今天天气怎么样？") == "今天天气怎么样？"


def test_mojibake_fragment_of_first_seed(seeds_gold):
    # The first seed article has a GBK/UTF-8 round-trip fragment (許昌?!比涨?):
    # its ``?`` debris goes, the text around it is intact.
    fragment = "美麗許昌?!比涨?,市生態"
    out = clean(fragment)
    assert "?" not in out
    assert out.startswith("美丽许昌")
    assert out.endswith(",市生态")
    first = clean(seeds_gold[0]["text"])
    assert "?" not in first
    assert "美丽许昌" in first
    assert "市生态环境局党组书记" in first


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＰＭ２．５", "PM2.5"),
        ("ＶＯＣｓ治理", "VOCs治理"),
        ("１０万元", "10万元"),
        ("蓝天，碧水；净土！", "蓝天，碧水；净土！"),  # Chinese punctuation stays full-width
        ("（一）总体要求", "（一）总体要求"),
    ],
)
def test_full_width_forms(raw, expected):
    assert clean(raw) == expected


def test_normalise_width_maps_ideographic_space():
    assert normalise_width("a\u3000b") == "a b"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u3000\u3000近年来,长垣", "近年来,长垣"),
        ("编辑:杨 仪 校对:孙 辉", "编辑:杨仪校对:孙辉"),  # spaces between Han characters go
        ("PM2.5  浓度", "PM2.5 浓度"),  # other runs collapse to one space
        ("蓝天\t碧水\r\n", "蓝天碧水"),
        ("\ufeff净土", "净土"),
        ("  \t ", ""),
        ("", ""),
    ],
)
def test_whitespace(raw, expected):
    assert clean(raw) == expected


# --- the seeds as a whole ----------------------------------------------------------


def test_seeds_gold_has_58_paragraphs(seeds_gold):
    assert len(seeds_gold) == 58


def test_idempotent_on_all_seeds(seeds_gold):
    for row in seeds_gold:
        once = clean(row["text"])
        assert clean(once) == once, row["id"]


def test_no_inline_pinyin_left_in_cleaned_seeds(seeds_gold):
    raw_hits = sum(
        _toneless(m.group(1)) in SYLLABLES for r in seeds_gold for m in HAN_THEN_LATIN_GROUP.finditer(r["text"])
    )
    assert raw_hits > 100  # the check does see the annotations of the raw text
    for row in seeds_gold:
        cleaned = clean(row["text"])
        for m in HAN_THEN_LATIN_GROUP.finditer(cleaned):
            assert _toneless(m.group(1)) not in SYLLABLES, (row["id"], m.group(0))


def test_cleaned_seeds_are_simplified_and_free_of_debris(seeds_gold):
    for row in seeds_gold:
        cleaned = clean(row["text"])
        assert "??" not in cleaned and "\ufffd" not in cleaned, row["id"]
        assert not re.search(r"(?<=[\u3400-\u9fff])\?|\?(?=[\u3400-\u9fff])", cleaned), row["id"]
        assert cleaned == cleaned.strip()
    joined = "".join(clean(r["text"]) for r in seeds_gold)
    for traditional in "環護藍衛戰強監會議":
        assert traditional not in joined


def test_syllable_set_is_sane():
    assert {"qiang", "hui", "jian", "da", "lv", "zhuang"} <= SYLLABLES
    assert "vocs" not in SYLLABLES


# --- properties ---------------------------------------------------------------------

_NOISY = st.text(
    alphabet=st.sampled_from(list("加強会議环境保护蓝天碧水净土監管PM25.()（）?？ 　abchijnqu,，。ǎáàī\tＰ２")),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_NOISY)
def test_clean_is_idempotent_on_noisy_strings(text):
    once = clean(text)
    assert clean(once) == once


@settings(max_examples=200, deadline=None)
@given(_NOISY)
def test_clean_never_adds_question_mark_runs_or_edge_space(text):
    out = clean(text)
    assert out == out.strip()
    assert "??" not in out


def test_radicals_of_pdf_text_layers_become_ordinary_characters():
    # Kangxi radicals (NFKC) and simplified-form radicals (a table) as PDF fonts emit them
    assert clean("⽣态环境⼤⽓，柴油货⻋，⻓江⻔户") == "生态环境大气，柴油货车，长江门户"

"""Text cleaning shared by training and prediction.

One function, :func:`clean`, versioned by :data:`CLEANING_VERSION`. A model
records the version it was trained with so a later change to the cleaning
rules is detectable when the model is loaded.

Noise handled (see ``../shared/guide/ANNOTATION_GUIDE.md``, "Text noise"):

* inline pinyin after a character (``加強(qiáng)``, ``會(hui)議``,
  ``堅(jian)(jian)``), removed only when every syllable is a reading of the
  preceding character according to pypinyin's dictionary, so that
  ``PM2.5(细颗粒物)`` or ``(VOCs)`` survive;
* Traditional script, converted to Simplified with OpenCC;
* debris of lost characters: ``?`` runs standing for ideographic spaces or
  mangled characters;
* full-width/half-width forms and whitespace;
* Kangxi and CJK radicals that PDF text layers use for ordinary characters
  (``⽣`` for ``生``, ``⼤`` for ``大``; version 2).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CLEANING_VERSION = "2"

# A parenthesised latin syllable, optionally toned: (qiáng), (hui), (lv), (lü).
_PINYIN_GROUP = r"[(（]\s*([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê:]{1,7})\s*[)）]"
_ANNOTATED = re.compile(r"([\u3400-\u9fff\uf900-\ufaff?？])((?:" + _PINYIN_GROUP + r")+)")
_GROUP = re.compile(_PINYIN_GROUP)
_TONE_MAP = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüê",
    "aaaaeeeeiiiioooouuuuvvvvve",
)
# ``?qǐng)``: a lost character whose opening parenthesis was lost with it.
_LOST_ANNOTATION = re.compile(r"[?？\ufffd][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")
_QMARK_RUN = re.compile(r"[?？\ufffd]{2,}")
_QMARK_NEAR_HAN = re.compile(r"(?<=[\u3400-\u9fff])[?\ufffd]|[?\ufffd](?=[\u3400-\u9fff])")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")
_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _readings(char: str) -> frozenset[str]:
    """Toneless readings of a character, for all its heteronyms."""
    from pypinyin import Style, pinyin

    out: set[str] = set()
    for style in (Style.NORMAL,):
        for group in pinyin(char, style=style, heteronym=True, errors="ignore"):
            out.update(r.replace("ü", "v") for r in group)
    return frozenset(out)


def _normalise_syllable(s: str) -> str:
    return s.lower().translate(_TONE_MAP).replace(":", "").replace("u:", "v")


def _is_reading(char: str, syllable: str) -> bool:
    if char in "?？":  # the character itself was lost; its annotation is debris
        return True
    syl = _normalise_syllable(syllable)
    readings = _readings(char)
    if syl in readings:
        return True
    # lu/lv and nu/nv are often typed without the umlaut.
    return syl.replace("u", "v") in readings


def strip_inline_pinyin(text: str) -> str:
    """Drop ``(pinyin)`` groups that read the character before them; a group
    that is not a reading ends the run (``物(wù)(NOx)`` → ``物(NOx)``)."""

    def repl(m: re.Match[str]) -> str:
        char, groups = m.group(1), m.group(2)
        end = 0
        for g in _GROUP.finditer(groups):
            if not _is_reading(char, g.group(1)):
                break
            end = g.end()
        return char + groups[end:]

    return _ANNOTATED.sub(repl, text)


# Simplified-form radicals (CJK Radicals Supplement) that PDF fonts use for
# ordinary characters and that NFKC leaves alone.
_RADICALS = dict(
    zip(
        "⻋⻄⻅⻆⻈⻉⻓⻔⻘⻙⻚⻛⻜⻝⻢⻣⻤⻥⻦⻧⻨⻩⻬⻮⻰⺠⺁",
        "车西见角讠贝长门青韦页风飞食马骨鬼鱼鸟卤麦黄齐齿龙民厂",
        strict=True,
    )
)


def normalise_width(text: str) -> str:
    """NFKC folds full-width ASCII and compatibility forms, but it would also
    turn Chinese full-width punctuation into ASCII; we keep the Chinese
    comma/colon/etc. as they are informative for sentence splitting."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E and ch not in "，：；！？（）":
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        elif 0x2E80 <= code <= 0x2FDF:  # CJK and Kangxi radicals, as PDF text layers have them (⽣ → 生)
            out.append(_RADICALS.get(ch) or unicodedata.normalize("NFKC", ch))
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def remove_debris(text: str) -> str:
    """Remove ``?`` runs and lone ``?`` glued to Chinese characters: in these
    texts a question mark next to a Han character is almost always a lost
    character (GBK round-trip), while real questions use ``？``."""
    text = _LOST_ANNOTATION.sub("", text)
    text = _QMARK_RUN.sub("", text)
    text = _QMARK_NEAR_HAN.sub("", text)
    return text


def normalise_space(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _SPACE_BETWEEN_HAN.sub("", text)
    return text.strip()


def clean(text: str) -> str:
    """Clean one paragraph. Idempotent: ``clean(clean(x)) == clean(x)``."""
    if not text:
        return ""
    text = text.replace("\r", "")
    text = normalise_width(text)
    text = strip_inline_pinyin(text)
    text = remove_debris(text)
    text = _converter().convert(text)
    text = normalise_space(text)
    # A second pinyin pass catches annotations exposed by debris removal.
    stripped = strip_inline_pinyin(text)
    if stripped != text:
        # Removing them can expose debris or spaces in turn (``加?jia)(jia)?``
        # → ``加?``): clean again. Each round removes a group, so this ends.
        return clean(stripped)
    return text

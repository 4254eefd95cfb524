"""The project's noisifier: Traditional script and inline pinyin, as web mirrors have them.

Used to write noisy variants of project-written training paragraphs and by the
property test that a noisy variant gets the same labels. Its noise is the
kind :func:`envtag.cleaning.clean` undoes: Traditional characters
(OpenCC ``s2t``) and pinyin after characters (``強(qiáng)``, ``會(hui)``,
``堅（jian）(jian)``).
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    return _s2t().convert(text)


def add_pinyin(text: str, rnd: random.Random, rate: float) -> str:
    """Inline pinyin after a share ``rate`` of the Han characters, toned or not,
    in ASCII or full-width parentheses, sometimes doubled."""
    from pypinyin import Style, pinyin

    out = []
    for ch in text:
        out.append(ch)
        if _HAN_CHAR.match(ch) and rnd.random() < rate:
            style = rnd.choice([Style.TONE, Style.NORMAL])
            syllable = pinyin(ch, style=style, heteronym=False, errors="ignore")
            if syllable:
                left, right = rnd.choice([("(", ")"), ("（", "）")])
                out.append(f"{left}{syllable[0][0]}{right}" * rnd.choice([1, 1, 2]))
    return "".join(out)


def noisify(text: str, rnd: random.Random, pinyin_rate: float = 0.15) -> str:
    """A Traditional-script variant of ``text``, with inline pinyin half of the time."""
    variant = to_traditional(text)
    return add_pinyin(variant, rnd, pinyin_rate) if rnd.random() < 0.5 else variant

"""The project's noisifier against the runtime's cleaning: a Traditional/pinyin
variant of a paragraph (what web mirrors publish) cleans back and gets the
same labels and scores."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from envtag.boilerplate import skip_reason
from envtag.cleaning import clean
from envtag_train.noise import add_pinyin, to_traditional

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO / "models" / "default"


# --- a Traditional/pinyin-annotated variant gets the same labels -----------------------


@lru_cache(maxsize=1)
def _bases(shared: str) -> tuple[str, ...]:
    """Simplified content paragraphs (cleaned seeds and silver dev) whose
    Traditional form converts back exactly; the few that OpenCC's s2t/t2s
    pair changes (复函 → 覆函, 想象 → 想像) are lossy conversion, not noise that
    cleaning could undo."""
    import json

    out = []
    for name in ("seeds_gold.jsonl", "silver_dev.jsonl"):
        with open(Path(shared) / "data" / name, encoding="utf-8") as fh:
            for line in fh:
                text = clean(json.loads(line)["text"])
                if text and skip_reason(text) is None and clean(to_traditional(text)) == text:
                    out.append(text)
    return tuple(out)


@lru_cache(maxsize=2)
def _tagger(path: str):
    from envtag.tagger import Tagger

    return Tagger.from_pretrained(path)


@pytest.mark.parametrize(
    "which",
    [
        "tiny",
        pytest.param(
            "default",
            marks=pytest.mark.skipif(
                not (DEFAULT_MODEL / "config.json").exists(), reason="models/default is not there yet"
            ),
        ),
    ],
)
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(pick=st.integers(min_value=0), rate=st.floats(0.05, 0.6), rnd=st.randoms(use_true_random=False))
def test_traditional_pinyin_variant_gets_the_same_labels(request, SHARED, which, pick, rate, rnd):  # noqa: N803
    model = request.getfixturevalue("tiny_model") if which == "tiny" else DEFAULT_MODEL
    bases = _bases(str(SHARED))
    assert len(bases) > 250
    base = bases[pick % len(bases)]
    variant = add_pinyin(to_traditional(base), rnd, rate)
    assume(variant != base)
    tagger = _tagger(str(model))
    p_base, p_variant = tagger.predict([base, variant], evidence=False)
    assert p_variant.clean_text == p_base.clean_text, (variant, p_variant.clean_text)
    assert p_variant.skipped == p_base.skipped
    assert p_variant.labels == p_base.labels, variant
    for lab, score in p_base.scores.items():
        assert abs(p_variant.scores[lab] - score) < 1e-4, (lab, variant)

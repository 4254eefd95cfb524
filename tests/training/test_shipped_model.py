"""The shipped default on the project's evaluation sets, as `envtag tag` runs it.

Floors sit just under what benchmarks/quality/results.md measured, so a
regression fails here. Four challenge sets are held at issue 9's target (90%);
context media (0.80) and dev_corpus (0.82 macro-F1, the target is 0.95) are
held below it, where this model still is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envtag.tagger import Tagger
from envtag_train.annotations import load_content
from envtag_train.calibrate import evaluate_sets

REPO = Path(__file__).resolve().parents[2]
# exact match (challenge sets) or macro-F1 (dev sets) the default must keep.
# Four challenge sets sit at issue 9's 90% (the round-10 default measured 0.933
# to 0.966 there); context media at 0.80 (it measured 0.831, the round-8 one 0.763).
FLOORS = {
    "challenge/case_narratives": ("exact_match", 0.90),
    "challenge/characters_not_meaning": ("exact_match", 0.90),
    "challenge/context_media": ("exact_match", 0.80),
    "challenge/implicit_enforcement": ("exact_match", 0.90),
    "challenge/implicit_supervision": ("exact_match", 0.90),
    "dev_corpus": ("macro_f1", 0.82),
}


@pytest.fixture(scope="module")
def default_tagger():
    return Tagger.from_pretrained(REPO / "models" / "default")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_shipped_default_keeps_its_measured_quality(default_tagger, name):
    metric, floor = FLOORS[name]
    examples = load_content(REPO / "labels" / f"{name}.jsonl")
    report = evaluate_sets(default_tagger, {name: examples})[name]
    assert report[metric] >= floor, f"{name}: {metric} {report[metric]:.3f} < {floor}"

"""The shipped default on the project's evaluation sets, as `envtag tag` runs it.

Floors sit just under what benchmarks/quality/results.md measured, so a
regression fails here; they are not the targets of issue 9 (90% on every
challenge set, 0.95 macro-F1 on dev_corpus), which this model does not reach.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envtag.tagger import Tagger
from envtag_train.annotations import load_content
from envtag_train.calibrate import evaluate_sets

REPO = Path(__file__).resolve().parents[2]
# exact match (challenge sets) or macro-F1 (dev sets) the default must keep.
# Context media sits at 0.74: the round-8 default measured 0.763 there (the
# round-7 one 0.746; the round-2 one 0.831, its luckiest seed).
FLOORS = {
    "challenge/case_narratives": ("exact_match", 0.85),
    "challenge/characters_not_meaning": ("exact_match", 0.85),
    "challenge/context_media": ("exact_match", 0.74),
    "challenge/implicit_enforcement": ("exact_match", 0.85),
    "challenge/implicit_supervision": ("exact_match", 0.85),
    "dev_corpus": ("macro_f1", 0.81),
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

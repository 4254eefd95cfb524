"""The quality benchmark's lexicon baseline on seeds_gold, through benchmarks/quality/run.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_PY = REPO / "benchmarks" / "quality" / "run.py"


def _load_run_module():
    spec = importlib.util.spec_from_file_location("envtag_quality_benchmark", RUN_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load_run_module()


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_EVALUATE_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def test_lexicon_baseline_on_seeds_gold(bench):
    path = bench.DEFAULT_DATA / "seeds_gold.jsonl"
    if not path.exists():
        pytest.skip(f"annotated data not available at {path}")
    split = bench.load_split(path)
    assert len(split.ids) == 48  # content rows only (58 rows, 10 non-content)
    assert split.y.shape == (48, 6)
    assert len(split.cleaned) == 48

    report = bench.lexicon_baseline(split)
    assert report["n"] == 48
    assert 0.0 <= report["macro_f1"] <= 1.0
    assert 0.0 <= report["micro_f1"] <= 1.0
    assert 0.0 <= report["exact_match"] <= 1.0
    labels = bench.load_taxonomy().ids
    assert list(report["per_label"]) == labels
    assert [v["support"] for v in report["per_label"].values()] == split.y.sum(axis=0).tolist()
    # the macro average is the mean of the per-label F1 reported
    assert report["macro_f1"] == pytest.approx(np.mean([v["f1"] for v in report["per_label"].values()]))


def test_tune_thresholds_picks_separating_threshold(bench):
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 0]], dtype=np.int32)
    proba = np.array([[0.9, 0.2], [0.35, 0.1], [0.3, 0.8], [0.1, 0.6]])
    t = bench.tune_thresholds(y, proba)
    assert 0.3 < t[0] <= 0.35  # catches 0.35 without 0.3
    assert 0.6 < t[1] <= 0.8


def test_to_multi_hot_rejects_unknown_label(bench):
    assert bench.to_multi_hot([["b"], []], ["a", "b"]).tolist() == [[0, 1], [0, 0]]
    with pytest.raises(ValueError):
        bench.to_multi_hot([["z"]], ["a", "b"])

from __future__ import annotations

import numpy as np

from envtag_train.calibrate import THRESHOLD_GRID, tune_thresholds


def test_tune_thresholds_picks_a_separating_threshold():
    y = np.array([[1, 0], [1, 0], [0, 1], [0, 0]], dtype=np.float32)
    scores = np.array([[0.9, 0.2], [0.35, 0.1], [0.3, 0.8], [0.1, 0.6]], dtype=np.float32)
    t = tune_thresholds(y, scores, ["a", "b"])
    assert 0.3 < t["a"] <= 0.35  # catches 0.35 without 0.3
    assert 0.6 < t["b"] <= 0.8


def test_a_label_without_positives_keeps_the_neutral_threshold():
    y = np.zeros((3, 1), dtype=np.float32)
    assert tune_thresholds(y, np.array([[0.1], [0.7], [0.9]]), ["a"]) == {"a": 0.5}
    assert 0.5 in THRESHOLD_GRID

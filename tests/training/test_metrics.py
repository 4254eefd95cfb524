"""envtag_train.metrics and the local `multilabel_f1` evaluate metric."""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest

from envtag_train import metrics as scoring

NAMES = ["a", "b", "c"]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_EVALUATE_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def test_known_values():
    y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 0]])
    r = scoring.multilabel_report(y_true, y_pred, NAMES)
    # a: tp 2 fp 0 fn 0; b: tp 1 fp 0 fn 1; c: tp 0 fp 1 fn 1
    assert r["per_label"]["a"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert r["per_label"]["b"]["precision"] == 1.0
    assert r["per_label"]["b"]["recall"] == 0.5
    assert r["per_label"]["b"]["f1"] == pytest.approx(2 / 3)
    assert r["per_label"]["b"]["support"] == 2
    assert r["per_label"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    # micro: tp 3, fp 1, fn 2 -> 2*3 / (2*3 + 1 + 2)
    assert r["micro_f1"] == pytest.approx(6 / 9)
    assert r["macro_f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert r["exact_match"] == pytest.approx(2 / 4)  # rows 2 and 4 (empty == empty)
    assert r["n"] == 4
    assert list(r["per_label"]) == NAMES


def test_perfect_prediction():
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 1]])
    r = scoring.multilabel_report(y, y.copy(), NAMES)
    assert r["micro_f1"] == 1.0
    assert r["macro_f1"] == 1.0
    assert r["exact_match"] == 1.0
    assert all(v["f1"] == 1.0 for v in r["per_label"].values())


def test_empty_label_column():
    # label "c" never occurs nor is predicted: zero_division=0 gives it F1 0, and it counts in macro.
    y_true = np.array([[1, 0, 0], [0, 1, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 0]])
    r = scoring.multilabel_report(y_true, y_pred, NAMES)
    assert r["per_label"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert r["micro_f1"] == 1.0
    assert r["macro_f1"] == pytest.approx(2 / 3)
    assert r["exact_match"] == 1.0


def test_all_zero_rows_and_bool_input():
    y_true = np.zeros((3, 3), dtype=bool)
    y_pred = np.zeros((3, 3), dtype=bool)
    r = scoring.multilabel_report(y_true, y_pred, NAMES)
    assert r["micro_f1"] == 0.0 and r["macro_f1"] == 0.0
    assert r["exact_match"] == 1.0


def test_report_is_json_able_and_markdown():
    r = scoring.multilabel_report(np.array([[1, 0, 1]]), np.array([[1, 1, 0]]), NAMES)
    assert json.loads(json.dumps(r)) == r
    md = scoring.to_markdown(r, "demo")
    assert md.startswith("### demo")
    assert "| a | 1.000 | 1.000 | 1.000 | 1 |" in md
    assert "macro-F1 **0.333**" in md


@pytest.mark.parametrize(
    "y_true, y_pred, names",
    [
        (np.array([[1, 0]]), np.array([[1, 0, 0]]), ["a", "b"]),  # shape mismatch
        (np.array([[1, 0, 0]]), np.array([[1, 0, 0]]), ["a", "b"]),  # names vs width
        (np.array([[1, 0, 0]]), np.array([[0.7, 0, 0]]), NAMES),  # probabilities, not 0/1
        (np.zeros((0, 3)), np.zeros((0, 3)), NAMES),  # no rows
        (np.array([1, 0, 0]), np.array([1, 0, 0]), NAMES),  # 1-D
    ],
)
def test_bad_input(y_true, y_pred, names):
    with pytest.raises(ValueError):
        scoring.multilabel_report(y_true, y_pred, names)


def test_metric_loads_from_path_offline(monkeypatch):
    """evaluate.load of the local script, with the network unreachable."""

    def no_network(*args, **kwargs):
        raise OSError("network disabled in test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)

    import evaluate

    for path in (scoring.METRIC_PATH, scoring.METRIC_PATH.parent):
        metric = evaluate.load(str(path), keep_in_memory=True)
        out = metric.compute(predictions=[[1, 0], [0, 1]], references=[[1, 0], [1, 1]], label_names=["x", "y"])
        assert out["exact_match"] == 0.5
        assert out["micro_f1"] == pytest.approx(0.8)
        assert set(out["per_label"]) == {"x", "y"}
    r = scoring.multilabel_report(np.array([[1, 0]]), np.array([[1, 0]]), ["x", "y"])
    assert r["per_label"]["x"]["f1"] == 1.0


def test_metric_is_cached():
    scoring.multilabel_report(np.array([[1, 0, 0]]), np.array([[1, 0, 0]]), NAMES)
    first = scoring._metric
    scoring.multilabel_report(np.array([[0, 1, 0]]), np.array([[0, 1, 0]]), NAMES)
    assert scoring._metric is first

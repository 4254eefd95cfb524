"""Multi-label scores for envtag predictions.

One entry point, :func:`multilabel_report`, computed by the local Hugging Face ``evaluate``
metric in ``metrics/multilabel_f1/`` (loaded offline from its path, never from
the Hub) so that training-time evaluation, the quality benchmark and ad-hoc
checks all report the same numbers. :func:`to_markdown` renders a report.

``import evaluate`` is slow (it pulls in ``datasets``), so it happens on the
first call to :func:`multilabel_report`, not on import of this module.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

METRIC_PATH = Path(__file__).resolve().parent / "metric_modules" / "multilabel_f1" / "multilabel_f1.py"

_metric = None
_lock = threading.Lock()


def _load_metric():
    """Load (once) and return the ``multilabel_f1`` evaluate metric."""
    global _metric
    with _lock:
        if _metric is None:
            import evaluate

            # keep_in_memory: no Arrow cache files or file locks on disk.
            _metric = evaluate.load(str(METRIC_PATH), keep_in_memory=True)
        return _metric


def _as_multi_hot(a: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 2:
        raise ValueError(f"{what}: expected a 2-D (n, n_labels) array, got shape {arr.shape}")
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{what}: expected multi-hot 0/1 values (threshold probabilities first)")
    return arr.astype(np.int32)


def multilabel_report(y_true: np.ndarray, y_pred: np.ndarray, label_names: list[str]) -> dict:
    """Score multi-hot predictions against multi-hot references.

    ``y_true`` and ``y_pred`` are ``(n, len(label_names))`` arrays of 0/1 (bool
    or any numeric dtype). Returns a plain JSON-able dict::

        {"per_label": {name: {"precision", "recall", "f1", "support"}},
         "micro_f1": float, "macro_f1": float, "exact_match": float, "n": int}

    ``support`` counts reference positives. Division by zero scores 0 (a label
    never present nor predicted gets F1 = 0 and still counts in the macro mean).
    Raises ``ValueError`` on shape mismatch, non-binary values or zero rows.
    """
    yt = _as_multi_hot(y_true, "y_true")
    yp = _as_multi_hot(y_pred, "y_pred")
    names = [str(n) for n in label_names]
    if yt.shape != yp.shape:
        raise ValueError(f"y_true {yt.shape} and y_pred {yp.shape} differ in shape")
    if yt.shape[1] != len(names):
        raise ValueError(f"{len(names)} label names for {yt.shape[1]} label columns")
    if yt.shape[0] == 0:
        raise ValueError("no rows to score")
    metric = _load_metric()
    with _lock:
        out = metric.compute(predictions=yp.tolist(), references=yt.tolist(), label_names=names)
    return {
        "per_label": {
            name: {
                "precision": float(v["precision"]),
                "recall": float(v["recall"]),
                "f1": float(v["f1"]),
                "support": int(v["support"]),
            }
            for name, v in out["per_label"].items()
        },
        "micro_f1": float(out["micro_f1"]),
        "macro_f1": float(out["macro_f1"]),
        "exact_match": float(out["exact_match"]),
        "n": int(out["n"]),
    }


def to_markdown(report: dict, title: str) -> str:
    """Render a :func:`score` report as a Markdown section: a summary line and a per-label table."""
    lines = [
        f"### {title}",
        "",
        f"n = {report['n']} · macro-F1 **{report['macro_f1']:.3f}** · "
        f"micro-F1 {report['micro_f1']:.3f} · exact match {report['exact_match']:.3f}",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, v in report["per_label"].items():
        lines.append(f"| {name} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
    lines.append(
        f"| **micro avg** | | | {report['micro_f1']:.3f} | {sum(v['support'] for v in report['per_label'].values())} |"
    )
    lines.append(f"| **macro avg** | | | {report['macro_f1']:.3f} | |")
    return "\n".join(lines) + "\n"

"""Statistics over annotation files: label counts, co-occurrence, lengths,
and agreement between two annotators."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from envtag.taxonomy import load_taxonomy

from .annotations import load_examples


def stats(path: str | Path) -> dict:
    labels = load_taxonomy().ids
    examples = load_examples(path)
    content = [e for e in examples if e.content]
    y = np.asarray([[int(lab in e.labels) for lab in labels] for e in content], dtype=int).reshape(-1, len(labels))
    lengths = np.asarray([len(e.text) for e in content]) if content else np.zeros(1)
    co = (y.T @ y).tolist() if len(y) else [[0] * len(labels) for _ in labels]
    return {
        "file": str(path),
        "paragraphs": len(examples),
        "content": len(content),
        "non_content": len(examples) - len(content),
        "label_free": int((y.sum(1) == 0).sum()) if len(y) else 0,
        "labels": dict(zip(labels, y.sum(0).tolist(), strict=True)) if len(y) else dict.fromkeys(labels, 0),
        "labels_per_paragraph": {int(k): int(v) for k, v in zip(*np.unique(y.sum(1), return_counts=True), strict=True)}
        if len(y)
        else {},
        "cooccurrence": {"labels": labels, "matrix": co},
        "length_chars": {
            "mean": float(lengths.mean()),
            "median": float(np.median(lengths)),
            "p90": float(np.percentile(lengths, 90)),
            "max": int(lengths.max()),
        },
    }


def agreement(path_a: str | Path, path_b: str | Path) -> dict:
    """Per-label Cohen's kappa and F1 (B scored against A) over the
    paragraphs both files annotate, matched by id, else by text."""
    from sklearn.metrics import cohen_kappa_score, f1_score

    labels = load_taxonomy().ids
    a = {e.id: e for e in load_examples(path_a)}
    b = {e.id: e for e in load_examples(path_b)}
    shared = [k for k in a if k in b]
    if not shared:
        a = {e.text: e for e in a.values()}
        b = {e.text: e for e in b.values()}
        shared = [k for k in a if k in b]
    if not shared:
        from envtag.errors import DataError

        raise DataError(f"{path_a} and {path_b} share no paragraph ids or texts; nothing to compare")
    ya = np.asarray([[int(lab in a[k].labels) for lab in labels] for k in shared])
    yb = np.asarray([[int(lab in b[k].labels) for lab in labels] for k in shared])
    per = {}
    for j, lab in enumerate(labels):
        same = (ya[:, j] == yb[:, j]).all()
        kappa = 1.0 if same else float(cohen_kappa_score(ya[:, j], yb[:, j]))
        per[lab] = {"kappa": kappa, "f1": float(f1_score(ya[:, j], yb[:, j], zero_division=1.0 if same else 0.0))}
    return {
        "paragraphs": len(shared),
        "only_in_a": len(a) - len(shared),
        "only_in_b": len(b) - len(shared),
        "per_label": per,
        "macro_f1": float(np.mean([v["f1"] for v in per.values()])),
        "mean_kappa": float(np.mean([v["kappa"] for v in per.values()])),
        "exact_match": float((ya == yb).all(1).mean()),
    }

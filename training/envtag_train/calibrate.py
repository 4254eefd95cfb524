"""Calibrate and publish: the last step of every way a tagger is made (``train``, ``soup``).

Thresholds are tuned on the scores of the model exactly as ``envtag tag`` runs
it (the int8 ONNX file when one is exported, windows and all), every
evaluation set is scored with them, and the finished directory is published
atomically with its settings, metrics and model card.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from envtag.atomic import publish
from envtag.settings import TaggerSettings

from .annotations import Example
from .metrics import multilabel_report

# The one threshold grid, used by training, soup and the quality benchmark.
THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)


def label_matrix(examples: list[Example], labels: list[str]) -> np.ndarray:
    return np.asarray([[1.0 if lab in e.labels else 0.0 for lab in labels] for e in examples], dtype=np.float32)


def tune_thresholds(y: np.ndarray, scores: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Per-label threshold maximising that label's F1 on dev (ties → closest
    to 0.5, which keeps thresholds away from brittle extremes)."""
    from sklearn.metrics import f1_score

    out = {}
    for j, lab in enumerate(labels):
        if y[:, j].sum() == 0:
            out[lab] = 0.5
            continue
        f1s = [f1_score(y[:, j], scores[:, j] >= t, zero_division=0) for t in THRESHOLD_GRID]
        best = max(f1s)
        cands = [t for t, f in zip(THRESHOLD_GRID, f1s, strict=True) if f >= best - 1e-9]
        out[lab] = float(min(cands, key=lambda t: abs(t - 0.5)))
    return out


def tagger_scores(tagger, texts: list[str], titles: list[str | None] | None = None) -> np.ndarray:
    """Probabilities of ``tagger`` for ``texts`` (texts × labels), through its
    prediction path, each read after its document's title when ``titles`` has one."""
    preds = tagger.predict(list(texts), evidence=False, titles=titles)
    return np.asarray([[p.scores.get(lab, 0.0) for lab in tagger.labels] for p in preds], dtype=np.float32)


def example_scores(tagger, examples: list[Example]) -> np.ndarray:
    """:func:`tagger_scores` of annotated paragraphs, each with its document title."""
    return tagger_scores(tagger, [e.text for e in examples], [e.title for e in examples])


def evaluate_sets(tagger, sets: dict[str, list[Example]]) -> dict[str, dict]:
    """Metrics of ``tagger`` (with its thresholds) on each named set."""
    cut = np.asarray([tagger.thresholds[lab] for lab in tagger.labels])
    out = {}
    for name, examples in sets.items():
        y = label_matrix(examples, tagger.labels).astype(int)
        given = example_scores(tagger, examples) >= cut
        out[name] = multilabel_report(y, given.astype(int), tagger.labels)
    return out


def calibrate_and_publish(
    stage: Path,
    out: Path,
    dev_sets: dict[str, list[Example]],
    report_sets: dict[str, list[Example]],
    extra: dict,
    card: Callable[[TaggerSettings, dict], str],
    tune: bool = True,
    export: bool = False,
    history: list | None = None,
) -> dict:
    """Tune thresholds on the dev sets together, score every set, write
    settings, ``metrics.json`` and the card into ``stage``, publish it as ``out``."""
    from envtag.tagger import Tagger

    if export:
        from .export import export_onnx

        export_onnx(stage)
    tagger = Tagger.from_pretrained(stage)
    labels = tagger.labels
    # Every set is scored once; thresholds change the labels, not the scores.
    scores = {name: example_scores(tagger, ex) for name, ex in {**dev_sets, **report_sets}.items()}
    dev = [e for examples in dev_sets.values() for e in examples]
    dev_scores = np.concatenate([scores[name] for name in dev_sets])
    if tune:
        tagger = tagger.with_thresholds(tune_thresholds(label_matrix(dev, labels), dev_scores, labels))
    cut = np.asarray([tagger.thresholds[lab] for lab in labels])

    def report(examples, probs):
        return multilabel_report(label_matrix(examples, labels).astype(int), (probs >= cut).astype(int), labels)

    named = {**dev_sets, **report_sets} if len(dev_sets) > 1 else report_sets
    metrics = {"dev": report(dev, dev_scores), **{name: report(ex, scores[name]) for name, ex in named.items()}}
    settings = tagger.settings
    settings.extra = {**settings.extra, **extra}
    settings.save(stage)
    payload = {**metrics, "history": history} if history is not None else metrics
    (stage / "metrics.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    (stage / "README.md").write_text(card(settings, metrics), encoding="utf-8")
    publish(stage, out)
    return metrics

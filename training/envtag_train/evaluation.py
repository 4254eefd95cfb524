"""``envtag evaluate``: score a saved model on an annotated file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from envtag.errors import ModelError
from envtag.tagger import Tagger
from envtag_train.metrics import multilabel_report, to_markdown

from .annotations import load_examples


def evaluate_model(model: str | None, data: str | Path, out_dir: str | Path | None = None) -> dict:
    """Per-label P/R/F1, micro/macro-F1 and exact match on the content
    paragraphs of ``data`` (non-content lines are checked separately: the
    tagger should skip them)."""
    tagger = Tagger.from_pretrained(model)
    examples = load_examples(data)
    unknown = sorted({lab for e in examples for lab in e.labels} - set(tagger.labels))
    if unknown:
        raise ModelError(
            f"{data} uses label(s) {unknown} that the model at {tagger.source} does not have "
            f"(model labels: {tagger.labels}); evaluate a model trained on the current taxonomy "
            "(`envtag train`) or drop those labels from the data"
        )
    preds = tagger.predict([e.text for e in examples], evidence=False, titles=[e.title for e in examples])
    content = [(e, p) for e, p in zip(examples, preds, strict=True) if e.content]
    labels = tagger.labels
    y = np.asarray([[int(lab in e.labels) for lab in labels] for e, _ in content])
    yhat = np.asarray([[int(lab in p.labels) for lab in labels] for _, p in content])
    report = multilabel_report(y, yhat, labels)
    non_content = [(e, p) for e, p in zip(examples, preds, strict=True) if not e.content]
    report["data"] = str(data)
    report["model"] = tagger.source
    report["non_content"] = {
        "total": len(non_content),
        "skipped": sum(1 for _, p in non_content if p.skipped),
    }
    report["content_wrongly_skipped"] = sum(1 for _, p in content if p.skipped)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        stem = Path(data).stem
        (out / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        (out / f"{stem}.md").write_text(to_markdown(report, title=f"{stem} — {tagger.source}"), encoding="utf-8")
    return report

"""Active-learning helper: pick the unlabeled paragraphs a model is least sure
about, spread across documents, as a file ready to annotate."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from envtag.readers import Paragraph, expand_inputs, iter_inputs
from envtag.tagger import Tagger
from envtag.tagging import predict_stream


def suggest(
    model: str | None,
    inputs: list[str],
    n: int = 200,
    per_document: int = 3,
    batch_size: int = 64,
    min_chars: int = 15,
) -> list[dict]:
    """Rank content paragraphs by margin to the nearest label threshold
    (smallest first), then take them round-robin over documents, at most
    ``per_document`` from one document, so one long file cannot fill the set.
    Each record carries the model's labels as a pre-annotation to correct."""
    tagger = Tagger.from_pretrained(model)
    thr = np.asarray([tagger.thresholds[lab] for lab in tagger.labels])
    candidates: list[dict] = []
    for par, pred in predict_stream(tagger, _corpus_paragraphs(inputs), batch_size, evidence=False):
        if pred.skipped or len(pred.clean_text) < min_chars:
            continue
        scores = np.asarray([pred.scores[lab] for lab in tagger.labels])
        margin = np.abs(scores - thr)
        j = int(margin.argmin())
        candidates.append(
            {
                "id": par.id or f"{Path(par.source).name}#{par.index}",
                "text": par.text,
                "labels": pred.labels,
                "content": True,
                "doc": par.source,
                "uncertain_label": tagger.labels[j],
                "margin": round(float(margin[j]), 4),
                "scores": {k: round(v, 4) for k, v in pred.scores.items()},
            }
        )
    return _spread(candidates, n, per_document)


def _corpus_paragraphs(inputs: list[str]) -> Iterator[Paragraph]:
    """Paragraphs of the inputs. Corpus-style JSONL holds a whole document per
    record, one paragraph per line of its text: suggest paragraphs, not documents."""
    for record in iter_inputs(expand_inputs(inputs)):
        lines = [t for t in record.text.split("\n") if t.strip()] or [record.text]
        doc = f"{record.source}:{record.id}" if record.id and len(lines) > 1 else record.source
        title = lines[0] if len(lines) > 1 else record.title  # a corpus document opens with its title
        for k, line in enumerate(lines):
            pid = f"{record.id}#{k}" if record.id and len(lines) > 1 else record.id
            index = record.index if len(lines) == 1 else k
            yield Paragraph(source=doc, index=index, text=line, id=pid, title=title)


def _spread(candidates: list[dict], n: int, per_document: int) -> list[dict]:
    """The least certain candidates, round-robin over documents, at most ``per_document`` each."""
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for c in sorted(candidates, key=lambda c: c["margin"]):
        if len(by_doc[c["doc"]]) < per_document:
            by_doc[c["doc"]].append(c)
    queues = sorted(by_doc.values(), key=lambda q: q[0]["margin"])
    chosen: list[dict] = []
    depth = 0
    while len(chosen) < n and any(depth < len(q) for q in queues):
        for q in queues:
            if depth < len(q) and len(chosen) < n:
                chosen.append(q[depth])
        depth += 1
    return chosen


def write_jsonl(records: list[dict], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")

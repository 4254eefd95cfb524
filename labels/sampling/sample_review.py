"""How the round-17 review chose the corpus_train paragraphs it read again.

    git show c674944:labels/corpus_train.jsonl > /tmp/corpus_train.r16.jsonl   # the labels before the review
    .venv/bin/python labels/sampling/sample_review.py --labels /tmp/corpus_train.r16.jsonl \\
        --model models/default --out runs/review17.jsonl

A model that disagrees with the labels it was trained on, and is sure of
itself, points at the labels most likely to be wrong (confident learning):
the shipped default (round-10 student, int8 as ``envtag tag`` runs it)
scores every content paragraph; the 2,400 disagreements with the largest
margin (in logits, the largest distance from its threshold of any label in
dispute) and 200 seeded controls where model and labels agree are shuffled
together. The annotators read them blind; neither the labels nor the
model's answer is shown. Writes one line per item, in batch order
(eight batches of 325): ``{item, id, why, labels, model}`` (``why``: ``D``
disagreement, ``C`` control), record ids only, no text.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from envtag.tagger import Tagger
from envtag_train.annotations import load_examples
from envtag_train.calibrate import tagger_scores

DISAGREEMENTS, CONTROLS, SEED = 2400, 200, 17


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def choose(labels_file: Path, tagger: Tagger) -> list[dict]:
    """The review set, in batch order."""
    labels = tagger.labels
    records = [json.loads(line) for line in labels_file.read_text(encoding="utf-8").splitlines()]
    examples = load_examples(labels_file)
    content = [i for i, e in enumerate(examples) if e.content]
    scores = tagger_scores(tagger, [examples[i].text for i in content])
    cut = np.array([tagger.settings.thresholds[lab] for lab in labels])
    predicted = scores >= cut
    model = {
        i: [lab for lab, p in zip(labels, row, strict=True) if p] for i, row in zip(content, predicted, strict=True)
    }
    disagree, agree = [], []
    for k, i in enumerate(content):
        gold = np.array([lab in records[i]["labels"] for lab in labels])
        differs = gold != predicted[k]
        if differs.any():
            disagree.append((float(np.max(np.abs(logit(scores[k]) - logit(cut))[differs])), i))
        else:
            agree.append(i)
    disagree.sort(reverse=True)
    rng = random.Random(SEED)
    chosen = [(i, "D") for _, i in disagree[:DISAGREEMENTS]] + [(i, "C") for i in rng.sample(agree, CONTROLS)]
    rng.shuffle(chosen)
    return [
        {"item": f"K{n:04d}", "id": records[i]["id"], "why": why, "labels": records[i]["labels"], "model": model[i]}
        for n, (i, why) in enumerate(chosen)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", type=Path, required=True, help="corpus_train.jsonl as it stood before the review")
    ap.add_argument("--model", default="models/default")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows = choose(args.labels, Tagger.from_pretrained(args.model, threads=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} paragraphs ({sum(r['why'] == 'D' for r in rows)} disagreements) -> {args.out}")


if __name__ == "__main__":
    main()

"""How the round-3 corpus paragraphs of labels/corpus_train.jsonl were sampled.

    git worktree add /tmp/round2 ba8a705     # the default that round 3 was drawn with
    .venv/bin/python labels/sampling/sample_round3.py --model /tmp/round2/models/default --out runs/sampling

Round 3 is uncertainty sampling. Rounds 1–2 sampled by lexicon cue and
register, and the round-2 default still erred mostly where it was unsure
(complaints and replies, law clauses assigning duties, judgments). So each
register contributes a seeded draw of candidate paragraphs, the round-2
default scores them, and the paragraphs nearest a decision threshold in any
label are annotated: a label changes the model most there.

Candidates: paragraphs of ``../shared/corpus`` (the rules of
``sample_corpus.py``: not boilerplate, 15–600 characters after cleaning, up
to 1,500 in the second draw) outside every evaluation document (silver_dev,
seeds_gold, dev_corpus), not in silver_train and not annotated before round 3
(round-3 records, ``source_batch`` F… or G…, are ignored, so the draws
rebuild from today's files); at most 2 per document per draw and 8 in all
rounds. Writes ``pool_train7.jsonl`` and ``pool_train8.jsonl`` with the
fields of the other pools plus ``margin`` (the smallest distance, in logits,
of any label's score from its threshold).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sample_corpus import documents, strata, take, used_documents_except_train, write

from envtag.tagger import Tagger
from envtag_train.calibrate import tagger_scores
from envtag_train.lexicon import LexiconTagger

ROOT = Path(__file__).resolve().parents[2]
ROUND3_BATCHES = ("F", "G")  # source_batch prefixes of round 3: ignored when rebuilding what was annotated before it


@dataclass(frozen=True)
class Draw:
    name: str
    prefix: str
    seed: int
    max_chars: int  # the second draw reaches the long complaints, replies and judgments the first exhausted
    quotas: dict


DRAWS = (
    Draw("pool_train7", "x", 2612064, 600, {
        ("registers", "other"): 300, ("policy", "law"): 260, ("registers", "research"): 180,
        ("policy", "news"): 160, ("policy", "other"): 140, ("registers", "bureau"): 120,
        ("registers", "judgment"): 100, ("news", "news"): 80, ("registers", "news"): 60,
        ("policy", "report"): 40, ("policy", "plan"): 40}),
    Draw("pool_train8", "y", 2612065, 1500, {
        ("policy", "law"): 250, ("policy", "news"): 200, ("policy", "other"): 200,
        ("registers", "other"): 150, ("registers", "research"): 150, ("news", "news"): 150,
        ("registers", "bureau"): 60, ("registers", "judgment"): 60, ("registers", "news"): 60,
        ("policy", "report"): 60, ("policy", "plan"): 60}),
)  # fmt: skip
CANDIDATES = 2500  # drawn per register before scoring


def annotated() -> tuple[set[str], set[tuple[str, int]]]:
    """Documents of the dev set and (doc, para) pairs annotated before round 3."""
    dev_docs, done = set(), set()
    for name in ("corpus_train", "dev_corpus"):
        for line in (ROOT / "labels" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if not r.get("source_batch", "").startswith(ROUND3_BATCHES):
                done.add((r["doc"], r["para"]))
            if name == "dev_corpus":
                dev_docs.add(r["doc"])
    return dev_docs, done


def margins(tagger: Tagger, texts: list[str]) -> np.ndarray:
    """Smallest |logit(score) − logit(threshold)| over labels, per text."""
    p = np.clip(tagger_scores(tagger, texts).astype(np.float64), 1e-6, 1 - 1e-6)
    t = np.clip([tagger.thresholds[lab] for lab in tagger.labels], 1e-6, 1 - 1e-6)
    logit = lambda v: np.log(v) - np.log1p(-v)  # noqa: E731
    return np.abs(logit(p) - logit(t)).min(axis=1)


def candidates(draw: Draw, rnd: random.Random, done: set, eval_docs: set, silver_texts: set) -> dict[tuple, list[dict]]:
    lexicon = LexiconTagger()
    pools = collections.defaultdict(list)
    for c, d, k, t, ps in documents(eval_docs, draw.max_chars):  # in file order
        for i, x in ps:
            if (c, k) in draw.quotas and (d, i) not in done and x not in silver_texts:
                pools[(c, k)].append(dict(doc=d, corpus=c, kind=k, title=t, para=i, text=x))
    for pool in pools.values():
        rnd.shuffle(pool)
        del pool[CANDIDATES:]
        for p in pool:
            p["strata"] = strata(p["text"], lexicon)
    return pools


def pick(draw: Draw, tagger: Tagger, done: set, eval_docs: set, silver_texts: set) -> list[dict]:
    """The paragraphs nearest a threshold in each register, at most 2 per
    document in this draw and 8 in all rounds."""
    rnd = random.Random(draw.seed)
    pools = candidates(draw, rnd, done, eval_docs, silver_texts)
    per = collections.Counter(d for d, _ in done)
    this_draw, seen, out = collections.Counter(), set(), []
    for key, quota in draw.quotas.items():
        pool = pools[key]
        for p, m in zip(pool, margins(tagger, [p["text"] for p in pool]), strict=True):
            p["margin"] = round(float(m), 3)
        take(sorted(pool, key=lambda p: p["margin"]), quota, [(this_draw, 2), (per, 8)], seen, out)
    rnd.shuffle(out)
    return out


def pick_round3(tagger: Tagger) -> dict[str, list[dict]]:
    """Both draws; the second excludes what the first chose."""
    eval_docs, silver_texts = used_documents_except_train()
    dev_docs, done = annotated()
    eval_docs |= dev_docs
    out = {}
    for draw in DRAWS:
        out[draw.name] = pick(draw, tagger, done, eval_docs, silver_texts)
        done |= {(p["doc"], p["para"]) for p in out[draw.name]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pools = pick_round3(Tagger.from_pretrained(args.model))
    for draw in DRAWS:
        rows = pools[draw.name]
        write(rows, args.out / f"{draw.name}.jsonl", draw.prefix, 4)
        below = sum(p["margin"] < 1.0 for p in rows)
        print(f"{draw.name}: {len(rows)} paragraphs, {below} within 1 logit of a threshold", flush=True)


if __name__ == "__main__":
    main()

"""How the uncertainty-sampled corpus paragraphs of labels/corpus_train.jsonl were chosen (rounds 3 to 15).

    git worktree add /tmp/round2 ba8a705     # the round-2 default drew rounds 3 to 8 (still shipped then)
    .venv/bin/python labels/sampling/sample_uncertain.py --round 3 --model /tmp/round2/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 4 --model /tmp/round2/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 5 --model /tmp/round2/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 6 --model /tmp/round2/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 7 --model /tmp/round2/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 8 --model /tmp/round2/models/default --out runs/s
    git worktree add /tmp/round7 79a653a     # the round-7 default drew rounds 9 and 10
    .venv/bin/python labels/sampling/sample_uncertain.py --round 9 --model /tmp/round7/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 10 --model /tmp/round7/models/default --out runs/s
    git worktree add /tmp/round8 d48739c     # the round-8 default drew rounds 11 and 12
    .venv/bin/python labels/sampling/sample_uncertain.py --round 11 --model /tmp/round8/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 12 --model /tmp/round8/models/default --out runs/s
    git worktree add /tmp/round10 09b3c53    # the round-10 default drew rounds 13 to 15
    .venv/bin/python labels/sampling/sample_uncertain.py --round 13 --model /tmp/round10/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 14 --model /tmp/round10/models/default --out runs/s
    .venv/bin/python labels/sampling/sample_uncertain.py --round 15 --model /tmp/round10/models/default --out runs/s

Rounds 1–2 sampled by lexicon cue and register, and the round-2 default
still erred mostly where it was unsure. So each register contributes a
seeded draw of candidate paragraphs, the default scores them, and the
paragraphs nearest a decision threshold in any label are annotated: a label
changes the model most there.

Candidates: paragraphs of ``../shared/corpus`` (the rules of
``sample_corpus.py``: not boilerplate, 15–600 characters after cleaning, or
up to 1,500 where a draw says so) outside every evaluation document
(silver_dev, seeds_gold, dev_corpus), not in silver_train and not annotated
in an earlier round (records of this round and later ones, by their
``source_batch`` prefix, are ignored, so a draw rebuilds from today's files);
at most 2 per document per draw and 8 in all rounds (14 from round 9). From round 4 on, a
paragraph whose text an earlier round annotated is not a candidate either
(round 3 did not check this and kept 105 repeats out of its records
afterwards). Each pool has the fields of the other pools plus ``margin``
(the smallest distance, in logits, of any label's score from its threshold).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sample_corpus import documents, strata, take, used_documents_except_train, write

from envtag.tagger import Tagger
from envtag_train.calibrate import tagger_scores
from envtag_train.lexicon import LexiconTagger

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Draw:
    name: str
    prefix: str
    seed: int
    max_chars: int
    quotas: dict
    doc_cap: int = 8  # paragraphs per document over all rounds


@dataclass(frozen=True)
class Round:
    batches: tuple[str, ...]  # source_batch prefixes of this round's annotation batches
    draws: tuple[Draw, ...]
    skip_annotated_texts: bool


ROUNDS = {
    3: Round(("F", "G"), (
        Draw("pool_train7", "x", 2612064, 600, {
            ("registers", "other"): 300, ("policy", "law"): 260, ("registers", "research"): 180,
            ("policy", "news"): 160, ("policy", "other"): 140, ("registers", "bureau"): 120,
            ("registers", "judgment"): 100, ("news", "news"): 80, ("registers", "news"): 60,
            ("policy", "report"): 40, ("policy", "plan"): 40}),
        # the second draw reaches the long complaints, replies and judgments the first exhausted
        Draw("pool_train8", "y", 2612065, 1500, {
            ("policy", "law"): 250, ("policy", "news"): 200, ("policy", "other"): 200,
            ("registers", "other"): 150, ("registers", "research"): 150, ("news", "news"): 150,
            ("registers", "bureau"): 60, ("registers", "judgment"): 60, ("registers", "news"): 60,
            ("policy", "report"): 60, ("policy", "plan"): 60}),
    ), skip_annotated_texts=False),
    # round 4: the registers the round-3 benchmark left weakest (trade news, research, news
    # items), and what remains of complaints, replies, judgments and bureau texts
    4: Round(("H",), (
        Draw("pool_train9", "z", 2612066, 1500, {
            ("registers", "news"): 260, ("registers", "research"): 240, ("policy", "news"): 140,
            ("news", "news"): 100, ("policy", "other"): 100, ("policy", "law"): 80,
            ("registers", "other"): 50, ("registers", "bureau"): 40, ("registers", "judgment"): 40}),
        # a second draw lets 2 more paragraphs per document through, for trade news and research
        Draw("pool_train10", "q", 2612067, 1500, {
            ("registers", "news"): 200, ("registers", "research"): 250, ("news", "news"): 60,
            ("policy", "news"): 60}),
    ), skip_annotated_texts=True),
    # round 5: research, the register with the most dev_corpus errors of the round-4 benchmark
    # and the only one with many unannotated paragraphs left, then laws, news and policy texts
    5: Round(("I",), (
        Draw("pool_train11", "r", 2612068, 1500, {
            ("registers", "research"): 480, ("policy", "law"): 160, ("policy", "news"): 160,
            ("policy", "other"): 100, ("news", "news"): 100, ("registers", "news"): 80,
            ("registers", "other"): 40, ("registers", "judgment"): 40, ("registers", "bureau"): 20}),
    ), skip_annotated_texts=True),
    # round 6: the large registers of the dev set beside research (policy news, news items,
    # laws, other policy documents), with what trade news has left
    6: Round(("J",), (
        Draw("pool_train12", "s", 2612069, 1500, {
            ("registers", "research"): 300, ("policy", "news"): 250, ("news", "news"): 200,
            ("policy", "law"): 200, ("policy", "other"): 150, ("registers", "news"): 60}),
    ), skip_annotated_texts=True),
    # round 7: research and the policy/news registers, the only ones with paragraphs left,
    # plus what trade news, reports and plans still hold
    7: Round(("K",), (
        Draw("pool_train13", "p", 2612070, 1500, {
            ("registers", "research"): 380, ("policy", "news"): 220, ("news", "news"): 150,
            ("policy", "law"): 150, ("policy", "other"): 120, ("registers", "news"): 60,
            ("policy", "report"): 40, ("policy", "plan"): 40}),
    ), skip_annotated_texts=True),
    # round 8: the same registers again but trade news, whose remaining candidates round 7
    # found all at their documents' caps
    8: Round(("L",), (
        Draw("pool_train14", "o", 2612071, 1500, {
            ("registers", "research"): 380, ("policy", "news"): 250, ("news", "news"): 200,
            ("policy", "law"): 150, ("policy", "other"): 150, ("policy", "report"): 40,
            ("policy", "plan"): 40}),
    ), skip_annotated_texts=True),
    # round 9 (drawn by the round-7 default): the registers that default reads worst, complaints
    # and replies, bureau texts and trade news, whose documents may now give up to 14 paragraphs
    # in all rounds, then judgments, research and the policy/news registers
    9: Round(("M",), (
        Draw("pool_train15", "n", 2612072, 1500, {
            ("registers", "other"): 200, ("registers", "bureau"): 120, ("registers", "news"): 150,
            ("registers", "judgment"): 100, ("registers", "research"): 300, ("policy", "news"): 200,
            ("news", "news"): 100, ("policy", "law"): 100, ("policy", "other"): 100}, doc_cap=14),
    ), skip_annotated_texts=True),
    # round 10 (drawn by the round-7 default): the registers with paragraphs left, research and
    # the policy/news registers first, and trade news under the round-9 cap
    10: Round(("N",), (
        Draw("pool_train16", "k", 2612073, 1500, {
            ("registers", "research"): 300, ("policy", "news"): 250, ("news", "news"): 200,
            ("policy", "law"): 150, ("policy", "other"): 150, ("registers", "news"): 100}, doc_cap=14),
    ), skip_annotated_texts=True),
    # round 11 (drawn by the round-8 default): the registers with paragraphs left, research
    # first (its captions, reference lines and method text drew most false positives of the
    # round-8 default on dev_corpus), then the policy/news registers and what remains elsewhere
    11: Round(("P",), (
        Draw("pool_train17", "h", 2612074, 1500, {
            ("registers", "research"): 350, ("policy", "news"): 250, ("news", "news"): 200,
            ("policy", "law"): 150, ("policy", "other"): 150, ("registers", "news"): 100,
            ("registers", "other"): 50, ("registers", "judgment"): 30, ("registers", "bureau"): 30,
            ("policy", "report"): 30, ("policy", "plan"): 30}, doc_cap=14),
    ), skip_annotated_texts=True),
    # round 12 (drawn by the round-8 default, after round 11): the same registers, trade news
    # (the weakest register of that default) up to its documents' caps
    12: Round(("Q",), (
        Draw("pool_train18", "g", 2612075, 1500, {
            ("registers", "research"): 300, ("policy", "news"): 200, ("news", "news"): 200,
            ("policy", "law"): 150, ("policy", "other"): 150, ("registers", "news"): 150,
            ("policy", "report"): 30, ("policy", "plan"): 30}, doc_cap=14),
    ), skip_annotated_texts=True),
    # round 13 (drawn by the round-10 default): complaints and their replies first (they drew
    # most of that default's false supervision and enforcement on dev_corpus), then research,
    # the policy/news registers and what remains of laws and judgments
    13: Round(("R",), (
        Draw("pool_train19", "j", 2612076, 1500, {
            ("registers", "other"): 250, ("registers", "bureau"): 150, ("registers", "research"): 250,
            ("policy", "news"): 150, ("news", "news"): 150, ("policy", "law"): 100,
            ("registers", "judgment"): 50, ("registers", "news"): 50, ("policy", "other"): 50}, doc_cap=14),
    ), skip_annotated_texts=True),
    # round 14 (drawn by the round-10 default, after round 13): the registers with paragraphs left
    14: Round(("S",), (
        Draw("pool_train20", "f", 2612077, 1500, {
            ("registers", "research"): 300, ("policy", "news"): 200, ("news", "news"): 200,
            ("policy", "law"): 150, ("policy", "other"): 150, ("registers", "news"): 50}, doc_cap=14),
    ), skip_annotated_texts=True),
    # round 15 (drawn by the round-10 default, after round 14): the same registers
    15: Round(("T",), (
        Draw("pool_train21", "e", 2612078, 1500, {
            ("registers", "research"): 300, ("policy", "news"): 200, ("news", "news"): 200,
            ("policy", "law"): 150, ("policy", "other"): 150, ("registers", "news"): 50}, doc_cap=14),
    ), skip_annotated_texts=True),
}  # fmt: skip

CANDIDATES = 2500  # drawn per register before scoring


def annotated(number: int) -> tuple[set[str], set[tuple[str, int]], set[str]]:
    """Documents of the dev set, and the (doc, para) pairs and text hashes annotated before round ``number``."""
    later = tuple(prefix for n, r in ROUNDS.items() if n >= number for prefix in r.batches)
    dev_docs, done, hashes = set(), set(), set()
    for name in ("corpus_train", "dev_corpus"):
        for line in (ROOT / "labels" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if not r.get("source_batch", "").startswith(later):
                done.add((r["doc"], r["para"]))
                hashes.add(r["sha1"])
            if name == "dev_corpus":
                dev_docs.add(r["doc"])
    return dev_docs, done, hashes


def margins(tagger: Tagger, texts: list[str]) -> np.ndarray:
    """Smallest |logit(score) − logit(threshold)| over labels, per text."""
    p = np.clip(tagger_scores(tagger, texts).astype(np.float64), 1e-6, 1 - 1e-6)
    t = np.clip([tagger.thresholds[lab] for lab in tagger.labels], 1e-6, 1 - 1e-6)
    logit = lambda v: np.log(v) - np.log1p(-v)  # noqa: E731
    return np.abs(logit(p) - logit(t)).min(axis=1)


def candidates(draw: Draw, rnd: random.Random, done: set, eval_docs: set, skip_texts: Callable) -> dict:
    """Up to ``CANDIDATES`` paragraphs per register of ``draw``, shuffled with its seed."""
    lexicon = LexiconTagger()
    pools = collections.defaultdict(list)
    for c, d, k, t, ps in documents(eval_docs, draw.max_chars):  # in file order
        for i, x in ps:
            if (c, k) in draw.quotas and (d, i) not in done and not skip_texts(x):
                pools[(c, k)].append(dict(doc=d, corpus=c, kind=k, title=t, para=i, text=x))
    for pool in pools.values():
        rnd.shuffle(pool)
        del pool[CANDIDATES:]
        for p in pool:
            p["strata"] = strata(p["text"], lexicon)
    return pools


def pick(draw: Draw, tagger: Tagger, done: set, eval_docs: set, skip_texts: Callable) -> list[dict]:
    """The paragraphs nearest a threshold in each register, at most 2 per
    document in this draw and ``draw.doc_cap`` in all rounds."""
    rnd = random.Random(draw.seed)
    pools = candidates(draw, rnd, done, eval_docs, skip_texts)
    per = collections.Counter(d for d, _ in done)
    this_draw, seen, out = collections.Counter(), set(), []
    for key, quota in draw.quotas.items():
        pool = pools[key]
        print(f"{draw.name} {'/'.join(key)}: {len(pool)} candidates", flush=True)
        if not pool:  # the register is used up
            continue
        for p, m in zip(pool, margins(tagger, [p["text"] for p in pool]), strict=True):
            p["margin"] = round(float(m), 3)
        take(sorted(pool, key=lambda p: p["margin"]), quota, [(this_draw, 2), (per, draw.doc_cap)], seen, out)
    rnd.shuffle(out)
    return out


def pick_round(number: int, tagger: Tagger) -> dict[str, list[dict]]:
    """Every draw of round ``number``; a later draw excludes what an earlier one chose."""
    rnd_ = ROUNDS[number]
    eval_docs, silver_texts = used_documents_except_train()
    dev_docs, done, hashes = annotated(number)
    eval_docs |= dev_docs

    def skip_texts(text: str) -> bool:
        if text in silver_texts:
            return True
        return rnd_.skip_annotated_texts and hashlib.sha1(text.encode()).hexdigest() in hashes

    out = {}
    for draw in rnd_.draws:
        out[draw.name] = pick(draw, tagger, done, eval_docs, skip_texts)
        done |= {(p["doc"], p["para"]) for p in out[draw.name]}
        hashes |= {hashlib.sha1(p["text"].encode()).hexdigest() for p in out[draw.name]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--round", type=int, choices=sorted(ROUNDS), required=True)
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pools = pick_round(args.round, Tagger.from_pretrained(args.model))
    for draw in ROUNDS[args.round].draws:
        rows = pools[draw.name]
        write(rows, args.out / f"{draw.name}.jsonl", draw.prefix, 4)
        below = sum(p["margin"] < 1.0 for p in rows)
        print(f"{draw.name}: {len(rows)} paragraphs, {below} within 1 logit of a threshold", flush=True)


if __name__ == "__main__":
    main()

"""Quality benchmark: macro-F1, micro-F1 and exact match of envtag taggers.

    .venv/bin/python benchmarks/quality/run.py [--models DIR ...] [--out benchmarks/quality/results.md]

Scores, on the content rows of ``silver_dev`` and ``seeds_gold`` (rows with
``content: false`` carry no labels and are left out):

* ``lexicon``: the taxonomy keyword lexicon (:class:`envtag_train.lexicon.LexiconTagger`)
  on cleaned text;
* ``tfidf-lr@0.5``: character 1-3-gram TF-IDF + one logistic regression per
  label (:class:`envtag_train.weak.TfidfTeacher`) fitted on ``silver_train``,
  probability threshold 0.5;
* ``tfidf-lr@dev-tuned``: the same model with a per-label threshold chosen to
  maximise that label's F1 on ``silver_dev``; its ``silver_dev`` numbers are
  therefore optimistic;
* one row per ``--models DIR``: ``envtag.tagger.Tagger.from_pretrained(DIR)``
  on the raw (uncleaned) texts; the tagger cleans them itself.

Writes a Markdown report (``--out``) and the same numbers as JSON beside it
(``.json`` suffix), and prints the summary table.
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from envtag.cleaning import CLEANING_VERSION, clean
from envtag.taxonomy import load_taxonomy
from envtag_train.lexicon import LexiconTagger
from envtag_train.metrics import score, to_markdown

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = HERE / "results.md"
EVAL_SPLITS = ("silver_dev", "seeds_gold")
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)


@dataclass
class Split:
    name: str
    ids: list[str]
    raw: list[str]
    y: np.ndarray  # (n, n_labels) int 0/1, columns in taxonomy order
    cleaned: list[str] = field(default_factory=list)


def load_split(path: str | Path, label_ids: list[str] | None = None) -> Split:
    """Content rows of one annotated JSONL file (``content: false`` rows are dropped)."""
    path = Path(path)
    label_ids = label_ids or load_taxonomy().ids
    ids, raw, ys = [], [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec.get("content") is False:
                continue
            unknown = set(rec.get("labels", [])) - set(label_ids)
            if unknown:
                raise ValueError(f"{path}: {rec.get('id')}: unknown labels {sorted(unknown)}")
            ids.append(str(rec.get("id")))
            raw.append(rec["text"])
            ys.append([1 if lid in rec.get("labels", []) else 0 for lid in label_ids])
    y = np.asarray(ys, dtype=np.int32).reshape(len(ys), len(label_ids))
    split = Split(name=path.stem, ids=ids, raw=raw, y=y)
    split.cleaned = [clean(t) for t in raw]
    return split


def to_multi_hot(label_lists: list[list[str]], label_ids: list[str]) -> np.ndarray:
    index = {lid: j for j, lid in enumerate(label_ids)}
    out = np.zeros((len(label_lists), len(label_ids)), dtype=np.int32)
    for i, labels in enumerate(label_lists):
        for lid in labels:
            if lid not in index:
                raise ValueError(f"predicted label {lid!r} is not in the taxonomy {label_ids}")
            out[i, index[lid]] = 1
    return out


# --- systems --------------------------------------------------------------------------------------------


def lexicon_predict(cleaned: list[str], label_ids: list[str] | None = None) -> np.ndarray:
    tagger = LexiconTagger()
    label_ids = label_ids or tagger.taxonomy.ids
    return to_multi_hot(tagger.predict_many(cleaned), label_ids)


def lexicon_baseline(split: Split, label_ids: list[str] | None = None) -> dict:
    """Score the keyword lexicon on a split's cleaned content rows."""
    label_ids = label_ids or load_taxonomy().ids
    return score(split.y, lexicon_predict(split.cleaned, label_ids), label_ids)


def fit_tfidf(train: Split):
    """TF-IDF char 1-3-grams + per-label logistic regression, fitted on cleaned training rows."""
    from envtag_train.weak import TfidfTeacher

    return TfidfTeacher().fit(train.cleaned, train.y.astype(np.float32))


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    tp = int((y & p).sum())
    denom = int(y.sum() + p.sum())
    return 0.0 if denom == 0 else 2 * tp / denom


def tune_thresholds(y: np.ndarray, proba: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> np.ndarray:
    """Per-label threshold maximising that label's F1 (ties: closest to 0.5)."""
    out = np.full(y.shape[1], 0.5)
    for j in range(y.shape[1]):
        best = (-1.0, 0.0)
        for t in grid:
            key = (_f1(y[:, j], (proba[:, j] >= t).astype(np.int32)), -abs(float(t) - 0.5))
            if key > best:
                best, out[j] = key, float(t)
    return out


def model_predict(model_dir: str | Path, raw: list[str], label_ids: list[str]) -> np.ndarray:
    from envtag.tagger import Tagger  # written separately; imported only when --models is given

    tagger = Tagger.from_pretrained(str(model_dir))
    # Only labels are scored: skip evidence extraction where the tagger supports the switch.
    kwargs = {"evidence": False} if "evidence" in inspect.signature(tagger.predict).parameters else {}
    preds = tagger.predict(list(raw), **kwargs)
    return to_multi_hot([list(p.labels) for p in preds], label_ids)


# --- report ---------------------------------------------------------------------------------------------


def summary_table(results: dict) -> str:
    head = "| system | " + " | ".join(f"{s} macro-F1 | {s} micro-F1 | {s} exact" for s in EVAL_SPLITS) + " |"
    lines = [head, "|---|" + "---:|" * (3 * len(EVAL_SPLITS))]
    for system, by_split in results.items():
        cells = []
        for s in EVAL_SPLITS:
            r = by_split[s]
            cells += [f"{r['macro_f1']:.3f}", f"{r['micro_f1']:.3f}", f"{r['exact_match']:.3f}"]
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def per_label_table(results: dict, split: str, label_ids: list[str]) -> str:
    lines = [
        "| system | " + " | ".join(label_ids) + " |",
        "|---|" + "---:|" * len(label_ids),
    ]
    any_result = next(iter(results.values()))[split]
    lines.append(
        "| *support* | " + " | ".join(str(any_result["per_label"][lid]["support"]) for lid in label_ids) + " |"
    )
    for system, by_split in results.items():
        pl = by_split[split]["per_label"]
        lines.append(f"| {system} | " + " | ".join(f"{pl[lid]['f1']:.3f}" for lid in label_ids) + " |")
    return "\n".join(lines) + "\n"


def render(results: dict, meta: dict, label_ids: list[str]) -> str:
    n = {s: meta["splits"][s]["content_rows"] for s in EVAL_SPLITS}
    parts = [
        "# envtag quality benchmark",
        "",
        f"Generated by `{meta['command']}` on {meta['date']}. Content rows only "
        f"(`content: false` rows carry no labels and are excluded): silver_dev n = {n['silver_dev']}, "
        f"seeds_gold n = {n['seeds_gold']}. Texts cleaned with `envtag.cleaning.clean` "
        f"(version {meta['cleaning_version']}) for the lexicon and TF-IDF rows; model rows get the raw "
        "texts and clean them themselves. Macro-F1 is the unweighted mean of the six per-label F1 "
        "(zero division scores 0).",
        "",
        "## Summary",
        "",
        summary_table(results),
        "`tfidf-lr@dev-tuned` uses per-label thresholds chosen on silver_dev "
        f"({', '.join(f'{k} {v:.2f}' for k, v in meta['tuned_thresholds'].items())}): its silver_dev "
        "numbers are tuned on the evaluation data and therefore optimistic; its seeds_gold numbers are "
        "a fair held-out check.",
        "",
        "## Per-label F1",
        "",
    ]
    for s in EVAL_SPLITS:
        parts += [f"### {s}", "", per_label_table(results, s, label_ids)]
    parts += ["## Per-label details", ""]
    for system, by_split in results.items():
        for s in EVAL_SPLITS:
            parts.append(to_markdown(by_split[s], f"{system} on {s}"))
    return "\n".join(parts)


def run(data_dir: Path, models: list[str], quiet: bool = False) -> tuple[dict, dict]:
    def log(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr, flush=True)

    label_ids = load_taxonomy().ids
    t0 = time.time()
    log("loading and cleaning splits ...")
    train = load_split(data_dir / "silver_train.jsonl", label_ids)
    evals = {s: load_split(data_dir / f"{s}.jsonl", label_ids) for s in EVAL_SPLITS}
    results: dict[str, dict] = {}

    log("lexicon ...")
    results["lexicon"] = {s: lexicon_baseline(sp, label_ids) for s, sp in evals.items()}

    log("tfidf-lr: fitting on silver_train ...")
    teacher = fit_tfidf(train)
    proba = {s: teacher.predict_proba(sp.cleaned) for s, sp in evals.items()}
    results["tfidf-lr@0.5"] = {s: score(sp.y, (proba[s] >= 0.5).astype(np.int32), label_ids) for s, sp in evals.items()}
    thresholds = tune_thresholds(evals["silver_dev"].y, proba["silver_dev"])
    results["tfidf-lr@dev-tuned"] = {
        s: score(sp.y, (proba[s] >= thresholds).astype(np.int32), label_ids) for s, sp in evals.items()
    }

    for model_dir in models:
        name = f"model:{Path(model_dir).name or model_dir}"
        log(f"{name} ...")
        results[name] = {
            s: score(sp.y, model_predict(model_dir, sp.raw, label_ids), label_ids) for s, sp in evals.items()
        }

    import sklearn

    meta = {
        "command": "python benchmarks/quality/run.py" + "".join(f" --models {m}" for m in models),
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.time() - t0, 1),
        "data_dir": str(data_dir),
        "splits": {
            sp.name: {"rows_file": sp.name + ".jsonl", "content_rows": len(sp.ids)} for sp in (train, *evals.values())
        },
        "labels": label_ids,
        "taxonomy_version": load_taxonomy().version,
        "cleaning_version": CLEANING_VERSION,
        "tuned_thresholds": {lid: float(t) for lid, t in zip(label_ids, thresholds, strict=True)},
        "models": list(models),
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
    }
    return results, meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=[], metavar="DIR", help="saved envtag model directories")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report (JSON written beside it)")
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA, help="folder with the annotated JSONL files")
    args = ap.parse_args(argv)
    missing = [m for m in args.models if not Path(m).is_dir()]
    if missing:
        ap.error(f"--models: not a directory: {', '.join(missing)}")

    results, meta = run(args.data_dir, args.models)
    label_ids = meta["labels"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, meta, label_ids), encoding="utf-8")
    json_path = args.out.with_suffix(".json")
    json_path.write_text(
        json.dumps({"meta": meta, "results": results}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(summary_table(results))
    print(f"wrote {args.out} and {json_path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

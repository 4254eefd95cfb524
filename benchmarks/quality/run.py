"""Quality benchmark: macro-F1, micro-F1 and exact match of envtag taggers on every evaluation set.

    .venv/bin/python benchmarks/quality/run.py --models default=models/default \\
        [--seeds recipe=DIR1,DIR2,DIR3] [--ensemble teacher=DIR1,DIR2,DIR3] [--out benchmarks/quality/results.md]

Evaluation sets (content rows only; ``content: false`` rows carry no labels):
``silver_dev`` and ``seeds_gold`` (``../shared/data``), ``silver_dev_reviewed``
(the same paragraphs relabelled blind by two annotators and adjudicated; report
only), ``dev_corpus`` (``labels/``, stand-off corpus paragraphs, double-annotated
and adjudicated)
and the CheckList challenge sets (``labels/challenge/*.jsonl``), on which the
exact-match accuracy is the figure that counts.

Systems:

* ``lexicon``: the taxonomy keyword lexicon on cleaned text;
* ``tfidf-lr``: character 1-3-gram TF-IDF + one logistic regression per label,
  fitted on the training files of ``configs/default.yaml``, thresholds tuned
  on the dev sets (silver_dev + dev_corpus) with the training tuner;
* ``--models NAME=DIR``: a saved tagger as ``envtag tag`` runs it (raw text in);
* ``--ensemble NAME=DIR,...``: the mean of several taggers' scores, thresholds
  tuned on the dev sets (the teacher);
* ``--seeds NAME=DIR,...``: each tagger scored alone, reported as mean and
  standard deviation over the seeds.

Writes a Markdown report (``--out``) and the same numbers as JSON beside it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from envtag.cleaning import CLEANING_VERSION, clean
from envtag.taxonomy import load_taxonomy
from envtag_train.annotations import Example, load_content
from envtag_train.calibrate import example_scores, label_matrix, tune_thresholds
from envtag_train.config import load_config
from envtag_train.lexicon import LexiconTagger
from envtag_train.metrics import multilabel_report

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = HERE / "results.md"
DEV_SETS = ("silver_dev", "dev_corpus")


def evaluation_sets() -> dict[str, list[Example]]:
    """Every evaluation set by name, in report order."""
    sets = {
        "silver_dev": load_content(SHARED_DATA / "silver_dev.jsonl"),
        # silver_dev as two blind annotators and an adjudicator read it by the guide (report only)
        "silver_dev_reviewed": load_content(REPO / "labels" / "silver_dev_reviewed.jsonl"),
        "dev_corpus": load_content(REPO / "labels" / "dev_corpus.jsonl"),
        "seeds_gold": with_seed_titles(load_content(SHARED_DATA / "seeds_gold.jsonl")),
    }
    for path in sorted((REPO / "labels" / "challenge").glob("*.jsonl")):
        sets[f"challenge:{path.stem}"] = load_content(path)
    return sets


def with_seed_titles(examples: list[Example]) -> list[Example]:
    """seeds_gold's paragraphs (ids ``FILE#INDEX`` of ``../shared/seeds``) with
    the titles ``envtag tag`` gives them when it reads the seed articles, so a
    model that reads titles is scored as users run it."""
    from envtag.readers import iter_paragraphs

    titles = {}
    for path in sorted((REPO.parent / "shared" / "seeds").glob("*.txt")):
        titles.update({f"{path.name}#{p.index}": p.title for p in iter_paragraphs(path)})
    for e in examples:
        e.title = titles.get(e.id)
    return examples


def dev_corpus_registers() -> dict[str, str]:
    """Register of each dev_corpus paragraph (corpus file and document kind,
    e.g. ``registers/other`` for complaints and replies): one figure for
    all registers hides the ones a model has not learnt."""
    out = {}
    for line in (REPO / "labels" / "dev_corpus.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out[r["id"]] = f"{r['corpus'].removesuffix('_corpus.jsonl')}/{r['kind']}"
    return out


WINDOW_CHARS = 254  # the default's window: 256 tokens less [CLS] and [SEP], about one character each


def length_group(text: str) -> str:
    """Whether a paragraph fits one window of a 256-token model (its cleaned
    characters): the tagger reads a longer one window by window and keeps each
    label's highest score, so its errors differ."""
    return "one window" if len(clean(text)) <= WINDOW_CHARS else "several windows"


def exact_by_group(y: np.ndarray, given: np.ndarray, groups: list[str]) -> dict[str, float]:
    hit = (y.astype(bool) == given).all(axis=1)
    names = sorted(set(groups))
    return {g: float(np.mean([h for h, x in zip(hit, groups, strict=True) if x == g])) for g in names}


def review_split(given: np.ndarray, silver: np.ndarray, reviewed: np.ndarray) -> dict[str, int]:
    """How a system's silver_dev decisions fall on the paragraphs whose label set the
    round-16 review changed (does it follow silver or the guide?) and on the rest.

    silver_dev's labels came from the same process as silver_train's; the
    project's annotators changed a tenth of them by the guide. A system's lead on
    silver_dev can come from following silver's conventions where the guide
    overrules them: this split shows it."""
    changed = (silver != reviewed).any(axis=1)

    def same_as(y: np.ndarray) -> np.ndarray:
        return (y.astype(bool) == given).all(axis=1)

    return {
        "changed": int(changed.sum()),
        "changed_as_silver": int((same_as(silver) & changed).sum()),
        "changed_as_reviewed": int((same_as(reviewed) & changed).sum()),
        "unchanged": int((~changed).sum()),
        "unchanged_exact": int((same_as(silver) & ~changed).sum()),
    }


def scores_at(y: np.ndarray, probs: np.ndarray, cut: np.ndarray, labels: list[str]) -> dict:
    return multilabel_report(y.astype(int), (probs >= cut).astype(int), labels)


class System:
    """Probabilities of one system for any examples, with the thresholds it decides with."""

    def __init__(self, name: str, probs_fn, cut: np.ndarray) -> None:
        self.name, self.probs_fn, self.cut = name, probs_fn, cut


def lexicon_system(labels: list[str]) -> System:
    lex = LexiconTagger()

    def probs(examples):
        return label_matrix([Example("", "", lex.predict(clean(e.text)), True, "") for e in examples], labels)

    return System("lexicon", probs, np.full(len(labels), 0.5))


def tfidf_system(labels: list[str], dev: list[Example]) -> System:
    from envtag_train.weak import TfidfTeacher

    cfg = load_config(REPO / "configs" / "default.yaml")
    train = [e for f in cfg.train_files for e in load_content(REPO / f if not Path(f).is_absolute() else f)]
    teacher = TfidfTeacher().fit([clean(e.text) for e in train], label_matrix(train, labels))

    def probs(examples):
        return teacher.predict_proba([clean(e.text) for e in examples])

    tuned = tune_thresholds(label_matrix(dev, labels), probs(dev), labels)
    return System("tfidf-lr", probs, np.asarray([tuned[lab] for lab in labels]))


def tagger_system(name: str, model_dir: str) -> System:
    from envtag.tagger import Tagger

    tagger = Tagger.from_pretrained(model_dir)
    cut = np.asarray([tagger.thresholds[x] for x in tagger.labels])
    return System(name, lambda ex: example_scores(tagger, ex), cut)


def ensemble_system(name: str, dirs: list[str], labels: list[str], dev: list[Example]) -> System:
    from envtag.tagger import Tagger

    taggers = [Tagger.from_pretrained(d) for d in dirs]

    def probs(examples):
        return np.mean([example_scores(t, examples) for t in taggers], axis=0)

    tuned = tune_thresholds(label_matrix(dev, labels), probs(dev), labels)
    return System(name, probs, np.asarray([tuned[lab] for lab in labels]))


def run_system(
    system: System, sets: dict[str, list[Example]], labels: list[str], registers: dict[str, str] | None = None
) -> dict[str, dict]:
    out = {}
    for name, ex in sets.items():
        y, probs = label_matrix(ex, labels), system.probs_fn(ex)
        out[name] = scores_at(y, probs, system.cut, labels)
        if name == "dev_corpus" and registers:
            out[name]["exact_by_register"] = exact_by_group(y, probs >= system.cut, [registers[e.id] for e in ex])
        if name in DEV_SETS:
            out[name]["exact_by_length"] = exact_by_group(y, probs >= system.cut, [length_group(e.text) for e in ex])
        if name == "silver_dev" and "silver_dev_reviewed" in sets:
            by_id = {e.id: e for e in sets["silver_dev_reviewed"]}
            reviewed = label_matrix([by_id[e.id] for e in ex], labels)
            out[name]["review_split"] = review_split(probs >= system.cut, y, reviewed)
    return out


def seed_spread(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """Mean and standard deviation of macro-F1 and exact match over seed runs, per set."""
    out = {}
    for name in runs[0]:
        for key in ("macro_f1", "exact_match"):
            vals = np.asarray([r[name][key] for r in runs])
            out.setdefault(name, {})[key] = {
                "mean": float(vals.mean()),
                "sd": float(vals.std(ddof=1)),
                "runs": vals.tolist(),
            }
    return out


# --- report ---------------------------------------------------------------------------------------------


def summary_table(results: dict, sets: list[str]) -> str:
    main = [s for s in sets if not s.startswith("challenge:")]
    head = "| system | " + " | ".join(f"{s} macro-F1 / exact" for s in main) + " |"
    lines = [head, "|---|" + "---:|" * len(main)]
    for system, by_set in results.items():
        cells = [f"{by_set[s]['macro_f1']:.3f} / {by_set[s]['exact_match']:.3f}" for s in main]
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def challenge_table(results: dict, sets: list[str], sizes: dict[str, int]) -> str:
    chal = [s for s in sets if s.startswith("challenge:")]
    head = "| system | " + " | ".join(f"{s.split(':', 1)[1]} (n={sizes[s]})" for s in chal) + " |"
    lines = [head, "|---|" + "---:|" * len(chal)]
    for system, by_set in results.items():
        lines.append(f"| {system} | " + " | ".join(f"{by_set[s]['exact_match']:.3f}" for s in chal) + " |")
    return "\n".join(lines) + "\n"


def per_label_table(results: dict, name: str, labels: list[str]) -> str:
    lines = ["| system | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for system, by_set in results.items():
        pl = by_set[name]["per_label"]
        lines.append(f"| {system} | " + " | ".join(f"{pl[lab]['f1']:.3f}" for lab in labels) + " |")
    return "\n".join(lines) + "\n"


def register_table(results: dict, sizes: dict[str, int]) -> str:
    groups = list(sizes)
    lines = ["| system | " + " | ".join(f"{g} (n={sizes[g]})" for g in groups) + " |", "|---|" + "---:|" * len(groups)]
    for system, by_set in results.items():
        ex = by_set["dev_corpus"]["exact_by_register"]
        lines.append(f"| {system} | " + " | ".join(f"{ex[g]:.2f}" for g in groups) + " |")
    return "\n".join(lines) + "\n"


def length_table(results: dict, sizes: dict[str, dict[str, int]]) -> str:
    cols = [(s, g) for s in DEV_SETS for g in sizes[s]]
    lines = ["| system | " + " | ".join(f"{s}: {g} (n={sizes[s][g]})" for s, g in cols) + " |"]
    lines.append("|---|" + "---:|" * len(cols))
    for system, by_set in results.items():
        lines.append(f"| {system} | " + " | ".join(f"{by_set[s]['exact_by_length'][g]:.2f}" for s, g in cols) + " |")
    return "\n".join(lines) + "\n"


def review_table(results: dict) -> str:
    lines = [
        "| system | changed: as silver | changed: as reviewed | unchanged: exact |",
        "|---|---:|---:|---:|",
    ]
    for system, by_set in results.items():
        r = by_set["silver_dev"]["review_split"]
        lines.append(
            f"| {system} | {r['changed_as_silver']}/{r['changed']} | {r['changed_as_reviewed']}/{r['changed']} "
            f"| {r['unchanged_exact']}/{r['unchanged']} |"
        )
    return "\n".join(lines) + "\n"


def spread_table(spreads: dict[str, dict], sets: list[str]) -> str:
    lines = ["| recipe | set | macro-F1 mean ± sd | exact mean ± sd | runs (macro-F1) |", "|---|---|---:|---:|---|"]
    for recipe, by_set in spreads.items():
        for s in sets:
            m, e = by_set[s]["macro_f1"], by_set[s]["exact_match"]
            runs = ", ".join(f"{v:.3f}" for v in m["runs"])
            lines.append(
                f"| {recipe} | {s} | {m['mean']:.3f} ± {m['sd']:.3f} | {e['mean']:.3f} ± {e['sd']:.3f} | {runs} |"
            )
    return "\n".join(lines) + "\n"


def render(results: dict, spreads: dict, meta: dict, labels: list[str]) -> str:
    sets = list(meta["sets"])
    parts = [
        "# envtag quality benchmark",
        "",
        f"Generated by `{meta['command']}` on {meta['date']} ({meta['seconds']} s). Content rows only. "
        "Each cell of the first table is macro-F1 / exact match; challenge sets report exact-match accuracy "
        "(the share of paragraphs whose whole label set is right). Thresholds of `tfidf-lr` and of ensembles "
        "are tuned on silver_dev + dev_corpus; taggers use the thresholds saved with them.",
        "",
        "Set sizes: " + ", ".join(f"{s} {n}" for s, n in meta["sets"].items()) + ".",
        "",
        "## Summary",
        "",
        summary_table(results, sets),
        "## Challenge sets (exact match)",
        "",
        challenge_table(results, sets, meta["sets"]),
    ]
    parts += [
        "## dev_corpus by register (exact match)",
        "",
        "Register = corpus file / document kind: `registers/other` are citizen complaints and official replies, "
        "`registers/bureau` Hebei bureau texts, `registers/news` trade news, `news/news` the news corpus.",
        "",
        register_table(results, meta["registers"]),
    ]
    parts += [
        "## Dev sets by paragraph length (exact match)",
        "",
        f"Paragraphs of up to {WINDOW_CHARS} characters after cleaning fit one window of a 256-token model; "
        "the tagger reads a longer one window by window and keeps each label's highest score.",
        "",
        length_table(results, meta["lengths"]),
    ]
    if "review_split" in next(iter(results.values()))["silver_dev"]:
        parts += [
            "## silver_dev where the review changed the label set",
            "",
            "Exact matches on the silver_dev paragraphs whose label set the project's annotators changed by "
            "the guide (`silver_dev_reviewed`): with silver's label or with the reviewed one; then on the "
            "paragraphs both agree on. A lead on silver_dev that comes from the first column follows "
            "silver's conventions, not the guide.",
            "",
            review_table(results),
        ]
    if spreads:
        parts += ["## Seeds", "", spread_table(spreads, [s for s in sets if not s.startswith("challenge:")])]
    parts += ["## Per-label F1", ""]
    for s in ("silver_dev", "silver_dev_reviewed", "dev_corpus", "seeds_gold"):
        parts += [f"### {s}", "", per_label_table(results, s, labels)]
    return "\n".join(parts)


def _named(items: list[str], flag: str) -> list[tuple[str, list[str]]]:
    out = []
    for item in items:
        if "=" not in item:
            raise SystemExit(f"{flag} {item!r}: expected NAME=DIR[,DIR...]")
        name, dirs = item.split("=", 1)
        out.append((name, dirs.split(",")))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="*", default=[], metavar="NAME=DIR", help="saved taggers, one row each")
    ap.add_argument("--ensemble", nargs="*", default=[], metavar="NAME=DIR,DIR", help="score-averaged taggers")
    ap.add_argument("--seeds", nargs="*", default=[], metavar="NAME=DIR,DIR", help="seed runs of one recipe")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report (JSON written beside it)")
    args = ap.parse_args(argv)
    t0 = time.time()
    labels = load_taxonomy().ids
    sets = evaluation_sets()
    registers = dev_corpus_registers()
    dev = [e for s in DEV_SETS for e in sets[s]]
    systems = [lexicon_system(labels), tfidf_system(labels, dev)]
    systems += [ensemble_system(name, dirs, labels, dev) for name, dirs in _named(args.ensemble, "--ensemble")]
    systems += [tagger_system(name, dirs[0]) for name, dirs in _named(args.models, "--models")]
    results = {}
    for system in systems:
        print(f"{system.name} ...", file=sys.stderr, flush=True)
        results[system.name] = run_system(system, sets, labels, registers)
    spreads = {}
    for name, dirs in _named(args.seeds, "--seeds"):
        runs = [run_system(tagger_system(d, d), sets, labels, registers) for d in dirs]
        spreads[name] = seed_spread(runs)
    command = "python benchmarks/quality/run.py" + "".join(
        f" --{flag} {' '.join(vals)}"
        for flag, vals in (("models", args.models), ("ensemble", args.ensemble), ("seeds", args.seeds))
        if vals
    )
    meta = {
        "command": command,
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.time() - t0, 1),
        "sets": {name: len(ex) for name, ex in sets.items()},
        "registers": dict(sorted(Counter(registers[e.id] for e in sets["dev_corpus"]).items())),
        "lengths": {s: dict(sorted(Counter(length_group(e.text) for e in sets[s]).items())) for s in DEV_SETS},
        "labels": labels,
        "cleaning_version": CLEANING_VERSION,
        "python": platform.python_version(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, spreads, meta, labels), encoding="utf-8")
    payload = {"meta": meta, "results": results, "seeds": spreads}
    args.out.with_suffix(".json").write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(summary_table(results, list(meta["sets"])))
    print(challenge_table(results, list(meta["sets"]), meta["sets"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

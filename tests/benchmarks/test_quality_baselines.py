"""The quality benchmark's systems and report, through benchmarks/quality/run.py."""

from __future__ import annotations

import numpy as np
import pytest

SCRIPT = "benchmarks/quality/run.py"


def test_lexicon_on_seeds_gold_scores_every_content_row(bench):
    from envtag_train.annotations import load_content

    labels = bench.load_taxonomy().ids
    gold = load_content(bench.SHARED_DATA / "seeds_gold.jsonl")
    report = bench.run_system(bench.lexicon_system(labels), {"seeds_gold": gold}, labels)["seeds_gold"]
    assert report["n"] == 48  # 58 rows, 10 non-content
    assert [v["support"] for v in report["per_label"].values()] == bench.label_matrix(gold, labels).sum(0).tolist()
    assert report["macro_f1"] == pytest.approx(np.mean([v["f1"] for v in report["per_label"].values()]))
    # the lexicon fires on 水泥-free water cues: a paragraph about sewage gets water
    probe = [bench.Example("x", "推进污水处理厂提标改造", ["water"], True, "")]
    assert bench.run_system(bench.lexicon_system(labels), {"p": probe}, labels)["p"]["exact_match"] == 1.0


def test_seed_spread_reports_mean_and_sd(bench):
    runs = [{"s": {"macro_f1": v, "exact_match": v / 2}} for v in (0.8, 0.9, 1.0)]
    spread = bench.seed_spread(runs)["s"]
    assert spread["macro_f1"]["mean"] == pytest.approx(0.9)
    assert spread["macro_f1"]["sd"] == pytest.approx(0.1)
    assert spread["exact_match"]["runs"] == [0.4, 0.45, 0.5]


def test_every_evaluation_set_loads_with_content_rows(bench):
    sets = bench.evaluation_sets()
    assert {"silver_dev", "silver_dev_reviewed", "dev_corpus", "seeds_gold"} <= set(sets)
    assert all(len(examples) > 0 for examples in sets.values())


def test_dev_corpus_is_also_reported_by_register(bench):
    registers = bench.dev_corpus_registers()
    dev = bench.evaluation_sets()["dev_corpus"]
    assert all(e.id in registers for e in dev)
    assert {"registers/other", "registers/judgment", "policy/law"} <= set(registers.values())
    labels = bench.load_taxonomy().ids
    report = bench.run_system(bench.lexicon_system(labels), {"dev_corpus": dev}, labels, registers)["dev_corpus"]
    by_register = report["exact_by_register"]
    sizes = {g: sum(registers[e.id] == g for e in dev) for g in by_register}
    overall = sum(by_register[g] * n for g, n in sizes.items()) / len(dev)
    assert overall == pytest.approx(report["exact_match"])


def test_dev_sets_are_also_reported_by_paragraph_length(bench):
    assert bench.length_group("加" * 254) == "one window" and bench.length_group("加" * 255) == "several windows"
    assert bench.length_group("  加强 " + "加" * 250 + "  ") == "one window"  # counted after cleaning
    labels = bench.load_taxonomy().ids
    dev = bench.evaluation_sets()["dev_corpus"]
    report = bench.run_system(bench.lexicon_system(labels), {"dev_corpus": dev}, labels)["dev_corpus"]
    groups = [bench.length_group(e.text) for e in dev]
    by_length = report["exact_by_length"]
    assert set(by_length) == {"one window", "several windows"}
    overall = sum(by_length[g] * groups.count(g) for g in by_length) / len(dev)
    assert overall == pytest.approx(report["exact_match"])


def test_silver_dev_is_split_by_what_the_review_changed(bench):
    """A paragraph the review relabelled counts for whichever label set the
    system chose; the others count as plain exact matches."""
    silver = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    reviewed = np.array([[1, 0], [1, 1], [1, 0], [0, 0]])
    given = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=bool)
    split = bench.review_split(given, silver, reviewed)
    assert split == {
        "changed": 2,
        "changed_as_silver": 1,
        "changed_as_reviewed": 1,
        "unchanged": 2,
        "unchanged_exact": 1,
    }
    sets = bench.evaluation_sets()
    labels = bench.load_taxonomy().ids
    pair = {name: sets[name] for name in ("silver_dev", "silver_dev_reviewed")}
    report = bench.run_system(bench.lexicon_system(labels), pair, labels)["silver_dev"]["review_split"]
    assert report["changed"] + report["unchanged"] == len(sets["silver_dev"])
    assert report["changed"] > 0

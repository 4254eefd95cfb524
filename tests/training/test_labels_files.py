"""The project's annotation files: every one validates, every stand-off record
resolves against ../shared/corpus, and no file carries corpus text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envtag.cleaning import clean
from envtag_train.annotations import load_examples, validate_file

LABELS = Path(__file__).resolve().parents[2] / "labels"
FILES = sorted(LABELS.glob("*.jsonl")) + sorted((LABELS / "challenge").glob("*.jsonl"))
STANDOFF = [
    "corpus_train.jsonl", "dev_corpus.jsonl", "silver_train_reviewed.jsonl", "silver_dev_reviewed.jsonl",
]  # fmt: skip


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_labels_file_validates(path):
    assert validate_file(path) == []


@pytest.mark.parametrize("name", STANDOFF)
def test_standoff_files_carry_no_text_and_resolve(name):
    path = LABELS / name
    records = _records(path)
    assert records and all("text" not in r and {"corpus", "doc", "para", "sha1"} <= set(r) for r in records)
    examples = load_examples(path)  # raises on any unresolved record or hash mismatch
    assert len(examples) == len(records) and all(e.text.strip() for e in examples)


def test_standoff_paragraphs_carry_their_documents_first_line_as_title(SHARED):  # noqa: N803
    path = LABELS / "dev_corpus.jsonl"
    records, examples = _records(path), load_examples(path)
    assert [e.title is None for e in examples] == [r["para"] == 0 for r in records]
    first = next(r for r in records if r["para"] > 0)
    with open(SHARED / "corpus" / first["corpus"], encoding="utf-8") as fh:
        doc = next(json.loads(line) for line in fh if f'"{first["doc"]}"' in line[:300])
    assert examples[records.index(first)].title == doc["text"].split("\n")[0]


def test_dev_corpus_documents_are_used_nowhere_else():
    dev_docs = {r["doc"] for r in _records(LABELS / "dev_corpus.jsonl")}
    train = ("corpus_train.jsonl", "silver_train_reviewed.jsonl")
    train_docs = {r["doc"] for name in train for r in _records(LABELS / name)}
    assert dev_docs and not dev_docs & train_docs


def _shared_texts(shared: Path):
    for path in sorted((shared / "corpus").glob("*.jsonl")) + sorted((shared / "data").glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)["text"]


def test_no_inline_text_copies_shared_text(SHARED):  # noqa: N803
    """Project-written paragraphs are the project's own: stock phrases of official
    Chinese aside, no paragraph shares more than 15% of its characters in
    20-character runs with the corpus or the shared annotated data, nor any
    passage of 30 characters or more (11 consecutive shared 20-character runs),
    noisified paragraphs included."""
    run = 20
    # compared as the model reads them: cleaning undoes the noisifier's Traditional script and pinyin
    inline = [(p.name, r["id"], clean(r["text"])) for p in FILES for r in _records(p) if "text" in r]
    assert inline
    wanted = {t[k : k + run] for _, _, t in inline for k in range(len(t) - run + 1)}
    shared = set()
    for text in _shared_texts(SHARED):
        shared.update(g for g in (text[k : k + run] for k in range(len(text) - run + 1)) if g in wanted)
    copied = []
    for name, rid, text in inline:
        covered, streak, longest = set(), 0, 0
        for k in range(len(text) - run + 1):
            streak = streak + 1 if text[k : k + run] in shared else 0
            longest = max(longest, streak)
            if streak:
                covered.update(range(k, k + run))
        if len(covered) > 0.15 * len(text) or longest + run - 1 >= 30:
            copied.append((name, rid, round(len(covered) / len(text), 2), longest + run - 1))
    assert copied == []


def test_no_inline_text_holds_the_middle_of_a_corpus_paragraph(SHARED):  # noqa: N803
    """Characters 20–45 of every distinctive corpus paragraph of 60 or more
    characters (whitespace ignored) appear in no project-written text: the
    check the project's stop hook runs over tracked files, so a shorter
    shared clause than the test above allows is caught here first."""
    import re

    def norm(text: str) -> str:
        return re.sub(r"\s+", "", text)

    keys, common = set(), set()
    for text in _shared_texts(SHARED):
        for para in text.split("\n"):
            t = norm(para)
            if len(t) >= 60:
                key = t[20:45]
                (common if key in keys else keys).add(key)
    keys -= common
    inline = [(p.name, r["id"], norm(r["text"])) for p in FILES for r in _records(p) if "text" in r]
    found = [(name, rid) for name, rid, t in inline if any(t[i : i + 25] in keys for i in range(len(t) - 24))]
    assert found == []


@pytest.mark.parametrize("name", ["silver_train", "silver_dev"])
def test_reviewed_silver_is_silver_relabelled(SHARED, name):  # noqa: N803
    """A reviewed file holds every paragraph of its silver file once, in order,
    resolving to the same text; labels differ from silver only where the review
    says so, and the silver labels are kept beside the new ones."""
    silver = _records(SHARED / "data" / f"{name}.jsonl")
    path = LABELS / f"{name}_reviewed.jsonl"
    records, examples = _records(path), load_examples(path)
    assert [r["id"] for r in records] == [s["id"] for s in silver]
    assert [clean(e.text) for e in examples] == [clean(s["text"]) for s in silver]
    changed = [(r, s) for r, s in zip(records, silver, strict=True) if set(r["labels"]) != set(s["labels"])]
    assert changed
    assert all(r.get("reviewed") and set(r["annotations"]["silver"]) == set(s["labels"]) for r, s in changed)


def test_round17_review_records_its_readings_and_follows_its_rule():
    """A `corpus_train` label set changed by the round-17 review keeps the earlier
    labels and every reading; the new set is the two blind readers' shared answer
    or the adjudicator's, and law articles keep the media their law gave them."""
    media = {"air", "water", "soil", "carbon"}
    reviewed = [r for r in _records(LABELS / "corpus_train.jsonl") if "round-17 review" in r.get("reviewed", "")]
    assert reviewed
    for r in reviewed:
        a = r["annotations"]
        decided = a.get("r17-adjudicated", a["r17-A"] if a["r17-A"] == a["r17-B"] else None)
        assert decided is not None, r["id"]
        expected = set(decided) | (set(a["before-r17"]) & media if r["kind"] == "law" else set())
        assert set(r["labels"]) == expected != set(a["before-r17"]), r["id"]

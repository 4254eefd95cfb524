"""The project's annotation files: every one validates, every stand-off record
resolves against ../shared/corpus, and no file carries corpus text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from envtag_train.annotations import load_examples, validate_file

LABELS = Path(__file__).resolve().parents[2] / "labels"
FILES = sorted(LABELS.glob("*.jsonl")) + sorted((LABELS / "challenge").glob("*.jsonl"))
STANDOFF = ["corpus_train.jsonl", "dev_corpus.jsonl"]


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


def test_dev_corpus_documents_are_used_nowhere_else():
    dev_docs = {r["doc"] for r in _records(LABELS / "dev_corpus.jsonl")}
    train_docs = {r["doc"] for r in _records(LABELS / "corpus_train.jsonl")}
    assert dev_docs and not dev_docs & train_docs


def test_no_inline_text_is_a_corpus_paragraph(SHARED):  # noqa: N803
    """Project-written paragraphs are the project's own: none equals a line of the corpus."""
    corpus_lines: set[bytes] = set()
    for path in sorted((SHARED / "corpus").glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                for para in json.loads(line)["text"].split("\n"):
                    if len(para.strip()) >= 20:
                        corpus_lines.add(hashlib.sha1(para.strip().encode()).digest())
    inline = [(p.name, r["text"]) for p in FILES for r in _records(p) if "text" in r]
    assert inline
    copied = [
        (name, text[:40]) for name, text in inline if hashlib.sha1(text.strip().encode()).digest() in corpus_lines
    ]
    assert copied == []

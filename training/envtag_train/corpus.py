"""Unlabeled corpus paragraphs, cleaned exactly as at prediction time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from envtag.cleaning import clean


def iter_corpus_paragraphs(path: str | Path, min_chars: int = 4) -> Iterator[tuple[str, str]]:
    """Yield ``(doc_id, cleaned_paragraph)`` for every content paragraph.

    Accepts the corpus layout (one document per line, paragraphs separated by
    newlines in ``text``) and annotation files (one paragraph per line).
    """
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            doc_id = str(record.get("id", f"{Path(path).name}:{lineno}"))
            for raw in str(record.get("text", "")).split("\n"):
                text = clean(raw)
                if len(text) >= min_chars:
                    yield doc_id, text

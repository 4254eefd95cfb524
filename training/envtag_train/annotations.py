"""Annotated paragraph files: loading and validation against the taxonomy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from envtag.errors import DataError
from envtag.taxonomy import Taxonomy, load_taxonomy


@dataclass
class Example:
    id: str
    text: str
    labels: list[str]
    content: bool
    source: str  # file:line


def validate_file(path: str | Path, taxonomy: Taxonomy | None = None) -> list[str]:
    """Problems found in an annotation file, each as ``file:line: message``."""
    taxonomy = taxonomy or load_taxonomy()
    known = set(taxonomy.ids)
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_texts: dict[str, int] = {}
    p = Path(path)
    if not p.exists():
        return [f"{p}: no such file"]
    with open(p, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            where = f"{p}:{lineno}"
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: invalid JSON ({exc.msg})")
                continue
            if not isinstance(rec, dict):
                problems.append(f"{where}: expected a JSON object")
                continue
            text = rec.get("text")
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: empty or missing text")
            labels = rec.get("labels", [])
            if not isinstance(labels, list):
                problems.append(f"{where}: labels must be a list")
                labels = []
            for lab in labels:
                if lab not in known:
                    problems.append(f"{where}: unknown label {lab!r} (known: {', '.join(taxonomy.ids)})")
            if len(set(labels)) != len(labels):
                problems.append(f"{where}: duplicate label in {labels}")
            if rec.get("content") is False and labels:
                problems.append(f"{where}: non-content paragraph carries labels {labels}")
            rid = rec.get("id")
            if rid is not None:
                if str(rid) in seen_ids:
                    problems.append(f"{where}: duplicate id {rid!r} (first at line {seen_ids[str(rid)]})")
                seen_ids.setdefault(str(rid), lineno)
            if isinstance(text, str) and text.strip():
                if text in seen_texts:
                    problems.append(f"{where}: duplicate text (first at line {seen_texts[text]})")
                seen_texts.setdefault(text, lineno)
    return problems


def load_examples(path: str | Path, taxonomy: Taxonomy | None = None) -> list[Example]:
    """Load an annotation file, refusing unknown labels (they would silently
    be dropped from the label matrix otherwise)."""
    taxonomy = taxonomy or load_taxonomy()
    known = set(taxonomy.ids)
    out: list[Example] = []
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    with open(p, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{p}:{lineno}: invalid JSON ({exc.msg})") from exc
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise DataError(f"{p}:{lineno}: expected an object with a text field")
            labels = list(rec.get("labels") or [])
            bad = [lab for lab in labels if lab not in known]
            if bad:
                raise DataError(
                    f"{p}:{lineno}: unknown label(s) {bad}; the taxonomy has {taxonomy.ids} "
                    "(fix the data or labels/taxonomy.yaml)"
                )
            out.append(
                Example(
                    id=str(rec.get("id", f"{p.name}:{lineno}")),
                    text=rec["text"],
                    labels=labels,
                    content=rec.get("content", True) is not False,
                    source=f"{p}:{lineno}",
                )
            )
    return out

"""Annotated paragraph files: the one loader and validator.

A record is either *inline* — ``{"id", "text", "labels", "content"}``, for
paragraphs this project wrote — or *stand-off* — ``{"id", "corpus", "doc",
"para", "sha1", "labels", "content"}``, for paragraphs of the research corpus
in ``../shared/corpus``, which must not be copied into the repository. A
stand-off record names the corpus file, the document id and the paragraph's
line index in the document's text; the loader reads the line from the corpus
and refuses it loudly unless the SHA-1 of its cleaned text matches ``sha1``
(a changed corpus or cleaning would otherwise silently pair labels with other
text).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from envtag.cleaning import clean
from envtag.errors import DataError
from envtag.taxonomy import Taxonomy, load_taxonomy

# Keys a record may carry; anything else (a misspelt ``label``) is an error.
KNOWN_KEYS = {
    "id", "text", "labels", "content", "doc", "corpus", "para", "sha1",
    "rules", "register", "focus", "set", "noise", "annotations", "source_batch", "kind",
    "reviewed",  # why a label set was changed after annotation (a consistency review)
    "title",  # an inline paragraph's document title (stand-off records take their document's first line)
}  # fmt: skip
STANDOFF_KEYS = ("corpus", "doc", "para", "sha1")


@dataclass
class Example:
    id: str
    text: str
    labels: list[str]
    content: bool
    source: str  # file:line
    # The title of the paragraph's document, when known: a stand-off record's
    # document's first line (none for that line itself), or an inline record's
    # ``title``. Models with title context read it (envtag.titles).
    title: str | None = None


def text_sha1(text: str) -> str:
    """The hash stand-off records carry: SHA-1 of the cleaned paragraph."""
    return hashlib.sha1(clean(text).encode("utf-8")).hexdigest()


def corpus_dir(annotation_file: str | Path) -> Path:
    """Where stand-off records are resolved: ``$ENVTAG_CORPUS``, else the
    ``shared/corpus`` folder beside the repository that holds the file."""
    env = os.environ.get("ENVTAG_CORPUS")
    if env:
        return Path(env)
    here = Path(annotation_file).resolve().parent
    for parent in [here, *here.parents]:
        candidate = parent.parent / "shared" / "corpus"
        if (parent / "pyproject.toml").exists() and candidate.is_dir():
            return candidate
    return Path("../shared/corpus")


class CorpusIndex:
    """Lines of corpus documents, read once per (file, wanted documents)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._docs: dict[tuple[str, str], list[str]] = {}

    def load(self, wanted: dict[str, set[str]]) -> None:
        """Read the documents ``wanted`` ({corpus file: {doc ids}}) not yet held."""
        for name, docs in wanted.items():
            todo = {d for d in docs if (name, d) not in self._docs}
            if not todo:
                continue
            path = self.root / name
            if not path.exists():
                raise DataError(f"corpus file {path} not found; set ENVTAG_CORPUS to the shared/corpus folder")
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    head = line[:300]
                    if not any(f'"{d}"' in head for d in todo):
                        continue
                    rec = json.loads(line)
                    if rec.get("id") in todo:
                        self._docs[(name, rec["id"])] = rec["text"].split("\n")

    def line(self, name: str, doc: str, para: int) -> str | None:
        lines = self._docs.get((name, doc))
        if lines is None or not 0 <= para < len(lines):
            return None
        return lines[para]

    def title(self, name: str, doc: str) -> str | None:
        """A document's title: its first line (corpus documents open with it)."""
        lines = self._docs.get((name, doc))
        return lines[0] if lines else None


_INDEXES: dict[Path, CorpusIndex] = {}


def _index(root: Path) -> CorpusIndex:
    return _INDEXES.setdefault(root.resolve(), CorpusIndex(root))


def _read_records(path: Path) -> list[tuple[int, object]]:
    """(line number, parsed JSON or the JSONDecodeError) of every non-empty line."""
    out: list[tuple[int, object]] = []
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append((lineno, json.loads(line)))
            except json.JSONDecodeError as exc:
                out.append((lineno, exc))
    return out


def _resolve(path: Path, records: list[tuple[int, object]]) -> dict[int, tuple[str, str | None]]:
    """Texts and document titles of the stand-off records, by line number; raises on any mismatch."""
    standoff = [(n, r) for n, r in records if isinstance(r, dict) and "text" not in r and "sha1" in r]
    if not standoff:
        return {}
    index = _index(corpus_dir(path))
    wanted: dict[str, set[str]] = {}
    for _, rec in standoff:
        wanted.setdefault(str(rec.get("corpus")), set()).add(str(rec.get("doc")))
    index.load(wanted)
    texts = {}
    for lineno, rec in standoff:
        where = f"{path}:{lineno}"
        para = rec.get("para")
        line = index.line(str(rec.get("corpus")), str(rec.get("doc")), para if isinstance(para, int) else -1)
        if line is None:
            raise DataError(
                f"{where}: stand-off record not found in the corpus ({rec.get('corpus')} {rec.get('doc')}#{para})"
            )
        if text_sha1(line) != rec["sha1"]:
            raise DataError(
                f"{where}: SHA-1 mismatch for {rec.get('doc')}#{para}: the corpus or the cleaning changed; "
                "re-annotate or re-hash the record"
            )
        title = index.title(str(rec.get("corpus")), str(rec.get("doc"))) if para else None
        texts[lineno] = (line, title)
    return texts


def _problems(rec: object, known: set[str], taxonomy: Taxonomy) -> list[str]:
    """What is wrong with one parsed record (empty when nothing)."""
    if isinstance(rec, json.JSONDecodeError):
        return [f"invalid JSON ({rec.msg})"]
    if not isinstance(rec, dict):
        return ["expected a JSON object"]
    problems = []
    unknown = sorted(set(rec) - KNOWN_KEYS)
    if unknown:
        problems.append(f"unknown key(s) {unknown} (known: {', '.join(sorted(KNOWN_KEYS))})")
    if "text" not in rec and not all(k in rec for k in STANDOFF_KEYS):
        problems.append("a record needs text, or corpus, doc, para and sha1 (stand-off)")
    elif "text" in rec and (not isinstance(rec["text"], str) or not rec["text"].strip()):
        problems.append("empty or missing text")
    if "title" in rec and not isinstance(rec["title"], str):
        problems.append("title must be a string")
    labels = rec.get("labels", [])
    if not isinstance(labels, list):
        return [*problems, "labels must be a list"]
    for lab in labels:
        if lab not in known:
            problems.append(
                f"unknown label {lab!r} (known: {', '.join(taxonomy.ids)}; fix the data or labels/taxonomy.yaml)"
            )
    if len(set(labels)) != len(labels):
        problems.append(f"duplicate label in {labels}")
    if rec.get("content") is False and labels:
        problems.append(f"non-content paragraph carries labels {labels}")
    return problems


def validate_file(path: str | Path, taxonomy: Taxonomy | None = None) -> list[str]:
    """Problems found in an annotation file, each as ``file:line: message``."""
    taxonomy = taxonomy or load_taxonomy()
    p = Path(path)
    if not p.exists():
        return [f"{p}: no such file"]
    records = _read_records(p)
    found = [(n, msg) for n, rec in records for msg in _problems(rec, set(taxonomy.ids), taxonomy)]
    texts: dict[int, tuple[str, str | None]] = {}
    if not found:
        try:
            texts = _resolve(p, records)
        except DataError as exc:
            return [str(exc)]
    seen_ids: dict[str, int] = {}
    seen_texts: dict[str, int] = {}
    for lineno, rec in records:
        if not isinstance(rec, dict):
            continue
        rid, text = rec.get("id"), rec.get("text", texts.get(lineno, (None,))[0])
        if rid is not None:
            if str(rid) in seen_ids:
                found.append((lineno, f"duplicate id {rid!r} (first at line {seen_ids[str(rid)]})"))
            seen_ids.setdefault(str(rid), lineno)
        if isinstance(text, str) and text.strip():
            if text in seen_texts:
                found.append((lineno, f"duplicate text (first at line {seen_texts[text]})"))
            seen_texts.setdefault(text, lineno)
    return [f"{p}:{n}: {msg}" for n, msg in sorted(found, key=lambda item: item[0])]


def load_examples(path: str | Path, taxonomy: Taxonomy | None = None) -> list[Example]:
    """Load an annotation file (inline or stand-off records), refusing unknown
    labels (they would silently be dropped from the label matrix otherwise)."""
    taxonomy = taxonomy or load_taxonomy()
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    records = _read_records(p)
    for lineno, rec in records:
        problems = _problems(rec, set(taxonomy.ids), taxonomy)
        if problems:
            raise DataError(f"{p}:{lineno}: {problems[0]}")
    texts = _resolve(p, records)
    return [
        Example(
            id=str(rec.get("id", f"{p.name}:{lineno}")),
            text=rec["text"] if "text" in rec else texts[lineno][0],
            labels=list(rec.get("labels") or []),
            content=rec.get("content", True) is not False,
            source=f"{p}:{lineno}",
            title=rec.get("title") if "text" in rec else texts[lineno][1],
        )
        for lineno, rec in records
    ]


def load_content(path: str | Path, taxonomy: Taxonomy | None = None) -> list[Example]:
    """The content paragraphs of an annotation file (what models train and are scored on)."""
    return [e for e in load_examples(path, taxonomy) if e.content]

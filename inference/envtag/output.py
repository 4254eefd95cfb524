"""Streaming writers for tagged paragraphs: JSONL (default) and CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO

from .readers import Paragraph
from .tagger import Prediction


def record(par: Paragraph, pred: Prediction) -> dict:
    """The output record of one paragraph; ``page`` and ``meta`` (the input
    record's other fields) only when the input has them."""
    extra = {"page": par.page} if par.page is not None else {}
    if par.meta:
        extra["meta"] = par.meta
    return {"source": par.source, "index": par.index, "id": par.id, **extra, "text": par.text, **pred.to_dict()}


def summary_record(source: str, stats, labels: list[str]) -> dict:
    """Per-document label counts and shares over the content paragraphs
    tagged in this run (``stats``: an :class:`envtag.tagging.DocStats`)."""
    tagged = stats.tagged
    return {
        "type": "summary",
        "source": source,
        "paragraphs": stats.paragraphs,
        "tagged": tagged,
        "skipped": stats.skipped,
        "labels": {
            lab: {
                "count": stats.labels[lab],
                "share": round(stats.labels[lab] / tagged, 4) if tagged else 0.0,
            }
            for lab in labels
        },
    }


class JsonlWriter:
    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh

    def write(self, rec: dict) -> None:
        self.fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def write_summary(self, rec: dict) -> None:
        self.write(rec)

    def flush(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        self.fh.flush()


# Cells a spreadsheet would run as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell spreadsheets show as text: a string starting like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def evidence_cell(evidence: dict) -> str:
    """``label: sentence | label: sentence`` for the CSV evidence column."""
    return " | ".join(f"{lab}: {ev['text']}" for lab, items in evidence.items() for ev in items)


class CsvWriter:
    """One row per paragraph; labels joined with ``;``, one score column per label,
    evidence as ``label: sentence | …``. Open the file with ``utf-8-sig`` (a BOM,
    so that Excel on Windows reads UTF-8); cells that start like a formula are
    neutralised (:func:`safe_cell`)."""

    def __init__(self, fh: IO[str], labels: list[str]) -> None:
        self.labels = labels
        self._summary_fh: IO[str] | None = None
        self._summary_writer = None
        self.writer = csv.writer(fh)
        self.fh = fh
        self.meta_columns: list[str] | None = None  # fixed by the first record

    def _header(self, rec: dict) -> None:
        """Columns: the fixed ones, then the input's own columns (of the first record),
        then ``meta`` (JSON) for fields later records add."""
        self.meta_columns = list(rec.get("meta") or {})
        scores = [f"score_{lab}" for lab in self.labels]
        fixed = ["source", "index", "id", "page", "text", "labels", "skipped", *scores, "evidence"]
        self.writer.writerow([*fixed, *self.meta_columns, "meta"])

    def write(self, rec: dict) -> None:
        if rec.get("type") == "summary":
            return
        if self.meta_columns is None:
            self._header(rec)
        meta = dict(rec.get("meta") or {})
        own = [meta.pop(c, "") for c in self.meta_columns]
        row = [
            rec["source"],
            rec["index"],
            rec["id"] or "",
            rec.get("page") or "",
            rec["text"],
            ";".join(rec["labels"]),
            rec["skipped"] or "",
            *[rec["scores"].get(lab, "") for lab in self.labels],
            evidence_cell(rec.get("evidence") or {}),
            *own,
            json.dumps(meta, ensure_ascii=False) if meta else "",
        ]
        self.writer.writerow([safe_cell(cell) for cell in row])

    def write_summary(self, rec: dict) -> None:
        """Document summaries go to ``<output>.summary.csv``: one row per
        document, a count and a share column per label."""
        if self._summary_writer is None:
            path = Path(self.fh.name)
            self._summary_fh = open(path.with_suffix(".summary.csv"), "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            self._summary_writer = csv.writer(self._summary_fh)
            self._summary_writer.writerow(self._summary_header())
        self._summary_writer.writerow(self._summary_row(rec))

    def _summary_header(self) -> list:
        return ["source", "paragraphs", "tagged", "skipped"] + [
            f"{kind}_{lab}" for lab in self.labels for kind in ("count", "share")
        ]

    def _summary_row(self, rec: dict) -> list:
        counts = [rec["labels"][lab][kind] for lab in self.labels for kind in ("count", "share")]
        return [safe_cell(rec["source"]), rec["paragraphs"], rec["tagged"], rec["skipped"], *counts]

    def flush(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        if self.meta_columns is None:  # no paragraph at all: still a header
            self._header({})
        self.fh.flush()
        if self._summary_fh is not None:
            self._summary_fh.close()


class XlsxWriter(CsvWriter):
    """The CSV layout in an Excel workbook (openpyxl, write-only): sheet
    ``paragraphs``, and ``summary`` with ``--summary``; saved on close."""

    def __init__(self, path: Path, labels: list[str]) -> None:
        from openpyxl import Workbook

        self.path = Path(path)
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("paragraphs")
        self.summary_sheet = None
        self.labels = labels
        self.meta_columns = None
        self.writer = self  # CsvWriter writes rows through self.writer.writerow
        self._summary_writer = None

    def writerow(self, row: list) -> None:
        self.sheet.append(row)

    def write_summary(self, rec: dict) -> None:
        if self.summary_sheet is None:
            self.summary_sheet = self.book.create_sheet("summary")
            self.summary_sheet.append(self._summary_header())
        self.summary_sheet.append(self._summary_row(rec))

    def flush(self) -> None:
        """A workbook is written whole on close."""

    def close(self) -> None:
        if self.meta_columns is None:
            self._header({})
        tmp = self.path.with_name(self.path.name + ".tmp")
        self.book.save(tmp)
        tmp.replace(self.path)

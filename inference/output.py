"""Streaming writers for tagged paragraphs: JSONL (default) and CSV."""

from __future__ import annotations

import csv
import json
from typing import IO

from .readers import Paragraph
from .tagger import Prediction


def record(par: Paragraph, pred: Prediction) -> dict:
    return {
        "source": par.source,
        "index": par.index,
        "id": par.id,
        "text": par.text,
        "labels": pred.labels,
        "scores": {k: round(v, 4) for k, v in pred.scores.items()},
        "skipped": pred.skipped,
        "evidence": pred.evidence,
    }


class JsonlWriter:
    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh

    def write(self, rec: dict) -> None:
        self.fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.fh.flush()


class CsvWriter:
    """One row per paragraph; labels joined with ``;``, one score column per label."""

    def __init__(self, fh: IO[str], labels: list[str]) -> None:
        self.labels = labels
        self.writer = csv.writer(fh)
        self.fh = fh
        self.writer.writerow(
            ["source", "index", "id", "text", "labels", "skipped", *[f"score_{lab}" for lab in labels]]
        )

    def write(self, rec: dict) -> None:
        if rec.get("type") == "summary":
            return
        self.writer.writerow(
            [
                rec["source"],
                rec["index"],
                rec["id"] or "",
                rec["text"],
                ";".join(rec["labels"]),
                rec["skipped"] or "",
                *[rec["scores"].get(lab, "") for lab in self.labels],
            ]
        )

    def close(self) -> None:
        self.fh.flush()

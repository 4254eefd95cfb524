"""The tagging loop: inputs in, one record per paragraph out, with typed counts.

One loop for every job that tags many paragraphs (``envtag tag``,
``envtag report``, ``envtag suggest``): :func:`predict_stream` tags an
iterable of paragraphs chunk by chunk (bounded memory, input order kept);
:func:`tag_inputs` adds what a batch run over files needs — per-document
counts, bad records reported and counted, unreadable inputs reported and the
run going on, ``--resume`` — and returns a :class:`RunStats`. Messages go to a
``notify`` callback, so the library never prints.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .readers import BadRecord, Paragraph, iter_paragraphs, iter_stdin_paragraphs
from .tagger import Prediction, Tagger

# Paragraphs handed to one Tagger.predict call, which sorts their windows by
# length into model batches: a larger pool means less padding, while output
# stays streamed one chunk at a time.
READ_CHUNK = 1024
# Bad records reported one per line for each input; the rest only counted.
MAX_REPORTED_BAD = 20


@dataclass
class DocStats:
    """Counts for one document (or a whole run)."""

    paragraphs: int = 0
    tagged: int = 0
    skipped: int = 0
    resumed: int = 0
    malformed: int = 0
    labels: Counter = field(default_factory=Counter)

    def add(self, pred: Prediction) -> None:
        self.paragraphs += 1
        if pred.skipped:
            self.skipped += 1
        else:
            self.tagged += 1
            self.labels.update(pred.labels)

    def merge(self, other: DocStats) -> None:
        for name in ("paragraphs", "tagged", "skipped", "resumed", "malformed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.labels.update(other.labels)

    def line(self) -> str:
        """``N paragraphs, N tagged, N skipped[, N already in output][, N bad records]``."""
        out = f"{self.paragraphs} paragraphs, {self.tagged} tagged, {self.skipped} skipped"
        if self.resumed:
            out += f", {self.resumed} already in output"
        if self.malformed:
            out += f", {self.malformed} bad records"
        return out


@dataclass
class RunStats:
    inputs: int = 0
    failed_inputs: int = 0
    totals: DocStats = field(default_factory=DocStats)


def predict_stream(
    tagger: Tagger, paragraphs: Iterable[Paragraph], batch_size: int = 64, evidence: bool = True
) -> Iterator[tuple[Paragraph, Prediction]]:
    """(paragraph, prediction) pairs in input order, tagged a chunk at a time."""
    chunk: list[Paragraph] = []
    for par in paragraphs:
        chunk.append(par)
        if len(chunk) >= max(batch_size, READ_CHUNK):
            yield from _predict(tagger, chunk, batch_size, evidence)
            chunk = []
    if chunk:
        yield from _predict(tagger, chunk, batch_size, evidence)


def _predict(tagger, chunk, batch_size, evidence):
    preds = tagger.predict([p.text for p in chunk], batch_size=batch_size, evidence=evidence)
    return zip(chunk, preds, strict=True)


@dataclass
class TagOptions:
    batch_size: int = 64
    evidence: bool = True
    text_field: str = "text"
    done: set = field(default_factory=set)  # (source, index) already in the output (resume)
    summary: bool = False
    paragraphs: str = "auto"  # how plain text becomes paragraphs: auto, lines or blank
    stdin_format: str = "auto"  # what stdin holds: auto (sniffed), txt, jsonl, csv, tsv


def tag_inputs(
    tagger: Tagger,
    inputs: list,
    writer,
    record: Callable,
    options: TagOptions | None = None,
    notify: Callable[[str], None] = lambda message: None,
    progress: Callable[[int], None] = lambda n: None,
) -> RunStats:
    """Tag every paragraph of ``inputs`` (paths or ``-``) into ``writer``.

    ``record(paragraph, prediction)`` builds each output record. A bad record
    is reported and counted, an unreadable input reported and skipped; neither
    stops the run, and every paragraph read is either written or counted."""
    options = options or TagOptions()
    stats = RunStats(inputs=len(inputs))
    for item in inputs:
        name = "<stdin>" if item == "-" else str(item)
        doc, failed = _tag_one(tagger, item, writer, record, options, notify, progress)
        stats.failed_inputs += failed
        stats.totals.merge(doc)
        if doc.malformed > MAX_REPORTED_BAD:
            notify(f"envtag: {name}: {doc.malformed - MAX_REPORTED_BAD} more bad records")
        if not doc.paragraphs and not doc.malformed and not failed:
            notify(f"{name}: no paragraphs (empty input)")
        elif doc.paragraphs or doc.malformed:
            if options.summary:
                from .output import summary_record

                writer.write_summary(summary_record(name, doc, tagger.labels))
            labs = ", ".join(f"{k} {v}" for k, v in sorted(doc.labels.items()))
            notify(f"{name}: {doc.line()}" + (f" | {labs}" if labs else ""))
    return stats


def _paragraphs(item, options: TagOptions) -> Iterator[Paragraph | BadRecord]:
    if item == "-":
        import sys

        return iter_stdin_paragraphs(
            sys.stdin, options.paragraphs, options.stdin_format, options.text_field, on_error="yield"
        )
    return iter_paragraphs(Path(item), text_field=options.text_field, on_error="yield", paragraphs=options.paragraphs)


def _tag_one(tagger, item, writer, record, options: TagOptions, notify, progress) -> tuple[DocStats, bool]:
    """Tag one input; (its counts, whether reading it failed)."""
    doc = DocStats()
    errors: list[InputError] = []

    def readable() -> Iterator[Paragraph]:
        try:
            for par in _paragraphs(item, options):
                if isinstance(par, BadRecord):  # reported, counted, and reading goes on
                    doc.malformed += 1
                    if doc.malformed <= MAX_REPORTED_BAD:
                        notify(f"envtag: skipped record: {par}")
                elif (par.source, par.index) in options.done:  # resume: already in the output
                    doc.paragraphs += 1
                    doc.resumed += 1
                else:
                    yield par
        except InputError as exc:  # paragraphs read before the error are still tagged
            errors.append(exc)

    pending = 0
    for par, pred in predict_stream(tagger, readable(), options.batch_size, options.evidence):
        writer.write(record(par, pred))
        doc.add(pred)
        pending += 1
        if pending == READ_CHUNK:
            writer.flush()  # whole chunks reach the file: a killed run loses little (resume)
            progress(pending)
            pending = 0
    writer.flush()
    progress(pending)
    if errors:
        what = "skipped the rest of input" if doc.paragraphs or doc.malformed else "skipped input"
        notify(f"envtag: {what}: {errors[0]}")
    return doc, bool(errors)

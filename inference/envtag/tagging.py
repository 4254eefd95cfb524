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

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .readers import BadRecord, Paragraph, iter_paragraphs, iter_stdin_paragraphs
from .tagger import Prediction, Tagger

# Paragraphs handed to one Tagger.predict call: output is written (and flushed
# for --resume) one chunk at a time, so memory stays flat.
READ_CHUNK = 1024
# Paragraphs per chunk sent to a worker process (--jobs): small enough to keep
# every worker busy, large enough that messaging costs little.
PARALLEL_CHUNK = 128
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
    tagger: Tagger,
    paragraphs: Iterable[Paragraph],
    batch_size: int = 64,
    evidence: bool = True,
    pool=None,
    titles: bool = True,
) -> Iterator[tuple[Paragraph, Prediction]]:
    """(paragraph, prediction) pairs in input order, tagged a chunk at a time,
    in this process or, given a :class:`envtag.parallel.ParallelTagger`, by its workers.
    With ``titles`` each paragraph is read with its document's title (``Paragraph.title``)."""
    size = max(batch_size, READ_CHUNK) if pool is None else PARALLEL_CHUNK

    def chunk_titles(chunk: list[Paragraph]) -> list[str | None] | None:
        return [p.title for p in chunk] if titles else None

    if pool is None:
        for chunk in _chunks(paragraphs, size):
            preds = tagger.predict(
                [p.text for p in chunk], batch_size=batch_size, evidence=evidence, titles=chunk_titles(chunk)
            )
            yield from zip(chunk, preds, strict=True)
        return
    held: deque = deque()  # chunks sent out, in order, until their predictions come back

    def texts():
        for chunk in _chunks(paragraphs, size):
            held.append(chunk)
            yield [p.text for p in chunk], chunk_titles(chunk)

    for preds in pool.predict_chunks(texts(), batch_size, evidence):
        yield from zip(held.popleft(), preds, strict=True)


def _chunks(items: Iterable[Paragraph], size: int) -> Iterator[list[Paragraph]]:
    chunk: list[Paragraph] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class TagOptions:
    batch_size: int = 64
    evidence: bool = True
    text_field: str = "text"
    done: set = field(default_factory=set)  # (source, index) already in the output (resume)
    summary: bool = False
    pool: object = None  # an envtag.parallel.ParallelTagger for --jobs N > 1
    paragraphs: str = "auto"  # how plain text becomes paragraphs: auto, lines or blank
    stdin_format: str = "auto"  # what stdin holds: auto (sniffed), txt, jsonl, csv, tsv
    id_field: str = "id"  # the JSONL field / CSV column carried to the output as "id"
    title_field: str = "title"  # the JSONL field / CSV column holding a record's document title
    titles: bool = True  # read each paragraph with its document's title (models trained with title context)


def tag_inputs(
    tagger: Tagger,
    inputs: list,
    writer,
    record: Callable,
    options: TagOptions | None = None,
    notify: Callable[..., None] = lambda message, param=None: None,
    progress: Callable[[int], None] = lambda n: None,
) -> RunStats:
    """Tag every paragraph of ``inputs`` (paths or ``-``) into ``writer``.

    ``record(paragraph, prediction)`` builds each output record; ``notify(message,
    param)`` gets every message, with the parameter that fixes the problem if any. A bad record
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
            sys.stdin,
            options.paragraphs,
            options.stdin_format,
            options.text_field,
            options.id_field,
            "yield",
            options.title_field,
        )
    return iter_paragraphs(
        Path(item),
        options.text_field,
        options.id_field,
        on_error="yield",
        paragraphs=options.paragraphs,
        title_field=options.title_field,
    )


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
                        notify(f"envtag: skipped record: {par}", par.param)
                elif (par.source, par.index) in options.done:  # resume: already in the output
                    doc.paragraphs += 1
                    doc.resumed += 1
                else:
                    yield par
        except InputError as exc:  # paragraphs read before the error are still tagged
            errors.append(exc)

    pending = 0
    stream = predict_stream(tagger, readable(), options.batch_size, options.evidence, options.pool, options.titles)
    for par, pred in stream:
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
        notify(f"envtag: {what}: {errors[0]}", getattr(errors[0], "param", None))
    return doc, bool(errors)

"""All cores of one machine: paragraphs tagged by worker processes, output in input order.

Each worker loads its own copy of the model (its own ONNX Runtime session)
with ``threads`` intra-op threads, chosen so that workers × threads ≤ cores.
One paragraph's model call is too small to keep two threads busy, so one
single-threaded worker per core tags faster than one process with all
the cores (1.4–1.6× on 2 cores, ``benchmarks/speed``): ``--jobs auto``, the
default, does that. Workers start only when the input is longer than one
chunk; a shorter input is tagged in this process, where starting worker
processes would cost more than it saves.
Chunks of paragraphs go out through a bounded window (at most two per worker
in flight), so memory stays flat however large the input, and results come
back in the order the chunks were read. Scores do not depend on how
paragraphs are grouped (each window is scored alone), so ``--jobs N`` writes
exactly the records ``--jobs 1`` writes.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from .tagger import Prediction, Tagger

_WORKER: Tagger | None = None

# A chunk is a list of texts, or (texts, titles) with one document title (or None) per text.
Chunk = list[str] | tuple[list[str], list[str | None] | None]


# ``auto`` stops here: each worker holds its own copy of the model (on 2 cores the
# default's process tree peaks at 309 MiB PSS against 161 in one process, benchmarks/speed).
MAX_AUTO_JOBS = 8


def available_cores() -> int:
    """Cores this process may run on: a batch scheduler's CPU set, not the whole machine's."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def resolve_jobs(jobs: str | int) -> int:
    """``auto`` = one worker per available core, at most ``MAX_AUTO_JOBS``; else a positive whole number."""
    cores = available_cores()
    if str(jobs) == "auto":
        return max(1, min(cores, MAX_AUTO_JOBS))
    try:
        n = int(jobs)
    except ValueError:
        raise ValueError(f"jobs must be a whole number or 'auto', not {jobs!r}") from None
    if n < 1:
        raise ValueError(f"jobs must be >= 1, not {n}")
    return n


def _start(source: str, backend: str, threads: int) -> None:
    global _WORKER
    _WORKER = Tagger.from_pretrained(source, backend=backend, threads=threads)


def _run(chunk: Chunk, batch_size: int, evidence: bool) -> list[Prediction]:
    assert _WORKER is not None
    texts, titles = _texts_titles(chunk)
    return _WORKER.predict(texts, batch_size=batch_size, evidence=evidence, titles=titles)


def _texts_titles(chunk: Chunk) -> tuple[list[str], list[str | None] | None]:
    return chunk if isinstance(chunk, tuple) else (chunk, None)


class ParallelTagger:
    """``predict_chunks`` over ``jobs`` processes, each with a copy of ``tagger``'s model,
    started at the second chunk (one chunk is tagged by ``tagger`` itself)."""

    def __init__(self, tagger: Tagger, jobs: int, threads: int | None = None) -> None:
        self.tagger = tagger
        self.jobs = jobs
        self.threads = threads or max(1, available_cores() // jobs)
        self.pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        """Whether worker processes were started."""
        return self.pool is not None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            backend = "onnx" if self.tagger.backend.name == "onnxruntime" else "torch"
            context = multiprocessing.get_context("spawn")  # no fork of a live ONNX Runtime session
            self.pool = ProcessPoolExecutor(
                self.jobs, context, initializer=_start, initargs=(self.tagger.source, backend, self.threads)
            )
        return self.pool

    def predict_chunks(
        self, chunks: Iterable[Chunk], batch_size: int = 64, evidence: bool = True
    ) -> Iterator[list[Prediction]]:
        """Predictions for each chunk of texts (or of texts and their titles),
        in order; at most 2 × jobs chunks in flight."""
        chunks = iter(chunks)
        first = next(chunks, None)
        if first is None:
            return
        second = next(chunks, None)
        if second is None:
            texts, titles = _texts_titles(first)
            yield self.tagger.predict(texts, batch_size=batch_size, evidence=evidence, titles=titles)
            return
        pool = self._pool()
        window: deque = deque()
        for texts in itertools.chain((first, second), chunks):
            window.append(pool.submit(_run, texts, batch_size, evidence))
            if len(window) >= 2 * self.jobs:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def __enter__(self) -> ParallelTagger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

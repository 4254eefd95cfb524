"""All cores of one machine: paragraphs tagged by worker processes, output in input order.

Each worker loads its own copy of the model (its own ONNX Runtime session)
with ``threads`` intra-op threads, chosen so that workers × threads ≤ cores.
Chunks of paragraphs go out through a bounded window (at most two per worker
in flight), so memory stays flat however large the input, and results come
back in the order the chunks were read. Scores do not depend on how
paragraphs are grouped (each window is scored alone), so ``--jobs N`` writes
exactly the records ``--jobs 1`` writes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from .tagger import Prediction, Tagger

_WORKER: Tagger | None = None


def resolve_jobs(jobs: str | int) -> int:
    """``auto`` = half the cores (at least 1); else a positive whole number."""
    cores = os.cpu_count() or 1
    if str(jobs) == "auto":
        return max(1, cores // 2)
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


def _run(texts: list[str], batch_size: int, evidence: bool) -> list[Prediction]:
    assert _WORKER is not None
    return _WORKER.predict(texts, batch_size=batch_size, evidence=evidence)


class ParallelTagger:
    """``predict_chunks`` over ``jobs`` processes, each with a copy of ``tagger``'s model."""

    def __init__(self, tagger: Tagger, jobs: int, threads: int | None = None) -> None:
        cores = os.cpu_count() or 1
        self.jobs = jobs
        self.threads = threads or max(1, cores // jobs)
        backend = "onnx" if tagger.backend.name == "onnxruntime" else "torch"
        context = multiprocessing.get_context("spawn")  # no fork of a live ONNX Runtime session
        self.pool = ProcessPoolExecutor(
            jobs, context, initializer=_start, initargs=(tagger.source, backend, self.threads)
        )

    def predict_chunks(
        self, chunks: Iterable[list[str]], batch_size: int = 64, evidence: bool = True
    ) -> Iterator[list[Prediction]]:
        """Predictions for each chunk of texts, in order; at most 2 × jobs chunks in flight."""
        window: deque = deque()
        for texts in chunks:
            window.append(self.pool.submit(_run, texts, batch_size, evidence))
            if len(window) >= 2 * self.jobs:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)

    def __enter__(self) -> ParallelTagger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

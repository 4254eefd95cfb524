"""``envtag tag --resume``: find what an interrupted run already wrote.

Records are written one JSON line at a time, in input order, so a run killed
part-way leaves complete records, then at most one torn last line (no final
newline, or not valid JSON). :func:`records_done` reads the complete ones,
cuts the torn tail off the file, and returns the ``(source, index)`` pairs to
skip; the rerun appends the rest.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import DataError


def records_done(output: Path) -> set[tuple[str, int]]:
    """``(source, index)`` of every complete record in a JSONL output file.

    A torn last line is removed from the file. Lines without ``source`` and
    ``index`` (e.g. summary lines) are kept and ignored. A line that is not
    JSON anywhere but at the end means the file is not an envtag output:
    :class:`DataError`.
    """
    done: set[tuple[str, int]] = set()
    good_end = 0
    bad: tuple[int, str] | None = None
    with open(output, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if bad is not None:  # something follows the bad line: it was not a torn tail
                raise DataError(
                    f"{output}:{bad[0]}: not a JSON record ({bad[1]}); cannot resume: "
                    "move the file away, or start afresh without resuming to overwrite it",
                    "resume",
                )
            if not raw.endswith(b"\n"):
                break  # torn last line
            if not raw.strip():
                good_end += len(raw)
                continue
            try:
                rec = json.loads(raw)
            except ValueError as exc:
                bad = (lineno, str(exc).splitlines()[0][:80])
                continue
            good_end += len(raw)
            if isinstance(rec, dict) and isinstance(rec.get("source"), str) and isinstance(rec.get("index"), int):
                done.add((sys.intern(rec["source"]), rec["index"]))
    if output.stat().st_size != good_end:
        with open(output, "r+b") as fh:
            fh.truncate(good_end)
    return done

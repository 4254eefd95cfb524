"""Deterministic partition of inputs for ``envtag tag --shard i/n``.

Input file ``p`` (a path as :func:`envtag.readers.expand_inputs` returns it,
e.g. ``reports/2021/a.txt`` when given as ``reports/``) belongs to shard
``int.from_bytes(sha256(str(p).encode("utf-8")).digest()[:8], "big") % n + 1``.
The hash depends only on the path string, not on the other inputs, the
machine, the Python version or ``PYTHONHASHSEED``, so the ``n`` commands
``envtag tag --shard 1/n … ``, …, ``--shard n/n …``, run with the same input
arguments from the same working directory, tag every input file exactly once
between them. (Relative paths hash as written: ``docs/a.txt`` and
``./docs/a.txt`` or an absolute path can fall in different shards.)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

__all__ = ["parse_shard", "shard_of", "select_shard"]

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(spec: str) -> tuple[int, int]:
    """``"i/n"`` → ``(i, n)`` with ``1 <= i <= n``; ValueError with a one-line message otherwise."""
    m = _SPEC.fullmatch(spec or "")
    if not m:
        raise ValueError(f"shard {spec!r}: expected i/n, e.g. 1/4")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"shard {spec}: need 1 <= i <= n (got i={i}, n={n})")
    return i, n


def shard_of(path: Path | str, n: int) -> int:
    """The shard (1-based, of ``n``) that the input ``path`` belongs to."""
    digest = hashlib.sha256(str(path).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def select_shard(inputs: Sequence[Path | str], i: int, n: int) -> list[Path | str]:
    """The inputs of shard ``i`` of ``n``, in their original order."""
    return [p for p in inputs if shard_of(p, n) == i]

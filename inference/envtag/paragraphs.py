"""Plain text as paragraphs: one per line, blank-line separated, or hard-wrapped.

Text copied out of a PDF or an e-mail is wrapped at a fixed width, so one
sentence spreads over several lines; tagged line by line, it would get a
different label set per line. ``auto`` keeps one-paragraph-per-line files as
they are and rejoins the others.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from functools import reduce

from .documents import glue, join_lines

MODES = ("auto", "lines", "blank")
_SENTENCE_END = re.compile(r"[。！？!?；;：:…」』”\"）)】]\s*$")
SNIFF_LINES = 400


def text_paragraphs(lines: Iterable[str], mode: str = "auto") -> Iterator[str]:
    """Paragraph texts of a text file's lines (line ends stripped or not)."""
    if mode not in MODES:
        raise ValueError(f"paragraph mode must be one of {', '.join(MODES)}, not {mode!r}")
    lines = (line.rstrip("\r\n") for line in lines)
    if mode == "auto":
        head = list(itertools.islice(lines, SNIFF_LINES))
        mode = _guess(head)
        lines = itertools.chain(head, lines)
    if mode == "lines":
        yield from (line for line in lines if line.strip())
        return
    for block in _blocks(lines):
        if mode == "blank":
            yield reduce(glue, (line.strip() for line in block), "")
        else:  # wrapped: join lines that break mid-sentence
            yield from (text for text, _ in join_lines([(line.strip(), None) for line in block]))


def _blocks(lines: Iterable[str]) -> Iterator[list[str]]:
    block: list[str] = []
    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def _guess(head: list[str]) -> str:
    """``lines`` unless the sample is clearly wrapped text.

    Blank-line separated blocks of several lines → ``blank``; many lines of
    nearly the same length that break mid-sentence → ``wrapped``."""
    content = [line.strip() for line in head if line.strip()]
    if len(content) < 4:
        return "lines"
    blocks = list(_blocks(head))
    inner = [line.strip() for block in blocks if len(block) > 1 for line in block[:-1]]
    open_inner = [line for line in inner if not _SENTENCE_END.search(line)]
    if len(blocks) >= 2 and len(inner) >= 3 and len(open_inner) >= 0.6 * len(inner):
        return "blank"  # blank-line separated paragraphs whose lines break mid-sentence
    lengths = sorted(len(line) for line in content)
    full = lengths[int(len(lengths) * 0.75)]
    near_full = [line for line in content if len(line) >= 0.85 * full]
    open_ended = [line for line in near_full if not _SENTENCE_END.search(line)]
    if full >= 20 and len(near_full) >= 0.5 * len(content) and len(open_ended) >= 0.6 * len(near_full):
        return "wrapped"
    return "lines"

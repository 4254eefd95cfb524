"""Sentence spans of a paragraph, for evidence snippets and for windowing
paragraphs longer than the model's input."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]


_TERMINATORS = "。！？；!?"
_CLOSERS = "”’」』）)】》〉]\"'…"
_SENTENCE_END = re.compile(rf"[{_TERMINATORS}]+[{re.escape(_CLOSERS)}]*|\n+")
_SOFT_BREAK = "，,、：:；;"


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _cut_long(text: str, start: int, end: int, max_len: int) -> list[tuple[int, int]]:
    """Split a span longer than ``max_len`` at the last soft break (，、：)
    inside each window, or hard at ``max_len`` when there is none."""
    out: list[tuple[int, int]] = []
    while end - start > max_len:
        window = text[start : start + max_len]
        cut = max(window.rfind(ch) for ch in _SOFT_BREAK)
        stop = start + cut + 1 if cut > 0 else start + max_len
        span = _trim(text, start, stop)
        if span:
            out.append(span)
        start = stop
    span = _trim(text, start, end)
    if span:
        out.append(span)
    return out


def split_sentences(text: str, max_len: int | None = None) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``.

    A sentence ends after a run of 。！？；!? together with the closing quotes
    and brackets that follow it, or at a line break. Spans are trimmed of
    surrounding whitespace, never empty, in order and non-overlapping, and
    together cover every non-space character of ``text``. With ``max_len``,
    longer sentences are further cut at commas (or hard) so that no span
    exceeds ``max_len`` characters.
    """
    if max_len is not None and max_len < 1:
        raise ValueError("max_len must be positive")
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        span = _trim(text, start, m.end())
        if span:
            spans.append(span)
        start = m.end()
    span = _trim(text, start, len(text))
    if span:
        spans.append(span)
    if max_len is None:
        return spans
    out: list[tuple[int, int]] = []
    for s, e in spans:
        out.extend(_cut_long(text, s, e, max_len) if e - s > max_len else [(s, e)])
    return out

"""Windows over long paragraphs, cut on sentence boundaries.

The guide makes a long paragraph carry every label any part of it commits
to, so a paragraph longer than the model window is scored window by window and
the scores are max-pooled. Windows overlap by whole sentences so that no
sentence is only ever seen cut in half.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sentences import split_sentences


@dataclass(frozen=True)
class Window:
    start: int  # token index (inclusive) into the paragraph's token ids
    end: int  # token index (exclusive)


def sentence_token_ranges(
    sentence_spans: list[tuple[int, int]], token_offsets: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Map character spans of sentences to token index ranges."""
    ranges: list[tuple[int, int]] = []
    t = 0
    n = len(token_offsets)
    for s_start, s_end in sentence_spans:
        while t < n and token_offsets[t][1] <= s_start:
            t += 1
        first = t
        while t < n and token_offsets[t][0] < s_end:
            t += 1
        if t > first:
            ranges.append((first, t))
    return ranges


def make_windows(sentence_ranges: list[tuple[int, int]], n_tokens: int, budget: int, overlap: int = 1) -> list[Window]:
    """Greedy packing of consecutive sentences into windows of ``budget``
    tokens, each window starting ``overlap`` sentences before the previous
    one ended. A sentence longer than the budget is cut into plain chunks."""
    if n_tokens <= budget:
        return [Window(0, n_tokens)]
    pieces: list[tuple[int, int]] = []
    for a, b in sentence_ranges or [(0, n_tokens)]:
        while b - a > budget:
            pieces.append((a, a + budget))
            a += budget - budget // 4
        pieces.append((a, b))
    windows: list[Window] = []
    i = 0
    while i < len(pieces):
        j = i
        while j + 1 < len(pieces) and pieces[j + 1][1] - pieces[i][0] <= budget:
            j += 1
        windows.append(Window(pieces[i][0], pieces[j][1]))
        if j == len(pieces) - 1:
            break
        i = max(i + 1, j + 1 - overlap)
    return windows


def paragraph_windows(text: str, offsets: list[tuple[int, int]], budget: int, overlap: int = 1) -> list[Window]:
    """The windows of a cleaned paragraph whose tokens have character ``offsets``:
    the whole paragraph when it fits ``budget``, else sentence-packed windows.
    The tagger scores these, and training with ``train_windows`` learns from the
    same ones, so a long paragraph is read the same way in both."""
    if len(offsets) <= budget:
        return [Window(0, len(offsets))]
    ranges = sentence_token_ranges(split_sentences(text), offsets)
    return make_windows(ranges, len(offsets), budget, overlap)

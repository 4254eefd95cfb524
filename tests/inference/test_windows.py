from __future__ import annotations

from envtag.windows import make_windows, sentence_token_ranges


def test_short_text_is_one_window():
    assert [(w.start, w.end) for w in make_windows([(0, 5)], 5, 10)] == [(0, 5)]


def test_windows_cover_every_token_and_respect_budget():
    sentences = [(i * 7, i * 7 + 7) for i in range(30)]  # 210 tokens
    windows = make_windows(sentences, 210, 50, overlap=1)
    covered = set()
    for w in windows:
        assert w.end - w.start <= 50
        covered.update(range(w.start, w.end))
    assert covered == set(range(210))
    # consecutive windows share a sentence
    for a, b in zip(windows, windows[1:], strict=False):
        assert b.start < a.end


def test_overlong_sentence_is_cut():
    windows = make_windows([(0, 300)], 300, 100)
    assert all(w.end - w.start <= 100 for w in windows)
    assert windows[0].start == 0 and windows[-1].end == 300


def test_sentence_token_ranges_maps_character_spans():
    offsets = [(i, i + 1) for i in range(10)]
    assert sentence_token_ranges([(0, 4), (4, 10)], offsets) == [(0, 4), (4, 10)]

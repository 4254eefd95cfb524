"""Training on every window of a long paragraph, read as the tagger reads it.

The tagger scores a paragraph longer than the model's input window by window
and max-pools the scores (the guide gives a long paragraph every label any
part of it commits to). Training on the first window alone teaches the model
the paragraph's labels from text that may not carry them: a label evidenced
only in the last sentences is learnt as a property of the first ones, which
is how a model comes to label what a text merely mentions. With
``train_windows`` each training paragraph is every window the tagger would
score (``envtag.windows.paragraph_windows``), and the loss is taken on the
max-pooled logits, so only the window that carries a label must fire for it
(multiple-instance learning with max pooling).
"""

from __future__ import annotations

import torch

from envtag.settings import TaggerSettings
from envtag.titles import title_prefix
from envtag.windows import paragraph_windows

OWNER = "window_owner"  # the batch row (paragraph) each window belongs to


class Windower:
    """``[CLS] (title [SEP]) window [SEP]`` for each window the tagger scores in a
    cleaned paragraph, from a transformers fast tokenizer. Its tokenizer
    truncates at the model's length, which would hide every window after the
    first, so this one reads a copy that does not."""

    def __init__(self, tokenizer, max_length: int, title_tokens: int) -> None:
        from tokenizers import Tokenizer

        self.backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        self.backend.no_truncation()
        self.backend.no_padding()
        self.cls_id, self.sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
        self.max_length, self.title_tokens = max_length, title_tokens

    def __call__(self, text: str, title: str | None = None) -> list[list[int]]:
        prefix = title_prefix(self.backend, title, text, self.title_tokens, self.sep_id)
        encoding = self.backend.encode(text, add_special_tokens=False)
        budget = self.max_length - 2 - len(prefix)
        windows = paragraph_windows(text, encoding.offsets, budget, TaggerSettings.stride_sentences)
        return [[self.cls_id, *prefix, *encoding.ids[w.start : w.end], self.sep_id] for w in windows]


class WindowCollator:
    """Pads every window of a batch's paragraphs into one tensor; ``window_owner``
    says which paragraph (row of ``labels``) each window belongs to."""

    def __init__(self, pad_id: int, segments: bool) -> None:
        self.pad_id = pad_id
        self.segments = segments

    def __call__(self, items: list[dict]) -> dict[str, torch.Tensor]:
        windows = [w for item in items for w in item["windows"]]
        owner = [row for row, item in enumerate(items) for _ in item["windows"]]
        ids = torch.full((len(windows), max(map(len, windows))), self.pad_id, dtype=torch.long)
        for r, w in enumerate(windows):
            ids[r, : len(w)] = torch.tensor(w)
        batch = {
            "input_ids": ids,
            "attention_mask": (ids != self.pad_id).long(),
            "labels": torch.tensor([item["labels"] for item in items]),
            OWNER: torch.tensor(owner),
        }
        if self.segments:  # one segment, as the tagger feeds the exported model
            batch["token_type_ids"] = torch.zeros_like(ids)
        return batch


def pool_windows(logits: torch.Tensor, owner: torch.Tensor, rows: int) -> torch.Tensor:
    """Each paragraph's logits: the maximum over its windows, label by label (the
    sigmoid is monotonic, so this is the tagger's max-pooling of scores)."""
    pooled = torch.full((rows, logits.shape[1]), float("-inf"), dtype=logits.dtype, device=logits.device)
    index = owner.to(logits.device).unsqueeze(1).expand_as(logits)
    return pooled.scatter_reduce(0, index, logits, reduce="amax")

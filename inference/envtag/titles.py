"""A document's title as context for each of its paragraphs.

The guide labels a paragraph by its own words, but a few of its rulings need
the document: a law article acting under 本法/本条例 takes its law's medium,
and a figure caption or table row of a research paper is read as that paper's
subject. A model whose settings give ``title_tokens > 0`` reads the first
``title_tokens`` tokens of the cleaned title before each window of the
paragraph, as ``[CLS] title [SEP] paragraph-window [SEP]``. Training and tagging
build that prefix here, the one place, so both see the same sequence.

A paragraph that *is* its title (a document's first line), an empty title and
a model without title context all get no prefix: such a paragraph is read on
its own, exactly as before.
"""

from __future__ import annotations

from .cleaning import clean


def as_title(value: object) -> str | None:
    """A title field's value as a title: a non-blank string, else ``None``
    (missing fields, empty cells, numbers)."""
    return value if isinstance(value, str) and value.strip() else None


def title_prefix(tokenizer, title: str | None, clean_text: str, title_tokens: int, sep_id: int) -> list[int]:
    """Token ids to put before a paragraph's window: the title's first
    ``title_tokens`` tokens and ``[SEP]``, or ``[]`` when there is no title to read.

    ``tokenizer`` is a ``tokenizers.Tokenizer`` (a fast tokenizer's
    ``backend_tokenizer``); ``clean_text`` is the paragraph after cleaning."""
    if title_tokens <= 0 or not title:
        return []
    cleaned = clean(title)
    if not cleaned or cleaned == clean_text:
        return []
    ids = tokenizer.encode(cleaned, add_special_tokens=False).ids[:title_tokens]
    return [*ids, sep_id] if ids else []

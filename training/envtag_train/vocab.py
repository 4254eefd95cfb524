"""Character-level vocabulary for a compact Chinese BERT.

A vocabulary trimmed to the characters the domain actually uses (a few
thousand instead of bert-base-chinese's 21,128) shrinks the embedding and the
MLM output softmax, which dominate a small model's parameters and cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_ASCII = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]


def build_vocab(texts: Iterable[str], min_count: int = 5, max_size: int = 6000) -> list[str]:
    """Most frequent characters (case-folded), plus latin letters and digits
    with ``##`` continuation pieces so that ``PM2.5`` and ``VOCs`` tokenise
    without [UNK]."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text.lower())
    vocab = list(SPECIAL_TOKENS)
    seen = set(vocab)
    for tok in _ASCII + ["##" + c for c in _ASCII]:
        vocab.append(tok)
        seen.add(tok)
    for ch, n in counts.most_common():
        if len(vocab) >= max_size:
            break
        if n < min_count or ch.isspace() or ch in seen:
            continue
        vocab.append(ch)
        seen.add(ch)
    return vocab


def save_tokenizer(vocab: list[str], out_dir: str | Path, model_max_length: int = 256):
    """Save a ``BertTokenizerFast``-loadable tokenizer directory and return it."""
    from transformers import BertTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    vocab_map = {tok: i for i, tok in enumerate(vocab)}
    # transformers 5 ignores vocab_file=; pass the mapping itself.
    tok = BertTokenizerFast(
        vocab=vocab_map,
        do_lower_case=True,
        tokenize_chinese_chars=True,
        strip_accents=False,
        model_max_length=model_max_length,
    )
    if len(tok) != len(vocab):
        raise RuntimeError(f"tokenizer has {len(tok)} tokens, expected {len(vocab)}")
    tok.save_pretrained(out)
    return tok

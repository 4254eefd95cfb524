"""A keyword lexicon tagger built from the taxonomy's cue phrases.

It is the baseline the neural tagger must beat, and the source of weak labels
for intermediate training on unlabeled corpus paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from envtag.taxonomy import Taxonomy, load_taxonomy


class LexiconTagger:
    """Label a cleaned paragraph with every label one of whose cues occurs.

    Negative phrases (水泥, 碳纤维, 创新土壤 …) are blanked out first so that
    the characters they share with cues do not fire.
    """

    def __init__(self, taxonomy: Taxonomy | None = None, min_hits: int = 1) -> None:
        self.taxonomy = taxonomy or load_taxonomy()
        self.min_hits = min_hits

        # One alternation per label, longest phrases first; negatives are
        # matched in the same pass so that they win over the cues they contain.
        self._patterns = []
        for label in self.taxonomy.labels:
            negs = sorted({n.lower() for n in label.negatives}, key=len, reverse=True)
            cues = sorted({c.lower() for c in label.cues}, key=len, reverse=True)
            neg_alt = "|".join(f"(?:{re.escape(n)})" for n in negs)
            cue_alt = "|".join(re.escape(c) for c in cues)
            pattern = f"(?P<neg>{neg_alt})|(?P<cue>{cue_alt})" if negs else f"(?P<cue>{cue_alt})"
            self._patterns.append((label.id, re.compile(pattern)))

    def hits(self, text: str) -> dict[str, int]:
        lowered = text.lower()
        return {lid: sum(1 for m in pattern.finditer(lowered) if m.group("cue")) for lid, pattern in self._patterns}

    def predict(self, text: str) -> list[str]:
        counts = self.hits(text)
        return [lid for lid in self.taxonomy.ids if counts[lid] >= self.min_hits]

    def predict_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.predict(t) for t in texts]

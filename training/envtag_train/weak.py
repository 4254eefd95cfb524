"""Weak label targets for unlabeled corpus paragraphs.

Two cheap teachers vote: the taxonomy's keyword lexicon (high recall on
explicit cues, blind to context) and a TF-IDF character n-gram logistic
regression fitted on the annotated paragraphs (learns the annotators' boundary
decisions). Their average is a soft target in [0, 1] per label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from envtag.cleaning import clean
from envtag.taxonomy import load_taxonomy
from envtag_train.lexicon import LexiconTagger


def load_annotated(paths: list[str | Path]) -> tuple[list[str], np.ndarray]:
    """Cleaned content paragraphs of annotation files and their label matrix."""
    from .annotations import load_content
    from .calibrate import label_matrix

    examples = [e for path in paths for e in load_content(path)]
    return [clean(e.text) for e in examples], label_matrix(examples, load_taxonomy().ids)


class TfidfTeacher:
    """Character 1–3-gram TF-IDF + one logistic regression per label."""

    def __init__(self, c: float = 10.0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
        self.c = c
        self.models: list = []

    def fit(self, texts: list[str], y: np.ndarray) -> TfidfTeacher:
        from sklearn.linear_model import LogisticRegression

        x = self.vec.fit_transform(texts)
        self.models = [
            LogisticRegression(C=self.c, max_iter=2000, class_weight="balanced").fit(x, y[:, j])
            for j in range(y.shape[1])
        ]
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        x = self.vec.transform(texts)
        return np.stack([m.predict_proba(x)[:, 1] for m in self.models], axis=1)


def make_weak_labeler(annotated: list[str | Path], lexicon_weight: float = 0.5):
    """Return ``f(cleaned_texts) -> (n, n_labels) float array``."""
    texts, y = load_annotated(annotated)
    teacher = TfidfTeacher().fit(texts, y)
    lex = LexiconTagger()
    ids = lex.taxonomy.ids

    def label(paras: list[str]) -> np.ndarray:
        lex_y = np.zeros((len(paras), len(ids)), dtype=np.float32)
        for i, p in enumerate(paras):
            for lid in lex.predict(p):
                lex_y[i, ids.index(lid)] = 1.0
        probs = np.concatenate([teacher.predict_proba(paras[i : i + 20000]) for i in range(0, len(paras), 20000)])
        return lexicon_weight * lex_y + (1 - lexicon_weight) * probs

    return label

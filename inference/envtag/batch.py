"""Tagging inside data engines: Hugging Face ``datasets`` and Ray Data.

:class:`BatchTagger` is a picklable batch function. It loads the tagger once
per process (a Ray actor, a ``datasets`` worker) and adds two columns to a
batch of records: ``labels`` (a list per row) and ``envtag`` (the JSON of the
prediction, exactly what ``envtag tag`` writes for the same text: labels,
scores, skipped, evidence)::

    ds = datasets.load_dataset("json", data_files="paras.jsonl")["train"]
    ds = ds.map(BatchTagger("models/default"), batched=True, num_proc=2)

    ray.data.read_json("paras.jsonl").map_batches(
        BatchTagger, fn_constructor_kwargs={"model": "models/default"}, concurrency=4, batch_size=256
    )
"""

from __future__ import annotations

import json
from pathlib import Path


class BatchTagger:
    """``batch -> batch`` with ``labels`` and ``envtag`` columns added."""

    def __init__(
        self,
        model: str | Path | None = None,
        text_column: str = "text",
        evidence: bool = True,
        threads: int = 1,
        title_column: str | None = None,
    ) -> None:
        """``title_column``, when given, holds each row's document title (for
        models trained with title context; ``None`` or empty cells: no title)."""
        from .tagger import resolve_model

        self.model = resolve_model(model)
        self.text_column, self.evidence, self.threads = text_column, evidence, threads
        self.title_column = title_column
        self._tagger = None

    def __getstate__(self) -> dict:  # the loaded model stays in its process
        return {**self.__dict__, "_tagger": None}

    @property
    def tagger(self):
        if self._tagger is None:
            from .tagger import Tagger

            self._tagger = Tagger.from_pretrained(self.model, threads=self.threads)
        return self._tagger

    def __call__(self, batch: dict) -> dict:
        texts = ["" if t is None else str(t) for t in list(batch[self.text_column])]
        from .titles import as_title

        titles = None
        if self.title_column is not None:
            titles = [as_title(t) for t in list(batch[self.title_column])]
        preds = self.tagger.predict(texts, evidence=self.evidence, titles=titles)
        out = dict(batch)
        out["labels"] = [p.labels for p in preds]
        out["envtag"] = [json.dumps(p.to_dict(), ensure_ascii=False) for p in preds]
        return out

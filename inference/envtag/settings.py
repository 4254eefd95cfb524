"""The tagger's own settings, saved as ``envtag.json`` beside the weights.

A model directory is a standard Hugging Face directory (config.json with
``id2label``, weights, tokenizer) plus this file, which holds what plain
transformers does not know: per-label decision thresholds, the cleaning and
taxonomy versions the model was trained with, the window geometry used for
long paragraphs, and how much of a document's title the model reads.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SETTINGS_FILE = "envtag.json"


@dataclass
class TaggerSettings:
    labels: list[str]
    thresholds: dict[str, float]
    cleaning_version: str
    taxonomy_version: str
    max_length: int = 256
    stride_sentences: int = 1
    # Tokens of the document's title read before each window (0: the model reads
    # paragraphs alone; see envtag.titles).
    title_tokens: int = 0
    extra: dict = field(default_factory=dict)

    def save(self, model_dir: str | Path) -> None:
        path = Path(model_dir) / SETTINGS_FILE
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, model_dir: str | Path) -> TaggerSettings:
        raw = json.loads((Path(model_dir) / SETTINGS_FILE).read_text(encoding="utf-8"))
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        return cls(**known)

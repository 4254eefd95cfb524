"""The label taxonomy, loaded from ``labels/taxonomy.yaml``.

Training and inference both read label order from here, so a model's
``id2label`` and the annotation files can be checked against one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .shipped import shipped_path


@dataclass(frozen=True)
class Label:
    id: str
    zh: str
    definition: str
    cues: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    version: str
    labels: tuple[Label, ...]
    boundary_rules: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def ids(self) -> list[str]:
        return [label.id for label in self.labels]

    def index(self, label_id: str) -> int:
        return self.ids.index(label_id)


def _taxonomy_file() -> Path:
    return shipped_path("labels/taxonomy.yaml")


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy file (default: the packaged ``labels/taxonomy.yaml``)."""
    return _load(str(path) if path else str(_taxonomy_file()))


@lru_cache(maxsize=8)
def _load(path: str) -> Taxonomy:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    labels = tuple(
        Label(
            id=item["id"],
            zh=item["zh"],
            definition=item["definition"],
            cues=tuple(item.get("cues", ())),
            negatives=tuple(item.get("negatives", ())),
        )
        for item in raw["labels"]
    )
    ids = [label.id for label in labels]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate label ids in taxonomy")
    return Taxonomy(
        version=str(raw["version"]),
        labels=labels,
        boundary_rules=tuple(raw.get("boundary_rules", ())),
    )


def label_ids() -> list[str]:
    return load_taxonomy().ids

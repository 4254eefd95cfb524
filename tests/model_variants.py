"""Variants of a saved tiny model for error tests (no training)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def drop_label(src: Path, dst: Path, label: str) -> Path:
    """A copy of the model at ``src`` without ``label``: what a model trained
    on an older taxonomy looks like (its classifier head has one row less)."""
    from safetensors.torch import load_file, save_file

    shutil.copytree(src, dst)
    cfg = json.loads((dst / "config.json").read_text(encoding="utf-8"))
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    keep = [i for i, lab in enumerate(labels) if lab != label]
    weights = load_file(dst / "model.safetensors")
    weights["classifier.weight"] = weights["classifier.weight"][keep].contiguous()
    weights["classifier.bias"] = weights["classifier.bias"][keep].contiguous()
    save_file(weights, dst / "model.safetensors", metadata={"format": "pt"})
    kept = [labels[i] for i in keep]
    cfg["id2label"] = {str(i): lab for i, lab in enumerate(kept)}
    cfg["label2id"] = {lab: i for i, lab in enumerate(kept)}
    (dst / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    settings = json.loads((dst / "envtag.json").read_text(encoding="utf-8"))
    settings["labels"] = kept
    settings["thresholds"] = {k: v for k, v in settings["thresholds"].items() if k != label}
    (dst / "envtag.json").write_text(json.dumps(settings), encoding="utf-8")
    return dst

"""Builds a tiny envtag model offline (random-init BERT from a config), once
per test session, through the real training code path."""

from __future__ import annotations

import json
from pathlib import Path


def write_tiny_data(root: Path, shared: Path) -> tuple[Path, Path]:
    lines = (shared / "data" / "silver_dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    train = root / "train.jsonl"
    dev = root / "dev.jsonl"
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:80]), encoding="utf-8")
    dev.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[80:120]), encoding="utf-8")
    return train, dev


def tiny_config(root: Path, shared: Path, **overrides):
    from envtag_train.config import TrainConfig

    train, dev = write_tiny_data(root, shared)
    cfg = TrainConfig(
        train_files=[str(train)],
        dev_file=str(dev),
        output_dir=str(root / "model"),
        model_config={
            "hidden_size": 16,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "intermediate_size": 32,
            "vocab_size": 2000,
        },
        max_length=64,
        learning_rate=1e-3,
        num_epochs=1,
        batch_size=16,
        early_stopping_patience=0,
        export_onnx=False,  # the PyTorch model; tests that want ONNX export a copy
        seed=7,
    )
    for k, v in overrides.items():
        setattr(cfg, k, v)
    return cfg

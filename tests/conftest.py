"""Shared fixtures: the project's ``shared`` folder lies beside the repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def SHARED() -> Path:  # noqa: N802 - named like the constant it stands for
    """The ``shared`` folder beside the repository (seeds, guide, data)."""
    assert SHARED_DIR.is_dir(), f"missing {SHARED_DIR}"
    return SHARED_DIR


@pytest.fixture(scope="session")
def seeds_gold(SHARED: Path) -> list[dict]:  # noqa: N803
    """The 58 annotated paragraphs of the five raw seed articles."""
    with open(SHARED / "data" / "seeds_gold.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, SHARED: Path) -> Path:  # noqa: N803
    """A trained, saved tiny envtag model directory (random-init BERT)."""
    from model_fixture import tiny_config

    from envtag_train.finetune import train

    root = tmp_path_factory.mktemp("tiny")
    return train(tiny_config(root, SHARED), log=lambda m: None)


@pytest.fixture(scope="session")
def onnx_model(tiny_model, tmp_path_factory) -> Path:
    """A copy of the tiny model with ``model.int8.onnx`` written by ``export_onnx``."""
    import shutil

    from envtag.backends import ONNX_FP32, ONNX_INT8
    from envtag_train.export import export_onnx

    target = tmp_path_factory.mktemp("onnx") / "model"
    shutil.copytree(tiny_model, target)
    written = export_onnx(target)
    assert [p.name for p in written] == [ONNX_INT8]
    assert not (target / ONNX_FP32).exists()
    return target

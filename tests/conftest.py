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


TINY_MODEL = Path(__file__).resolve().parent / "fixtures" / "tiny-model"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny envtag model directory (1-layer, 16-wide BERT; PyTorch weights only).

    A copy of the committed ``tests/fixtures/tiny-model`` (under 200 KB, built
    as ``tests/fixtures/README.md`` says) without its ONNX file, so runtime
    tests need no training code."""
    import shutil

    target = tmp_path_factory.mktemp("tiny") / "model"
    shutil.copytree(TINY_MODEL, target, ignore=shutil.ignore_patterns("*.onnx"))
    return target


@pytest.fixture(scope="session")
def onnx_model(tmp_path_factory) -> Path:
    """The same tiny model with its int8 ONNX file (what ``envtag tag`` runs)."""
    import shutil

    target = tmp_path_factory.mktemp("onnx") / "model"
    shutil.copytree(TINY_MODEL, target)
    return target

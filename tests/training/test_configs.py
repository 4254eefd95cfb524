"""The shipped configs load and validate, and the tiny one trains and
evaluates end to end through the CLI (as CI runs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envtag.cli import app
from envtag_train.config import TrainConfig, load_config
from envtag_train.pretrain import PretrainConfig

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_config_is_valid(path, monkeypatch):
    monkeypatch.chdir(REPO)  # configs use paths relative to the repository root
    cls = PretrainConfig if path.name.startswith("pretrain") else TrainConfig
    cfg = load_config(path, cls=cls)
    if cls is TrainConfig:
        cfg.validate()
    else:
        assert all(Path(p).exists() for p in [*cfg.corpus, *cfg.extra_texts, *cfg.weak_annotated])


def test_tiny_config_trains_and_evaluates(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    out = tmp_path / "tiny"
    runner = CliRunner()
    res = runner.invoke(
        app, ["train", "--config", "configs/tiny.yaml", "--set", f"output_dir={out}", "--set", "num_epochs=1"]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["evaluate", "--model", str(out), "--data", "../shared/data/seeds_gold.jsonl", "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "seeds_gold.json").read_text())
    assert report["n"] == 48 and report["non_content"] == {"total": 10, "skipped": 10}

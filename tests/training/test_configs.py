"""The shipped configs load and validate, and the tiny one trains and
evaluates end to end through the CLI (as CI runs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envtag.cli import app
from envtag_train.config import TrainConfig, load_config
from envtag_train.distill import DistillConfig
from envtag_train.pretrain import PretrainConfig

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))


def _config_class(path: Path):
    return {"pretrain": PretrainConfig, "distill": DistillConfig}.get(path.stem.split("-")[0], TrainConfig)


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_config_is_valid_from_any_working_directory(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths in a config file are relative to its folder
    cls = _config_class(path)
    cfg = load_config(path, cls=cls)
    if cls is TrainConfig:
        cfg.validate()
        assert Path(cfg.output_dir).resolve().parent.parent == REPO
        assert all(Path(t).resolve().parent == REPO / "runs" for t in cfg.teachers)  # made by the recipe
        assert all(Path(p).exists() for p in cfg.teacher_corpus)
    elif cls is PretrainConfig:
        assert all(Path(p).exists() for p in [*cfg.corpus, *cfg.extra_texts, *cfg.weak_annotated])
    else:  # teachers, and a later stage's encoder, are made by the recipe in runs/, not committed
        made = REPO / "runs"
        assert Path(cfg.encoder).exists() or Path(cfg.encoder).resolve().parent == made
        assert all(Path(t).resolve().parent == made for t in cfg.teachers)
        assert all(Path(p).exists() for p in [*cfg.corpus, *cfg.exclude_files])


def _study(tmp_path: Path, base_model: str) -> Path:
    """A user's study folder: data/a.jsonl and run.yaml naming it relatively."""
    study = tmp_path / "study"
    (study / "data").mkdir(parents=True)
    (study / "data" / "a.jsonl").write_text('{"text": "加强大气污染防治", "labels": ["air"]}\n', encoding="utf-8")
    (study / "run.yaml").write_text(
        f"train_files: [data/a.jsonl]\ndev_file: data/a.jsonl\nbase_model: {base_model}\noutput_dir: out\n",
        encoding="utf-8",
    )
    return study


def test_config_paths_follow_the_file_but_set_paths_follow_the_working_directory(tmp_path, monkeypatch):
    study = _study(tmp_path, "bert-base-chinese")
    monkeypatch.chdir(tmp_path)
    cfg = load_config(study / "run.yaml", ["report_files=[data/a.jsonl]"])
    assert cfg.train_files == [str(Path("study/data/a.jsonl"))] and cfg.output_dir == str(Path("study/out"))
    assert cfg.base_model == "bert-base-chinese"  # a hub id stays one
    assert cfg.report_files == ["data/a.jsonl"]  # --set: relative to where the command runs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert Path(load_config(study / "run.yaml").dev_file).resolve() == (study / "data" / "a.jsonl").resolve()


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


def test_a_model_the_recipe_has_not_made_yet_is_still_a_path(tmp_path, monkeypatch):
    """``../runs/x`` cannot be a hub id: it resolves against the config's folder
    even before the run that makes it, so the error names the right place."""
    study = _study(tmp_path, "../runs/encoder")
    monkeypatch.chdir(study / "data")
    assert Path(load_config(study / "run.yaml").base_model).resolve() == tmp_path / "runs" / "encoder"

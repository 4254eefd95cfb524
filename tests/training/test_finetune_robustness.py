"""Model saves are atomic: a crash at any step of publishing leaves the old
model or the new one at the output path, never a half-written directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from envtag.atomic import publish, recover_interrupted_publish
from envtag.errors import ModelError
from envtag.tagger import Tagger
from envtag_train import finetune


def _model(tiny_model: Path, path: Path, marker: str) -> Path:
    shutil.copytree(tiny_model, path)
    (path / "WHICH").write_text(marker)
    return path


def _which(path: Path) -> str:
    Tagger.from_pretrained(path)  # it loads as a model
    return (path / "WHICH").read_text()


def test_publish_replaces_the_old_model(tmp_path, tiny_model):
    out = _model(tiny_model, tmp_path / "model", "old")
    stage = _model(tiny_model, tmp_path / "model.work" / "model", "new")
    publish(stage, out)
    assert _which(out) == "new"
    assert not stage.exists() and not (tmp_path / "model.old").exists()
    fresh = tmp_path / "fresh"
    publish(_model(tiny_model, tmp_path / "stage2", "first"), fresh)  # no old model
    assert _which(fresh) == "first"


@pytest.mark.parametrize(
    ("fail_at", "expected"),
    [
        ("replace#1", "old"),  # moving the old model aside
        ("replace#2", "old"),  # moving the new model in
        ("rmtree-old", "new"),  # removing the old model afterwards
    ],
)
def test_a_crash_while_publishing_leaves_a_whole_model(tmp_path, tiny_model, monkeypatch, fail_at, expected):
    out = _model(tiny_model, tmp_path / "model", "old")
    stage = _model(tiny_model, tmp_path / "model.work" / "model", "new")
    calls = {"replace": 0}
    real_replace, real_rmtree = os.replace, shutil.rmtree

    def replace(src, dst):
        calls["replace"] += 1
        if fail_at == f"replace#{calls['replace']}":
            raise OSError("simulated crash")
        return real_replace(src, dst)

    def rmtree(path, *args, **kwargs):
        if fail_at == "rmtree-old" and Path(path).name == "model.old" and Path(path).exists():
            raise OSError("simulated crash")
        return real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(shutil, "rmtree", rmtree)
    with pytest.raises(OSError, match="simulated crash"):
        publish(stage, out)
    monkeypatch.undo()
    assert _which(out) == expected


def test_a_kill_between_the_renames_is_recovered(tmp_path, tiny_model):
    out = tmp_path / "model"
    _model(tiny_model, tmp_path / "model.old", "old")  # the state a SIGKILL between the renames leaves
    with pytest.raises(ModelError, match="a save was interrupted"):
        Tagger.from_pretrained(out)
    assert recover_interrupted_publish(out)
    assert _which(out) == "old"
    assert not recover_interrupted_publish(out)  # nothing to do any more
    shutil.move(str(out), str(tmp_path / "model.old"))
    publish(_model(tiny_model, tmp_path / "stage", "new"), out)  # the next save recovers first
    assert _which(out) == "new" and not (tmp_path / "model.old").exists()


def test_a_failed_training_run_leaves_no_work_directory(tmp_path, tiny_model, monkeypatch, SHARED):  # noqa: N803
    from model_fixture import tiny_config

    out = _model(tiny_model, tmp_path / "model", "old")
    (tmp_path / "data").mkdir()
    cfg = tiny_config(tmp_path / "data", SHARED, output_dir=str(out))

    def crash_while_saving(*args, **kwargs):
        stage = _model(tiny_model, tmp_path / "model.work" / "model", "half")
        (stage / "model.safetensors").write_bytes(b"half-written")
        raise KeyboardInterrupt

    monkeypatch.setattr(finetune, "fit", crash_while_saving)  # killed mid-training
    with pytest.raises(KeyboardInterrupt):
        finetune.train(cfg)
    assert not (tmp_path / "model.work").exists()
    assert _which(out) == "old"


def test_a_useless_model_is_flagged(tmp_path, tiny_model, SHARED):  # noqa: N803
    from model_fixture import tiny_config

    from envtag_train.finetune import degenerate, load_data

    (tmp_path / "data").mkdir()
    data = load_data(tiny_config(tmp_path / "data", SHARED))
    warnings = degenerate(tiny_model, data)  # one epoch of a 16-wide random-init model
    assert any("below the keyword lexicon" in w for w in warnings)
    assert degenerate(Path(__file__).resolve().parents[2] / "models" / "default", data) == []


@pytest.mark.parametrize(
    ("cuda", "capability", "on"), [(False, None, False), (True, (7, 0), False), (True, (9, 0), True)]
)
def test_mixed_precision_only_where_the_gpu_has_it(monkeypatch, cuda, capability, on):
    """bf16 and TF32 on an Ampere or newer GPU; never on a CPU or an older GPU,
    where transformers would refuse to start the run."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: capability)
    assert finetune.mixed_precision() == {"bf16": on, "tf32": on}

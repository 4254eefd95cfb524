"""`envtag train` / `envtag evaluate` on bad configs, data and models: one
line naming the fix, a non-zero exit, no traceback unless --debug."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envtag.cli import app

runner = CliRunner()


def _one_error_line(res, code: int) -> str:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("envtag: error: ")
    return lines[0]


@pytest.fixture()
def data(tmp_path, SHARED):  # noqa: N803
    from model_fixture import write_tiny_data

    return write_tiny_data(tmp_path, SHARED)


@pytest.fixture()
def config(tmp_path, data):
    train, dev = data
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"train_files: [{train}]\ndev_file: {dev}\noutput_dir: {tmp_path / 'm'}\n"
        "model_config: {hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}\n"
        "max_length: 64\nnum_epochs: 1\nearly_stopping_patience: 0\n",
        encoding="utf-8",
    )
    return cfg


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("learning_rate=-1", "config: learning_rate must be > 0, got -1.0; fix it in the config or with --set"),
        ("batch_size=0", "config: batch_size must be >= 1, got 0"),
        ("max_length=8", "config: max_length must be between 16 and 4096, got 8"),
        ("save_dtype=int8", "config: save_dtype must be float16 or float32, got 'int8'"),
        ("num_epochs=many", "config: num_epochs must be a number, got 'many'"),
        ("batch_size=2.5", "config: batch_size must be a whole number"),
        ("train_files=a.jsonl", "config: train_files must be a list of strings (e.g. [a.jsonl, b.jsonl])"),
        ("model_config=5", "config: model_config must be a mapping"),
        ("tune_thresholds=maybe", "config: tune_thresholds must be true or false"),
        ("output_dir=null", "config: output_dir must be a string"),
        ("learning_rat=0.1", "unknown config keys: learning_rat (known: "),
        ("dev_file=nope.jsonl", "data file nope.jsonl does not exist; fix the path"),
        ("learning_rate", "expected key=value"),
    ],
)
def test_invalid_config_values(config, override, message):
    res = runner.invoke(app, ["train", "--config", str(config), "--set", override])
    assert message in _one_error_line(res, 2)


def test_unknown_labels_in_training_data(tmp_path, config, data):
    train, _ = data
    with open(train, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "噪声污染防治", "labels": ["noise"]}, ensure_ascii=False) + "\n")
    res = runner.invoke(app, ["train", "--config", str(config)])
    line = _one_error_line(res, 2)
    assert f"{train}:81: unknown label 'noise'" in line
    assert "fix the data or labels/taxonomy.yaml" in line
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.work").exists()


def test_base_model_hub_id_while_offline(tmp_path, config, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    res = runner.invoke(app, ["train", "--config", str(config), "--set", "base_model=someone/no-such-encoder"])
    line = _one_error_line(res, 3)
    assert "could not be reached (offline?)" in line and "point base_model at a local encoder directory" in line


def test_base_model_with_other_labels(tmp_path, config, tiny_model):
    from model_variants import drop_label

    five = drop_label(tiny_model, tmp_path / "five", "enforcement")
    res = runner.invoke(app, ["train", "--config", str(config), "--set", f"base_model={five}"])
    line = _one_error_line(res, 3)
    assert "is a tagger with labels" in line and "start from an encoder directory" in line


def test_evaluate_on_labels_the_model_does_not_have(tmp_path, tiny_model, SHARED):  # noqa: N803
    from model_variants import drop_label

    five = drop_label(tiny_model, tmp_path / "five", "enforcement")
    res = runner.invoke(app, ["evaluate", "--model", str(five), "--data", str(SHARED / "data" / "seeds_gold.jsonl")])
    line = _one_error_line(res, 3)
    assert "uses label(s) ['enforcement'] that the model" in line
    assert "evaluate a model trained on the current taxonomy (`envtag train`)" in line


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--model", "no/such/model/dir"], 3, "does not exist; pass the directory of a trained model (--model DIR)"),
        (["--data", "missing.jsonl"], 2, "data file missing.jsonl does not exist"),
    ],
)
def test_evaluate_missing_model_or_data(tmp_path, monkeypatch, tiny_model, SHARED, args, code, message):  # noqa: N803
    monkeypatch.chdir(tmp_path)
    base = {"--model": str(tiny_model), "--data": str(SHARED / "data" / "seeds_gold.jsonl")}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    res = runner.invoke(app, ["evaluate", *[x for kv in base.items() for x in kv]])
    assert message in _one_error_line(res, code)


def test_debug_shows_the_traceback(config):
    from envtag.errors import ConfigError

    res = runner.invoke(app, ["train", "--config", str(config), "--set", "learning_rate=-1", "--debug"])
    assert res.exit_code != 0
    assert isinstance(res.exception, ConfigError)


def test_bad_annotation_file_for_evaluate(tmp_path, tiny_model):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "加强大气污染防治", "labels": ["air"]}\n{"text": "x", "labels": \n', encoding="utf-8")
    res = runner.invoke(app, ["evaluate", "--model", str(tiny_model), "--data", str(bad)])
    assert f"{bad}:2: invalid JSON" in _one_error_line(res, 2)


def test_shipped_configs_still_load():
    from envtag_train.config import load_config
    from envtag_train.pretrain import PretrainConfig

    repo = Path(__file__).resolve().parents[2]
    for name in ("default.yaml", "compact-scratch.yaml", "tiny.yaml"):
        load_config(repo / "configs" / name)
    load_config(repo / "configs" / "pretrain-compact.yaml", cls=PretrainConfig)

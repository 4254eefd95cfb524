"""The training plugin's commands through the envtag CLI: train, evaluate, labels validate."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from envtag.cli import app

runner = CliRunner()


def test_labels_validate(tmp_path, SHARED):  # noqa: N803
    res = runner.invoke(app, ["labels", "validate", str(SHARED / "data" / "seeds_gold.jsonl")])
    assert res.exit_code == 0 and "OK" in res.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "labels": ["noise"]}\n', encoding="utf-8")
    res = runner.invoke(app, ["labels", "validate", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:1: unknown label 'noise'" in res.stderr


def test_train_then_evaluate_through_the_cli(tmp_path, SHARED):  # noqa: N803
    from model_fixture import write_tiny_data

    train, dev = write_tiny_data(tmp_path, SHARED)
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(
        f"train_files: [{train}]\ndev_file: {dev}\noutput_dir: {tmp_path / 'm'}\n"
        "model_config: {hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}\n"
        "max_length: 64\nnum_epochs: 1\nearly_stopping_patience: 0\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["train", "--config", str(cfg), "--set", "learning_rate=0.002"])
    assert res.exit_code == 0, res.output
    settings = json.loads((tmp_path / "m" / "envtag.json").read_text())
    assert settings["extra"]["training_config"]["learning_rate"] == 0.002
    res = runner.invoke(
        app, ["evaluate", "--model", str(tmp_path / "m"), "--data", str(dev), "--out", str(tmp_path / "rep")]
    )
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "rep" / "dev.json").read_text())
    assert {"per_label", "micro_f1", "macro_f1", "exact_match"} <= set(report)
    assert (tmp_path / "rep" / "dev.md").exists()


def test_train_with_bad_config_is_one_line(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("train_files: [nope.jsonl]\ndev_file: nope.jsonl\nbase_model: x\n")
    res = runner.invoke(app, ["train", "--config", str(cfg)])
    assert res.exit_code == 2
    assert "does not exist" in res.stderr and "Traceback" not in res.output

from __future__ import annotations

import pytest

from envtag.errors import ConfigError
from envtag_train.config import TrainConfig, load_config
from envtag_train.pretrain import PretrainConfig


def test_yaml_with_overrides(tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("train_files: [a.jsonl]\ndev_file: b.jsonl\nlearning_rate: 0.001\nnum_epochs: 3\n")
    cfg = load_config(cfg_file, ["learning_rate=5e-5", "batch_size=8", "model_config={hidden_size: 16}"])
    assert isinstance(cfg, TrainConfig)
    assert cfg.learning_rate == pytest.approx(5e-5)
    assert cfg.batch_size == 8
    assert cfg.model_config == {"hidden_size": 16}
    assert cfg.num_epochs == 3.0


def test_unknown_key_names_the_known_ones(tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("learning_rat: 0.1\n")
    with pytest.raises(ConfigError, match="unknown config keys: learning_rat"):
        load_config(cfg_file)


def test_bad_values_and_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("learning_rate: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="key=value"):
        load_config(None, ["learning_rate"])
    with pytest.raises(ConfigError, match="must be a number"):
        load_config(None, ["learning_rate=fast"])


def test_validate_checks_paths_and_ranges(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "x", "labels": []}\n')
    cfg = TrainConfig(train_files=[str(data)], dev_file=str(data), model_config={"hidden_size": 8})
    cfg.validate()
    with pytest.raises(ConfigError, match="learning_rate must be > 0"):  # checked on creation, in Python too
        TrainConfig(train_files=[str(data)], dev_file=str(data), model_config={"hidden_size": 8}, learning_rate=-1)
    cfg = TrainConfig(train_files=[str(tmp_path / "nope.jsonl")], dev_file=str(data), base_model="x")
    with pytest.raises(ConfigError, match="does not exist"):
        cfg.validate()


def test_pretrain_config_loads_through_same_path(tmp_path):
    cfg = load_config(None, ["hidden_size=64", "seq_len=128"], cls=PretrainConfig)
    assert cfg.hidden_size == 64 and cfg.seq_len == 128


def test_teacher_distillation_needs_teachers_and_a_corpus():
    with pytest.raises(ConfigError, match="teacher_paragraphs needs teachers"):
        TrainConfig(teacher_paragraphs=500)
    with pytest.raises(ConfigError, match="teacher_paragraphs must be >= 0"):
        TrainConfig(teacher_paragraphs=-1)


def test_train_repeats_name_training_files_and_whole_counts(tmp_path):
    data = tmp_path / "silver.jsonl"
    data.write_text('{"text": "x", "labels": []}\n')
    cfg = load_config(None, [f"train_files=[{data}]", f"dev_file={data}", "base_model=x", "train_repeats={silver: 2}"])
    cfg.validate()
    assert cfg.train_repeats == {"silver": 2}
    with pytest.raises(ConfigError, match="whole numbers >= 1"):
        load_config(None, ["train_repeats={silver: 0}"])
    cfg = load_config(None, [f"train_files=[{data}]", f"dev_file={data}", "base_model=x", "train_repeats={gold: 2}"])
    with pytest.raises(ConfigError, match="gold, which is no stem of train_files"):
        cfg.validate()


def test_title_tokens_leave_most_of_the_window_to_the_paragraph():
    assert TrainConfig(title_tokens=64, max_length=256).title_tokens == 64
    with pytest.raises(ConfigError, match="title_tokens must be between 0 and max_length / 4"):
        TrainConfig(title_tokens=65, max_length=256)
    with pytest.raises(ConfigError, match="title_tokens must be between"):
        TrainConfig(title_tokens=-1)

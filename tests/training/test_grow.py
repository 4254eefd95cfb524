"""Block expansion: a deeper encoder that starts where the base model was."""

from __future__ import annotations

import copy
import json

import pytest
import torch
from model_fixture import tiny_config
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from envtag.errors import ConfigError, ModelError
from envtag.tagger import Tagger
from envtag_train.config import TrainConfig
from envtag_train.finetune import train
from envtag_train.grow import grow_depth, insertion_points

TEXTS = ["城市大气污染防治工作取得新进展。", "执法人员依法查处违法排污企业三家，罚款十万元。"]


def _scores(model, tokenizer) -> torch.Tensor:
    batch = tokenizer(TEXTS, return_tensors="pt", padding=True)
    with torch.no_grad():
        return torch.sigmoid(model.eval()(**batch).logits)


def test_new_layers_are_spread_evenly_with_the_top_layer_last():
    assert insertion_points(4, 2) == [1, 3]
    assert insertion_points(4, 1) == [3]
    assert insertion_points(4, 8) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert insertion_points(12, 4) == [2, 5, 8, 11]
    assert insertion_points(4, 0) == []


def test_a_grown_model_starts_where_the_base_model_was(tiny_model, tmp_path):
    base = AutoModelForSequenceClassification.from_pretrained(tiny_model, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    layers = base.config.num_hidden_layers
    grown = grow_depth(copy.deepcopy(base), 2)
    assert grown.config.num_hidden_layers == len(grown.base_model.encoder.layer) == layers + 2
    assert torch.allclose(_scores(grown, tokenizer), _scores(base, tokenizer), atol=1e-3)
    grown.save_pretrained(tmp_path)
    again = AutoModelForSequenceClassification.from_pretrained(tmp_path, dtype=torch.float32)
    assert again.config.num_hidden_layers == layers + 2
    assert torch.equal(_scores(again, tokenizer), _scores(grown, tokenizer))


def test_an_encoder_of_another_shape_is_refused_with_the_fix():
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    config = DistilBertConfig(vocab_size=50, dim=16, n_layers=1, n_heads=2, hidden_dim=32, num_labels=2)
    with pytest.raises(ModelError, match="BERT-style encoders only.*set grow_layers: 0"):
        grow_depth(DistilBertForSequenceClassification(config), 1)


def test_grow_layers_needs_a_base_model_and_a_sensible_count(tmp_path, SHARED):  # noqa: N803
    with pytest.raises(ConfigError, match="grow_layers must be between 0 and 48"):
        TrainConfig(grow_layers=-1)
    cfg = tiny_config(tmp_path, SHARED, grow_layers=1)
    with pytest.raises(ConfigError, match="model_config.num_hidden_layers instead"):
        cfg.validate()


def test_training_with_grow_layers_saves_and_tags_with_the_deeper_model(tmp_path, SHARED, tiny_model):  # noqa: N803
    cfg = tiny_config(tmp_path, SHARED, base_model=str(tiny_model), model_config={}, grow_layers=1)
    out = train(cfg, log=lambda m: None)
    layers = json.loads((tiny_model / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"]
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["num_hidden_layers"] == layers + 1
    records = Tagger.from_pretrained(out).predict(TEXTS, evidence=False)
    assert len(records) == len(TEXTS)

"""Weight averaging of two tiny taggers trained with different seeds."""

from __future__ import annotations

import json

import pytest
from safetensors.torch import load_file

from envtag.errors import ModelError
from envtag.tagger import Tagger
from envtag_train.finetune import train
from envtag_train.soup import soup


def test_soup_averages_weights_and_retunes_thresholds(tmp_path, tiny_model, SHARED):  # noqa: N803
    from model_fixture import tiny_config

    # Same vocabulary and architecture as tiny_model (vocab is built from the same data), another seed.
    other = train(tiny_config(tmp_path, SHARED, seed=99), log=lambda m: None)
    out, metrics = soup([tiny_model, other], tmp_path / "dev.jsonl", tmp_path / "soup", export=False)
    a, b, s = (load_file(str(d / "model.safetensors")) for d in (tiny_model, other, out))
    key = "classifier.weight"
    assert ((a[key].float() + b[key].float()) / 2 - s[key].float()).abs().max() < 1e-2
    settings = json.loads((out / "envtag.json").read_text())
    assert [i["seed"] for i in settings["extra"]["soup"]] == [7, 99]
    from envtag_train.annotations import load_content
    from envtag_train.calibrate import evaluate_sets

    souped = Tagger.from_pretrained(out)
    again = evaluate_sets(souped, {"dev": load_content(tmp_path / "dev.jsonl")})["dev"]
    assert metrics["dev"]["macro_f1"] == again["macro_f1"]  # the saved metrics are the saved model's
    assert len(souped.predict(["加强大气污染防治"])) == 1


def test_soup_needs_two_models(tmp_path, tiny_model):
    with pytest.raises(ModelError, match="at least two"):
        soup([tiny_model], tmp_path / "dev.jsonl", tmp_path / "x", export=False)

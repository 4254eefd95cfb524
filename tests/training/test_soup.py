"""Weight averaging of two tiny taggers trained with different seeds."""

from __future__ import annotations

import json

import pytest
from safetensors.torch import load_file

from envtag.errors import ModelError
from envtag.tagger import Tagger
from envtag_train.finetune import train
from envtag_train.soup import soup, soup_weights


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


def test_weighted_soup_interpolates_and_records_the_weights(tmp_path, tiny_model, SHARED):  # noqa: N803
    from model_fixture import tiny_config

    other = train(tiny_config(tmp_path, SHARED, seed=99), log=lambda m: None)
    out, _ = soup([tiny_model, other], tmp_path / "dev.jsonl", tmp_path / "wise", export=False, weights=[3, 1])
    a, b, s = (load_file(str(d / "model.safetensors")) for d in (tiny_model, other, out))
    key = "classifier.weight"
    assert (0.75 * a[key].float() + 0.25 * b[key].float() - s[key].float()).abs().max() < 1e-2
    settings = json.loads((out / "envtag.json").read_text())
    assert [i["weight"] for i in settings["extra"]["soup"]] == [0.75, 0.25]
    assert settings["extra"]["selection"].startswith("weighted")
    assert "weight 0.75" in (out / "README.md").read_text()


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1.0], "1 weights for 2 models"), ([1.0, -1.0], ">= 0"), ([0.0, 0.0], "not all 0")],
)
def test_soup_refuses_weights_that_cannot_weigh_the_models(weights, message):
    with pytest.raises(ModelError, match=message):
        soup_weights(weights, 2)


def test_soup_weights_default_to_uniform_and_are_normalised():
    assert soup_weights(None, 4) == [0.25] * 4
    assert soup_weights([2, 6], 2) == [0.25, 0.75]


def test_soup_cli_wrong_weight_count_is_one_line(tmp_path, tiny_model):
    from typer.testing import CliRunner

    from envtag.cli import app

    res = CliRunner().invoke(
        app, ["soup", str(tiny_model), str(tiny_model), "-o", str(tmp_path / "x"), "--dev", "d.jsonl", "--weight", "1"]
    )
    assert res.exit_code != 0 and "Traceback" not in res.output
    (line,) = res.stderr.strip().splitlines()
    assert line == "envtag: error: 1 weights for 2 models; give one --weight per model, in the same order"

"""Weight averaging of two tiny taggers trained with different seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from envtag.errors import ModelError
from envtag.tagger import Tagger
from envtag_train.finetune import train
from envtag_train.soup import greedy_soup, soup, soup_weights


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


def _scaled(model, out, factor: float):
    """A copy of ``model`` with its classifier multiplied by ``factor``: 1.0
    gives a twin, a negative factor a model that reads every label backwards."""
    import shutil

    from safetensors.torch import save_file

    shutil.copytree(model, out)
    state = load_file(str(out / "model.safetensors"))
    for key in ("classifier.weight", "classifier.bias"):
        state[key] = factor * state[key]
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out


@pytest.fixture()
def sharp(tmp_path, tiny_model, SHARED):  # noqa: N803
    """The tiny model with each label's classifier row rescaled so that its
    scores spread around 0.5 (the tiny model's barely move), and a dev file
    labelled by them (positive above 0.5): the model scores 1.0 alone there,
    and an average pulled the other way scores lower."""
    from model_fixture import write_tiny_data
    from safetensors.torch import save_file

    from envtag_train.calibrate import tagger_scores

    _, dev = write_tiny_data(tmp_path, SHARED)
    texts = [json.loads(line)["text"] for line in dev.read_text(encoding="utf-8").splitlines()]
    raw = tagger_scores(Tagger.from_pretrained(tiny_model, backend="torch"), texts).astype(np.float64)
    model = _scaled(tiny_model, tmp_path / "sharp", 1.0)
    state = load_file(str(model / "model.safetensors"))
    weight, bias = state["classifier.weight"].float(), state["classifier.bias"].float()
    projected = np.log(raw / (1 - raw)) - bias.numpy()  # W·h of each text
    middle, spread = np.median(projected, axis=0), projected.std(axis=0)
    scale = torch.tensor(2.0 / spread, dtype=torch.float32)
    state["classifier.weight"] = weight * scale[:, None]
    state["classifier.bias"] = torch.tensor(-middle, dtype=torch.float32) * scale
    save_file(state, str(model / "model.safetensors"), metadata={"format": "pt"})
    above = projected > middle
    labels = Tagger.from_pretrained(model, backend="torch").labels
    rows = [
        {"id": f"d{i}", "text": t, "labels": [lab for lab, on in zip(labels, row, strict=True) if on]}
        for i, (t, row) in enumerate(zip(texts, above, strict=True))
    ]
    own = tmp_path / "own.jsonl"
    own.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return model, own


def test_greedy_soup_leaves_out_a_candidate_that_lowers_the_dev_score(tmp_path, sharp):
    model, dev = sharp
    twin = _scaled(model, tmp_path / "twin", 1.0)
    bad = _scaled(model, tmp_path / "bad", -10.0)
    lines = []
    out, metrics = greedy_soup([bad, model, twin], dev, tmp_path / "g", export=False, log=lines.append)
    settings = json.loads((out / "envtag.json").read_text())
    assert [i["dir"] for i in settings["extra"]["soup"]] == [str(model), str(twin)]
    trials = settings["extra"]["soup_selection"]["trials"]
    assert [(t["dir"], t["kept"]) for t in trials] == [(str(twin), True), (str(bad), False)]
    assert metrics["dev"]["macro_f1"] > trials[1]["with"]
    assert lines[-1].endswith("left out") and lines[0].startswith("[1/5, about ")


def test_greedy_soup_of_nothing_better_says_to_use_the_best_model(tmp_path, sharp):
    model, dev = sharp
    bad = _scaled(model, tmp_path / "bad", -10.0)
    with pytest.raises(ModelError, match="use that model as it is"):
        greedy_soup([bad, model], dev, tmp_path / "g", export=False)


def test_soup_cli_greedy_with_weights_is_refused(tmp_path, tiny_model):
    from typer.testing import CliRunner

    from envtag.cli import app

    args = ["soup", str(tiny_model), str(tiny_model), "-o", str(tmp_path / "x"), "--dev", "d.jsonl"]
    res = CliRunner().invoke(app, [*args, "--greedy", "--weight", "1", "--weight", "1"])
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "leave out --weight" in res.stderr


def test_soup_with_a_missing_dev_file_fails_before_writing_anything(tmp_path, tiny_model):
    from envtag.errors import DataError

    with pytest.raises(DataError, match="no such file"):
        soup([tiny_model, tiny_model], tmp_path / "missing.jsonl", tmp_path / "out", export=False)
    assert list(tmp_path.iterdir()) == []


def test_soup_refuses_models_that_read_titles_differently(tmp_path, tiny_model, SHARED):  # noqa: N803
    import shutil

    from envtag.settings import TaggerSettings

    titled = tmp_path / "titled"
    shutil.copytree(tiny_model, titled)
    settings = TaggerSettings.load(titled)
    settings.title_tokens = 8
    settings.save(titled)
    with pytest.raises(ModelError, match="reads 8 title tokens"):
        soup([tiny_model, titled], SHARED / "data" / "silver_dev.jsonl", tmp_path / "out", export=False)
    assert not (tmp_path / "out").exists()

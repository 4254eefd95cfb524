"""What `train` saves beside the weights: settings with hashes, metrics that the
saved model reproduces, a model card."""

from __future__ import annotations

import json

from model_fixture import tiny_config

from envtag.cleaning import CLEANING_VERSION
from envtag.tagger import Tagger
from envtag_train.annotations import load_content
from envtag_train.calibrate import evaluate_sets
from envtag_train.finetune import sha256, train


def test_train_saves_settings_metrics_and_card(tmp_path, SHARED):  # noqa: N803
    cfg = tiny_config(tmp_path, SHARED)
    out = train(cfg, log=lambda m: None)
    settings = json.loads((out / "envtag.json").read_text(encoding="utf-8"))
    assert set(settings["thresholds"]) == set(settings["labels"])
    assert settings["cleaning_version"] == CLEANING_VERSION
    assert settings["extra"]["data_files"] == {f: sha256(f) for f in [*cfg.train_files, *cfg.dev_files]}
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    again = evaluate_sets(Tagger.from_pretrained(out), {"dev": load_content(cfg.dev_file)})["dev"]
    assert metrics["dev"]["macro_f1"] == again["macro_f1"] and metrics["dev"]["n"] == again["n"]
    assert (out / "README.md").read_text(encoding="utf-8").startswith("# envtag model")

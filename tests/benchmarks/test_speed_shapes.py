"""The speed benchmark's larger-student shapes, through benchmarks/speed/run.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SCRIPT = "benchmarks/speed/run.py"
TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-model"


def test_shapes_parse_and_refuse_in_one_line(bench):
    assert bench.Shape.parse(" 8x256") == bench.Shape(8, 256) and str(bench.Shape(8, 256)) == "8L/256H"
    for bad in ("8", "8x250", "0x256", "x256"):
        with pytest.raises(SystemExit, match="LAYERSxHIDDEN"):
            bench.Shape.parse(bad)


def test_a_shape_keeps_the_models_vocabulary_labels_and_settings(bench, tmp_path):
    from envtag import Tagger

    target = bench.random_model_dir(TINY, tmp_path / "m", bench.Shape(2, 64))
    config = json.loads((target / "config.json").read_text())
    source = json.loads((TINY / "config.json").read_text())
    assert (config["num_hidden_layers"], config["hidden_size"], config["num_attention_heads"]) == (2, 64, 1)
    assert config["intermediate_size"] == 256 and config["vocab_size"] == source["vocab_size"]
    assert config["max_position_embeddings"] == source["max_position_embeddings"]
    tagger = Tagger.from_pretrained(target)  # a complete envtag model: it loads and tags
    assert tagger.labels == Tagger.from_pretrained(TINY).labels
    assert len(tagger.predict(["推进大气污染防治"])) == 1

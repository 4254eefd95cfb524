"""Training on every window of a long paragraph, as the tagger reads it."""

from __future__ import annotations

import json

import numpy as np
import torch
from model_fixture import tiny_config

from envtag.cleaning import clean
from envtag.tagger import Tagger
from envtag_train.finetune import train
from envtag_train.windowed import WindowCollator, Windower, pool_windows

LONG = "。".join(f"第{i}项，推进城镇污水处理设施建设和管网改造，加强入河排污口排查整治" for i in range(12)) + "。"


class Recording:
    """A tagger backend that records the sequences it is asked to score."""

    def __init__(self, labels: int) -> None:
        self.labels, self.seen = labels, []

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self.seen.append(ids[0].tolist())
        return np.zeros((1, self.labels), dtype=np.float32)


def test_training_windows_are_the_sequences_the_tagger_scores(tiny_model):
    from transformers import AutoTokenizer

    loaded = Tagger.from_pretrained(tiny_model)
    recording = Recording(len(loaded.labels))
    tagger = Tagger(loaded.tokenizer, recording, loaded.settings, str(tiny_model))
    tagger.predict([LONG], evidence=False)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    windower = Windower(tokenizer, loaded.settings.max_length, title_tokens=0)
    assert len(windower(clean(LONG))) > 3 and windower(clean(LONG)) == recording.seen
    assert windower("加强大气污染防治") == [tokenizer("加强大气污染防治")["input_ids"]]


def test_collator_pads_windows_and_says_whose_they_are():
    items = [
        {"windows": [[2, 5, 3], [2, 6, 7, 3]], "labels": [1.0, 0.0]},
        {"windows": [[2, 8, 3]], "labels": [0.0, 1.0]},
    ]
    batch = WindowCollator(pad_id=0, segments=True)(items)
    assert batch["input_ids"].tolist() == [[2, 5, 3, 0], [2, 6, 7, 3], [2, 8, 3, 0]]
    assert batch["attention_mask"].sum(1).tolist() == [3, 4, 3]
    assert batch["window_owner"].tolist() == [0, 0, 1] and batch["labels"].shape == (2, 2)
    assert batch["token_type_ids"].sum() == 0


def test_a_paragraphs_logits_are_the_maximum_over_its_windows():
    logits = torch.tensor([[1.0, -2.0], [0.5, 3.0], [-1.0, -1.0]], requires_grad=True)
    pooled = pool_windows(logits, torch.tensor([0, 0, 1]), rows=2)
    assert pooled.tolist() == [[1.0, 3.0], [-1.0, -1.0]]
    pooled.sum().backward()  # only the window that fires learns a label
    assert logits.grad.tolist() == [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]


def test_training_on_windows_saves_a_model_that_scores_what_it_reported(tmp_path, SHARED):  # noqa: N803
    from envtag_train.annotations import load_content
    from envtag_train.calibrate import evaluate_sets

    cfg = tiny_config(tmp_path, SHARED, train_windows=True, max_length=32)  # most paragraphs are several windows
    out = train(cfg, log=lambda m: None)
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    again = evaluate_sets(Tagger.from_pretrained(out), {"dev": load_content(cfg.dev_file)})["dev"]
    assert metrics["dev"]["macro_f1"] == again["macro_f1"]
    assert json.loads((out / "envtag.json").read_text(encoding="utf-8"))["max_length"] == 32

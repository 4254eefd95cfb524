"""Train -> save -> load -> predict round trips on a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtag.errors import ModelError
from envtag.tagger import Tagger, resolve_model


@pytest.fixture(scope="module")
def tagger(tiny_model):
    return Tagger.from_pretrained(tiny_model)


def test_loads_with_plain_transformers(tiny_model):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_model)
    assert [model.config.id2label[i] for i in range(6)] == [
        "air",
        "water",
        "soil",
        "carbon",
        "enforcement",
        "supervision",
    ]
    assert model.config.problem_type == "multi_label_classification"


def test_one_prediction_per_input_in_order(tagger):
    texts = ["深入打好蓝天保卫战，加强大气污染防治。", "", "   ", "编辑：张三 校对：李四", "水污染防治"]
    preds = tagger.predict(texts)
    assert [p.text for p in preds] == texts
    assert preds[1].skipped == "empty" and preds[2].skipped == "empty"
    assert preds[3].skipped == "byline"
    for p in (preds[0], preds[4]):
        assert p.skipped is None
        assert set(p.scores) == set(tagger.labels)
        assert all(0.0 <= s <= 1.0 for s in p.scores.values())
        assert set(p.labels) <= set(tagger.labels)


def test_very_long_and_mixed_script_input(tagger):
    long_text = "加强大气污染防治，推进清洁取暖。" * 320  # 5,120 characters
    mixed = "加強(qiáng)生態(tài)環境保護，PM2.5濃度下降，VOCs治理。"
    preds = tagger.predict([long_text, mixed])
    assert len(long_text) >= 5000
    assert preds[0].skipped is None and len(preds[0].scores) == 6
    assert preds[1].clean_text.startswith("加强生态环境保护")


def test_long_paragraph_is_max_pooled_over_windows(tagger):
    """A paragraph's score is the max over its windows, so appending text
    never lowers a label's score below that of the window it contains."""
    head = "全面落实扬尘污染管控措施，突出抓好臭氧污染防治。"
    tail = "会议要求各地抓好落实。" * 40
    solo = tagger.predict([head])[0].scores
    joined = tagger.predict([head + tail])[0].scores
    for lab in tagger.labels:
        assert joined[lab] >= solo[lab] - 1e-4


def test_thresholds_decide_labels(tagger):
    pred = tagger.predict(["推进入河排污口排查整治和污水管网建设。"])[0]
    expected = [lab for lab in tagger.labels if pred.scores[lab] >= tagger.settings.thresholds[lab]]
    assert pred.labels == expected


def test_evidence_sentences_belong_to_the_paragraph(tagger):
    text = "加強(qiáng)大氣污染防治。推進污水處理。嚴厲打擊偷排漏排。"
    every_label_on = tagger.with_thresholds(dict.fromkeys(tagger.labels, 0.0))  # so every label needs evidence
    pred = every_label_on.predict([text])[0]
    assert set(pred.evidence) == set(pred.labels) == set(tagger.labels)
    for items in pred.evidence.values():
        assert items
        for ev in items:  # offsets point into the original, uncleaned text
            assert text[ev["start"] : ev["end"]] == ev["text"]
            assert 0.0 <= ev["score"] <= 1.0


def test_missing_and_broken_model_dirs(tmp_path, tiny_model):
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="not a model directory"):
        resolve_model(empty)
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in tiny_model.iterdir():
        if f.name != "model.safetensors":
            (broken / f.name).write_bytes(f.read_bytes())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelError):
        Tagger.from_pretrained(broken)


def test_hub_id_offline_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="Hub"):
        Tagger.from_pretrained("someone/no-such-envtag-model")


def test_module_level_predict_uses_given_model(tiny_model):
    from envtag import predict

    preds = predict(["加强水污染防治"], model=tiny_model)
    assert len(preds) == 1 and preds[0].skipped is None
    direct = Tagger.from_pretrained(tiny_model).predict(["加强水污染防治"])[0]
    assert preds[0].scores == direct.scores and preds[0].labels == direct.labels


def test_with_thresholds_returns_a_new_tagger_and_checks_values(tagger):
    strict = tagger.with_thresholds(dict.fromkeys(tagger.labels, 1.0))
    assert strict.thresholds == dict.fromkeys(tagger.labels, 1.0)
    assert tagger.thresholds != strict.thresholds  # the original is unchanged
    assert strict.predict(["推进入河排污口排查整治和污水管网建设。"])[0].labels == []
    with pytest.raises(ModelError, match="missing"):
        tagger.with_thresholds({"air": 0.5})
    with pytest.raises(ModelError, match="bad"):
        tagger.with_thresholds({**tagger.thresholds, "air": 1.5})


def test_a_single_string_is_one_paragraph(tagger):
    assert len(tagger.predict("加强大气污染防治")) == 1


def test_shipped_model_names_resolve_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (Path(resolve_model("models/default")) / "config.json").exists()

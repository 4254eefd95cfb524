"""The distillation step: a draw that never reads an evaluation document,
threshold-centred teacher targets, and an encoder taught them end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from envtag.errors import ConfigError
from envtag_train.config import TrainConfig
from envtag_train.distill import DistillConfig, distill, draw, require_teachers, scoring_device, teacher_targets

PARAGRAPHS = [
    "全面加强大气污染防治，推进燃煤锅炉超低排放改造和扬尘综合整治。",
    "深入实施河长制，开展入河排污口排查整治，确保断面水质稳定达标。",
    "开展受污染耕地安全利用，严格建设用地土壤污染风险管控。",
    "推进碳达峰碳中和，发展光伏和风电，降低单位生产总值二氧化碳排放。",
    "对超标排放的企业依法立案处罚，责令停产整治，移送公安机关。",
    "中央生态环境保护督察组反馈问题整改情况开展回头看。",
    "图书馆延长开放时间，方便市民借阅。",
    "区文化馆举办少儿书法展，展出作品两百余幅。",
]


def _corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus.jsonl"
    docs = [{"id": f"d{i}", "text": f"第{i}号文件的标题\n{p}"} for i, p in enumerate(PARAGRAPHS)]
    corpus.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    dev = tmp_path / "dev.jsonl"  # one document held out by id, one paragraph by its text
    dev.write_text(
        json.dumps({"id": "x", "doc": "d0", "text": "另一段文字", "labels": []}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "y", "text": PARAGRAPHS[1], "labels": ["water"]}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    return corpus, dev


def test_the_draw_leaves_out_evaluation_documents_and_texts(tmp_path):
    corpus, dev = _corpus(tmp_path)
    cfg = DistillConfig(teachers=["t"], corpus=[str(corpus)], exclude_files=[str(dev)], paragraphs=100, min_chars=5)
    drawn = draw(cfg)
    assert PARAGRAPHS[0] not in drawn and PARAGRAPHS[1] not in drawn
    assert set(PARAGRAPHS[2:]) <= set(drawn)
    assert draw(cfg) == drawn  # seeded


def test_teacher_targets_are_centred_on_each_teachers_thresholds(onnx_model, tmp_path):
    from envtag.tagger import Tagger

    tagger = Tagger.from_pretrained(onnx_model)
    scores = np.asarray([[p.scores[lab] for lab in tagger.labels] for p in tagger.predict(PARAGRAPHS, evidence=False)])
    at_scores = tagger.with_thresholds(dict(zip(tagger.labels, map(float, scores[0]), strict=True)))
    at_scores.save_pretrained(tmp_path / "teacher")
    targets = teacher_targets([str(tmp_path / "teacher")], PARAGRAPHS, log=lambda m: None)
    assert targets.shape == (len(PARAGRAPHS), len(tagger.labels))
    np.testing.assert_allclose(targets[0], 0.5, atol=1e-3)  # a score at the threshold is "on the line"
    above = scores[1:] > scores[0]
    assert np.all((targets[1:] > 0.5) == above)


def test_a_config_without_teachers_is_refused():
    with pytest.raises(ConfigError, match="teachers"):
        DistillConfig(corpus=["c.jsonl"])


def test_distill_writes_an_encoder_and_its_record(onnx_model, tmp_path):
    corpus, dev = _corpus(tmp_path)
    out = tmp_path / "encoder"
    cfg = DistillConfig(
        encoder=str(onnx_model), teachers=[str(onnx_model)], corpus=[str(corpus)], exclude_files=[str(dev)],
        paragraphs=100, min_chars=5, output_dir=str(out), weak_epochs=1, weak_batch_size=4,
    )  # fmt: skip
    assert distill(cfg, log=lambda m: None) == out
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    meta = json.loads((out / "distill.json").read_text(encoding="utf-8"))
    assert meta["paragraphs"] == 2 * len(PARAGRAPHS) - 2 - 1  # titles and paragraphs, less document d0 and the dev text
    assert set(meta["teachers"]) == {str(onnx_model)}


def test_a_missing_teacher_is_named_before_the_data_loads(tmp_path):
    corpus, dev = _corpus(tmp_path)
    cfg = TrainConfig(
        dev_file=str(dev), teachers=[str(tmp_path / "runs" / "g7")], teacher_corpus=[str(corpus)], teacher_paragraphs=10
    )
    with pytest.raises(ConfigError, match="teacher .*g7 is not a trained envtag model directory"):
        require_teachers(cfg)
    cfg.teacher_paragraphs = 0  # gold labels alone: the teachers are not needed
    require_teachers(cfg)


def test_teachers_score_on_a_gpu_only_with_their_torch_weights(onnx_model, tmp_path, monkeypatch):
    import shutil

    import torch

    onnx_only = tmp_path / "onnx-only"
    shutil.copytree(onnx_model, onnx_only, ignore=shutil.ignore_patterns("model.safetensors"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert scoring_device(onnx_model) == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert scoring_device(onnx_model) == "cuda"
    assert scoring_device(onnx_only) == "cpu"  # a teacher brought back as its int8 ONNX model alone

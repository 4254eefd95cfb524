"""What `train` saves beside the weights: settings with hashes, metrics that the
saved model reproduces, a model card."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from model_fixture import tiny_config

from envtag.cleaning import CLEANING_VERSION
from envtag.errors import ConfigError
from envtag.tagger import Tagger
from envtag_train.annotations import load_content
from envtag_train.calibrate import evaluate_sets
from envtag_train.finetune import load_data, run_record, sha256, train, training_targets


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


def test_training_leaves_out_paragraphs_an_evaluation_set_contains(tmp_path, SHARED):  # noqa: N803
    """A line that recurs across documents (a complaint heading) must not be
    trained on when a dev or report set scores it."""
    (tmp_path / "data").mkdir()
    cfg = tiny_config(tmp_path / "data", SHARED)
    train_path = Path(cfg.train_files[0])
    dev_text = json.loads(Path(cfg.dev_file).read_text(encoding="utf-8").splitlines()[0])["text"]
    before = load_data(cfg)
    with open(train_path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "repeat", "text": "  " + dev_text, "labels": []}, ensure_ascii=False) + "\n")
    after = load_data(cfg)
    assert len(after.train) == len(before.train)
    assert after.held_out == before.held_out + 1


def test_training_only_on_evaluation_text_is_refused_with_the_reason(tmp_path, SHARED):  # noqa: N803
    (tmp_path / "data").mkdir()
    cfg = tiny_config(tmp_path / "data", SHARED)
    cfg.train_files = [cfg.dev_file]
    with pytest.raises(ConfigError, match="also in a dev or report set"):
        load_data(cfg)


def test_training_with_teachers_adds_their_soft_targets_on_corpus_paragraphs(tmp_path, SHARED, onnx_model):  # noqa: N803
    """Distillation inside fine-tuning: the teachers label corpus paragraphs
    outside the training and evaluation texts, and the run records what it
    distilled from."""
    (tmp_path / "data").mkdir()
    cfg = tiny_config(tmp_path / "data", SHARED)
    dev_text = json.loads(Path(cfg.dev_file).read_text(encoding="utf-8").splitlines()[0])["text"]
    train_text = json.loads(Path(cfg.train_files[0]).read_text(encoding="utf-8").splitlines()[0])["text"]
    own = [
        "全市完成燃煤锅炉超低排放改造十二台，空气质量优良天数比例持续提高。",
        "县文化馆举办少儿书法展，展出作品两百余幅。",
    ]
    corpus = tmp_path / "corpus.jsonl"
    text = "\n".join([*own, dev_text, train_text])
    corpus.write_text(json.dumps({"id": "c1", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    cfg.teachers, cfg.teacher_corpus, cfg.teacher_paragraphs = [str(onnx_model)], [str(corpus)], 100
    out = train(cfg, log=lambda m: None)
    extra = json.loads((out / "envtag.json").read_text(encoding="utf-8"))["extra"]
    assert extra["teacher_paragraphs"] == len(own)  # the dev and training texts stay out of the draw
    assert extra["teachers"] == {str(onnx_model): sha256(Path(onnx_model) / "model.safetensors")}
    assert len(extra["teacher_mean_targets"]) == len(Tagger.from_pretrained(out).labels)


def test_a_teacher_that_travelled_as_its_onnx_model_alone_teaches(tmp_path, SHARED, onnx_model):  # noqa: N803
    """A teacher brought back from a GPU lease without its fp16 weights (README,
    "A larger teacher on a lent GPU") still teaches; the run records its ONNX hash."""
    import shutil

    teacher = tmp_path / "large13"
    shutil.copytree(onnx_model, teacher, ignore=shutil.ignore_patterns("model.safetensors", "model.onnx"))
    (tmp_path / "data").mkdir()
    cfg = tiny_config(tmp_path / "data", SHARED)
    corpus = tmp_path / "corpus.jsonl"
    text = "全市完成燃煤锅炉超低排放改造十二台。\n县文化馆举办少儿书法展，展出作品两百余幅。"
    corpus.write_text(json.dumps({"id": "c1", "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    cfg.teachers, cfg.teacher_corpus, cfg.teacher_paragraphs = [str(teacher)], [str(corpus)], 10
    extra = json.loads((train(cfg, log=lambda m: None) / "envtag.json").read_text(encoding="utf-8"))["extra"]
    assert extra["teachers"] == {str(teacher): sha256(teacher / "model.int8.onnx")}
    assert extra["teacher_paragraphs"] == 2


def test_soft_targets_follow_the_gold_ones_in_the_training_set(tmp_path, SHARED):  # noqa: N803
    (tmp_path / "data").mkdir()
    data = load_data(tiny_config(tmp_path / "data", SHARED))
    data.soft_texts = ["县城区完成十二台燃煤锅炉拆除。"]
    data.soft_targets = np.full((1, len(data.labels)), 0.25, dtype=np.float32)
    texts, titles, targets = training_targets(data)
    assert len(texts) == len(titles) == len(targets) == len(data.train) + 1
    assert titles[-1] is None  # teacher-labelled corpus paragraphs are read alone
    assert texts[-1] == data.soft_texts[0] and targets[-1].tolist() == [0.25] * len(data.labels)
    assert set(np.unique(targets[:-1])) <= {0.0, 1.0}  # the gold labels stay hard


def test_the_run_record_hashes_the_data_as_it_was_read(tmp_path, SHARED):  # noqa: N803
    """Labels are appended while long runs train: the record must name the
    files the model learnt from, not what is on disk when it is saved."""
    cfg = tiny_config(tmp_path, SHARED)
    before = {f: sha256(f) for f in [*cfg.train_files, *cfg.dev_files]}
    data = load_data(cfg)
    with open(cfg.train_files[0], "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"text": "新增一段加强水污染防治的段落。", "labels": ["water"]}, ensure_ascii=False) + "\n")
    assert run_record(cfg, data, 1.0, [])["data_files"] == before != {f: sha256(f) for f in before}


def test_train_repeats_show_a_files_paragraphs_that_often_per_epoch(tmp_path, SHARED):  # noqa: N803
    """Upsampling one register: its paragraphs recur in the epoch's gold part
    (and weigh in the positive-class counts), the other files' once; the
    record still counts each paragraph once and says what an epoch sees."""
    (tmp_path / "data").mkdir()
    cfg = tiny_config(tmp_path / "data", SHARED)
    once = load_data(cfg)
    cfg.train_repeats = {Path(cfg.train_files[0]).stem: 3}
    data = load_data(cfg)
    texts, _, targets = training_targets(data)
    assert len(data.train) == len(once.train)
    assert len(texts) == len(targets) == 3 * len(once.train)
    assert texts[:3] == [texts[0]] * 3
    record = run_record(cfg, data, 1.0, [])
    assert record["train_paragraphs"] == len(once.train)
    assert record["train_paragraphs_per_epoch"] == 3 * len(once.train)


def test_a_model_trained_with_title_context_reads_titles(tmp_path, SHARED):  # noqa: N803
    """Each training paragraph is read after its document's title; the saved
    settings say so, and the loaded tagger reads titles the same way."""
    cfg = tiny_config(tmp_path, SHARED, title_tokens=8)
    path = Path(cfg.train_files[0])
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for row in rows[::2]:
        row["title"] = "某市大气污染防治条例"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    data = load_data(cfg)
    _, titles, _ = training_targets(data)
    assert titles.count("某市大气污染防治条例") == len(rows[::2]) and titles.count(None) == len(rows[1::2])
    out = train(cfg, log=lambda m: None)
    tagger = Tagger.from_pretrained(out)
    assert tagger.settings.title_tokens == 8
    text = "第九条 违反本条例规定的，由主管部门责令改正。"
    alone = tagger.predict([text], evidence=False)[0].scores
    assert tagger.predict([text], evidence=False, titles=["某市大气污染防治条例"])[0].scores != alone

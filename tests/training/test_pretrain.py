"""Pretraining end to end on a tiny corpus: prepare, MLM, resume, weak stage."""

from __future__ import annotations

import json

import numpy as np

from envtag_train.pretrain import PretrainConfig, prepare, train
from envtag_train.vocab import build_vocab, save_tokenizer


def test_vocab_tokenizer_round_trip(tmp_path):
    from transformers import BertTokenizerFast

    vocab = build_vocab(["加强大气污染防治，PM2.5浓度下降", "推进VOCs治理"], min_count=1)
    save_tokenizer(vocab, tmp_path / "tok")
    tok = BertTokenizerFast.from_pretrained(tmp_path / "tok")
    assert len(tok) == len(vocab)  # transformers 5 would give 5 tokens with vocab_file=
    ids = tok("加强PM2.5治理VOCs", add_special_tokens=False)["input_ids"]
    assert tok.unk_token_id not in ids


def _corpus(tmp_path):
    docs = []
    for i in range(30):
        text = "\n".join(
            [f"第{i}号文件：加强大气污染防治，推进清洁取暖。", "開展入河排污口排查整治(jian)，加強(qiáng)水質監測。"]
        )
        docs.append({"id": f"d{i}", "text": text})
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs), encoding="utf-8")
    return path


def _tiny(tmp_path, **settings) -> PretrainConfig:
    """A one-layer, 16-wide encoder on the tiny corpus: trains in seconds."""
    shape = dict(vocab_min_count=1, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    return PretrainConfig(
        corpus=[str(_corpus(tmp_path))],
        output_dir=str(tmp_path / "run"),
        seq_len=32,
        batch_size=4,
        heldout_fraction=0.1,
        **shape,
        **settings,
    )


def test_prepare_train_resume_and_weak_stage(tmp_path):
    cfg = _tiny(tmp_path, max_steps=6, warmup_steps=2, eval_every=3, weak_epochs=1, weak_batch_size=4)
    data_dir = prepare(cfg, weak_labeler=lambda paras: np.ones((len(paras), 6)) * 0.5)
    meta = json.loads((data_dir / "meta.json").read_text())
    assert meta["paragraphs"] == 60 and meta["unk_rate"] == 0.0
    enc = train(cfg, resume=True, log=lambda m: None)
    assert (enc / "model.safetensors").exists() and (tmp_path / "run" / "encoder-weak").exists()
    log = [json.loads(line) for line in (tmp_path / "run" / "mlm_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [3, 6] and all(r["heldout_ppl"] > 1 for r in log)
    cfg.max_steps = 9
    cfg.weak_epochs = 0
    messages = []
    train(cfg, resume=True, log=messages.append)
    assert any("resumed at step 6" in m for m in messages)
    # The encoder loads as a classifier starting point.
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(enc, num_labels=6)
    assert model.config.vocab_size == meta["vocab_size"]


def test_budget_cosine_anneals_over_wall_clock_whatever_the_step_rate():
    import torch

    from envtag_train.pretrain import budget_cosine

    now = [0.0]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    schedule = budget_cosine(opt, warmup_steps=2, minutes=10, clock=lambda: now[0])
    assert schedule.get_last_lr() == [0.5]  # warm-up by steps
    rates = []
    for seconds in (0, 0, 150, 300, 450, 600, 900):  # one step at each clock reading
        now[0] = seconds
        opt.step()
        schedule.step()
        rates.append(schedule.get_last_lr()[0])
    assert rates[0] == 1.0 and rates[1] == 1.0  # warm-up done, no time spent
    assert rates[2] > rates[3] > rates[4] > rates[5]  # decays with time, not steps
    assert abs(rates[3] - 0.5) < 1e-9 and rates[5] == rates[6] == 0.0  # half way, then spent


def test_anneal_over_budget_needs_a_budget():
    import pytest

    from envtag.errors import ConfigError

    with pytest.raises(ConfigError, match="anneal_over_budget needs time_budget_minutes"):
        PretrainConfig(anneal_over_budget=True)


def test_training_with_anneal_over_budget_keeps_the_rate_while_time_remains(tmp_path):
    cfg = _tiny(
        tmp_path,
        max_steps=6,
        warmup_steps=2,
        learning_rate=1e-3,
        eval_every=5,
        time_budget_minutes=30,
        anneal_over_budget=True,
    )
    prepare(cfg)
    assert (train(cfg, resume=False, log=lambda m: None) / "model.safetensors").exists()
    (last,) = (tmp_path / "run" / "checkpoints").glob("checkpoint-*")
    state = json.loads((last / "trainer_state.json").read_text())
    (rate,) = [r["learning_rate"] for r in state["log_history"] if r.get("step") == 5 and "learning_rate" in r]
    # A cosine over max_steps is at half the peak by step 5; seconds of a 30-minute budget leave ~all of it.
    assert rate > 0.99e-3


def test_a_spent_budget_stops_and_logs_the_kept_encoders_perplexity(tmp_path):
    cfg = _tiny(tmp_path, max_steps=50, eval_every=40, time_budget_minutes=1e-6)
    prepare(cfg)
    messages = []
    train(cfg, resume=False, log=messages.append)
    assert any("time budget spent at step 1" in m for m in messages)
    log = [json.loads(line) for line in (tmp_path / "run" / "mlm_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1]

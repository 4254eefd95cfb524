"""Masked-language-model pretraining of a compact Chinese BERT from scratch.

Two stages, both resumable from checkpoints written every few minutes:

1. ``prepare``: clean the corpus exactly as at prediction time, build a
   character vocabulary, and write the token stream (uint16) plus paragraph
   offsets and optional weak label targets to ``<output_dir>/data``. This is
   CPU work done once; the arrays travel to a GPU machine easily.
2. ``train``: MLM on packed sequences in the transformers ``Trainer`` with
   ``DataCollatorForLanguageModeling`` (checkpoints, resume, a time budget by
   callback), then (optionally) an intermediate multi-label stage on weakly
   labelled corpus paragraphs, which gives the encoder task signal that 3k
   annotated paragraphs cannot, also in the ``Trainer``, on a balanced draw:
   half the paragraphs from those a teacher labels, half from the rest (the
   corpus is mostly off-topic).

Whole-word masking is not used: the vocabulary is character-level and Chinese
word segmentation would add a dependency (jieba) for a gain that, for a model
this small, we have not measured.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .config import path_field


@dataclass
class WeakStageSettings:
    """The weak stage's settings. Pretraining may end with that stage and
    distillation is that stage, so both configs take these keys by the same names."""

    seed: int = 42
    seq_len: int = 256
    weak_epochs: float = 0.0  # epochs of weak-label training (0 = off)
    weak_learning_rate: float = 2e-4
    weak_batch_size: int = 64
    weak_time_budget_minutes: float = 0.0


@dataclass
class PretrainConfig(WeakStageSettings):
    corpus: list[str] = path_field(list_of=True)
    extra_texts: list[str] = path_field(list_of=True)
    output_dir: str = path_field("runs/pretrain")
    vocab_min_count: int = 5
    vocab_max_size: int = 6000
    hidden_size: int = 256
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 1024
    # masked-LM: masking rate, then the Trainer's schedule
    mlm_probability: float = 0.15
    max_steps: int = 20000
    warmup_steps: int = 500
    learning_rate: float = 5e-4
    batch_size: int = 64
    weight_decay: float = 0.01
    time_budget_minutes: float = 0.0  # 0 = no limit; otherwise stop MLM when spent
    # true: the cosine decays over the time budget (wall clock), not over max_steps, so a
    # budgeted run anneals whatever its step rate (a lent GPU of unknown speed)
    anneal_over_budget: bool = False
    eval_every: int = 500
    save_every_minutes: float = 5.0
    heldout_fraction: float = 0.01
    weak_annotated: list[str] = path_field(list_of=True)  # teacher data for weak labels

    def __post_init__(self) -> None:
        from envtag.errors import ConfigError

        from .config import coerce_fields

        coerce_fields(self)
        if self.anneal_over_budget and self.time_budget_minutes <= 0:
            raise ConfigError(
                "config: anneal_over_budget needs time_budget_minutes > 0; set one or drop it", "anneal_over_budget"
            )


# --------------------------------------------------------------------- prepare


def prepare(cfg: PretrainConfig, weak_labeler=None) -> Path:
    """Clean + tokenise the corpus into ``output_dir/data``; return that path."""
    from .corpus import iter_corpus_paragraphs
    from .vocab import build_vocab, save_tokenizer

    out = Path(cfg.output_dir) / "data"
    out.mkdir(parents=True, exist_ok=True)
    docs: list[str] = []
    paras: list[str] = []
    for path in list(cfg.corpus) + list(cfg.extra_texts):
        for doc_id, text in iter_corpus_paragraphs(path):
            docs.append(f"{Path(path).name}:{doc_id}")
            paras.append(text)
    vocab = build_vocab(paras, cfg.vocab_min_count, cfg.vocab_max_size)
    tok = save_tokenizer(vocab, Path(cfg.output_dir) / "tokenizer", model_max_length=cfg.seq_len)
    sep = tok.sep_token_id
    ids_list = tok(paras, add_special_tokens=False)["input_ids"]
    lengths = np.array([len(x) + 1 for x in ids_list], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    stream = np.empty(int(offsets[-1]), dtype=np.uint16)
    for i, ids in enumerate(ids_list):
        stream[offsets[i] : offsets[i + 1] - 1] = ids
        stream[offsets[i + 1] - 1] = sep
    # Held-out documents (whole documents, so no paragraph leaks).
    rng = random.Random(cfg.seed)
    doc_names = sorted(set(docs))
    held = set(rng.sample(doc_names, max(1, int(len(doc_names) * cfg.heldout_fraction))))
    heldout = np.array([d in held for d in docs], dtype=bool)
    arrays = {"stream": stream, "offsets": offsets, "heldout": heldout}
    if weak_labeler is not None:
        arrays["weak"] = np.asarray(weak_labeler(paras), dtype=np.float16)
    np.savez(out / "corpus.npz", **arrays)
    meta = {
        "paragraphs": len(paras),
        "tokens": int(stream.size),
        "documents": len(doc_names),
        "heldout_documents": len(held),
        "vocab_size": len(vocab),
        "unk_rate": float((stream == tok.unk_token_id).mean()),
        "sources": _hash_files(list(cfg.corpus) + list(cfg.extra_texts)),
    }
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2))
    return out


def _hash_files(paths: list[str]) -> dict[str, str]:
    from .finetune import sha256

    return {str(p): sha256(p) for p in paths}


# ----------------------------------------------------------------------- train


def _set_seed(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _packed_sequences(stream: np.ndarray, offsets: np.ndarray, mask: np.ndarray, seq_len: int, cls_id: int):
    """Concatenate the selected paragraphs and cut into [CLS] + (seq_len-1) rows."""
    parts = [stream[offsets[i] : offsets[i + 1]] for i in np.flatnonzero(mask)]
    flat = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint16)
    body = seq_len - 1
    n = flat.size // body
    rows = flat[: n * body].reshape(n, body).astype(np.int64)
    return np.concatenate([np.full((n, 1), cls_id, dtype=np.int64), rows], axis=1)


def train(cfg: PretrainConfig, resume: bool = True, log=print) -> Path:
    """MLM with the transformers ``Trainer`` (and the weak-label stage if configured); the encoder dir.

    Masking is ``DataCollatorForLanguageModeling`` (15% of tokens: 80% [MASK],
    10% random, 10% kept); checkpoints every ``eval_every`` steps and every
    ``save_every_minutes``; ``resume`` continues from the last checkpoint
    (optimizer, schedule and data order included); ``time_budget_minutes``
    stops the run when spent (the schedule is over ``max_steps``, or over the
    budget with ``anneal_over_budget``)."""
    import torch
    from transformers import BertTokenizerFast, DataCollatorForLanguageModeling
    from transformers.trainer_utils import get_last_checkpoint

    _set_seed(cfg.seed)
    root = Path(cfg.output_dir)
    data = np.load(root / "data" / "corpus.npz")
    tok = BertTokenizerFast.from_pretrained(root / "tokenizer")
    ids = {"pad": tok.pad_token_id, "cls": tok.cls_token_id, "sep": tok.sep_token_id, "mask": tok.mask_token_id}
    cuda = torch.cuda.is_available()
    train_rows, held_rows = _rows(cfg, data, ids)
    log(f"device={'cuda' if cuda else 'cpu'} train_rows={len(train_rows)} heldout={len(held_rows)} vocab={len(tok)}")
    checkpoints = root / "checkpoints"
    last = get_last_checkpoint(str(checkpoints)) if resume and checkpoints.is_dir() else None
    if last:
        log(f"resumed at step {int(Path(last).name.split('-')[-1])}")
    trainer = _trainer_class(cfg)(
        model=_mlm_model(cfg, tok, ids),
        args=_mlm_arguments(cfg, checkpoints),
        train_dataset=_Rows(train_rows),
        eval_dataset=_Rows(held_rows),
        data_collator=DataCollatorForLanguageModeling(tok, mlm_probability=cfg.mlm_probability),
        callbacks=[_pretrain_callback(cfg, root / "mlm_log.jsonl", log)],
    )
    trainer.train(resume_from_checkpoint=last)
    encoder_dir = root / "encoder"
    _save_encoder(trainer.model, tok, encoder_dir, cfg, trainer.state.global_step)
    if cfg.weak_epochs > 0 and "weak" in data.files:
        weak_stage(cfg, encoder_dir, data, root / "encoder-weak", log)
    return encoder_dir


def budget_cosine(optimizer, warmup_steps: int, minutes: float, clock=time.monotonic):
    """Linear warm-up over ``warmup_steps``, then cosine decay to 0 over ``minutes`` of
    wall clock from the schedule's creation. A schedule over ``max_steps`` leaves the rate
    high when a time budget stops the run early (the compact encoder's did); this one
    anneals within the budget at any step rate. The budget counts from each (re)start,
    as the stop does."""
    from torch.optim.lr_scheduler import LambdaLR

    start = clock()

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        spent = min(1.0, (clock() - start) / (minutes * 60))
        return 0.5 * (1.0 + math.cos(math.pi * spent))

    return LambdaLR(optimizer, factor)


def _trainer_class(cfg: PretrainConfig):
    """The transformers ``Trainer``, with ``budget_cosine`` as its schedule when
    ``anneal_over_budget`` is set."""
    from transformers import Trainer

    if not cfg.anneal_over_budget:
        return Trainer

    class BudgetTrainer(Trainer):
        def create_scheduler(self, num_training_steps: int, optimizer=None):
            if self.lr_scheduler is None:
                optimizer = optimizer or self.optimizer
                self.lr_scheduler = budget_cosine(optimizer, cfg.warmup_steps, cfg.time_budget_minutes)
                self._created_lr_scheduler = True
            return self.lr_scheduler

    return BudgetTrainer


def _mlm_arguments(cfg: PretrainConfig, checkpoints: Path):
    from transformers import TrainingArguments

    from .finetune import mixed_precision

    return TrainingArguments(
        output_dir=str(checkpoints),
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=max(cfg.batch_size, 64),
        learning_rate=cfg.learning_rate,
        weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup_steps,
        lr_scheduler_type="cosine",
        max_grad_norm=1.0,
        eval_strategy="steps",
        eval_steps=cfg.eval_every,
        save_strategy="steps",
        save_steps=cfg.eval_every,
        save_total_limit=1,
        logging_steps=cfg.eval_every,
        **mixed_precision(),
        seed=cfg.seed,
        report_to=[],
        disable_tqdm=not _terminal(),
        dataloader_num_workers=0,
    )


def _rows(cfg: PretrainConfig, data, ids: dict):
    """Packed training rows and at most 2,048 held-out rows (whole held-out documents)."""
    import torch

    packed = [
        torch.from_numpy(_packed_sequences(data["stream"], data["offsets"], m, cfg.seq_len, ids["cls"]))
        for m in (~data["heldout"], data["heldout"])
    ]
    return packed[0], packed[1][:2048]


def _terminal() -> bool:
    import sys

    return sys.stderr.isatty() and not os.environ.get("CI")


class _Rows:
    """Packed token rows as a map-style dataset of ``{"input_ids": row}``."""

    def __init__(self, rows) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        return {"input_ids": self.rows[i]}


def _mlm_model(cfg: PretrainConfig, tok, ids: dict):
    from transformers import BertConfig, BertForMaskedLM

    return BertForMaskedLM(
        BertConfig(
            vocab_size=len(tok),
            hidden_size=cfg.hidden_size,
            num_hidden_layers=cfg.num_hidden_layers,
            num_attention_heads=cfg.num_attention_heads,
            intermediate_size=cfg.intermediate_size,
            max_position_embeddings=cfg.seq_len,
            pad_token_id=ids["pad"],
        )
    )


def _pretrain_callback(cfg: PretrainConfig, log_file: Path, log):
    """A ``TrainerCallback`` (transformers is imported only when pretraining runs):
    held-out perplexity to ``mlm_log.jsonl``, a checkpoint every few minutes,
    and a stop when the time budget is spent."""
    from transformers import TrainerCallback

    class PretrainCallback(TrainerCallback):
        def __init__(self) -> None:
            self.start = self.last_save = time.time()

        def on_step_end(self, args, state, control, **kwargs):
            if (time.time() - self.last_save) / 60 > cfg.save_every_minutes:
                control.should_save, self.last_save = True, time.time()
            if cfg.time_budget_minutes and (time.time() - self.start) / 60 > cfg.time_budget_minutes:
                log(f"time budget spent at step {state.global_step}")
                # the held-out perplexity of the encoder that is kept, not of the last eval step
                control.should_training_stop = control.should_save = control.should_evaluate = True
            return control

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            losses = [r["loss"] for r in state.log_history if "loss" in r]
            rec = {
                "step": state.global_step,
                "loss": float(losses[-1]) if losses else None,
                "heldout_ppl": math.exp(metrics["eval_loss"]),
                "minutes": (time.time() - self.start) / 60,
            }
            log(json.dumps(rec))
            with open(log_file, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(rec) + "\n")

    return PretrainCallback()


def _save_encoder(model, tok, out: Path, cfg: PretrainConfig, step: int) -> None:
    """The encoder without the MLM head, in fp16: what fine-tuning starts from."""
    import copy

    bert = copy.deepcopy(model.bert).half()
    bert.save_pretrained(out)
    tok.save_pretrained(out)
    (out / "pretrain_config.json").write_text(json.dumps({**asdict(cfg), "steps": step}, indent=2))


def weak_stage(cfg: WeakStageSettings, encoder_dir: Path, data, out: Path, log=print) -> None:
    """Multi-label training on corpus paragraphs with soft weak targets, in the transformers ``Trainer``.

    The corpus is mostly off-topic and would otherwise teach "no label", so
    the training set is a balanced draw (:class:`_BalancedWeak`): half of the
    paragraphs from those a teacher labels, half from the rest."""
    import torch
    from transformers import BertForSequenceClassification, BertTokenizerFast, Trainer, TrainingArguments

    from .finetune import mixed_precision

    tok = BertTokenizerFast.from_pretrained(encoder_dir)
    model = BertForSequenceClassification.from_pretrained(
        encoder_dir, num_labels=data["weak"].shape[1], problem_type="multi_label_classification", dtype=torch.float32
    )
    sample = _BalancedWeak(cfg, data, tok)
    args = TrainingArguments(
        output_dir=str(out.with_name(out.name + ".checkpoints")),
        num_train_epochs=1,  # one pass over the balanced draw, which is weak_epochs × 2 × positives long
        per_device_train_batch_size=cfg.weak_batch_size,
        learning_rate=cfg.weak_learning_rate,
        weight_decay=0.01,
        warmup_steps=0.05,
        lr_scheduler_type="linear",
        max_grad_norm=1.0,
        save_strategy="no",
        logging_steps=500,
        **mixed_precision(),
        seed=cfg.seed,
        report_to=[],
        disable_tqdm=not _terminal(),
        dataloader_num_workers=0,
    )
    budget = _time_budget(cfg.weak_time_budget_minutes, log)
    trainer = Trainer(model=model, args=args, train_dataset=sample, data_collator=sample.collate, callbacks=[budget])
    trainer.train()
    trainer.model.bert.half().save_pretrained(out)
    tok.save_pretrained(out)
    steps = trainer.state.global_step
    (out / "pretrain_config.json").write_text(json.dumps({**asdict(cfg), "weak_steps": steps}, indent=2))


class _BalancedWeak:
    """A seeded balanced draw of held-in corpus paragraphs with their weak targets."""

    def __init__(self, cfg: WeakStageSettings, data, tok) -> None:
        keep = np.flatnonzero(~data["heldout"])
        positive = data["weak"][keep].max(axis=1) >= 0.3
        pos, neg = keep[positive], keep[~positive]
        if len(pos) == 0 or len(neg) == 0:
            pos = neg = keep
        n = max(2, int(cfg.weak_epochs * 2 * len(pos)))
        rng = np.random.default_rng(cfg.seed)
        self.rows = np.concatenate([rng.choice(pos, n // 2), rng.choice(neg, n - n // 2)])
        self.data, self.tok, self.body = data, tok, cfg.seq_len - 2

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, k: int) -> dict:
        i = self.rows[k]
        ids = self.data["stream"][self.data["offsets"][i] : self.data["offsets"][i + 1] - 1][: self.body]
        ids = [self.tok.cls_token_id, *ids.astype(np.int64).tolist(), self.tok.sep_token_id]
        return {"input_ids": ids, "labels": self.data["weak"][i].astype(np.float32)}

    def collate(self, items: list[dict]) -> dict:
        import torch

        width = max(len(x["input_ids"]) for x in items)
        ids = torch.full((len(items), width), self.tok.pad_token_id, dtype=torch.long)
        for r, x in enumerate(items):
            ids[r, : len(x["input_ids"])] = torch.tensor(x["input_ids"])
        labels = torch.tensor(np.stack([x["labels"] for x in items]))
        return {"input_ids": ids, "attention_mask": (ids != self.tok.pad_token_id).long(), "labels": labels}


def _time_budget(minutes: float, log):
    """A callback that stops training when ``minutes`` are spent (0: never)."""
    from transformers import TrainerCallback

    class TimeBudget(TrainerCallback):
        start = time.time()

        def on_step_end(self, args, state, control, **kwargs):
            if minutes and (time.time() - self.start) / 60 > minutes:
                log(f"weak stage: time budget spent at step {state.global_step}")
                control.should_training_stop = True
            return control

    return TimeBudget()

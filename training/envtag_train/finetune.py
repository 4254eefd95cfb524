"""Fine-tune a multi-label tagger with the transformers ``Trainer``.

Positive-class weighting (labels are imbalanced), early stopping on dev
macro-F1, fixed seeds, then per-label thresholds tuned on dev scores produced
by the same windowed prediction path users run, so the saved thresholds match
what ``envtag tag`` computes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from envtag.atomic import recover_interrupted_publish
from envtag.cleaning import CLEANING_VERSION, clean
from envtag.errors import ConfigError, ModelError
from envtag.settings import TaggerSettings
from envtag.taxonomy import load_taxonomy
from envtag.titles import title_prefix

from .annotations import Example, load_content
from .calibrate import calibrate_and_publish, label_matrix, tune_thresholds
from .config import TrainConfig
from .metrics import multilabel_report


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def weights_file(model_dir: str | Path) -> Path:
    """The file that identifies a model's weights: its safetensors, or for a
    model that travels as its int8 ONNX alone (a teacher brought back from a
    GPU lease, README) that file."""
    from envtag.backends import onnx_file

    path = Path(model_dir) / "model.safetensors"
    return path if path.exists() else (onnx_file(model_dir) or path)


def _check_base_labels(base: str, labels: list[str]) -> None:
    """A fine-tuned classifier as base_model must have the taxonomy's labels
    (its head is reused); an encoder (no classification head) may be anything."""
    try:
        raw = json.loads((Path(base) / "config.json").read_text(encoding="utf-8"))
        archs = raw.get("architectures") or []
        id2label = raw.get("id2label") or {}
        theirs = [id2label[k] for k in sorted(id2label, key=int)]
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return  # from_pretrained reports what is wrong with the directory
    if any("SequenceClassification" in str(a) for a in archs) and theirs != labels:
        raise ModelError(
            f"base_model {base} is a tagger with labels {theirs}, but the taxonomy has {labels}; "
            "start from an encoder directory (e.g. models/encoder) instead"
        )


def _load_base(cfg: TrainConfig, labels: list[str], train_texts: list[str]):
    """Tokenizer and classification model from a base encoder or a config."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, BertConfig

    id2label = dict(enumerate(labels))
    label2id = {lab: i for i, lab in id2label.items()}
    if cfg.base_model:
        local = Path(cfg.base_model).exists()
        if local:
            _check_base_labels(cfg.base_model, labels)
        try:
            tokenizer = AutoTokenizer.from_pretrained(cfg.base_model)
            model = AutoModelForSequenceClassification.from_pretrained(
                cfg.base_model,
                num_labels=len(labels),
                id2label=id2label,
                label2id=label2id,
                problem_type="multi_label_classification",
                dtype=torch.float32,
            )
        except Exception as exc:  # OSError, safetensors and config errors have no common base
            if not local and isinstance(exc, OSError):
                raise ModelError(
                    f"base_model '{cfg.base_model}' is not a local directory and the Hugging Face Hub "
                    "could not be reached (offline?); point base_model at a local encoder directory "
                    "(models/encoder is committed; runs/encoder-distilled is made by `envtag distill`)"
                ) from exc
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(
                f"cannot load base_model {cfg.base_model}: {reason}; point base_model at a complete encoder "
                "directory (e.g. models/encoder)"
            ) from exc
        from .grow import grow_depth

        return tokenizer, grow_depth(model.float(), cfg.grow_layers)
    from transformers import BertForSequenceClassification

    from .vocab import build_vocab, save_tokenizer

    vocab = build_vocab(train_texts, min_count=1, max_size=cfg.model_config.get("vocab_size", 8000))
    tok_dir = Path(cfg.output_dir).with_name(Path(cfg.output_dir).name + ".tokenizer")
    tokenizer = save_tokenizer(vocab, tok_dir, model_max_length=cfg.max_length)
    shutil.rmtree(tok_dir, ignore_errors=True)
    mc = {k: v for k, v in cfg.model_config.items() if k != "vocab_size"}
    mc.setdefault("max_position_embeddings", cfg.max_length)
    bert_cfg = BertConfig(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        num_labels=len(labels),
        id2label=id2label,
        label2id=label2id,
        problem_type="multi_label_classification",
        **mc,
    )
    return tokenizer, BertForSequenceClassification(bert_cfg)


@dataclass
class TrainingData:
    """Everything a run reads from disk, loaded and checked before any model is built."""

    labels: list[str]
    taxonomy_version: str
    train: list[Example]
    dev_sets: dict[str, list[Example]]
    report_sets: dict[str, list[Example]]
    held_out: int = 0  # training paragraphs dropped because an evaluation set has the same text
    # how many times an epoch sees each training paragraph (config `train_repeats`); empty = once each
    repeats: list[int] = field(default_factory=list)
    # corpus paragraphs (cleaned) with the teacher ensemble's soft targets (config `teachers`)
    soft_texts: list[str] = field(default_factory=list)
    soft_targets: np.ndarray | None = None
    # sha256 of each data file and teacher weight file when it was read: labels are edited while
    # long runs train, and the record must name what the model learnt from, not what is on disk later
    file_hashes: dict[str, str] = field(default_factory=dict)
    teacher_hashes: dict[str, str] = field(default_factory=dict)

    @property
    def dev(self) -> list[Example]:
        return [e for examples in self.dev_sets.values() for e in examples]

    def epoch_gold(self) -> list[Example]:
        """The gold paragraphs one epoch sees, each repeated as its file's `train_repeats` says."""
        repeats = self.repeats or [1] * len(self.train)
        return [e for e, times in zip(self.train, repeats, strict=True) for _ in range(times)]


def load_data(cfg: TrainConfig) -> TrainingData:
    """The content paragraphs of the training, dev and report files.

    A training paragraph whose cleaned text is also in a dev or report set is
    left out of training: the same short line (a complaint heading, a
    standard sentence) recurs across documents, and training on it would
    inflate every figure measured on that set."""
    taxonomy = load_taxonomy()
    hashes = {str(f): sha256(f) for f in [*cfg.train_files, *cfg.dev_files, *cfg.report_files]}
    dev_sets = {Path(f).stem: load_content(f, taxonomy) for f in cfg.dev_files}
    report_sets = {Path(f).stem: load_content(f, taxonomy) for f in cfg.report_files}
    evaluated = {clean(e.text) for examples in [*dev_sets.values(), *report_sets.values()] for e in examples}
    train = [(e, cfg.train_repeats.get(Path(f).stem, 1)) for f in cfg.train_files for e in load_content(f, taxonomy)]
    kept = [(e, times) for e, times in train if clean(e.text) not in evaluated]
    data = TrainingData(
        labels=taxonomy.ids,
        taxonomy_version=taxonomy.version,
        train=[e for e, _ in kept],
        repeats=[times for _, times in kept] if cfg.train_repeats else [],
        dev_sets=dev_sets,
        report_sets=report_sets,
        held_out=len(train) - len(kept),
        file_hashes=hashes,
    )
    if not data.train and data.held_out:
        raise ConfigError("every training paragraph is also in a dev or report set; train on other files")
    if not data.train or not data.dev:
        raise ConfigError("training or dev data has no content paragraphs")
    return data


def _dataset(tokenizer, texts: list[str], titles: list[str | None], targets: np.ndarray, cfg: TrainConfig):
    """Cleaned texts with their (gold or soft) targets, as the tagger reads
    them: ``[CLS] (title [SEP]) text [SEP]``, the text cut to what fits, or
    with ``train_windows`` every window of it (``envtag_train.windowed``)."""
    from datasets import Dataset

    from .windowed import Windower

    backend = tokenizer.backend_tokenizer
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    segments = "token_type_ids" in tokenizer.model_input_names  # BERT's; other encoders have none

    def encode(batch):
        ids = []
        for text, title in zip(batch["text"], batch["title"], strict=True):
            prefix = title_prefix(backend, title, text, cfg.title_tokens, sep_id)
            body = backend.encode(text, add_special_tokens=False).ids[: cfg.max_length - 2 - len(prefix)]
            ids.append([cls_id, *prefix, *body, sep_id])
        out = {"input_ids": ids, "attention_mask": [[1] * len(x) for x in ids]}
        if segments:  # one segment, as the tagger feeds the exported model
            out["token_type_ids"] = [[0] * len(x) for x in ids]
        return out

    windower = Windower(tokenizer, cfg.max_length, cfg.title_tokens) if cfg.train_windows else None

    def encode_windows(batch):
        windows = [windower(text, title) for text, title in zip(batch["text"], batch["title"], strict=True)]
        return {"windows": windows, "length": [sum(map(len, w)) for w in windows]}

    ds = Dataset.from_dict({"text": texts, "title": titles, "labels": targets.tolist()})
    return ds.map(encode_windows if cfg.train_windows else encode, batched=True, remove_columns=["text", "title"])


def fit(cfg: TrainConfig, data: TrainingData, tokenizer, model, work: Path):
    """Fine-tune with early stopping on the dev sets' macro-F1; the best epoch is loaded at the end."""
    import torch
    from transformers import EarlyStoppingCallback

    from .weighted_trainer import WeightedTrainer

    y = label_matrix(data.epoch_gold(), data.labels)
    pos = y.sum(0)
    pos_weight = np.clip((len(y) - pos) / np.maximum(pos, 1), 1.0, cfg.max_pos_weight)

    def compute_metrics(eval_pred):
        # Scored as the model will decide: at per-label thresholds tuned on the
        # dev sets. At a fixed 0.5 an early epoch whose scores happen to sit
        # near 0.5 can win over a better-ranked later one.
        logits, gold = eval_pred
        gold = np.asarray(gold).astype(int)
        probs = 1 / (1 + np.exp(-np.asarray(logits)))
        tuned = tune_thresholds(gold, probs, data.labels)
        cut = np.asarray([tuned[lab] for lab in data.labels])
        rep = multilabel_report(gold, (probs >= cut).astype(int), data.labels)
        return {"macro_f1": rep["macro_f1"], "micro_f1": rep["micro_f1"]}

    args = training_arguments(cfg, work)
    patience = cfg.early_stopping_patience
    trainer = WeightedTrainer(
        model=model,
        args=args,
        train_dataset=_dataset(tokenizer, *training_targets(data), cfg),
        eval_dataset=_dataset(
            tokenizer,
            [clean(e.text) for e in data.dev],
            [e.title for e in data.dev],
            label_matrix(data.dev, data.labels),
            cfg,
        ),
        processing_class=tokenizer,
        data_collator=_window_collator(tokenizer) if cfg.train_windows else None,
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=patience)] if patience else [],
        pos_weight=torch.tensor(pos_weight if cfg.pos_weight else np.ones(len(data.labels)), dtype=torch.float32),
    )
    trainer.train()
    return trainer


def _window_collator(tokenizer):
    from .windowed import WindowCollator

    return WindowCollator(tokenizer.pad_token_id, segments="token_type_ids" in tokenizer.model_input_names)


def training_arguments(cfg: TrainConfig, work: Path):
    """Epoch-wise evaluation and checkpoints, the best epoch kept, seeded, quiet off a terminal;
    bf16 and TF32 on a GPU that has them, as in pretraining."""
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(work / "checkpoints"),
        learning_rate=cfg.learning_rate,
        num_train_epochs=cfg.num_epochs,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=64,
        weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup_ratio,  # a float < 1 is a ratio in transformers 5
        lr_scheduler_type="linear",
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=1,
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        seed=cfg.seed,
        data_seed=cfg.seed,
        report_to=[],
        logging_strategy="epoch",
        disable_tqdm=not show_progress(),
        train_sampling_strategy="group_by_length",
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
        remove_unused_columns=not cfg.train_windows,  # the window collator reads `windows`
        **mixed_precision(),
    )


def mixed_precision() -> dict[str, bool]:
    """``bf16`` and ``tf32`` for ``TrainingArguments``: on where the GPU has them
    (compute capability 8, Ampere, and newer), off on a CPU or an older GPU,
    where transformers would refuse them."""
    import torch

    ampere = torch.cuda.is_available() and torch.cuda.get_device_capability()[0] >= 8
    return {"bf16": ampere, "tf32": ampere}


def training_targets(data: TrainingData) -> tuple[list[str], list[str | None], np.ndarray]:
    """Cleaned training texts, their document titles and targets: the gold
    paragraphs (each as often as its file's repeat says), then the
    teacher-labelled ones (read without a title)."""
    gold = data.epoch_gold()
    texts = [clean(e.text) for e in gold]
    titles = [e.title for e in gold]
    targets = label_matrix(gold, data.labels)
    if data.soft_texts:
        texts += data.soft_texts
        titles += [None] * len(data.soft_texts)
        targets = np.vstack([targets, data.soft_targets.astype(np.float32)])
    return texts, titles, targets


def show_progress() -> bool:
    """Progress bars on a terminal only: quiet in pipes, logs and CI."""
    import sys

    return sys.stderr.isatty() and not os.environ.get("CI")


def save_stage(cfg: TrainConfig, data: TrainingData, trainer, tokenizer, stage: Path) -> None:
    """The best model as a Hugging Face directory plus envtag settings (thresholds still 0.5)."""
    model = trainer.model
    model.config.id2label = dict(enumerate(data.labels))
    model.config.label2id = {lab: i for i, lab in enumerate(data.labels)}
    if cfg.save_dtype == "float16":
        model.half()
    trainer.save_model(str(stage))
    tokenizer.save_pretrained(stage)
    (stage / "training_args.bin").unlink(missing_ok=True)
    (stage / "train_config.yaml").write_text(_yaml(asdict(cfg)), encoding="utf-8")
    TaggerSettings(
        labels=data.labels,
        thresholds=dict.fromkeys(data.labels, 0.5),
        cleaning_version=CLEANING_VERSION,
        taxonomy_version=data.taxonomy_version,
        max_length=cfg.max_length,
        title_tokens=cfg.title_tokens,
    ).save(stage)


def degenerate(model_dir: Path, data: TrainingData) -> list[str]:
    """Signs that a trained model is of no use: a label given to over 90% of
    the dev paragraphs, or dev macro-F1 below the keyword lexicon's."""
    from envtag.tagger import Tagger

    from .lexicon import LexiconTagger

    tagger = Tagger.from_pretrained(model_dir)
    preds = tagger.predict([e.text for e in data.dev], evidence=False, titles=[e.title for e in data.dev])
    y = label_matrix(data.dev, data.labels).astype(int)
    given = label_matrix([Example("", "", p.labels, True, "") for p in preds], data.labels).astype(int)
    lexicon = LexiconTagger()
    lex = label_matrix([Example("", "", lexicon.predict(clean(e.text)), True, "") for e in data.dev], data.labels)
    out = [
        f"label {lab} is given to {share:.0%} of the dev paragraphs"
        for lab, share in zip(data.labels, given.mean(0), strict=True)
        if share > 0.9
    ]
    model_f1, lexicon_f1 = (
        multilabel_report(y, given, data.labels)["macro_f1"],
        multilabel_report(y, lex.astype(int), data.labels)["macro_f1"],
    )
    if model_f1 < lexicon_f1:
        out.append(
            f"dev macro-F1 {model_f1:.3f} is below the keyword lexicon's {lexicon_f1:.3f}; train longer or check data"
        )
    return out


def train(cfg: TrainConfig, log=print) -> Path:
    """Load, build, fit, save, calibrate: a tagger published atomically at ``cfg.output_dir``.

    Everything is built in ``OUTPUT_DIR.work`` and published with
    :func:`envtag.atomic.publish`; a failed run removes its work directory, so
    no stray loadable model directory is left behind (a killed one leaves it,
    and the next run removes it)."""
    out = Path(str(cfg.output_dir))
    work = out.with_name(out.name + ".work")
    try:
        return _run(cfg, log, out, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _run(cfg: TrainConfig, log, out: Path, work: Path) -> Path:
    import datasets
    import transformers
    from transformers import set_seed

    cfg.validate()
    from .distill import require_teachers

    require_teachers(cfg)
    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    set_seed(cfg.seed)
    data = load_data(cfg)
    tokenizer, model = _load_base(cfg, data.labels, [clean(e.text) for e in data.train])
    positives = dict(zip(data.labels, label_matrix(data.train, data.labels).sum(0).astype(int).tolist(), strict=True))
    log(
        f"train={len(data.train)} (left out, same text as an evaluation paragraph: {data.held_out}) "
        f"dev={len(data.dev)} positives={positives}"
    )
    if cfg.teacher_paragraphs:
        from .distill import soft_labelled

        data.teacher_hashes = {t: sha256(weights_file(t)) for t in cfg.teachers}
        data.soft_texts, data.soft_targets = soft_labelled(cfg, {clean(e.text) for e in data.train}, log)
    shutil.rmtree(work, ignore_errors=True)
    recover_interrupted_publish(out)
    t0 = time.time()
    trainer = fit(cfg, data, tokenizer, model, work)
    if not trainer.is_world_process_zero():
        # Multi-process runs (accelerate launch / torchrun): process 0 alone
        # saves, tunes thresholds and publishes; the others are done.
        return out
    minutes = (time.time() - t0) / 60
    history = [r for r in trainer.state.log_history if "eval_macro_f1" in r]
    stage = work / "model"
    save_stage(cfg, data, trainer, tokenizer, stage)
    extra = run_record(cfg, data, minutes, history)
    if cfg.export_onnx:
        import logging

        logging.getLogger().setLevel(logging.ERROR)
    metrics = calibrate_and_publish(
        stage,
        out,
        data.dev_sets,
        data.report_sets,
        extra,
        card=lambda settings, m: model_card(cfg, settings, m),
        tune=cfg.tune_thresholds,
        export=cfg.export_onnx,
        history=history,
    )
    shutil.rmtree(work, ignore_errors=True)
    log(f"saved {out}: dev macro-F1 {metrics['dev']['macro_f1']:.4f}")
    for warning in degenerate(out, data):
        log(f"warning: {warning}")
    return out


def run_record(cfg: TrainConfig, data: TrainingData, minutes: float, history: list[dict]) -> dict:
    """What a saved model records of its run: config, data hashes, teachers, time, selection."""
    return {
        "training_config": asdict(cfg),
        "data_files": data.file_hashes,
        "train_paragraphs": len(data.train),
        "train_paragraphs_per_epoch": len(data.epoch_gold()),
        "train_left_out_as_evaluation_text": data.held_out,
        "base_model": cfg.base_model or "random-init",
        **teacher_record(cfg, data),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_minutes": round(minutes, 2),
        "epochs_run": history[-1]["epoch"] if history else None,
        "selection": "best epoch on the dev sets' macro-F1 at per-label thresholds tuned on them, then thresholds "
        "tuned again on the saved model's scores",
    }


def teacher_record(cfg: TrainConfig, data: TrainingData) -> dict:
    """What a run distilled from: the teachers' weights and the soft targets' size and means."""
    if not data.soft_texts:
        return {}
    return {
        "teachers": data.teacher_hashes,
        "teacher_corpus": {f: sha256(f) for f in cfg.teacher_corpus},
        "teacher_paragraphs": len(data.soft_texts),
        "teacher_mean_targets": [round(float(v), 4) for v in data.soft_targets.mean(axis=0)],
    }


def _yaml(obj) -> str:
    import yaml

    return yaml.safe_dump(obj, allow_unicode=True, sort_keys=False)


def model_card(cfg: TrainConfig, settings: TaggerSettings, metrics: dict) -> str:
    from envtag_train.metrics import to_markdown

    lines = [
        "# envtag model",
        "",
        "A multi-label tagger for paragraphs of Chinese environmental-policy texts "
        f"(labels: {', '.join(settings.labels)}). Load with `envtag.Tagger.from_pretrained(DIR)` "
        "or plain `transformers.AutoModelForSequenceClassification.from_pretrained(DIR)` "
        "(then apply the thresholds in `envtag.json`).",
        "",
        f"- base encoder: `{cfg.base_model or 'random init (' + json.dumps(cfg.model_config) + ')'}`",
        f"- cleaning version {settings.cleaning_version}, taxonomy version {settings.taxonomy_version}",
        f"- max length {settings.max_length} tokens; longer paragraphs are windowed and max-pooled",
        f"- thresholds: {json.dumps(settings.thresholds)}",
        "- data (sha256):",
    ]
    for f, h in settings.extra.get("data_files", {}).items():
        lines.append(f"  - `{f}` `{h[:16]}…`")
    lines.append("")
    for name, rep in metrics.items():
        lines.append(to_markdown(rep, title=f"Metrics on {name}"))
        lines.append("")
    return "\n".join(lines)

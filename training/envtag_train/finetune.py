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
from dataclasses import asdict
from pathlib import Path

import numpy as np

from envtag.cleaning import CLEANING_VERSION, clean
from envtag.errors import ConfigError, ModelError
from envtag.settings import TaggerSettings
from envtag.taxonomy import load_taxonomy

from .annotations import Example, load_examples
from .config import TrainConfig


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _content(examples: list[Example]) -> list[Example]:
    return [e for e in examples if e.content]


def _matrix(examples: list[Example], labels: list[str]) -> np.ndarray:
    return np.asarray([[1.0 if lab in e.labels else 0.0 for lab in labels] for e in examples], dtype=np.float32)


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
                    "could not be reached (offline?); point base_model at a local encoder directory"
                ) from exc
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(
                f"cannot load base_model {cfg.base_model}: {reason}; point base_model at a complete encoder "
                "directory (e.g. models/encoder)"
            ) from exc
        return tokenizer, model.float()
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


def tune_thresholds(y: np.ndarray, scores: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Per-label threshold maximising that label's F1 on dev (ties → closest
    to 0.5, which keeps thresholds away from brittle extremes)."""
    from sklearn.metrics import f1_score

    grid = np.round(np.arange(0.05, 0.96, 0.025), 3)
    out = {}
    for j, lab in enumerate(labels):
        if y[:, j].sum() == 0:
            out[lab] = 0.5
            continue
        f1s = [f1_score(y[:, j], scores[:, j] >= t, zero_division=0) for t in grid]
        best = max(f1s)
        cands = [t for t, f in zip(grid, f1s, strict=True) if f >= best - 1e-9]
        out[lab] = float(min(cands, key=lambda t: abs(t - 0.5)))
    return out


def evaluate_tagger(tagger, examples: list[Example]) -> tuple[np.ndarray, np.ndarray, list]:
    preds = tagger.predict([e.text for e in examples], evidence=False)
    scores = np.asarray([[p.scores.get(lab, 0.0) for lab in tagger.labels] for p in preds], dtype=np.float32)
    return scores, _matrix(examples, tagger.labels), preds


def train(cfg: TrainConfig, log=print) -> Path:
    """Train, tune thresholds, save atomically to ``cfg.output_dir``.

    Everything is built in ``OUTPUT_DIR.work`` and published with
    :func:`publish`; a failed run removes its work directory, so no stray
    loadable model directory is left behind (a killed one leaves it, and the
    next run removes it)."""
    out = Path(str(cfg.output_dir))
    try:
        return _train(cfg, log)
    except BaseException:
        shutil.rmtree(out.with_name(out.name + ".work"), ignore_errors=True)
        raise


def _train(cfg: TrainConfig, log) -> Path:
    cfg.validate()
    import datasets
    import torch
    import transformers
    from datasets import Dataset
    from transformers import EarlyStoppingCallback, Trainer, TrainingArguments, set_seed

    from envtag.tagger import Tagger
    from envtag_train.metrics import score

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    set_seed(cfg.seed)
    taxonomy = load_taxonomy()
    labels = taxonomy.ids
    train_ex = [e for f in cfg.train_files for e in _content(load_examples(f, taxonomy))]
    dev_ex = _content(load_examples(cfg.dev_file, taxonomy))
    if not train_ex or not dev_ex:
        raise ConfigError("training or dev data has no content paragraphs")
    train_texts = [clean(e.text) for e in train_ex]
    dev_texts = [clean(e.text) for e in dev_ex]
    y_train = _matrix(train_ex, labels)
    y_dev = _matrix(dev_ex, labels)
    positives = dict(zip(labels, y_train.sum(0).astype(int).tolist(), strict=True))
    tokenizer, model = _load_base(cfg, labels, train_texts)
    log(f"train={len(train_ex)} dev={len(dev_ex)} positives={positives}")

    def encode(batch):
        return tokenizer(batch["text"], truncation=True, max_length=cfg.max_length)

    ds_train = Dataset.from_dict({"text": train_texts, "labels": y_train.tolist()}).map(
        encode, batched=True, remove_columns=["text"]
    )
    ds_dev = Dataset.from_dict({"text": dev_texts, "labels": y_dev.tolist()}).map(
        encode, batched=True, remove_columns=["text"]
    )
    pos = y_train.sum(0)
    pos_weight = np.clip((len(y_train) - pos) / np.maximum(pos, 1), 1.0, cfg.max_pos_weight)
    pw = torch.tensor(pos_weight if cfg.pos_weight else np.ones(len(labels)), dtype=torch.float32)

    class WeightedTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
            target = inputs.pop("labels").float()
            outputs = model(**inputs)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                outputs.logits.float(), target, pos_weight=pw.to(outputs.logits.device)
            )
            return (loss, outputs) if return_outputs else loss

    def compute_metrics(eval_pred):
        logits, y = eval_pred
        probs = 1 / (1 + np.exp(-np.asarray(logits)))
        rep = score(np.asarray(y).astype(int), (probs >= 0.5).astype(int), labels)
        return {"macro_f1": rep["macro_f1"], "micro_f1": rep["micro_f1"]}

    out = Path(cfg.output_dir)
    work = out.with_name(out.name + ".work")
    shutil.rmtree(work, ignore_errors=True)
    recover_interrupted_publish(out)
    args = TrainingArguments(
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
        disable_tqdm=True,
        train_sampling_strategy="group_by_length",
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
    )
    trainer = WeightedTrainer(
        model=model,
        args=args,
        train_dataset=ds_train,
        eval_dataset=ds_dev,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=cfg.early_stopping_patience)]
        if cfg.early_stopping_patience
        else [],
    )
    t0 = time.time()
    trainer.train()
    if not trainer.is_world_process_zero():
        # Multi-process runs (accelerate launch / torchrun): process 0 alone
        # saves, tunes thresholds and publishes; the others are done.
        return out
    train_minutes = (time.time() - t0) / 60
    history = [r for r in trainer.state.log_history if "eval_macro_f1" in r]

    # Save the best model to the work dir, then tune thresholds through the
    # real prediction path.
    stage = work / "model"
    trainer.model.config.id2label = dict(enumerate(labels))
    trainer.model.config.label2id = {lab: i for i, lab in enumerate(labels)}
    if cfg.save_dtype == "float16":
        trainer.model.half()
    trainer.save_model(str(stage))
    tokenizer.save_pretrained(stage)
    settings = TaggerSettings(
        labels=labels,
        thresholds=dict.fromkeys(labels, 0.5),
        cleaning_version=CLEANING_VERSION,
        taxonomy_version=taxonomy.version,
        max_length=cfg.max_length,
    )
    settings.save(stage)
    if cfg.export_onnx:
        # Export first, so thresholds are tuned on the scores of the int8 ONNX
        # model that `envtag tag` runs by default.
        import logging

        from .export import export_onnx

        logging.getLogger().setLevel(logging.ERROR)
        export_onnx(stage)
    tagger = Tagger.from_pretrained(stage)
    dev_scores, dev_y, _ = evaluate_tagger(tagger, dev_ex)
    if cfg.tune_thresholds:
        settings.thresholds = tune_thresholds(dev_y, dev_scores, labels)
    thr = np.asarray([settings.thresholds[lab] for lab in labels])
    metrics = {"dev": score(dev_y.astype(int), (dev_scores >= thr).astype(int), labels)}
    tagger.settings = settings
    tagger._thresholds = thr.astype(np.float32)
    for f in cfg.report_files:
        ex = _content(load_examples(f, taxonomy))
        s, y, _ = evaluate_tagger(tagger, ex)
        metrics[Path(f).stem] = score(y.astype(int), (s >= thr).astype(int), labels)
    data_files = {str(f): sha256(f) for f in [*cfg.train_files, cfg.dev_file, *cfg.report_files]}
    settings.extra = {
        "training_config": asdict(cfg),
        "data_files": data_files,
        "base_model": cfg.base_model or "random-init",
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_minutes": round(train_minutes, 2),
        "epochs_run": history[-1]["epoch"] if history else None,
        "selection": "best epoch on dev macro-F1 at threshold 0.5, then per-label thresholds tuned on dev",
    }
    settings.save(stage)
    (stage / "metrics.json").write_text(json.dumps({**metrics, "history": history}, indent=2, ensure_ascii=False))
    (stage / "train_config.yaml").write_text(_yaml(asdict(cfg)), encoding="utf-8")
    (stage / "README.md").write_text(model_card(cfg, settings, metrics), encoding="utf-8")
    for name in ("training_args.bin",):
        (stage / name).unlink(missing_ok=True)
    publish(stage, out)
    shutil.rmtree(work, ignore_errors=True)
    log(f"saved {out}: dev macro-F1 {metrics['dev']['macro_f1']:.4f}")
    return out


def recover_interrupted_publish(out: Path) -> bool:
    """Put ``OUT.old`` back when a publish died between its two renames
    (``out`` absent, the previous model aside); True when it did."""
    old = out.with_name(out.name + ".old")
    if not out.exists() and old.is_dir():
        os.replace(old, out)
        return True
    return False


def publish(stage: Path, out: Path) -> None:
    """Atomically make the complete model directory ``stage`` the model at ``out``.

    Everything is written into ``stage`` (beside ``out``, same file system)
    first; then the old model is renamed to ``OUT.old`` and ``stage`` to
    ``out``. ``out`` is therefore always the old model or the new one, never
    a partial directory: an error between the renames puts the old model
    back, and a kill there leaves ``OUT.old``, which the next training run
    (:func:`recover_interrupted_publish`) restores and ``envtag tag`` names.
    """
    old = out.with_name(out.name + ".old")
    recover_interrupted_publish(out)
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    try:
        os.replace(stage, out)
    except BaseException:
        recover_interrupted_publish(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


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

"""Teacher soft labels on corpus paragraphs, taught to an encoder: the distillation step.

The weak stage of pretraining (:func:`envtag_train.pretrain.weak_stage`) first
taught the encoder from a keyword lexicon and a TF-IDF model, and those teach
characters (碳 means carbon). Here the same stage runs again on targets from
a teacher, the score average of several fine-tuned taggers, which learnt the
guide from every annotated paragraph. The student is then fine-tuned from the
result as usual (``base_model`` of a training config).

Each teacher's probabilities are first centred on its own thresholds
(``sigmoid(logit(p) - logit(t))``), so that 0.5 means "at the decision line"
for every teacher and label before they are averaged: the seeds' thresholds
differ, and their raw scores are not on one scale.

Paragraphs come from a seeded draw of the corpus, never from a document of
an evaluation set (the stand-off dev records name their documents) nor with
the text of any evaluation paragraph.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from envtag.boilerplate import skip_reason
from envtag.errors import ConfigError

from .config import TrainConfig, path_field
from .pretrain import WeakStageSettings


@dataclass
class DistillConfig(WeakStageSettings):
    """What ``envtag distill`` reads from its YAML file."""

    encoder: str = path_field("models/encoder", hub=True)
    teachers: list[str] = path_field(list_of=True)  # fine-tuned model directories
    corpus: list[str] = path_field(list_of=True)
    exclude_files: list[str] = path_field(list_of=True)  # evaluation sets: their documents and texts stay out
    paragraphs: int = 40000  # size of the seeded draw the teachers label
    min_chars: int = 15
    max_chars: int = 600
    output_dir: str = path_field("runs/encoder-distilled")
    # distillation is the weak stage, so it runs by default; it continues from a trained
    # encoder, hence a gentler step than pretraining's
    weak_epochs: float = 1.0
    weak_learning_rate: float = 1e-4
    weak_batch_size: int = 32

    def __post_init__(self) -> None:
        from .config import coerce_fields

        coerce_fields(self)
        if not self.teachers:
            raise ConfigError("config: teachers must name at least one fine-tuned model directory", "teachers")
        if not self.corpus:
            raise ConfigError("config: corpus must name at least one corpus file", "corpus")
        if self.paragraphs < 100:
            raise ConfigError(f"config: paragraphs must be at least 100, got {self.paragraphs}", "paragraphs")


def excluded(files: list[str]) -> tuple[set[str], set[str]]:
    """Document ids and cleaned texts of the evaluation files."""
    from envtag.cleaning import clean

    from .annotations import load_examples

    docs, texts = set(), set()
    for path in files:
        for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
            if line.strip() and (doc := json.loads(line).get("doc")):
                docs.add(str(doc).removesuffix(".txt"))
        texts.update(clean(e.text) for e in load_examples(path))
    return docs, texts


def draw(cfg: DistillConfig) -> list[str]:
    """The seeded draw of corpus paragraphs the teachers label."""
    return draw_paragraphs(cfg.corpus, cfg.exclude_files, cfg.paragraphs, cfg.seed, cfg.min_chars, cfg.max_chars)


def draw_paragraphs(
    corpus: list[str],
    exclude_files: list[str],
    n: int,
    seed: int,
    min_chars: int = 15,
    max_chars: int = 600,
    skip_texts: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    """A seeded draw of ``n`` distinct content paragraphs of ``corpus``, none
    from a document of ``exclude_files`` nor with the text of one of their
    paragraphs or of ``skip_texts`` (cleaned texts, e.g. the training set's)."""
    from .corpus import iter_corpus_paragraphs

    docs, texts = excluded(exclude_files)
    pool, seen = [], set()
    for path in corpus:
        for doc, text in iter_corpus_paragraphs(path, min_chars=min_chars):
            if doc in docs or text in texts or text in skip_texts or text in seen or len(text) > max_chars:
                continue
            if skip_reason(text) is None:
                seen.add(text)
                pool.append(text)
    rng = random.Random(seed)
    return rng.sample(pool, min(n, len(pool)))


def teacher_targets(teachers: list[str], paragraphs: list[str], log=print) -> np.ndarray:
    """Threshold-centred probabilities averaged over the teachers (paragraphs × labels)."""
    from envtag.tagger import Tagger

    from .calibrate import tagger_scores

    total, labels = None, None
    for n, location in enumerate(teachers, 1):
        device = scoring_device(location)
        tagger = Tagger.from_pretrained(location, device=device)
        if labels is not None and tagger.labels != labels:
            raise ConfigError(f"teacher {location} has labels {tagger.labels}, the first has {labels}", "teachers")
        labels = tagger.labels
        p = tagger_scores(tagger, paragraphs).astype(np.float64)
        t = np.asarray([tagger.thresholds[lab] for lab in labels], dtype=np.float64)
        centred = 1.0 / (1.0 + np.exp(-(_logit(p) - _logit(t))))
        total = centred if total is None else total + centred
        log(f"teacher {n}/{len(teachers)} ({location}): labelled {len(paragraphs)} paragraphs on {device}")
    return (total / len(teachers)).astype(np.float32)


def scoring_device(model_dir: str | Path) -> str:
    """Where a teacher scores: on a GPU when there is one and the teacher has its
    torch weights (a large teacher's int8 ONNX model labels about 63 paragraphs
    a second on 2 CPU cores: a quarter of an hour for a 60,000-paragraph draw),
    else through its int8 ONNX model on the CPU, as ``envtag tag`` runs it."""
    if not (Path(model_dir) / "model.safetensors").exists():
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def require_teachers(cfg: TrainConfig) -> None:
    """The teachers of a training config are runs of a recipe (runs/…), not in git: name a
    missing one before any data loads, not minutes later when the draw begins."""
    for location in cfg.teachers if cfg.teacher_paragraphs else []:
        if not (Path(location) / "envtag.json").exists():
            raise ConfigError(
                f"config: teacher {location} is not a trained envtag model directory (no envtag.json); "
                "train the teachers first (see the config's comments) or set teacher_paragraphs: 0"
            )


def soft_labelled(cfg: TrainConfig, train_texts: set[str], log=print) -> tuple[list[str], np.ndarray]:
    """Corpus paragraphs and the teachers' soft targets for a training config
    (``teachers``, ``teacher_corpus``, ``teacher_paragraphs``): distillation
    inside fine-tuning, so that the student keeps what the ensemble reads in
    real registers rather than only what the gold paragraphs spell out."""
    texts = draw_paragraphs(
        cfg.teacher_corpus,
        [*cfg.dev_files, *cfg.report_files],
        cfg.teacher_paragraphs,
        cfg.teacher_draw_seed,
        skip_texts=train_texts,
    )
    log(f"drew {len(texts)} corpus paragraphs for the teachers")
    return texts, teacher_targets(cfg.teachers, texts, log)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def distill(cfg: DistillConfig, log=print) -> Path:
    """Draw, label with the teachers, and run the weak stage from ``cfg.encoder``; the new encoder dir."""
    from transformers import BertTokenizerFast

    from .finetune import sha256
    from .pretrain import weak_stage

    paragraphs = draw(cfg)
    log(f"drew {len(paragraphs)} corpus paragraphs")
    targets = teacher_targets(cfg.teachers, paragraphs, log)
    tok = BertTokenizerFast.from_pretrained(cfg.encoder)
    ids = tok(paragraphs, add_special_tokens=False)["input_ids"]
    lengths = np.array([len(x) + 1 for x in ids], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    stream = np.concatenate([np.asarray([*x, tok.sep_token_id], dtype=np.uint16) for x in ids])
    data = {"stream": stream, "offsets": offsets, "heldout": np.zeros(len(ids), bool), "weak": targets}
    out = Path(cfg.output_dir)
    weak_stage(cfg, Path(cfg.encoder), data, out, log)
    meta = {
        "config": asdict(cfg),
        "paragraphs": len(paragraphs),
        "teacher_positive": int((targets.max(axis=1) >= 0.5).sum()),
        "mean_targets": [round(float(v), 4) for v in targets.mean(axis=0)],
        "teachers": {t: sha256(Path(t) / "model.safetensors") for t in cfg.teachers},
        "sources": {p: sha256(p) for p in [*cfg.corpus, *cfg.exclude_files]},
    }
    (out / "distill.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return out

"""Training configuration: a plain dataclass read from YAML, with
``--set key=value`` overrides from the command line (values parsed as YAML).

Relative paths written in a config file are relative to the file's folder,
so ``envtag train -c ~/study/configs/run.yaml`` works from any working
directory; paths given with ``--set`` are relative to the working directory,
as on any command line. Path fields say so in their metadata
(:func:`path_field`)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from envtag.errors import ConfigError


def path_field(default=dataclasses.MISSING, *, list_of: bool = False, hub: bool = False):
    """A config field holding a path (or a list of paths): resolved against
    the config file's folder. ``hub``: the value may also be a hub id, so it is
    resolved only when that folder has it."""
    kind = "hub" if hub else "path"
    if list_of:
        return field(default_factory=list, metadata={"path": kind})
    return field(default=default, metadata={"path": kind})


@dataclass
class TrainConfig:
    train_files: list[str] = path_field(list_of=True)
    # How often one epoch sees each paragraph of a training file, by the file's
    # stem (e.g. {silver_train: 3}); files not named are seen once. When one
    # register floods the training set, upsampling the others keeps the model
    # from trading them away.
    train_repeats: dict[str, Any] = field(default_factory=dict)
    dev_file: str = path_field("")
    # More dev sets (e.g. labels/dev_corpus.jsonl): model selection and
    # thresholds use dev_file and these together; each is also scored alone.
    extra_dev_files: list[str] = path_field(list_of=True)
    output_dir: str = path_field("runs/model")
    # Encoder to start from: a local directory or a hub id. Empty = random
    # init from `model_config` with a character vocabulary built from the
    # training texts (tests, and the "no pretraining" baseline).
    base_model: str = path_field("", hub=True)
    model_config: dict[str, Any] = field(default_factory=dict)
    # Encoder layers added to base_model before fine-tuning, each a copy of the
    # layer below it that starts silent (envtag_train.grow): depth without
    # pretraining again. 0 = the base model as it is.
    grow_layers: int = 0
    seed: int = 42
    max_length: int = 256
    # Tokens of each paragraph's document title the model reads before the
    # paragraph (envtag.titles); 0 = paragraphs alone.
    title_tokens: int = 0
    # Learn from every window of a paragraph longer than max_length, their scores
    # max-pooled as the tagger pools them, instead of its first window alone with
    # labels that its later sentences may carry (envtag_train.windowed).
    train_windows: bool = False
    learning_rate: float = 1e-4
    num_epochs: float = 10
    batch_size: int = 32
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    early_stopping_patience: int = 3
    pos_weight: bool = True
    max_pos_weight: float = 10.0
    tune_thresholds: bool = True
    # Weights are stored in this dtype (float16 halves the size; the tagger
    # always computes in float32). Thresholds are tuned after the cast.
    save_dtype: str = "float16"
    # Also write the int8 ONNX model that `envtag tag` runs (see `envtag export`);
    # thresholds are then tuned on its scores.
    export_onnx: bool = True
    # Extra evaluation sets reported in the model card (not used for selection).
    report_files: list[str] = path_field(list_of=True)
    # Distillation inside fine-tuning: fine-tuned taggers (a teacher ensemble)
    # label a seeded draw of `teacher_paragraphs` paragraphs of `teacher_corpus`,
    # and the student learns their averaged, threshold-centred scores as soft
    # targets beside the gold labels. Evaluation documents and texts and the
    # training texts stay out of the draw.
    teachers: list[str] = path_field(list_of=True)
    teacher_corpus: list[str] = path_field(list_of=True)
    teacher_paragraphs: int = 0
    teacher_draw_seed: int = 43

    @property
    def dev_files(self) -> list[str]:
        return [self.dev_file, *self.extra_dev_files]

    def __post_init__(self) -> None:
        """Types and values are checked when a config is made, from YAML or in Python."""
        coerce_fields(self)
        checks = [
            (self.learning_rate > 0, "learning_rate must be > 0"),
            (self.num_epochs > 0, "num_epochs must be > 0"),
            (self.batch_size >= 1, "batch_size must be >= 1"),
            (16 <= self.max_length <= 4096, "max_length must be between 16 and 4096"),
            (0 <= self.title_tokens <= self.max_length // 4, "title_tokens must be between 0 and max_length / 4"),
            (0 <= self.grow_layers <= 48, "grow_layers must be between 0 and 48"),
            (0 <= self.warmup_ratio < 1, "warmup_ratio must be in [0, 1)"),
            (self.early_stopping_patience >= 0, "early_stopping_patience must be >= 0"),
            (self.save_dtype in ("float16", "float32"), "save_dtype must be float16 or float32"),
            (self.teacher_paragraphs >= 0, "teacher_paragraphs must be >= 0"),
            (
                not self.teacher_paragraphs or (self.teachers and self.teacher_corpus),
                "teacher_paragraphs needs teachers (fine-tuned model directories) and teacher_corpus (corpus files)",
            ),
        ]
        for ok, msg in checks:
            if not ok:
                key = msg.split()[0]
                raise ConfigError(f"config: {msg}, got {getattr(self, key)!r}")
        for stem, times in self.train_repeats.items():
            if isinstance(times, bool) or not isinstance(times, int) or times < 1:
                raise ConfigError(
                    f"config: train_repeats must map file stems to whole numbers >= 1, got {stem}: {times!r}"
                )

    def validate(self) -> None:
        """What only a training run needs: data files that exist and a model to start from."""
        if not self.train_files:
            raise ConfigError("config: train_files is empty; list at least one annotated JSONL file")
        if not self.dev_file:
            raise ConfigError("config: dev_file is required (used for early stopping and thresholds)")
        unknown = sorted(set(self.train_repeats) - {Path(f).stem for f in self.train_files})
        if unknown:
            raise ConfigError(f"config: train_repeats names {', '.join(unknown)}, which is no stem of train_files")
        for f in [*self.train_files, *self.dev_files, *self.report_files, *self.teacher_corpus]:
            if not Path(f).exists():
                raise ConfigError(f"config: data file {f} does not exist")
        if not self.base_model and not self.model_config:
            raise ConfigError("config: set base_model (a directory or hub id) or model_config (random init)")
        if self.grow_layers and not self.base_model:
            raise ConfigError(
                "config: grow_layers deepens a base_model; for a random-init model set "
                "model_config.num_hidden_layers instead"
            )


def parse_override(item: str) -> tuple[str, Any]:
    if "=" not in item:
        raise ConfigError(f"override {item!r}: expected key=value", "overrides")
    key, value = item.split("=", 1)
    return key.strip(), yaml.safe_load(value)


def _check_type(name: str, kind: str, value: Any) -> None:
    """Strings, booleans, lists of strings and mappings, as declared."""
    if kind == "str" and not isinstance(value, str):
        raise ConfigError(f"config: {name} must be a string, got {value!r}")
    if kind == "bool" and not isinstance(value, bool):
        raise ConfigError(f"config: {name} must be true or false, got {value!r}")
    if kind.startswith("list") and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"config: {name} must be a list of strings (e.g. [a.jsonl, b.jsonl]), got {value!r}")
    if kind.startswith("dict") and not isinstance(value, dict):
        raise ConfigError(f"config: {name} must be a mapping (e.g. {{hidden_size: 256}}), got {value!r}")


def load_config(path: str | Path | None, overrides: list[str] | None = None, cls=None):
    """A config from YAML plus ``--set key=value`` overrides, checked on creation."""
    cls = cls or TrainConfig
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise ConfigError(f"config file {p} does not exist")
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {p} is not valid YAML: {str(exc).splitlines()[0]}") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"config file {p} must be a mapping of keys to values")
        raw = resolve_paths(cls, raw, p.parent)
    for item in overrides or []:
        key, value = parse_override(item)
        raw[key] = value
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(f"unknown config keys: {', '.join(unknown)} (known: {', '.join(sorted(names))})")
    try:
        return cls(**raw)
    except TypeError as exc:
        raise ConfigError(f"invalid config: {exc}") from exc


def resolve_paths(cls, raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    """``raw`` with the relative paths of ``cls``'s path fields taken from ``folder``.

    Resolved paths are written relative to the working directory (so a model
    trained from the repository root records ``labels/written.jsonl`` and
    ``../shared/data/silver_train.jsonl``, not absolute paths of one machine)."""
    out = dict(raw)
    for f in dataclasses.fields(cls):
        kind = f.metadata.get("path")
        if kind and f.name in out:
            value = out[f.name]
            out[f.name] = (
                [_resolve(v, folder, kind) for v in value] if isinstance(value, list) else _resolve(value, folder, kind)
            )
    return out


def _resolve(value: Any, folder: Path, kind: str) -> Any:
    if not isinstance(value, str) or not value or os.path.isabs(value):
        return value
    candidate = Path(os.path.normpath(folder.absolute() / value))
    if kind == "hub" and not candidate.exists() and _may_be_hub_id(value):
        return value  # a hub id such as bert-base-chinese
    try:
        return os.path.relpath(candidate)
    except ValueError:  # another drive (Windows): no relative path exists
        return str(candidate)


def _may_be_hub_id(value: str) -> bool:
    """Hub ids are ``name`` or ``owner/name``; ``../runs/x`` or ``a/b/c`` is a
    path even before the recipe has made it."""
    return not value.startswith(".") and value.count("/") <= 1 and "\\" not in value


def coerce_fields(cfg) -> None:
    """Check every field's type (numbers given as strings, e.g. YAML's "5e-5", are converted)."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        _check_type(f.name, str(f.type), value)
        if f.type not in ("float", float, "int", int):
            continue
        if isinstance(value, str):  # YAML reads "5e-5" (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f"config: {f.name} must be a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config: {f.name} must be a number, got {value!r}")
        if f.type in ("int", int):
            if value != int(value):
                raise ConfigError(f"config: {f.name} must be a whole number, got {value!r}")
            value = int(value)
        setattr(cfg, f.name, float(value) if f.type in ("float", float) else value)

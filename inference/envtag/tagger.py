"""The tagger: a model directory plus the code that owns prediction.

``Tagger.from_pretrained(dir)`` loads a saved envtag model (a Hugging Face
sequence-classification directory with ``envtag.json`` beside it);
``Tagger.predict(texts, titles=None)`` cleans, skips non-content, windows long
paragraphs (after the document's title, for a model trained to read it),
scores and thresholds. ``predict(texts)`` does the same with the shipped
default model.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from .atomic import publish, stage_dir
from .boilerplate import skip_reason
from .cleaning import CLEANING_VERSION, clean
from .errors import ModelError
from .sentences import split_sentences
from .settings import SETTINGS_FILE, TaggerSettings
from .shipped import shipped_path
from .titles import title_prefix
from .windows import paragraph_windows


@dataclass
class Prediction:
    """The result for one input paragraph.

    ``skipped`` is None for a tagged paragraph, else the reason it was not
    tagged (``empty``, ``byline``, ``navigation`` …); skipped paragraphs have no
    labels and no scores.
    """

    text: str
    clean_text: str
    labels: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    skipped: str | None = None
    # label -> evidence sentences: {text, start, end, score}, offsets into ``text``
    evidence: dict[str, list[dict]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "labels": self.labels,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "skipped": self.skipped,
            "evidence": self.evidence,
        }


def default_model_dir() -> Path:
    """The model shipped in the repository's ``models/default``.

    ``ENVTAG_MODEL`` overrides it, so a site can point every tool at its own
    model without passing ``--model`` each time."""
    env = os.environ.get("ENVTAG_MODEL")
    if env:
        return Path(env)
    return shipped_path("models/default")


def resolve_model(model: str | Path | None) -> str:
    """A local directory, or a hub id (only usable with a network)."""
    if model is None:
        path = default_model_dir()
        if not (path / "config.json").exists():
            raise ModelError(
                f"the default model is missing at {path}; reinstall envtag or pass a model directory", "model"
            )
        return str(path)
    path = Path(model).expanduser()
    if not path.exists() and not path.is_absolute() and (shipped_path(str(path)) / "config.json").exists():
        path = shipped_path(str(path))  # "models/default" or "models/encoder" from any working directory
    if path.exists():
        if not path.is_dir():
            raise ModelError(f"model path {path} is a file; pass the model directory that holds config.json")
        if not (path / "config.json").exists():
            raise ModelError(
                f"{path} is not a model directory (no config.json); pass a directory saved by `envtag train`"
            )
        return str(path)
    text = str(model)
    if text.count("/") == 1 and not text.startswith((".", "/", "~")):
        return text  # looks like a hub id: owner/name
    old = path.with_name(path.name + ".old")
    if (old / "config.json").exists():
        raise ModelError(
            f"model directory {model} does not exist, but {old} does: a save was interrupted; "
            f"rename {old} back to {path.name} or retrain"
        )
    raise ModelError(f"model directory {model} does not exist; pass the directory of a trained model", "model")


def _local_dir(location: str) -> str:
    """A local directory for a model: itself, or a hub snapshot."""
    if Path(location).exists():
        return location
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(location)
    except Exception as exc:  # network, auth and not-found errors differ by version
        raise ModelError(
            f"cannot load '{location}': it is not a local directory and the Hugging Face Hub "
            "could not be reached (offline?) or has no such model; pass a local model directory "
            "(download it first where there is a network)"
        ) from exc


_REPAIR = "copy the complete model directory again or retrain it with `envtag train`"


def _read_settings(location: str) -> TaggerSettings:
    import json

    config = Path(location) / "config.json"
    if not (Path(location) / SETTINGS_FILE).exists():
        raise ModelError(
            f"{location} has no {SETTINGS_FILE}; it is not an envtag model (train one with `envtag train`)"
        )
    try:
        id2label = json.loads(config.read_text(encoding="utf-8"))["id2label"]
        settings = TaggerSettings.load(location)
        labels = [id2label[str(i)] for i in range(len(id2label))]
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ModelError(
            f"model at {location} is corrupt or incomplete: bad config.json or {SETTINGS_FILE}; {_REPAIR}"
        ) from exc
    if settings.labels != labels:
        raise ModelError(
            f"{location}: {SETTINGS_FILE} labels {settings.labels} differ from config.json id2label {labels}; "
            "retrain or fix the model directory"
        )
    return settings


def _read_tokenizer(location: str):
    from tokenizers import Tokenizer

    path = Path(location) / "tokenizer.json"
    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"model at {location} has no readable tokenizer.json ({reason}); {_REPAIR}") from exc
    tok.no_truncation()
    tok.no_padding()
    return tok


class Tagger:
    """Owns a tokenizer, a scoring backend and the model's settings, and predicts."""

    def __init__(self, tokenizer, backend, settings: TaggerSettings, source: str) -> None:
        self.tokenizer = tokenizer  # a `tokenizers.Tokenizer`
        self.backend = backend  # an OrtBackend or TorchBackend: token ids in, probabilities out
        self.settings = settings
        self.source = source
        self.labels = list(settings.labels)
        # The decision thresholds as an array in label order, derived once from
        # the settings (the one place they are kept).
        self._cut = np.array([settings.thresholds.get(lab, 0.5) for lab in self.labels], dtype=np.float32)
        self.cls_id = tokenizer.token_to_id("[CLS]")
        self.sep_id = tokenizer.token_to_id("[SEP]")
        self.pad_id = tokenizer.token_to_id("[PAD]")

    # ------------------------------------------------------------ loading
    @classmethod
    def from_pretrained(
        cls, model: str | Path | None = None, backend: str = "auto", device: str = "cpu", threads: int | None = None
    ) -> Tagger:
        """Load an envtag model directory (or hub id, with a network).

        ``backend``: ``auto`` uses the ONNX file in the directory when there is
        one and onnxruntime is installed, else PyTorch; ``onnx`` or ``torch``
        force one."""
        from .backends import OrtBackend, TorchBackend, onnx_file

        if backend not in ("auto", "onnx", "torch"):
            raise ModelError(f"unknown backend {backend!r}; use auto, onnx or torch")
        location = _local_dir(resolve_model(model))
        settings = _read_settings(location)
        tokenizer = _read_tokenizer(location)
        onnx_path = onnx_file(location)
        use_onnx = backend == "onnx" or (backend == "auto" and onnx_path is not None and device == "cpu")
        try:
            if use_onnx:
                if onnx_path is None:
                    raise ModelError(f"{location} has no ONNX file; export it first (the `export` command)")
                try:
                    engine = OrtBackend(onnx_path, threads=threads)
                except ImportError:
                    if backend == "onnx":
                        raise ModelError("onnxruntime is not installed; pip install onnxruntime") from None
                    engine = TorchBackend(location, device=device, threads=threads)
            else:
                engine = TorchBackend(location, device=device, threads=threads)
        except ModelError:
            raise
        except Exception as exc:  # safetensors, onnx and config errors have no common base
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"model at {location} is corrupt or incomplete: {reason}; {_REPAIR}") from exc
        return cls(tokenizer, engine, settings, location)

    # ----------------------------------------------------- thresholds, saving
    @property
    def thresholds(self) -> dict[str, float]:
        """Per-label decision thresholds (a copy; see :meth:`with_thresholds`)."""
        return {lab: float(self.settings.thresholds.get(lab, 0.5)) for lab in self.labels}

    def with_thresholds(self, thresholds: dict[str, float]) -> Tagger:
        """The same model with other thresholds (it shares the loaded weights).

        Every label must be given, with a value in [0, 1]."""
        missing = [lab for lab in self.labels if lab not in thresholds]
        bad = {k: v for k, v in thresholds.items() if k not in self.labels or not 0.0 <= float(v) <= 1.0}
        if missing or bad:
            raise ModelError(
                f"thresholds need a value in [0, 1] for each of {self.labels}; missing {missing}, bad {bad}"
            )
        settings = replace(self.settings, thresholds={lab: float(thresholds[lab]) for lab in self.labels})
        return Tagger(self.tokenizer, self.backend, settings, self.source)

    def save_pretrained(self, directory: str | Path) -> Path:
        """Save this tagger (weights, tokenizer, ONNX files and its current
        settings) as a standard model directory, atomically: ``directory`` is
        the old model or the new one at any moment, never a partial one."""
        out = Path(directory)
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = stage_dir(out)  # beside ``out``; also right when ``out`` is the source itself
        for item in Path(self.source).iterdir():
            if item.is_file() and item.name != SETTINGS_FILE:
                shutil.copy2(item, stage / item.name)
        self.settings.save(stage)
        publish(stage, out)
        return out

    @property
    def map_fn(self):
        """A picklable batch function for ``datasets.Dataset.map(tagger.map_fn, batched=True, num_proc=N)``
        (see :class:`envtag.batch.BatchTagger`): each process loads this model once."""
        from .batch import BatchTagger

        return BatchTagger(self.source)

    # --------------------------------------------------------- prediction
    @property
    def window_budget(self) -> int:
        return self.settings.max_length - 2

    def _encode(self, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return [(e.ids, e.offsets) for e in encs]

    def _score(self, sequences: list[list[int]], batch_size: int = 1) -> np.ndarray:
        """Sigmoid scores for token-id sequences (each ≤ window budget), one row per sequence.

        Each window is scored on its own, unpadded: the int8 model quantises
        activations with scales computed over the whole input tensor, and
        padding changes the arithmetic, so scoring windows together would make
        a paragraph's scores depend on what else is in its batch. Alone, the
        same text gets the same scores however the input is grouped (--jobs,
        --resume, a service's micro-batches), and on 2 CPU cores it is no
        slower than length-bucketed batches (measured: 140 vs 129 para/s).
        ``batch_size`` is kept for API compatibility and does not change results."""
        out = np.zeros((len(sequences), len(self.labels)), dtype=np.float32)
        for i, seq in enumerate(sequences):
            ids = np.asarray([[self.cls_id, *seq, self.sep_id]], dtype=np.int64)
            out[i] = self.backend(ids, np.ones_like(ids))[0]
        return out

    def predict(
        self,
        texts: Sequence[str] | str,
        batch_size: int = 32,
        evidence: bool = True,
        titles: Sequence[str | None] | None = None,
    ) -> list[Prediction]:
        """Tag raw paragraphs; the result has one Prediction per input, in order
        (a single string is one paragraph, not a sequence of characters).

        ``titles``, one per paragraph (``None`` for none), are the titles of
        the documents the paragraphs come from. A model trained with title
        context (``settings.title_tokens > 0``) reads them (:mod:`envtag.titles`);
        any other model ignores them."""
        if isinstance(texts, str):
            texts = [texts]
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"predict got {len(texts)} texts but {len(titles)} titles; give one title per text")
        preds: list[Prediction] = []
        todo: list[int] = []
        for text in texts:
            text = "" if text is None else str(text)
            cleaned = clean(text)
            reason = skip_reason(text, cleaned=cleaned)
            if reason is None and not cleaned:
                reason = "empty"
            preds.append(Prediction(text=text, clean_text=cleaned, skipped=reason))
            if reason is None:
                todo.append(len(preds) - 1)
        if not todo:
            return preds
        encoded = self._encode([preds[i].clean_text for i in todo])
        prefixes = {i: self._title_prefix(titles[i] if titles else None, preds[i].clean_text) for i in todo}
        sequences: list[list[int]] = []
        owner: list[int] = []
        for k, (ids, offsets) in enumerate(encoded):
            prefix = prefixes[todo[k]]
            budget = self.window_budget - len(prefix)
            for w in paragraph_windows(preds[todo[k]].clean_text, offsets, budget, self.settings.stride_sentences):
                sequences.append(prefix + ids[w.start : w.end])
                owner.append(k)
        if not sequences:  # text that tokenises to nothing
            for i in todo:
                preds[i].scores = dict.fromkeys(self.labels, 0.0)
            return preds
        window_scores = self._score(sequences, batch_size)
        para_scores = np.zeros((len(todo), len(self.labels)), dtype=np.float32)
        np.maximum.at(para_scores, np.asarray(owner), window_scores)
        for k, i in enumerate(todo):
            scores = para_scores[k]
            preds[i].scores = {lab: float(s) for lab, s in zip(self.labels, scores, strict=True)}
            preds[i].labels = [lab for lab, s, t in zip(self.labels, scores, self._cut, strict=True) if s >= t]
        if evidence:
            self._add_evidence(preds, todo, batch_size, prefixes)
        return preds

    def _title_prefix(self, title: str | None, clean_text: str) -> list[int]:
        return title_prefix(self.tokenizer, title, clean_text, self.settings.title_tokens, self.sep_id)

    def _add_evidence(
        self, preds: list[Prediction], todo: list[int], batch_size: int, prefixes: dict[int, list[int]]
    ) -> None:
        """Sentences that carry each predicted label, as character spans of
        the *original* text: the raw paragraph is split into sentences, each
        is cleaned and scored by the same model on its own; a sentence is
        evidence for a label when its own score passes the label's threshold,
        else the best-scoring sentence is given. Single-sentence paragraphs
        are their own evidence. A sentence is read with its paragraph's title
        prefix, as the paragraph was."""
        jobs: list[tuple[int, int, int]] = []
        texts: list[str] = []
        for i in todo:
            pred = preds[i]
            if not pred.labels:
                continue
            spans = split_sentences(pred.text)
            if len(spans) <= 1:
                a, b = spans[0] if spans else (0, len(pred.text))
                pred.evidence = {
                    lab: [{"text": pred.text[a:b], "start": a, "end": b, "score": round(pred.scores[lab], 4)}]
                    for lab in pred.labels
                }
                continue
            for a, b in spans:
                cleaned = clean(pred.text[a:b])
                if cleaned:
                    jobs.append((i, a, b))
                    texts.append(cleaned)
        if not jobs:
            return
        seqs = [
            prefixes[i] + ids[: self.window_budget - len(prefixes[i])]
            for (i, _, _), (ids, _) in zip(jobs, self._encode(texts), strict=True)
        ]
        scores = self._score(seqs, batch_size)
        by_para: dict[int, list[tuple[int, int, np.ndarray]]] = {}
        for (i, a, b), s in zip(jobs, scores, strict=True):
            by_para.setdefault(i, []).append((a, b, s))
        for i, items in by_para.items():
            raw = preds[i].text
            ev: dict[str, list[dict]] = {}
            for lab in preds[i].labels:
                j = self.labels.index(lab)
                hits = [it for it in items if it[2][j] >= self._cut[j]]
                if not hits:
                    hits = [max(items, key=lambda it, j=j: it[2][j])]
                ev[lab] = [{"text": raw[a:b], "start": a, "end": b, "score": round(float(s[j]), 4)} for a, b, s in hits]
            preds[i].evidence = ev


@lru_cache(maxsize=4)
def _cached_tagger(model: str | None) -> Tagger:
    return Tagger.from_pretrained(model)


def predict(texts: Sequence[str] | str, model: str | Path | None = None, **kwargs) -> list[Prediction]:
    """Tag paragraphs with the default (or given) model: ``predict(["…"])``."""
    if isinstance(texts, str):
        texts = [texts]
    return _cached_tagger(str(model) if model is not None else None).predict(texts, **kwargs)


def check_compatible(settings: TaggerSettings) -> list[str]:
    """Warnings when a model was trained with other cleaning/taxonomy rules."""
    from .taxonomy import load_taxonomy

    notes = []
    if settings.cleaning_version != CLEANING_VERSION:
        notes.append(f"model trained with cleaning v{settings.cleaning_version}, runtime has v{CLEANING_VERSION}")
    tax = load_taxonomy()
    if settings.taxonomy_version != tax.version:
        notes.append(f"model trained with taxonomy v{settings.taxonomy_version}, runtime has v{tax.version}")
    if list(settings.labels) != tax.ids:
        notes.append(
            f"model labels {list(settings.labels)} differ from the taxonomy's {tax.ids}; "
            "retrain with `envtag train` to tag with the current labels"
        )
    return notes

"""The tagger: a model directory plus the code that owns prediction.

``Tagger.from_pretrained(dir)`` loads a saved envtag model (a Hugging Face
sequence-classification directory with ``envtag.json`` beside it);
``Tagger.predict(texts)`` cleans, skips non-content, windows long paragraphs,
scores and thresholds. ``predict(texts)`` does the same with the shipped
default model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .cleaning import CLEANING_VERSION, clean
from .errors import ModelError
from .segment import skip_reason, split_sentences
from .settings import SETTINGS_FILE, TaggerSettings
from .windows import make_windows, sentence_token_ranges


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
    evidence: dict[str, list[str]] = field(default_factory=dict)

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
    return Path(str(resources.files("envtag.models").joinpath("default")))


def resolve_model(model: str | Path | None) -> str:
    """A local directory, or a hub id (only usable with a network)."""
    if model is None:
        path = default_model_dir()
        if not (path / "config.json").exists():
            raise ModelError(f"the default model is missing at {path}; reinstall envtag or pass --model DIR")
        return str(path)
    path = Path(model).expanduser()
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
    raise ModelError(f"model directory {model} does not exist; pass --model DIR with a trained model")


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
            "could not be reached (offline?) or has no such model; pass a local model directory"
        ) from exc


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
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"model at {location} is corrupt or incomplete: bad config.json or {SETTINGS_FILE}") from exc
    labels = [id2label[str(i)] for i in range(len(id2label))]
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
        raise ModelError(f"model at {location} has no readable tokenizer.json ({exc})") from exc
    tok.no_truncation()
    tok.no_padding()
    return tok


class Tagger:
    """Owns a tokenizer, a scoring backend and the model's settings, and predicts."""

    def __init__(self, tokenizer, scorer, settings: TaggerSettings, source: str) -> None:
        self.tokenizer = tokenizer  # a `tokenizers.Tokenizer`
        self.scorer = scorer
        self.settings = settings
        self.source = source
        self.labels = list(settings.labels)
        self._thresholds = np.array([settings.thresholds.get(lab, 0.5) for lab in self.labels], dtype=np.float32)
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
        from .backends import OrtScorer, TorchScorer, onnx_file

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
                    raise ModelError(f"{location} has no ONNX file; run `envtag export --model {location}`")
                try:
                    scorer = OrtScorer(onnx_path, threads=threads)
                except ImportError:
                    if backend == "onnx":
                        raise ModelError("onnxruntime is not installed; pip install onnxruntime") from None
                    scorer = TorchScorer(location, device=device, threads=threads)
            else:
                scorer = TorchScorer(location, device=device, threads=threads)
        except ModelError:
            raise
        except Exception as exc:  # safetensors, onnx and config errors have no common base
            raise ModelError(f"model at {location} is corrupt or incomplete: {str(exc).splitlines()[0]}") from exc
        return cls(tokenizer, scorer, settings, location)

    # --------------------------------------------------------- prediction
    @property
    def window_budget(self) -> int:
        return self.settings.max_length - 2

    def _encode(self, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        return [(e.ids, e.offsets) for e in encs]

    def _score(self, sequences: list[list[int]], batch_size: int) -> np.ndarray:
        """Sigmoid scores for token-id sequences (each ≤ window budget),
        batched by length so padding stays small; order is restored."""
        out = np.zeros((len(sequences), len(self.labels)), dtype=np.float32)
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            width = max(len(sequences[i]) for i in idx) + 2
            ids = np.full((len(idx), width), self.pad_id, dtype=np.int64)
            for r, i in enumerate(idx):
                seq = sequences[i]
                ids[r, 0] = self.cls_id
                ids[r, 1 : len(seq) + 1] = seq
                ids[r, len(seq) + 1] = self.sep_id
            out[idx] = self.scorer(ids, (ids != self.pad_id).astype(np.int64))
        return out

    def predict(self, texts: Sequence[str], batch_size: int = 32, evidence: bool = True) -> list[Prediction]:
        """Tag raw paragraphs; the result has one Prediction per input, in order."""
        preds: list[Prediction] = []
        todo: list[int] = []
        for text in texts:
            text = "" if text is None else str(text)
            reason = skip_reason(text)
            cleaned = clean(text)
            if reason is None and not cleaned:
                reason = "empty"
            preds.append(Prediction(text=text, clean_text=cleaned, skipped=reason))
            if reason is None:
                todo.append(len(preds) - 1)
        if not todo:
            return preds
        encoded = self._encode([preds[i].clean_text for i in todo])
        sequences: list[list[int]] = []
        owner: list[int] = []
        sentence_info: list[tuple[list[tuple[int, int]], list[tuple[int, int]], list[int]]] = []
        for k, (ids, offsets) in enumerate(encoded):
            spans = split_sentences(preds[todo[k]].clean_text)
            ranges = sentence_token_ranges(spans, offsets)
            for w in make_windows(ranges, len(ids), self.window_budget, self.settings.stride_sentences):
                sequences.append(ids[w.start : w.end])
                owner.append(k)
            sentence_info.append((spans, ranges, ids))
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
            preds[i].labels = [lab for lab, s, t in zip(self.labels, scores, self._thresholds, strict=True) if s >= t]
        if evidence:
            self._add_evidence(preds, todo, sentence_info, batch_size)
        return preds

    def _add_evidence(self, preds, todo, sentence_info, batch_size) -> None:
        """Sentences that carry each predicted label, from sentence-level
        scores of the same model; the best sentence when none passes alone."""
        jobs: list[tuple[int, str]] = []
        seqs: list[list[int]] = []
        for k, i in enumerate(todo):
            if not preds[i].labels:
                continue
            spans, ranges, ids = sentence_info[k]
            text = preds[i].clean_text
            if len(spans) <= 1:
                preds[i].evidence = {lab: [text] for lab in preds[i].labels}
                continue
            for (a, b), (ta, tb) in zip(spans, ranges, strict=False):
                jobs.append((i, text[a:b]))
                seqs.append(ids[ta:tb][: self.window_budget])
        if not seqs:
            return
        scores = self._score(seqs, batch_size)
        by_para: dict[int, list[tuple[str, np.ndarray]]] = {}
        for (i, sent), s in zip(jobs, scores, strict=True):
            by_para.setdefault(i, []).append((sent, s))
        for i, items in by_para.items():
            ev: dict[str, list[str]] = {}
            for lab in preds[i].labels:
                j = self.labels.index(lab)
                hits = [sent for sent, s in items if s[j] >= self._thresholds[j]]
                if not hits:
                    hits = [max(items, key=lambda it, j=j: it[1][j])[0]]
                ev[lab] = hits
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
    return notes

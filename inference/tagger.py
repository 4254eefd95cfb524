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


class Tagger:
    """Owns a model, its tokenizer and its settings, and predicts."""

    def __init__(self, model, tokenizer, settings: TaggerSettings, source: str) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self.source = source
        self.labels = list(settings.labels)
        self._thresholds = np.array([settings.thresholds.get(lab, 0.5) for lab in self.labels], dtype=np.float32)

    # ------------------------------------------------------------ loading
    @classmethod
    def from_pretrained(cls, model: str | Path | None = None, device: str = "cpu") -> Tagger:
        location = resolve_model(model)
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            torch.set_num_threads(max(1, min(os.cpu_count() or 1, 4)))
            tokenizer = AutoTokenizer.from_pretrained(location)
            tokenizer.model_max_length = 1 << 30  # we window long paragraphs ourselves
            net = AutoModelForSequenceClassification.from_pretrained(location, dtype=torch.float32)
        except OSError as exc:
            if not Path(location).exists():
                raise ModelError(
                    f"cannot load '{location}': it is not a local directory and the Hugging Face Hub "
                    "could not be reached (offline?); pass a local model directory"
                ) from exc
            raise ModelError(f"cannot load model from {location}: {str(exc).splitlines()[0]}") from exc
        except Exception as exc:  # safetensors, json and config errors have no common base
            raise ModelError(f"model at {location} is corrupt or incomplete: {str(exc).splitlines()[0]}") from exc
        net.eval().to(device)
        settings = cls._settings_for(location, net)
        return cls(net, tokenizer, settings, location)

    @staticmethod
    def _settings_for(location: str, net) -> TaggerSettings:
        id2label = {int(k): v for k, v in net.config.id2label.items()}
        labels = [id2label[i] for i in range(len(id2label))]
        if Path(location, SETTINGS_FILE).exists():
            settings = TaggerSettings.load(location)
            if settings.labels != labels:
                raise ModelError(
                    f"{location}: envtag.json labels {settings.labels} differ from config.json id2label {labels}; "
                    "retrain or fix the model directory"
                )
            return settings
        raise ModelError(
            f"{location} has no {SETTINGS_FILE}; it is not an envtag model (train one with `envtag train`)"
        )

    # --------------------------------------------------------- prediction
    @property
    def window_budget(self) -> int:
        return self.settings.max_length - 2

    def _encode(self, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        enc = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
        return list(zip(enc["input_ids"], enc["offset_mapping"], strict=True))

    def _score(self, sequences: list[list[int]], batch_size: int) -> np.ndarray:
        """Sigmoid scores for token-id sequences (each ≤ window budget)."""
        import torch

        cls_id, sep_id, pad_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id, self.tokenizer.pad_token_id
        out = np.zeros((len(sequences), len(self.labels)), dtype=np.float32)
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b : b + batch_size]
                width = max(len(sequences[i]) for i in idx) + 2
                ids = np.full((len(idx), width), pad_id, dtype=np.int64)
                for r, i in enumerate(idx):
                    seq = sequences[i]
                    ids[r, 0] = cls_id
                    ids[r, 1 : len(seq) + 1] = seq
                    ids[r, len(seq) + 1] = sep_id
                x = torch.from_numpy(ids)
                logits = self.model(input_ids=x, attention_mask=(x != pad_id).long()).logits
                out[idx] = torch.sigmoid(logits.float()).numpy()
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

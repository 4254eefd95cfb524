"""Weight averaging ("model soup") of taggers fine-tuned from the same encoder.

Fine-tuning a small model from the same pretrained start with different seeds
lands in one basin; averaging the weights gives one model, at the cost of one,
that is usually better and less seed-dependent than either ingredient.
Thresholds are re-tuned on dev for the averaged model.

``greedy_soup`` chooses the ingredients on dev rather than taking them all.
Unequal weights interpolate: a further fine-tuning of a model on new
labels, averaged with the model it started from (WiSE-FT, Wortsman et al.
2022), keeps part of what the start knew while taking part of what the
continuation learnt; the weight says how much of each.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from envtag.atomic import stage_dir
from envtag.errors import ModelError
from envtag.settings import TaggerSettings
from envtag.taxonomy import load_taxonomy

from .annotations import load_content
from .calibrate import calibrate_and_publish
from .finetune import model_card, sha256


def soup_weights(weights: list[float] | None, n: int) -> list[float]:
    """``weights`` normalised to sum 1 (uniform when None), refused when they cannot weigh ``n`` models."""
    if weights is None:
        return [1.0 / n] * n
    if len(weights) != n:
        raise ModelError(f"{len(weights)} weights for {n} models; give one --weight per model, in the same order")
    if any(not w >= 0 for w in weights) or sum(weights) <= 0:
        raise ModelError("soup weights must be >= 0 and not all 0")
    total = sum(weights)
    return [w / total for w in weights]


def soup(
    models: list[str | Path],
    dev_files: str | Path | list,
    output: str | Path,
    report_files=(),
    export: bool = True,
    weights: list[float] | None = None,
    selection: dict | None = None,
):
    """Average ``models``' weights into ``output`` (uniformly, or by ``weights``);
    thresholds tuned on ``dev_files`` together. ``selection`` records how the
    ingredients were chosen (``greedy_soup``)."""
    dev_files = _dev_list(models, dev_files)
    weights = soup_weights(weights, len(models))
    ref, states = _load_states(models)
    taxonomy = load_taxonomy()
    # read before the averaging and export, so that a bad file fails at once
    dev_sets = {Path(f).stem: load_content(f, taxonomy) for f in dev_files}
    report_sets = {Path(f).stem: load_content(f, taxonomy) for f in report_files}
    out = Path(output)
    stage = stage_dir(out)
    _write_average(stage, Path(models[0]), ref, states, weights)
    ingredients = []
    for m, w in zip(models, weights, strict=True):
        extra = TaggerSettings.load(m).extra
        ingredients.append(
            {
                "dir": str(m),
                "seed": extra.get("training_config", {}).get("seed"),
                "trained_at": extra.get("trained_at"),
                "weight": round(w, 6),
            }
        )
    uniform = len(set(weights)) == 1
    extra = {
        **ref.extra,
        "soup": ingredients,
        "data_files": {**ref.extra.get("data_files", {}), **{str(f): sha256(f) for f in dev_files}},
        "selection": f"{'uniform' if uniform else 'weighted'} average of the ingredients' weights, "
        "per-label thresholds tuned on dev",
    }
    if selection is not None:
        extra["soup_selection"] = selection
    metrics = calibrate_and_publish(
        stage,
        out,
        dev_sets,
        report_sets,
        extra,
        card=lambda s, m: _card(s, m, models),
        export=export,
    )
    return out, metrics


def greedy_soup(
    models: list[str | Path],
    dev_files: str | Path | list,
    output: str | Path,
    report_files=(),
    export: bool = True,
    log=lambda message: None,
):
    """The greedy soup of Wortsman et al. (2022): rank the candidates by their
    own dev macro-F1, start from the best, and keep each next one only if the
    uniform average with it scores no lower on dev (every score at thresholds
    tuned on dev, PyTorch scores; a tie keeps the candidate, as in the paper).
    A candidate that pulls the average out of its basin is left out instead
    of diluting the soup. Publishes the chosen average as ``soup`` does."""
    dev_files = _dev_list(models, dev_files)
    ref, states = _load_states(models)
    taxonomy = load_taxonomy()
    dev = [e for f in dev_files for e in load_content(f, taxonomy)]
    score = _DevScorer(Path(models[0]), ref, dev, evaluations=2 * len(models) - 1, log=log)
    alone = [score([s], f"{models[i]} alone") for i, s in enumerate(states)]
    order = sorted(range(len(models)), key=lambda i: -alone[i])
    chosen, best = [order[0]], alone[order[0]]
    log(f"start from {models[order[0]]} (dev macro-F1 {best:.4f})")
    trials = []
    for i in order[1:]:
        with_it = score([states[j] for j in [*chosen, i]], f"the soup with {models[i]}")
        kept = with_it >= best
        trials.append({"dir": str(models[i]), "alone": round(alone[i], 6), "with": round(with_it, 6), "kept": kept})
        log(f"{models[i]}: {'kept' if kept else 'left out'}")
        if kept:
            chosen.append(i)
            best = with_it
    if len(chosen) == 1:
        raise ModelError(
            f"no candidate improves on {models[order[0]]} alone (dev macro-F1 {best:.4f}); use that model as it is"
        )
    selection = {"method": "greedy", "start": str(models[order[0]]), "trials": trials}
    return soup([models[i] for i in chosen], dev_files, output, report_files, export, selection=selection)


def _dev_list(models: list, dev_files: str | Path | list) -> list:
    """``dev_files`` as a list, once the models are known to be enough for a soup."""
    if len(models) < 2:
        raise ModelError("a soup needs at least two model directories")
    return [dev_files] if isinstance(dev_files, str | Path) else list(dev_files)


def _load_states(models: list[str | Path]) -> tuple[TaggerSettings, list[dict]]:
    """The first model's settings and every model's weights, refused unless they can be averaged."""
    from safetensors.torch import load_file

    first = Path(models[0])
    ref = TaggerSettings.load(first)
    states = []
    for m in models:
        m = Path(m)
        settings = TaggerSettings.load(m)
        if settings.labels != ref.labels:
            raise ModelError(f"{m}: labels differ from {first}; only taggers of one label set can be averaged")
        if settings.title_tokens != ref.title_tokens:
            raise ModelError(
                f"{m} reads {settings.title_tokens} title tokens and {first} {ref.title_tokens}; "
                "average only models trained with the same title context (title_tokens)"
            )
        states.append(load_file(str(m / "model.safetensors")))
    keys = states[0].keys()
    if any(s.keys() != keys for s in states):
        raise ModelError("models have different architectures; fine-tune them from the same encoder")
    return ref, states


def _write_average(stage: Path, first: Path, ref: TaggerSettings, states: list[dict], weights: list[float]) -> None:
    """A tagger directory in ``stage``: ``first``'s config and tokenizer, the weighted
    average of ``states``, thresholds at 0.5 until calibration."""
    from safetensors.torch import save_file

    avg = {
        k: sum(w * s[k].float() for w, s in zip(weights, states, strict=True)).to(v.dtype)
        if v.is_floating_point()
        else v
        for k, v in states[0].items()
    }
    for f in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(first / f, stage / f)
    save_file(avg, str(stage / "model.safetensors"), metadata={"format": "pt"})
    settings = TaggerSettings(**{**ref.__dict__})
    settings.thresholds = dict.fromkeys(ref.labels, 0.5)
    settings.save(stage)


class _DevScorer:
    """Dev macro-F1 of uniform averages at thresholds tuned on dev, logging each
    score with a count and the time left (each score takes about 10 s for
    the 746 dev paragraphs on 2 idle cores)."""

    def __init__(self, first: Path, ref: TaggerSettings, dev: list, evaluations: int, log):
        self.first, self.ref, self.dev, self.total, self.log = first, ref, dev, evaluations, log
        self.done, self.started = 0, time.monotonic()

    def __call__(self, states: list[dict], what: str) -> float:
        from envtag.tagger import Tagger

        from .calibrate import example_scores, label_matrix, tune_thresholds
        from .metrics import multilabel_report

        with tempfile.TemporaryDirectory() as tmp:
            _write_average(Path(tmp), self.first, self.ref, states, [1.0 / len(states)] * len(states))
            tagger = Tagger.from_pretrained(tmp, backend="torch")
            y = label_matrix(self.dev, tagger.labels)
            scores = example_scores(tagger, self.dev)
        cut = tune_thresholds(y, scores, tagger.labels)
        given = scores >= np.asarray([cut[lab] for lab in tagger.labels])
        f1 = multilabel_report(y.astype(int), given.astype(int), tagger.labels)["macro_f1"]
        self.done += 1
        left = (time.monotonic() - self.started) / self.done * (self.total - self.done)
        eta = f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"
        self.log(f"[{self.done}/{self.total}, about {eta} left] {what}: dev macro-F1 {f1:.4f}")
        return f1


def _card(settings: TaggerSettings, metrics: dict, models) -> str:
    from .config import TrainConfig

    cfg = TrainConfig(
        **{k: v for k, v in settings.extra.get("training_config", {}).items() if k in TrainConfig.__dataclass_fields__}
    )
    card = model_card(cfg, settings, metrics)
    parts = ", ".join(f"{i['dir']} (seed {i['seed']}, weight {i['weight']:.3g})" for i in settings.extra["soup"])
    return card.replace(
        "# envtag model\n",
        f"# envtag model\n\nA weight average (model soup) of {len(models)} fine-tuning runs from one encoder: "
        f"{parts}; thresholds re-tuned on dev for the average.\n",
        1,
    )

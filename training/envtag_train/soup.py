"""Weight averaging ("model soup") of taggers fine-tuned from the same encoder.

Fine-tuning a small model from the same pretrained start with different seeds
lands in one basin; averaging the weights gives one model, at the cost of one,
that is usually better and less seed-dependent than either ingredient.
Thresholds are re-tuned on dev for the averaged model.

Unequal weights interpolate instead: a further fine-tuning of a model on new
labels, averaged with the model it started from (WiSE-FT, Wortsman et al.
2022), keeps part of what the start knew while taking part of what the
continuation learnt; the weight says how much of each.
"""

from __future__ import annotations

import shutil
from pathlib import Path

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
):
    """Average ``models``' weights into ``output`` (uniformly, or by ``weights``);
    thresholds tuned on ``dev_files`` together."""
    dev_files = [dev_files] if isinstance(dev_files, str | Path) else list(dev_files)
    from safetensors.torch import load_file, save_file

    if len(models) < 2:
        raise ModelError("a soup needs at least two model directories")
    weights = soup_weights(weights, len(models))
    first = Path(models[0])
    ref = TaggerSettings.load(first)
    states = []
    for m in models:
        m = Path(m)
        if TaggerSettings.load(m).labels != ref.labels:
            raise ModelError(f"{m}: labels differ from {first}; only taggers of one label set can be averaged")
        states.append(load_file(str(m / "model.safetensors")))
    keys = states[0].keys()
    if any(s.keys() != keys for s in states):
        raise ModelError("models have different architectures; fine-tune them from the same encoder")
    avg = {
        k: sum(w * s[k].float() for w, s in zip(weights, states, strict=True)).to(states[0][k].dtype)
        if states[0][k].is_floating_point()
        else states[0][k]
        for k in keys
    }
    out = Path(output)
    stage = stage_dir(out)
    for f in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(first / f, stage / f)
    save_file(avg, str(stage / "model.safetensors"), metadata={"format": "pt"})
    settings = TaggerSettings(**{**ref.__dict__})
    settings.thresholds = dict.fromkeys(ref.labels, 0.5)
    settings.save(stage)
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
    taxonomy = load_taxonomy()
    metrics = calibrate_and_publish(
        stage,
        out,
        {Path(f).stem: load_content(f, taxonomy) for f in dev_files},
        {Path(f).stem: load_content(f, taxonomy) for f in report_files},
        extra,
        card=lambda s, m: _card(s, m, models),
        export=export,
    )
    return out, metrics


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

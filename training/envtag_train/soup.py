"""Weight averaging ("model soup") of taggers fine-tuned from the same encoder.

Fine-tuning a small model from the same pretrained start with different seeds
lands in one basin; averaging the weights gives one model, at the cost of one,
that is usually better and less seed-dependent than either ingredient.
Thresholds are re-tuned on dev for the averaged model.
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


def soup(
    models: list[str | Path], dev_files: str | Path | list, output: str | Path, report_files=(), export: bool = True
):
    """Average ``models``' weights into ``output``; thresholds tuned on ``dev_files`` together."""
    dev_files = [dev_files] if isinstance(dev_files, str | Path) else list(dev_files)
    from safetensors.torch import load_file, save_file

    if len(models) < 2:
        raise ModelError("a soup needs at least two model directories")
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
        k: (sum(s[k].float() for s in states) / len(states)).to(states[0][k].dtype)
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
    for m in models:
        extra = TaggerSettings.load(m).extra
        ingredients.append(
            {"dir": str(m), "seed": extra.get("training_config", {}).get("seed"), "trained_at": extra.get("trained_at")}
        )
    extra = {
        **ref.extra,
        "soup": ingredients,
        "data_files": {**ref.extra.get("data_files", {}), **{str(f): sha256(f) for f in dev_files}},
        "selection": "uniform weight average of the ingredients, per-label thresholds tuned on dev",
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
    seeds = ", ".join(str(i["seed"]) for i in settings.extra["soup"])
    return card.replace(
        "# envtag model\n",
        f"# envtag model\n\nA uniform weight average (model soup) of {len(models)} fine-tuning runs of the same recipe "
        f"with seeds {seeds}; thresholds re-tuned on dev for the average.\n",
        1,
    )

"""Weight averaging ("model soup") of taggers fine-tuned from the same encoder.

Fine-tuning a small model from the same pretrained start with different seeds
lands in one basin; averaging the weights gives one model, at the cost of one,
that is usually better and less seed-dependent than either ingredient.
Thresholds are re-tuned on dev for the averaged model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from envtag.errors import ModelError
from envtag.settings import TaggerSettings
from envtag.taxonomy import load_taxonomy

from .annotations import load_examples
from .finetune import _content, evaluate_tagger, model_card, publish, sha256, tune_thresholds


def soup(models: list[str | Path], dev_file: str | Path, output: str | Path, report_files=(), export: bool = True):
    from safetensors.torch import load_file, save_file

    from envtag.tagger import Tagger
    from envtag_train.metrics import score

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
    stage = out.with_name(out.name + ".work")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    for f in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(first / f, stage / f)
    save_file(avg, str(stage / "model.safetensors"), metadata={"format": "pt"})
    settings = TaggerSettings(**{**ref.__dict__})
    settings.thresholds = dict.fromkeys(ref.labels, 0.5)
    settings.save(stage)
    if export:
        from .export import export_onnx

        export_onnx(stage)
    taxonomy = load_taxonomy()
    dev = _content(load_examples(dev_file, taxonomy))
    tagger = Tagger.from_pretrained(stage)
    scores, y, _ = evaluate_tagger(tagger, dev)
    settings.thresholds = tune_thresholds(y, scores, ref.labels)
    thr = np.asarray([settings.thresholds[lab] for lab in ref.labels])
    metrics = {"dev": score(y.astype(int), (scores >= thr).astype(int), ref.labels)}
    tagger._thresholds = thr.astype(np.float32)
    for f in report_files:
        s, yy, _ = evaluate_tagger(tagger, _content(load_examples(f, taxonomy)))
        metrics[Path(f).stem] = score(yy.astype(int), (s >= thr).astype(int), ref.labels)
    ingredients = []
    for m in models:
        extra = TaggerSettings.load(m).extra
        ingredients.append(
            {"dir": str(m), "seed": extra.get("training_config", {}).get("seed"), "trained_at": extra.get("trained_at")}
        )
    settings.extra = {
        **ref.extra,
        "soup": ingredients,
        "data_files": {**ref.extra.get("data_files", {}), str(dev_file): sha256(dev_file)},
        "selection": "uniform weight average of the ingredients, per-label thresholds tuned on dev",
    }
    settings.save(stage)
    (stage / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False))
    (stage / "README.md").write_text(_card(settings, metrics, models), encoding="utf-8")
    publish(stage, out)
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

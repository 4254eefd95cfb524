"""BatchTagger in datasets and Ray Data gives the records envtag tag writes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from envtag.batch import BatchTagger
from envtag.cli import app

TEXTS = [
    "加强大气污染防治，推进挥发性有机物治理。",
    "编辑：王明",
    "依法查处违法排污企业，移送公安机关。",
    "深化河长制，开展入河排污口排查整治。",
    "碳纤维复合材料项目签约落地。",
]


@pytest.fixture(scope="module")
def cli_predictions(onnx_model, tmp_path_factory):
    src = tmp_path_factory.mktemp("batch") / "in.txt"
    src.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = src.with_suffix(".jsonl")
    assert CliRunner().invoke(app, ["tag", str(src), "-o", str(out), "-m", str(onnx_model)]).exit_code == 0
    keys = ("labels", "scores", "skipped", "evidence")
    return [{k: r[k] for k in keys} for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())]


def test_datasets_map_with_two_processes(onnx_model, cli_predictions):
    from datasets import Dataset

    from envtag.tagger import Tagger

    ds = Dataset.from_dict({"id": list(range(len(TEXTS))), "text": TEXTS})
    tagged = ds.map(Tagger.from_pretrained(onnx_model).map_fn, batched=True, batch_size=2, num_proc=2)
    assert tagged["id"] == list(range(len(TEXTS)))
    assert [json.loads(x) for x in tagged["envtag"]] == cli_predictions
    assert tagged["labels"] == [p["labels"] for p in cli_predictions]


def test_ray_data_map_batches(onnx_model, cli_predictions):
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(TEXTS)])
        rows = ds.map_batches(
            BatchTagger, fn_constructor_kwargs={"model": str(onnx_model)}, concurrency=1, batch_size=2
        ).take_all()
    finally:
        ray.shutdown()
    rows.sort(key=lambda r: r["id"])
    assert [json.loads(r["envtag"]) for r in rows] == cli_predictions

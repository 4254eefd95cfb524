"""--jobs N (one worker per core by default): workers write exactly the records one process writes, in order."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from envtag.cli import app
from envtag.parallel import ParallelTagger, available_cores, resolve_jobs
from envtag.tagger import Tagger

runner = CliRunner()


def test_jobs_give_identical_records_in_input_order(tmp_path, onnx_model):
    src = tmp_path / "in.txt"
    lines = [
        f"第{i}段：加强大气污染防治，推进污水处理，依法查处违法排污。" if i % 3 else "编辑：王明" for i in range(300)
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        res = runner.invoke(app, ["tag", str(src), "-o", str(out), "-m", str(onnx_model), "--jobs", jobs])
        assert res.exit_code == 0, res.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == 300


def test_resolve_jobs():
    assert resolve_jobs("3") == 3
    assert resolve_jobs("auto") >= 1
    with pytest.raises(ValueError, match=">= 1"):
        resolve_jobs("0")
    with pytest.raises(ValueError, match="whole number or 'auto'"):
        resolve_jobs("many")


def test_jobs_on_the_seed_articles_are_byte_identical(tmp_path, onnx_model, SHARED):  # noqa: N803
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"seeds{jobs}.jsonl"
        res = runner.invoke(app, ["tag", str(SHARED / "seeds"), "-o", str(out), "-m", str(onnx_model), "--jobs", jobs])
        assert res.exit_code == 0, res.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == 58


def test_auto_is_one_worker_per_available_core_up_to_eight():
    assert resolve_jobs("auto") == max(1, min(available_cores(), 8))


def test_an_input_of_one_chunk_is_tagged_without_starting_workers(onnx_model):
    tagger = Tagger.from_pretrained(onnx_model)
    texts = ["加强大气污染防治，依法查处违法排污。", "编辑：王明", "推进污水处理厂提标改造。"]
    with ParallelTagger(tagger, 2) as pool:
        (preds,) = list(pool.predict_chunks([texts]))
        assert not pool.started
    assert [p.to_dict() for p in preds] == [p.to_dict() for p in tagger.predict(texts)]


def test_workers_start_at_the_second_chunk_and_keep_the_order(onnx_model):
    tagger = Tagger.from_pretrained(onnx_model)
    chunks = [[f"第{i}段：推进污水处理，依法查处违法排污。"] * 3 for i in range(4)]
    with ParallelTagger(tagger, 2) as pool:
        got = [[p.to_dict() for p in preds] for preds in pool.predict_chunks(chunks)]
        assert pool.started
    assert got == [[p.to_dict() for p in tagger.predict(chunk)] for chunk in chunks]

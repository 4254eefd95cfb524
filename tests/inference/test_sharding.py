"""``envtag tag --shard i/n``: a deterministic partition of the input files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from envtag.cli import app
from envtag.readers import expand_inputs
from envtag.sharding import parse_shard, select_shard, shard_of

runner = CliRunner()


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_partition_the_inputs(tmp_path, n):
    for k in range(40):
        sub = tmp_path / f"d{k % 3}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{k:02d}.txt").write_text(f"第{k}段。\n", encoding="utf-8")
    inputs = expand_inputs([str(tmp_path)])
    shards = [select_shard(inputs, i, n) for i in range(1, n + 1)]
    assert sum(len(s) for s in shards) == len(inputs) == 40
    assert set().union(*map(set, shards)) == set(inputs)
    for s in shards:
        assert s == [p for p in inputs if p in s]  # input order kept
    # stable: the shard of a path depends on the path string only
    assert [shard_of(p, n) for p in inputs] == [shard_of(str(p), n) for p in reversed(inputs)][::-1]
    if n > 1:
        assert sum(1 for s in shards if s) > 1


def test_shard_of_is_a_fixed_function_of_the_path():
    # pinned values: a change to the hash would silently re-partition running jobs
    assert [shard_of(f"corpus/{k}.txt", 4) for k in range(8)] == [1, 1, 3, 4, 4, 1, 4, 3]
    assert shard_of("a.txt", 1) == 1
    assert parse_shard("2/5") == (2, 5)
    assert parse_shard(" 1 / 1 ") == (1, 1)


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1/0", "x", "1/", "-1/2", "1/2/3"])
def test_bad_shard_is_one_line_and_exit_2(spec):
    with pytest.raises(ValueError):
        parse_shard(spec)
    result = runner.invoke(app, ["tag", "-", "--shard", spec], input="蓝天保卫战\n")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--shard" in lines[0]


def test_cli_shards_are_disjoint_and_cover_every_paragraph(tmp_path, onnx_model):
    src = tmp_path / "in"
    src.mkdir()
    for k in range(12):
        (src / f"{k:02d}.txt").write_text(f"加强大气污染防治第{k}条。\n推进水污染治理。\n", encoding="utf-8")
    n = 3
    seen: list[tuple[str, int]] = []
    for i in range(1, n + 1):
        out = tmp_path / f"shard{i}.jsonl"
        result = runner.invoke(
            app, ["tag", str(src), "--model", str(onnx_model), "--shard", f"{i}/{n}", "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        seen += [(r["source"], r["index"]) for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())]
    assert len(seen) == len(set(seen)) == 24
    assert {s for s, _ in seen} == {str(p) for p in sorted(src.glob("*.txt"))}


def test_shard_with_stdin_is_refused():
    result = runner.invoke(app, ["tag", "-", "--shard", "1/2"], input="蓝天保卫战\n")
    assert result.exit_code == 2
    assert "stdin" in result.output

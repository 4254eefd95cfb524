"""`envtag tag --resume`: a killed run, rerun with --resume, ends with the
records of an uninterrupted run: no duplicates, no gaps, same order."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envtag.cli import app
from envtag.errors import DataError
from envtag.resume import records_done
from envtag.tagging import READ_CHUNK

runner = CliRunner()


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _keys(path: Path) -> list[tuple]:
    return [(r["source"], r["index"], r["labels"], r["skipped"]) for r in _records(path)]


def _sentences(shared: Path, n: int, max_chars: int = 60) -> list[str]:
    out: list[str] = []
    with open(shared / "data" / "silver_train.jsonl", encoding="utf-8") as fh:
        for line in fh:
            out += [s[:max_chars] for s in re.split(r"(?<=[。；])", json.loads(line)["text"]) if len(s.strip()) > 4]
            if len(out) >= n:
                break
    return out[:n]


def _tag(model, *args):
    return runner.invoke(app, ["tag", *map(str, args), "-m", str(model), "--no-evidence"])


@pytest.fixture()
def small_input(tmp_path, SHARED):  # noqa: N803
    a = tmp_path / "a.txt"
    a.write_text("\n".join(_sentences(SHARED, 12)) + "\n编辑：张三\n", encoding="utf-8")
    b = tmp_path / "b.jsonl"
    b.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(_sentences(SHARED, 9))
        ),
        encoding="utf-8",
    )
    return [a, b]


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path, tiny_model, SHARED):  # noqa: N803
    # More paragraphs than one output chunk (envtag.tagging.READ_CHUNK), kept
    # short so that the runs are quick: the kill lands after the first chunk.
    src = tmp_path / "big.txt"
    n = READ_CHUNK + 600
    src.write_text("\n".join(_sentences(SHARED, n, max_chars=16)) + "\n", encoding="utf-8")
    full = tmp_path / "full.jsonl"
    assert _tag(tiny_model, src, "-o", full).exit_code == 0

    part = tmp_path / "part.jsonl"
    cmd = [sys.executable, "-m", "envtag.cli", "tag", str(src), "-o", str(part), "-m", str(tiny_model)]
    proc = subprocess.Popen([*cmd, "--no-evidence"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if part.exists() and part.stat().st_size > 0:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None and time.monotonic() >= deadline:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    n_full = len(_records(full))
    n_before = part.read_bytes().count(b"\n")
    assert 0 < n_before < n_full

    res = _tag(tiny_model, src, "-o", part, "--resume")
    assert res.exit_code == 0, res.output
    assert f"{n_full} paragraphs" in res.stderr and "already in output" in res.stderr
    got = _keys(part)
    assert got == _keys(full)  # same records, same order: no duplicates, no gaps
    assert len({(s, i) for s, i, *_ in got}) == n_full


def test_resume_cuts_a_torn_last_line(tmp_path, tiny_model, small_input):
    full = tmp_path / "full.jsonl"
    assert _tag(tiny_model, *small_input, "-o", full).exit_code == 0
    lines = full.read_bytes().splitlines(keepends=True)
    assert len(lines) == 22
    for cut in (0, 5, 13, 21):  # within the first file, at the boundary, within the second
        part = tmp_path / f"part{cut}.jsonl"
        part.write_bytes(b"".join(lines[:cut]) + lines[cut][: len(lines[cut]) // 2])
        res = _tag(tiny_model, *small_input, "-o", part, "--resume")
        assert res.exit_code == 0, res.output
        assert f"envtag: resuming: {cut} records already in {part}" in res.stderr
        assert _keys(part) == _keys(full)


def test_resume_of_a_complete_output_adds_nothing(tmp_path, tiny_model, small_input):
    out = tmp_path / "out.jsonl"
    assert _tag(tiny_model, *small_input, "-o", out).exit_code == 0
    before = out.read_bytes()
    res = _tag(tiny_model, *small_input, "-o", out, "--resume")
    assert res.exit_code == 0
    assert out.read_bytes() == before
    assert "total: 2 inputs, 22 paragraphs, 0 tagged, 0 skipped, 22 already in output, 0 inputs failed" in res.stderr


def test_resume_without_an_output_file_yet_is_a_normal_run(tmp_path, tiny_model, small_input):
    out = tmp_path / "new.jsonl"
    res = _tag(tiny_model, *small_input, "-o", out, "--resume")
    assert res.exit_code == 0
    assert len(_records(out)) == 22


def test_without_resume_an_existing_output_is_overwritten(tmp_path, tiny_model, small_input):
    out = tmp_path / "out.jsonl"
    out.write_text('{"source": "old", "index": 0}\n', encoding="utf-8")
    assert _tag(tiny_model, *small_input, "-o", out).exit_code == 0
    recs = _records(out)
    assert len(recs) == 22 and "old" not in {r["source"] for r in recs}


def test_resume_warns_about_records_of_other_inputs(tmp_path, tiny_model, small_input):
    out = tmp_path / "out.jsonl"
    out.write_text('{"source": "elsewhere.txt", "index": 0}\n', encoding="utf-8")
    res = _tag(tiny_model, *small_input, "-o", out, "--resume")
    assert res.exit_code == 0
    assert "envtag: warning:" in res.stderr and "same input arguments" in res.stderr
    assert len(_records(out)) == 23


@pytest.mark.parametrize("args", [["-o", "out.csv"], []])
def test_resume_needs_jsonl_output(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("加强大气污染防治\n", encoding="utf-8")
    res = runner.invoke(app, ["tag", "x.txt", *args, "--resume"])
    assert res.exit_code == 2
    assert res.stderr.strip() == "envtag: error: --resume needs .jsonl output (-o FILE.jsonl)"


def test_resume_refuses_an_output_that_is_not_ours(tmp_path, tiny_model, small_input):
    out = tmp_path / "out.jsonl"
    out.write_text('{"source": "a", "index": 0}\nnot json\n{"source": "a", "index": 1}\n', encoding="utf-8")
    res = _tag(tiny_model, *small_input, "-o", out, "--resume")
    assert res.exit_code == 2
    (line,) = res.stderr.strip().splitlines()
    assert (
        line.startswith(f"envtag: error: {out}:2: not a JSON record")
        and "without resuming" in line
        and "(--resume)" in line
    )


def test_records_done(tmp_path):
    out = tmp_path / "o.jsonl"
    out.write_bytes(
        b'{"source": "a.txt", "index": 0}\n\n{"type": "summary"}\n{"source": "a.txt", "index": 1}\n{"source": "b'
    )
    assert records_done(out) == {("a.txt", 0), ("a.txt", 1)}
    assert out.read_bytes().endswith(b'"index": 1}\n')  # the torn tail is cut off
    out.write_bytes(b'{"source": "a.txt", "index": 0}\n{"source": "a.txt", "ind\n')  # torn, then a newline
    assert records_done(out) == {("a.txt", 0)}
    assert out.read_bytes() == b'{"source": "a.txt", "index": 0}\n'
    out.write_bytes(b'{"source": "a.txt", "index": 0}\n{oops\n{"source": "a.txt", "index": 1}\n')
    with pytest.raises(DataError, match=r"o\.jsonl:2: not a JSON record"):
        records_done(out)

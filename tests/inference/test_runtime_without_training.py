"""A runtime-only install: tagging, reports and --help work with the training stack absent."""

from __future__ import annotations

import subprocess
import sys

# Make every training-only package unimportable, as in `pip install .` without the train extra.
BLOCK = (
    "import sys\n"
    "for name in ('torch', 'transformers', 'datasets', 'accelerate', 'evaluate', 'sklearn', 'onnx'):\n"
    "    sys.modules[name] = None\n"
    "from envtag.cli import main\n"
    "sys.argv = ['envtag', *sys.argv[1:]]\n"
    "main()\n"
)


def _envtag(*args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK, *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_help_tag_and_report_work_without_training_packages(tmp_path, onnx_model):
    assert _envtag("--help").returncode == 0
    tagged = _envtag("tag", "-", "-m", str(onnx_model), stdin="深入打好蓝天保卫战\n编辑：王明\n")
    assert tagged.returncode == 0, tagged.stderr
    assert len(tagged.stdout.splitlines()) == 2
    (tmp_path / "a.txt").write_text("加强大气污染防治。\n", encoding="utf-8")
    report = _envtag("report", str(tmp_path / "a.txt"), "-m", str(onnx_model), "-o", str(tmp_path / "r.html"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_training_command_says_which_extra_it_needs(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "加强大气污染防治", "labels": ["air"]}\n', encoding="utf-8")
    config = f"train_files: [{data}]\ndev_file: {data}\nmodel_config: {{hidden_size: 8}}\n"
    (tmp_path / "c.yaml").write_text(config, encoding="utf-8")
    res = _envtag("train", "--config", str(tmp_path / "c.yaml"))
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()]  # one line, no traceback
    assert "part of the training extra: pip install 'envtag[train]'" in res.stderr

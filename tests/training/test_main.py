"""``python -m envtag_train``: the whole CLI from a checkout used in place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# As on a bare machine, where envtag is not installed: no entry point adds the training commands.
NO_ENTRY_POINTS = (
    "import importlib.metadata as m, runpy, sys; m.entry_points = lambda **kw: []; "
    "sys.argv = ['envtag', '--help']; runpy.run_module('envtag_train', run_name='__main__')"
)


@pytest.mark.parametrize("installed", [True, False], ids=["installed", "in-place"])
def test_module_runs_the_cli_with_the_training_commands_once(installed):
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'inference'}{os.pathsep}{REPO / 'training'}"}
    args = ["-m", "envtag_train", "--help"] if installed else ["-c", NO_ENTRY_POINTS]
    res = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    commands = [line.split()[0] for line in res.stdout.split("Commands:")[1].splitlines() if line.strip()]
    for command in ("tag", "train", "pretrain", "distill", "labels"):
        assert commands.count(command) == 1, res.stdout

"""Atomic publication of a model directory: readers see the old model or the new one, never half of one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def recover_interrupted_publish(out: Path) -> bool:
    """Put ``OUT.old`` back when a publish died between its two renames
    (``out`` absent, the previous model aside); True when it did."""
    old = out.with_name(out.name + ".old")
    if not out.exists() and old.is_dir():
        os.replace(old, out)
        return True
    return False


def publish(stage: Path, out: Path) -> None:
    """Atomically make the complete model directory ``stage`` the model at ``out``.

    Everything is written into ``stage`` (beside ``out``, same file system)
    first; then the old model is renamed to ``OUT.old`` and ``stage`` to
    ``out``. ``out`` is therefore always the old model or the new one, never
    a partial directory: an error between the renames puts the old model
    back, and a kill there leaves ``OUT.old``, which the next save
    (:func:`recover_interrupted_publish`) restores and ``envtag tag`` names.
    """
    old = out.with_name(out.name + ".old")
    recover_interrupted_publish(out)
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    try:
        os.replace(stage, out)
    except BaseException:
        recover_interrupted_publish(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def stage_dir(out: Path) -> Path:
    """An empty staging directory beside ``out`` (same file system, so the final rename is atomic)."""
    stage = out.with_name(out.name + ".work")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    return stage

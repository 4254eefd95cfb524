"""Command-line input specs to files: paths, folders (recursively) and globs."""

from __future__ import annotations

import glob
import os
import re
from collections import Counter
from pathlib import Path

from .documents import DOCUMENT_SUFFIXES
from .errors import InputError

_GLOB_MAGIC = re.compile(r"[*?[]")
# Suffixes a folder contributes (a file named on the command line is read whatever its name).
INPUT_SUFFIXES = (".txt", ".md", ".jsonl", ".json", ".csv", ".tsv", *DOCUMENT_SUFFIXES)


def _scan_dir(root: Path, left_out: Counter | None = None) -> list[Path]:
    """Input files under ``root``; the suffixes of other files are counted in ``left_out``."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            p = Path(dirpath) / name
            if name.startswith(".") or not p.is_file():
                continue
            if p.suffix.lower() in INPUT_SUFFIXES:
                found.append(p)
            elif left_out is not None:
                left_out[p.suffix.lower() or "(no suffix)"] += 1
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def expand_inputs(specs: list[str], left_out: Counter | None = None) -> list[Path | str]:
    """Resolve command-line input specs into files (and ``"-"`` for stdin).

    A file is taken as given; a directory contributes its ``.txt``, ``.md``,
    ``.jsonl``, ``.json``, ``.csv`` and ``.tsv`` files, recursively, sorted,
    hidden files and folders skipped; a pattern with ``*``, ``?`` or ``[`` is
    globbed (``**`` recursive). Duplicates are dropped, first occurrence wins.
    Raises :class:`InputError` for a path that does not exist, a pattern that
    matches nothing, or a directory without input files. Files of other types
    found in directories are counted by suffix in ``left_out``.
    """
    out: list[Path | str] = []
    seen: set[object] = set()

    def add(item: Path | str) -> None:
        key = item if isinstance(item, str) else item.resolve()
        if key not in seen:
            seen.add(key)
            out.append(item)

    def add_dir(path: Path, spec: str) -> None:
        files = _scan_dir(path, left_out)
        if not files:
            kinds = ", ".join(INPUT_SUFFIXES)
            raise InputError(f"{spec}: directory has no input files ({kinds})")
        for f in files:
            add(f)

    for spec in specs:
        if spec == "-":
            add("-")
            continue
        path = Path(spec).expanduser()
        if path.is_dir():
            add_dir(path, spec)
        elif path.exists():
            add(path)
        elif _GLOB_MAGIC.search(spec):
            matches = [Path(m) for m in sorted(glob.glob(os.path.expanduser(spec), recursive=True))]
            if not matches:
                raise InputError(f"no such file or directory: {spec}")
            files = [m for m in matches if m.is_file()]
            dirs = [m for m in matches if m.is_dir() and _scan_dir(m)]
            if not files and not dirs:
                raise InputError(f"{spec}: pattern matches no input files")
            for match in matches:
                if match in dirs:
                    add_dir(match, str(match))
                elif match in files:
                    add(match)
        else:
            raise InputError(f"no such file or directory: {spec}")
    return out

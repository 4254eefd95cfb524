"""Shape rules of the code base: file paths match import paths, functions fit on a screen."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"envtag": REPO / "inference" / "envtag", "envtag_train": REPO / "training" / "envtag_train"}
MAX_FUNCTION_LINES = 60


def _modules():
    for name, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            yield name, root, path


def test_every_file_path_matches_its_import_path():
    for name, root, path in _modules():
        dotted = ".".join([name, *path.relative_to(root).with_suffix("").parts])
        assert path.relative_to(REPO).as_posix().startswith(("inference/envtag/", "training/envtag_train/"))
        # the folder that holds the package is on the import path: inference/ or training/
        assert path.relative_to(root.parent).with_suffix("").as_posix().replace("/", ".") == dotted


def test_no_function_is_longer_than_a_screen():
    long = []
    for _, _, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []

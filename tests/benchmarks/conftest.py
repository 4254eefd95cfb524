"""Benchmark scripts are files, not packages: ``bench`` is the script a test
module names in ``SCRIPT`` (a path from the repository root), loaded once per module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench(request):
    path = REPO / request.module.SCRIPT
    spec = importlib.util.spec_from_file_location(f"envtag_{path.parent.name}_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module

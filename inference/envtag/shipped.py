"""Where the data shipped with envtag lives: the default model and the taxonomy.

They are data, not code, so they are not inside the ``envtag`` package: in a
source checkout (and an editable install) they are read in place from the
repository's ``models/`` and ``labels/``; a regular install puts them under
``<prefix>/share/envtag/`` (``[tool.setuptools.data-files]`` in pyproject).
"""

from __future__ import annotations

import sys
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]
_INSTALLED = Path(sys.prefix) / "share" / "envtag"


def shipped_path(relative: str) -> Path:
    """The shipped file or folder ``relative`` (e.g. ``models/default``).

    The source checkout wins over an installed copy, so a developer's edits are
    what runs; when neither exists the installed location is returned, for
    the caller's error message to name."""
    for root in (_CHECKOUT, _INSTALLED):
        candidate = root / relative
        if candidate.exists():
            return candidate
    return _INSTALLED / relative

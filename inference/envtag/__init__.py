"""envtag: tag paragraphs of Chinese environmental-policy texts.

Public API (imported lazily so that ``import envtag`` stays cheap)::

    from envtag import Tagger, predict
    predict(["深入打好蓝天保卫战"])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Tagger", "Prediction", "predict", "clean", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .cleaning import clean
    from .tagger import Prediction, Tagger, predict


def __getattr__(name: str) -> Any:
    if name in ("Tagger", "Prediction", "predict"):
        from . import tagger

        return getattr(tagger, name)
    if name == "clean":
        from .cleaning import clean

        return clean
    raise AttributeError(name)

"""multilabel_f1: per-label and averaged F1 for multi-hot multi-label predictions.

A local Hugging Face ``evaluate`` metric. Load it offline from its path::

    import evaluate
    metric = evaluate.load("inference/metrics/multilabel_f1")  # or .../multilabel_f1.py
    metric.compute(
        predictions=[[1, 0, 1], [0, 1, 0]],
        references=[[1, 0, 0], [0, 1, 0]],
        label_names=["air", "water", "soil"],
    )

This folder is data, not a Python package: evaluate copies the script into its
modules cache and imports it from there, so it must not import anything from
``envtag``.
"""

from __future__ import annotations

import datasets
import evaluate
import numpy as np
from sklearn.metrics import precision_recall_fscore_support

_DESCRIPTION = """\
Multi-label classification scores from multi-hot 0/1 vectors (one column per
label, every row the same width): per-label precision, recall, F1 and support,
micro-averaged F1, macro-averaged F1 (unweighted mean of the per-label F1) and
exact match (subset accuracy: the fraction of rows whose predicted label set
equals the reference set, an empty set included). Computed with scikit-learn's
``precision_recall_fscore_support(..., zero_division=0)``: a label with no
reference and no predicted positives scores precision = recall = F1 = 0 and
still counts in the macro average.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of `list` of `int`): multi-hot predicted labels, shape (n, k).
    references (`list` of `list` of `int`): multi-hot reference labels, shape (n, k).
    label_names (`list` of `str`, *optional*): names of the k columns, in order.
        Defaults to "label_0" ... "label_{k-1}".

Returns:
    per_label (`dict`): {name: {"precision", "recall", "f1", "support"}}; support is the
        number of reference positives.
    micro_f1 (`float`), macro_f1 (`float`), exact_match (`float`), n (`int`): number of rows.

Examples:
    >>> metric = evaluate.load("path/to/multilabel_f1")
    >>> r = metric.compute(predictions=[[1, 0], [0, 1]], references=[[1, 0], [1, 1]])
    >>> r["exact_match"], round(r["micro_f1"], 4)
    (0.5, 0.8)
"""

_CITATION = """\
@article{scikit-learn,
  title={Scikit-learn: Machine Learning in {P}ython},
  author={Pedregosa, F. and others},
  journal={Journal of Machine Learning Research},
  volume={12},
  pages={2825--2830},
  year={2011}
}
"""


def _as_matrix(rows, what: str) -> np.ndarray:
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise ValueError(f"{what}: rows have different widths {sorted(widths)}")
    arr = np.asarray([list(r) for r in rows], dtype=np.int64)
    if arr.ndim != 2:
        arr = arr.reshape(len(rows), -1)
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{what}: expected multi-hot 0/1 values")
    return arr


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class MultilabelF1(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            module_type="metric",
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("int32")),
                    "references": datasets.Sequence(datasets.Value("int32")),
                }
            ),
            reference_urls=[
                "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.precision_recall_fscore_support.html"
            ],
        )

    def _compute(self, predictions, references, label_names=None):
        y_pred = _as_matrix(predictions, "predictions")
        y_true = _as_matrix(references, "references")
        if y_pred.shape != y_true.shape:
            raise ValueError(f"predictions {y_pred.shape} and references {y_true.shape} differ in shape")
        n, k = y_true.shape
        if n == 0:
            raise ValueError("no rows to score")
        names = list(label_names) if label_names is not None else [f"label_{j}" for j in range(k)]
        if len(names) != k:
            raise ValueError(f"{len(names)} label_names for {k} label columns")
        labels = list(range(k))
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
        _, _, micro, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average="micro", zero_division=0
        )
        _, _, macro, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average="macro", zero_division=0
        )
        per_label = {
            name: {
                "precision": float(p[j]),
                "recall": float(r[j]),
                "f1": float(f[j]),
                "support": int(s[j]),
            }
            for j, name in enumerate(names)
        }
        return {
            "per_label": per_label,
            "micro_f1": float(micro),
            "macro_f1": float(macro),
            "exact_match": float((y_true == y_pred).all(axis=1).mean()),
            "n": int(n),
        }

"""Deepen a pretrained encoder by block expansion before fine-tuning.

A larger encoder would need pretraining again, which a 2-core CPU cannot do
in a session. Block expansion (LLaMA Pro, Wu et al. 2024) gives a compact
encoder more depth without it: each new layer is a copy of the layer below
it whose two output projections (attention output and feed-forward output)
start at zero, so the layer adds nothing to its residual stream and the grown
model computes, up to the re-applied LayerNorm, what the base model did.
Fine-tuning then decides what the new layers add, starting from the base
model's knowledge instead of from noise.
"""

from __future__ import annotations

import copy

from envtag.errors import ModelError


def insertion_points(layers: int, extra: int) -> list[int]:
    """Indices of the layers after which the ``extra`` new layers go, spread evenly, top layer last.

    Four layers grown by two get copies after layers 1 and 3; grown by eight,
    two after each layer."""
    if layers < 1 or extra < 0:
        raise ValueError(f"cannot grow {layers} layers by {extra}")
    return [-(-(j + 1) * layers // extra) - 1 for j in range(extra)]  # ceil((j+1)·layers/extra) − 1


def grow_depth(model, extra: int):
    """The model with ``extra`` identity-initialised encoder layers inserted (in place; returned).

    Works for BERT-style encoders (``encoder.layer`` of layers with
    ``attention.output.dense`` and ``output.dense``); the config's
    ``num_hidden_layers`` is updated so the saved directory loads as the
    deeper model."""
    if extra == 0:
        return model
    encoder = getattr(model.base_model, "encoder", None)
    layers = getattr(encoder, "layer", None)
    if layers is None or not all(_projections(layer) for layer in layers):
        raise ModelError(
            f"grow_layers works on BERT-style encoders only, not {type(model.base_model).__name__}; set grow_layers: 0"
        )
    points = insertion_points(len(layers), extra)
    grown = []
    for i, layer in enumerate(layers):
        grown.append(layer)
        for _ in range(points.count(i)):
            grown.append(_silent_copy(layer))
    for i, layer in enumerate(grown):
        if hasattr(layer.attention.self, "layer_idx"):
            layer.attention.self.layer_idx = i
    encoder.layer = type(layers)(grown)
    model.config.num_hidden_layers = len(grown)
    return model


def _projections(layer) -> list:
    try:
        return [layer.attention.output.dense, layer.output.dense]
    except AttributeError:
        return []


def _silent_copy(layer):
    """A copy of ``layer`` whose output projections are zero: it adds nothing to the residual."""
    import torch

    new = copy.deepcopy(layer)
    for linear in _projections(new):
        torch.nn.init.zeros_(linear.weight)
        if linear.bias is not None:
            torch.nn.init.zeros_(linear.bias)
    return new

"""The transformers ``Trainer`` with positive-class weighted BCE.

Labels are imbalanced (enforcement is rarer than water), so each label's
positives are weighted by its negatives/positives ratio, capped.
"""

from __future__ import annotations

import torch
from transformers import Trainer


class WeightedTrainer(Trainer):
    def __init__(self, *args, pos_weight: torch.Tensor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pos_weight = pos_weight

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        target = inputs.pop("labels").float()
        outputs = model(**inputs)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            outputs.logits.float(), target, pos_weight=self.pos_weight.to(outputs.logits.device)
        )
        return (loss, outputs) if return_outputs else loss

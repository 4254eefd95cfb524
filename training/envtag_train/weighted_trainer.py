"""The transformers ``Trainer`` with positive-class weighted BCE.

Labels are imbalanced (enforcement is rarer than water), so each label's
positives are weighted by its negatives/positives ratio, capped. Batches of
windows (``train_windows``) are pooled to their paragraphs first.
"""

from __future__ import annotations

import torch
from transformers import Trainer
from transformers.modeling_outputs import SequenceClassifierOutput

from .windowed import OWNER, pool_windows


class WeightedTrainer(Trainer):
    def __init__(self, *args, pos_weight: torch.Tensor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pos_weight = pos_weight

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        target = inputs.pop("labels").float()
        owner = inputs.pop(OWNER, None)
        outputs = model(**inputs)
        logits = outputs.logits.float()
        if owner is not None:  # windows of paragraphs (envtag_train.windowed): a paragraph's logits are their max
            logits = pool_windows(logits, owner, len(target))
            outputs = SequenceClassifierOutput(logits=logits)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, target, pos_weight=self.pos_weight.to(logits.device)
        )
        return (loss, outputs) if return_outputs else loss

"""Inference backends: ONNX Runtime (the fast tagging path) and PyTorch (the
training path and the fallback).

Both take padded ``input_ids``/``attention_mask`` arrays and return sigmoid
scores. The ONNX path imports neither torch nor transformers, which alone
saves seconds of start-up on a laptop.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ONNX_INT8 = "model.int8.onnx"
ONNX_FP32 = "model.onnx"


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


class OrtBackend:
    name = "onnxruntime"

    def __init__(self, path: str | Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or default_threads()
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads sleep instead of spinning: on a laptop or shared
        # server another busy process would otherwise make every parallel
        # section wait for a descheduled spinner (1.5x slower tagging measured
        # on 2 cores beside a training job); on an idle machine it costs little.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.path = str(path)
        self.session = ort.InferenceSession(self.path, opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        (logits,) = self.session.run(["logits"], feeds)
        return 1.0 / (1.0 + np.exp(-logits.astype(np.float32)))


class TorchBackend:
    name = "torch"

    def __init__(self, model_dir: str | Path, device: str = "cpu", threads: int | None = None) -> None:
        import torch
        import transformers
        from transformers import AutoModelForSequenceClassification

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bars in tagging output
        torch.set_num_threads(threads or default_threads())
        self.torch = torch
        self.model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=torch.float32)
        self.model.eval().to(device)
        self.device = device

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            x = torch.from_numpy(input_ids).to(self.device)
            m = torch.from_numpy(attention_mask).to(self.device)
            logits = self.model(input_ids=x, attention_mask=m).logits
            return torch.sigmoid(logits.float()).cpu().numpy()


def onnx_file(model_dir: str | Path) -> Path | None:
    """The int8 ONNX file of a model directory, else the fp32 one, else None."""
    for name in (ONNX_INT8, ONNX_FP32):
        path = Path(model_dir) / name
        if path.exists():
            return path
    return None

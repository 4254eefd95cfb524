"""flair-style round trip: a saved and reloaded tagger predicts exactly what the in-memory one did."""

from __future__ import annotations

import pytest

from envtag.tagger import Tagger

FIXED = [
    "深入打好蓝天、碧水、净土保卫战，推动减污降碳协同增效。",
    "對違法排污企業依法查處，移送公安機關。",
    "市河长办组织开展河湖“清四乱”回头看，督促问题整改到位。",
    "碳纤维复合材料项目签约落地，年产能达到两千吨。",
    "编辑：王明",
    "",
]


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_save_and_reload_gives_identical_predictions(tmp_path, onnx_model, backend):
    original = Tagger.from_pretrained(onnx_model, backend=backend)
    tuned = original.with_thresholds({lab: 0.3 + 0.05 * i for i, lab in enumerate(original.labels)})
    saved = tuned.save_pretrained(tmp_path / "saved")
    reloaded = Tagger.from_pretrained(saved, backend=backend)
    assert reloaded.thresholds == tuned.thresholds
    assert reloaded.backend.name == tuned.backend.name
    before, after = tuned.predict(FIXED), reloaded.predict(FIXED)
    for a, b in zip(before, after, strict=True):
        assert a.to_dict() == b.to_dict()
        assert a.scores == b.scores  # exact, not rounded


def test_saving_over_the_source_directory_keeps_a_whole_model(tmp_path, onnx_model):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(onnx_model, copy)
    tagger = Tagger.from_pretrained(copy)
    tagger.with_thresholds(dict.fromkeys(tagger.labels, 0.9)).save_pretrained(copy)
    assert Tagger.from_pretrained(copy).thresholds == dict.fromkeys(tagger.labels, 0.9)
    assert not (tmp_path / "model.work").exists() and not (tmp_path / "model.old").exists()

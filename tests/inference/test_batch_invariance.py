"""The same text gets the same record however the input is grouped or ordered."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from envtag.cli import app
from envtag.tagger import Tagger

PARAGRAPHS = [
    "深入打好蓝天、碧水、净土保卫战，推动减污降碳协同增效。",
    "對違法排污企業依法查處，移送公安機關。",
    "市河长办组织开展河湖“清四乱”回头看，督促问题整改到位。" * 12,  # long: several windows
    "碳纤维复合材料项目签约落地。",
    "编辑：王明",
    "全年空气质量优良天数比例达到百分之八十七，细颗粒物平均浓度同比下降。严厉打击偷排漏排。",
    "加强农村生活污水治理和黑臭水体整治，开展入河排污口排查。",
    "",
]


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_batch_size_and_order_do_not_change_any_record(onnx_model, backend):
    tagger = Tagger.from_pretrained(onnx_model, backend=backend)
    texts = PARAGRAPHS * 3
    reference = [p.to_dict() for p in tagger.predict(texts, batch_size=64)]
    for batch_size in (1, 7):
        assert [p.to_dict() for p in tagger.predict(texts, batch_size=batch_size)] == reference
    order = list(range(len(texts)))
    random.Random(3).shuffle(order)
    shuffled = tagger.predict([texts[i] for i in order], batch_size=7)
    for k, i in enumerate(order):
        assert shuffled[k].scores == tagger.predict([texts[i]])[0].scores  # exact, alone or in company
        assert shuffled[k].to_dict() == reference[i]


def test_cli_batch_size_does_not_change_the_output(tmp_path, onnx_model):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(p for p in PARAGRAPHS if p) + "\n", encoding="utf-8")
    outputs = []
    for batch_size in ("1", "7", "64"):
        out = tmp_path / f"out{batch_size}.jsonl"
        res = CliRunner().invoke(
            app, ["tag", str(src), "-o", str(out), "-m", str(onnx_model), "--batch-size", batch_size]
        )
        assert res.exit_code == 0, res.output
        outputs.append([json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()])
    assert outputs[0] == outputs[1] == outputs[2]

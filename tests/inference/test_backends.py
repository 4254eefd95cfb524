"""The ONNX Runtime tagging path: no torch/transformers import, same scores as PyTorch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np

from envtag.backends import ONNX_FP32, ONNX_INT8
from envtag.tagger import Tagger

PARAGRAPHS = [
    "深入打好蓝天保卫战，加强大气污染防治，推进挥发性有机物综合治理。",
    "全面落实河长制，加强饮用水水源地保护，城市黑臭水体基本消除。",
    "开展土壤污染状况详查，加强危险废物规范化管理。",
    "推动碳达峰碳中和，发展光伏和风电，控制温室气体排放。",
    "依法查处环境违法案件32起，罚款200余万元。",
    "压实生态环境保护责任，开展中央生态环境保护督察反馈问题整改。",
    "市委书记主持召开会议。为坚决打赢蓝天保卫战，全市淘汰燃煤锅炉120台；同时推进污水处理厂提标改造。",
]


DRIVER = textwrap.dedent(
    """
    import json, sys
    from envtag.cli import app
    try:
        app(sys.argv[1:])
        code = 0
    except SystemExit as exc:
        code = exc.code
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers"))
    print(json.dumps({"code": code, "heavy": heavy, "ort": "onnxruntime" in sys.modules}))
    """
)


def test_tag_with_onnx_model_imports_neither_torch_nor_transformers(onnx_model, tmp_path):
    src = tmp_path / "one.txt"
    src.write_text(PARAGRAPHS[0] + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["tag", str(src), "--model", str(onnx_model), "-o", str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, proc.stderr
    assert report["heavy"] == [], f"the ONNX tagging path imported {report['heavy'][:5]}"
    assert report["ort"], "the ONNX model was not run through onnxruntime"
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1 and set(rows[0]["scores"]) == {"air", "water", "soil", "carbon", "enforcement", "supervision"}


def test_import_envtag_is_light():
    code = (
        "import sys, envtag, envtag.cli, envtag.readers, envtag.cleaning, envtag.boilerplate\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'transformers', 'opencc', 'pypinyin', 'onnxruntime', 'sklearn', 'datasets')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == "[]"


def test_auto_backend_picks_onnx_when_the_file_exists(onnx_model, tiny_model):
    assert Tagger.from_pretrained(onnx_model).backend.name == "onnxruntime"
    assert Tagger.from_pretrained(onnx_model, backend="torch").backend.name == "torch"
    if not any((tiny_model / name).exists() for name in (ONNX_INT8, ONNX_FP32)):
        assert Tagger.from_pretrained(tiny_model).backend.name == "torch"


def test_onnx_int8_and_torch_scores_agree(onnx_model):
    ort = Tagger.from_pretrained(onnx_model, backend="onnx")
    pt = Tagger.from_pretrained(onnx_model, backend="torch")
    a = ort.predict(PARAGRAPHS, batch_size=3)
    b = pt.predict(PARAGRAPHS, batch_size=3)
    assert all(p.skipped is None for p in a)
    sa = np.array([[p.scores[lab] for lab in ort.labels] for p in a])
    sb = np.array([[p.scores[lab] for lab in pt.labels] for p in b])
    assert np.abs(sa - sb).max() < 0.02, np.abs(sa - sb).max()


def test_predictions_keep_input_order(onnx_model):
    tagger = Tagger.from_pretrained(onnx_model)
    texts = sorted(PARAGRAPHS, key=len, reverse=True) + PARAGRAPHS[:2]
    together = tagger.predict(texts, batch_size=2, evidence=False)
    alone = [tagger.predict([t], evidence=False)[0] for t in texts]
    for x, y in zip(together, alone, strict=True):
        assert x.text == y.text
        assert x.scores == y.scores

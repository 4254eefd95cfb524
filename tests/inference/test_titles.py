"""Document titles as context: read by models trained with them, ignored by the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from envtag.readers import iter_paragraphs
from envtag.settings import TaggerSettings
from envtag.tagger import Tagger
from envtag.titles import title_prefix

PARAS = [
    "第十二条 违反本条例规定的，由主管部门责令改正，处一万元以上五万元以下罚款。",
    "第十三条 本条例自公布之日起施行。",
]
TITLE = "某市扬尘污染防治条例"


@pytest.fixture(scope="module")
def titled_model(tmp_path_factory, onnx_model) -> Path:
    """The tiny model, saved as one that reads 8 title tokens."""
    target = tmp_path_factory.mktemp("titled") / "model"
    shutil.copytree(onnx_model, target)
    settings = TaggerSettings.load(target)
    settings.title_tokens = 8
    settings.save(target)
    return target


def _scores(tagger: Tagger, texts, titles=None) -> list[dict]:
    return [p.scores for p in tagger.predict(texts, evidence=False, titles=titles)]


def test_a_title_reading_model_scores_a_paragraph_with_its_title(titled_model):
    tagger = Tagger.from_pretrained(titled_model)
    alone = _scores(tagger, PARAS)
    assert _scores(tagger, PARAS, [None, None]) == alone
    assert _scores(tagger, PARAS, [TITLE, TITLE]) != alone


def test_other_models_ignore_titles(onnx_model):
    tagger = Tagger.from_pretrained(onnx_model)
    assert tagger.settings.title_tokens == 0
    assert _scores(tagger, PARAS, [TITLE, TITLE]) == _scores(tagger, PARAS)


def test_a_paragraph_that_is_its_title_is_read_alone(titled_model):
    tagger = Tagger.from_pretrained(titled_model)
    assert _scores(tagger, [TITLE], [TITLE]) == _scores(tagger, [TITLE])
    assert _scores(tagger, PARAS, ["  ", ""]) == _scores(tagger, PARAS)


def test_a_paragraph_gets_the_same_record_however_it_is_grouped(titled_model):
    tagger = Tagger.from_pretrained(titled_model)
    long_text = "。".join(["扬尘污染防治工作应当坚持预防为主、综合治理"] * 30)
    together = tagger.predict([*PARAS, long_text], titles=[TITLE, None, TITLE])
    pairs = zip([*PARAS, long_text], [TITLE, None, TITLE], strict=True)
    apart = [tagger.predict([t], titles=[ti])[0] for t, ti in pairs]
    assert [p.to_dict() for p in together] == [p.to_dict() for p in apart]


def test_titles_must_pair_with_texts(titled_model):
    with pytest.raises(ValueError, match="2 texts but 1 titles"):
        Tagger.from_pretrained(titled_model).predict(PARAS, titles=[TITLE])


def test_the_prefix_is_the_titles_first_tokens_then_sep(titled_model):
    tok = Tagger.from_pretrained(titled_model).tokenizer
    sep = tok.token_to_id("[SEP]")
    ids = title_prefix(tok, TITLE * 3, "正文", 8, sep)
    assert len(ids) == 9 and ids[-1] == sep
    assert title_prefix(tok, TITLE, "正文", 0, sep) == []
    assert title_prefix(tok, None, "正文", 8, sep) == []


def test_files_give_each_paragraph_its_documents_title(tmp_path):
    txt = tmp_path / "plan.txt"
    txt.write_text(f"首页 >> 法规 >> 正文\n\n{TITLE}\n\n" + "\n\n".join(PARAS) + "\n", encoding="utf-8")
    assert [p.title for p in iter_paragraphs(txt)] == [None, TITLE, TITLE, TITLE]  # breadcrumbs are no title
    jsonl = tmp_path / "paras.jsonl"
    rows = [{"text": PARAS[0], "title": TITLE}, {"text": PARAS[1]}, {"text": PARAS[1], "标题": TITLE}]
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert [p.title for p in iter_paragraphs(jsonl)] == [TITLE, None, None]
    assert [p.title for p in iter_paragraphs(jsonl, title_field="标题")] == [None, None, TITLE]
    csv = tmp_path / "paras.csv"
    csv.write_text(f"text,title\n{PARAS[1]},{TITLE}\n", encoding="utf-8")
    assert [p.title for p in iter_paragraphs(csv)] == [TITLE]


def test_tag_reads_titles_unless_told_not_to(titled_model, tmp_path):
    from typer.testing import CliRunner

    from envtag.cli import app

    src = tmp_path / "law.txt"
    src.write_text(f"{TITLE}\n\n" + "\n\n".join(PARAS) + "\n", encoding="utf-8")
    tagger = Tagger.from_pretrained(titled_model)
    runs = {}
    for flag in ("--titles", "--no-titles"):
        out = tmp_path / f"out{flag}.jsonl"
        result = CliRunner().invoke(app, ["tag", str(src), "-m", str(titled_model), "-o", str(out), flag])
        assert result.exit_code == 0, result.output
        runs[flag] = [json.loads(line)["scores"] for line in out.read_text(encoding="utf-8").splitlines()]
    rounded = [{k: round(v, 4) for k, v in s.items()} for s in _scores(tagger, [TITLE, *PARAS], [TITLE] * 3)]
    assert runs["--titles"] == rounded
    assert runs["--no-titles"][1:] == [{k: round(v, 4) for k, v in s.items()} for s in _scores(tagger, PARAS)]


def test_worker_processes_read_the_titles_too(titled_model):
    from envtag.parallel import ParallelTagger

    tagger = Tagger.from_pretrained(titled_model)
    chunks = [(PARAS, [TITLE, None]), (PARAS, [None, TITLE]), (PARAS, [TITLE, TITLE])]
    with ParallelTagger(tagger, 2) as pool:
        got = [[p.to_dict() for p in preds] for preds in pool.predict_chunks(chunks)]
        assert pool.started
    assert got == [[p.to_dict() for p in tagger.predict(t, titles=ti)] for t, ti in chunks]


def test_data_engines_and_the_service_read_titles_too(titled_model):
    from fastapi.testclient import TestClient

    from envtag.batch import BatchTagger
    from envtag.serve import create_app

    tagger = Tagger.from_pretrained(titled_model)
    want = [p.to_dict() for p in tagger.predict(PARAS, titles=[TITLE, None])]
    batch = BatchTagger(titled_model, title_column="title")({"text": PARAS, "title": [TITLE, ""]})
    assert [json.loads(r) for r in batch["envtag"]] == want
    records = [{"text": PARAS[0], "title": TITLE}, {"text": PARAS[1]}]
    got = TestClient(create_app(tagger)).post("/v1/tag", json={"records": records}).json()["records"]
    assert [r["scores"] for r in got] == [w["scores"] for w in want]

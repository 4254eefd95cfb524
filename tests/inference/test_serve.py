"""envtag serve: the same records as envtag tag, limits, keys and clear errors."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from envtag.cli import app as cli
from envtag.serve import Limits, create_app
from envtag.tagger import Tagger

TEXTS = ["加强大气污染防治，推进挥发性有机物治理。", "编辑：王明", "依法查处违法排污企业。"]


@pytest.fixture(scope="module")
def client(onnx_model):
    return TestClient(create_app(Tagger.from_pretrained(onnx_model), limits=Limits(max_body_bytes=20_000, max_texts=5)))


def test_tag_returns_what_the_cli_writes(client, onnx_model, tmp_path):
    res = client.post("/v1/tag", json={"texts": TEXTS})
    assert res.status_code == 200
    served = res.json()["records"]
    src = tmp_path / "in.txt"
    src.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert CliRunner().invoke(cli, ["tag", str(src), "-o", str(out), "-m", str(onnx_model)]).exit_code == 0
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    keys = ("text", "labels", "scores", "skipped", "evidence")
    assert [{k: r[k] for k in keys} for r in served] == [{k: r[k] for k in keys} for r in written]


def test_records_keep_ids_and_fields(client):
    res = client.post("/v1/tag", json={"records": [{"id": 7, "text": TEXTS[0], "province": "河北"}]})
    rec = res.json()["records"][0]
    assert (rec["id"], rec["meta"]) == ("7", {"province": "河北"})


def test_file_upload_reads_documents(client):
    page = "<html><head><meta charset='utf-8'><title>t</title></head><body><article><h1>专项检查</h1>"
    page += "".join(f"<p>{t}</p>" for t in (TEXTS[0], TEXTS[2])) + "</article></body></html>"
    res = client.post("/v1/tag/file", files={"file": ("news.html", io.BytesIO(page.encode()), "text/html")})
    assert res.status_code == 200, res.text
    assert [r["text"] for r in res.json()["records"]] == ["专项检查", TEXTS[0], TEXTS[2]]
    assert res.json()["records"][0]["source"] == "news.html"  # the client's name, never a server path


@pytest.mark.parametrize(
    ("payload", "status", "message"),
    [
        ({"texts": ["x"] * 6}, 413, "the limit is 5"),
        ({"texts": ["x"], "records": [{"text": "y"}]}, 422, "exactly one of"),
        ({"records": [{"body": "y"}]}, 422, 'no string "text"'),
        ({"texts": [1, 2]}, 422, "invalid request"),
    ],
)
def test_bad_requests_get_a_clear_json_error(client, payload, status, message):
    res = client.post("/v1/tag", json=payload)
    assert res.status_code == status
    assert message in res.json()["error"]


def test_oversized_and_malformed_bodies(client):
    res = client.post("/v1/tag", content=b"{" + b" " * 30_000 + b"}", headers={"content-type": "application/json"})
    assert res.status_code == 413
    res = client.post("/v1/tag", content=b"{not json", headers={"content-type": "application/json"})
    assert res.status_code == 422 and "invalid request" in res.json()["error"]


def test_api_key_is_required_on_every_api_route(onnx_model):
    keyed = TestClient(create_app(Tagger.from_pretrained(onnx_model), api_key="s3cret"))
    assert keyed.get("/health").status_code == 200
    assert keyed.get("/v1/model").status_code == 401
    assert keyed.post("/v1/tag", json={"texts": ["x"]}).status_code == 401
    ok = keyed.get("/v1/model", headers={"X-API-Key": "s3cret"})
    assert ok.status_code == 200 and ok.json()["labels"][0] == "air"


def test_page_and_docs(client):
    page = client.get("/")
    assert page.status_code == 200 and "drop files here" in page.text and "http" not in page.text.split("<script>")[0]
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["paths"].keys() >= {"/v1/tag", "/v1/tag/file", "/v1/model", "/health"}


def test_seed_articles_get_the_records_envtag_tag_writes(client, onnx_model, tmp_path, SHARED):  # noqa: N803
    from envtag.readers import iter_paragraphs

    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    texts = [p.text for path in seeds for p in iter_paragraphs(path)]
    served = []
    for i in range(0, len(texts), 5):
        res = client.post("/v1/tag", json={"texts": texts[i : i + 5]})
        assert res.status_code == 200
        served.extend(res.json()["records"])
    out = tmp_path / "seeds.jsonl"
    assert CliRunner().invoke(cli, ["tag", *map(str, seeds), "-o", str(out), "-m", str(onnx_model)]).exit_code == 0
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    keys = ("text", "labels", "scores", "skipped", "evidence")
    assert len(served) == len(written) == 58
    assert [{k: r[k] for k in keys} for r in served] == [{k: r[k] for k in keys} for r in written]
    assert client.get("/health").json() == {"status": "ok"}  # still serving after every request above


def test_a_streamed_body_without_length_is_capped_too(client):
    def chunks():
        yield b'{"texts": ["'
        for _ in range(40):
            yield b"x" * 1000
        yield b'"]}'

    res = client.post("/v1/tag", content=chunks(), headers={"content-type": "application/json"})
    assert res.status_code == 413 and "over 20000 bytes" in res.json()["error"]

"""``envtag serve``: a small HTTP service that loads the model once.

Routes: ``POST /v1/tag`` (``{"texts": [...]}`` or ``{"records": [{"id",
"text", ...}]}``) and ``POST /v1/tag/file`` (an uploaded document, any format
``envtag tag`` reads) return the records ``envtag tag`` writes; ``GET
/health``; ``GET /v1/model``; a page at ``/`` to paste text or drop files;
OpenAPI docs at ``/docs``. Safe by default: the CLI binds 127.0.0.1, bodies and
batches are capped (413 with a JSON error), malformed requests get 400/422
with a message, no client ever names a server path, and with an API key every
``/v1`` route checks it. Concurrent requests are micro-batched: paragraphs
that arrive within a few milliseconds are tagged in one model call, off the
event loop, so throughput under load stays near the CLI's (and, scoring being
batch-invariant, every record is what the CLI would write).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route
# signatures at run time, and their types are imported inside create_app.
import asyncio
import hmac
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .output import record
from .readers import Paragraph
from .tagger import Tagger
from .titles import as_title

MICRO_BATCH_WAIT_S = 0.005


RECORDS_HELP = "Records with a text field and optionally their document's title; other fields kept as meta."


@dataclass
class Limits:
    max_body_bytes: int = 5 * 1024 * 1024
    max_texts: int = 2000


class MicroBatcher:
    """Collects paragraphs from concurrent requests and tags them together."""

    def __init__(self, tagger: Tagger, max_batch: int = 512) -> None:
        self.tagger, self.max_batch = tagger, max_batch
        self.queue: asyncio.Queue | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def tag(self, texts: list[str], evidence: bool = True, titles: list[str | None] | None = None) -> list:
        """Predictions for ``texts`` (each read after its document title in ``titles``, if given)."""
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # first request, or a new event loop (tests, reloads)
            self.loop, self.queue = loop, asyncio.Queue()
            self.worker = loop.create_task(self._loop(self.queue))
        future = loop.create_future()
        await self.queue.put((texts, evidence, future, titles or [None] * len(texts)))
        return await future

    async def _loop(self, queue: asyncio.Queue) -> None:
        while True:
            jobs = [await queue.get()]
            await asyncio.sleep(MICRO_BATCH_WAIT_S)
            while not queue.empty() and sum(len(j[0]) for j in jobs) < self.max_batch:
                jobs.append(queue.get_nowait())
            for evidence in (True, False):
                group = [j for j in jobs if j[1] is evidence]
                if group:
                    await self._run(group, evidence)

    async def _run(self, group: list, evidence: bool) -> None:
        texts = [t for texts, _, _, _ in group for t in texts]
        titles = [t for _, _, _, titles in group for t in titles]
        try:
            preds = await asyncio.to_thread(self.tagger.predict, texts, evidence=evidence, titles=titles)
        except Exception as exc:  # noqa: BLE001 - handed to every waiting request
            for _, _, future, _ in group:
                future.set_exception(exc)
            return
        start = 0
        for texts_, _, future, _ in group:
            future.set_result(preds[start : start + len(texts_)])
            start += len(texts_)


def create_app(tagger: Tagger, api_key: str | None = None, limits: Limits | None = None):
    """The FastAPI application around one loaded tagger."""
    from fastapi import Depends, FastAPI, File, HTTPException, Request, UploadFile
    from fastapi.responses import HTMLResponse
    from pydantic import BaseModel, Field

    limits = limits or Limits()
    batcher = MicroBatcher(tagger)
    app = FastAPI(title="envtag", description="Tag paragraphs of Chinese environmental-policy texts.")

    class TagRequest(BaseModel):
        texts: list[str] | None = Field(None, description="Paragraphs to tag.")
        records: list[dict] | None = Field(None, description=RECORDS_HELP)
        evidence: bool = True

    def check_key(request: Request) -> None:
        if api_key is None:
            return
        given = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), api_key.encode()):
            raise HTTPException(401, "missing or wrong API key (send it as X-API-Key)")

    _add_guards(app, limits)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/v1/model", dependencies=[Depends(check_key)])
    async def model_info() -> dict:
        s = tagger.settings
        versions = {"cleaning": s.cleaning_version, "taxonomy": s.taxonomy_version}
        return {
            "labels": tagger.labels,
            "thresholds": tagger.thresholds,
            "versions": versions,
            "max_length": s.max_length,
            "title_tokens": s.title_tokens,
        }

    @app.post("/v1/tag", dependencies=[Depends(check_key)])
    async def tag(body: TagRequest) -> dict:
        paragraphs = _paragraphs(body.texts, body.records, limits)
        preds = await batcher.tag([p.text for p in paragraphs], body.evidence, [p.title for p in paragraphs])
        return {"records": [record(p, pred) for p, pred in zip(paragraphs, preds, strict=True)]}

    @app.post("/v1/tag/file", dependencies=[Depends(check_key)])
    async def tag_file(file: UploadFile = File(...), evidence: bool = True) -> dict:  # noqa: B008 - FastAPI idiom
        paragraphs = await asyncio.to_thread(_read_upload, file, limits)
        preds = await batcher.tag([p.text for p in paragraphs], evidence, [p.title for p in paragraphs])
        return {"records": [record(p, pred) for p, pred in zip(paragraphs, preds, strict=True)]}

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        from .serve_page import render_page

        return render_page(tagger.labels, api_key is not None)

    return app


class BodyLimit:
    """ASGI middleware: a body over ``limit`` bytes gets 413 with a JSON error,
    whether announced by Content-Length or streamed in chunks."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        size = dict(scope.get("headers") or []).get(b"content-length", b"")
        if size.isdigit() and int(size) > self.limit:
            return await self._reject(send)
        messages, received = [], 0  # read the body up to the limit, then hand it on
        while True:
            message = await receive()
            messages.append(message)
            received += len(message.get("body", b""))
            if received > self.limit:
                return await self._reject(send)
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send) -> None:
        body = json.dumps({"error": f"request body over {self.limit} bytes"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _add_guards(app, limits: Limits) -> None:
    """Body-size cap (413) and JSON error bodies for bad requests (400/422)."""
    from fastapi import HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    app.add_middleware(BodyLimit, limit=limits.max_body_bytes)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return JSONResponse({"error": f"invalid request: {where or 'body'}: {first.get('msg', 'malformed')}"}, 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)


def _paragraphs(texts, records, limits: Limits) -> list[Paragraph]:
    from fastapi import HTTPException

    if (texts is None) == (records is None):
        raise HTTPException(422, 'send exactly one of "texts" (a list of strings) or "records" (objects with "text")')
    items = texts if texts is not None else records
    if len(items) > limits.max_texts:
        raise HTTPException(413, f"{len(items)} paragraphs in one request; the limit is {limits.max_texts}")
    if texts is not None:
        return [Paragraph("<request>", i, t) for i, t in enumerate(texts)]
    out = []
    for i, rec in enumerate(records):
        if not isinstance(rec.get("text"), str):
            raise HTTPException(422, f'records[{i}] has no string "text" field')
        meta = {k: v for k, v in rec.items() if k not in ("text", "id")}
        ident = rec.get("id")
        title = as_title(rec.get("title"))
        ident = None if ident is None else str(ident)
        out.append(Paragraph("<request>", i, rec["text"], ident, meta=meta, title=title))
    return out


def _read_upload(file, limits: Limits) -> list[Paragraph]:
    """Paragraphs of an uploaded document, read through a private temporary
    file that keeps only the upload's suffix (never a client-chosen path)."""
    from fastapi import HTTPException

    from .errors import InputError
    from .readers import iter_paragraphs

    suffix = Path(file.filename or "upload.txt").suffix.lower()[:10] or ".txt"
    data = file.file.read(limits.max_body_bytes + 1)
    if len(data) > limits.max_body_bytes:
        raise HTTPException(413, f"file over {limits.max_body_bytes} bytes")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            paragraphs = list(iter_paragraphs(path))
        except InputError as exc:
            raise HTTPException(400, str(exc).replace(str(path), file.filename or "upload")) from None
    name = file.filename or "upload"
    out = [Paragraph(name, p.index, p.text, p.id, p.page, p.meta, p.title) for p in paragraphs]
    if len(out) > limits.max_texts:
        raise HTTPException(413, f"{len(out)} paragraphs in one file; the limit is {limits.max_texts}")
    return out

"""Reading input files into paragraphs.

Inputs are streamed line by line, never read whole:

* ``.txt``, ``.md`` and any other text file: each non-empty line is one
  paragraph; blank lines only separate paragraphs;
* ``.jsonl`` / ``.json``: one JSON object per line with a text field (and an
  optional id); a ``.json`` file holding one JSON array of such objects is
  also accepted and parsed incrementally;
* ``.csv`` / ``.tsv``: a header row naming a text column (and optionally an
  id column).

Encodings are detected by :mod:`envtag.decoding`, rich documents (web pages,
Word, PDF) read by :mod:`envtag.documents`, plain text cut into paragraphs by
:mod:`envtag.paragraphs`, and command-line specs expanded by :mod:`envtag.inputs`.

A bad record (a malformed JSON line, a line that is not an object or lacks the
text field, a CSV row without the text column) raises :class:`InputError` by
default; with ``on_error="yield"`` it is yielded as a :class:`BadRecord` and
reading goes on with the next record. A bad record takes the index it would
have had, so fixing it later does not renumber the records after it. Errors
that leave nothing to resynchronise on (a missing CSV column in the header, a
syntax error inside a ``.json`` array) always raise.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from .boilerplate import skip_reason
from .decoding import detect_encoding, open_text, text_stream
from .documents import DOCUMENT_SUFFIXES, read_document, unsupported_message
from .errors import InputError
from .inputs import INPUT_SUFFIXES, expand_inputs
from .paragraphs import text_paragraphs
from .titles import as_title

__all__ = [
    "INPUT_SUFFIXES",
    "BadRecord",
    "InputError",
    "Paragraph",
    "detect_encoding",
    "expand_inputs",
    "iter_inputs",
    "iter_paragraphs",
    "iter_stdin_paragraphs",
]

TEXT_SUFFIXES = (".txt", ".md")
JSON_SUFFIXES = (".jsonl", ".json")
TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t"}
STDIN_SOURCE = "<stdin>"
# A JSON array element larger than this is reported rather than buffered on.
_MAX_JSON_ELEMENT_CHARS = 64 * 1024 * 1024


@dataclass
class Paragraph:
    source: str
    index: int
    text: str
    id: str | None = None
    page: int | None = None  # 1-based page of a PDF paragraph
    # The input record's other fields (province, date, 标题 …), carried to the output.
    meta: dict = field(default_factory=dict)
    # The title of the paragraph's document (see :func:`with_titles`); models
    # trained with title context read it, others ignore it.
    title: str | None = None


@dataclass
class BadRecord:
    """A record that could not be read (yielded instead of raising with
    ``on_error="yield"``); ``str()`` gives ``"{source}:{line}: {reason}"``."""

    source: str
    index: int
    line: int
    reason: str
    param: str | None = None  # the reader parameter that would fix it (text_field)

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


class _BadRecord(Exception):
    """Internal: one record is bad; the message is the reason, ``param`` the parameter that fixes it."""

    def __init__(self, reason: str, param: str | None = None) -> None:
        super().__init__(reason)
        self.param = param


# --- titles --------------------------------------------------------------------

TITLE_FIELD = "title"


def with_titles(
    items: Iterable[Paragraph | BadRecord], records: bool, title_field: str = TITLE_FIELD
) -> Iterator[Paragraph | BadRecord]:
    """Each paragraph with its document's title.

    A text file, web page, Word or PDF document is one document whose first
    content paragraph is its title (a saved page's breadcrumbs or a byline
    above it are passed over, :func:`envtag.boilerplate.skip_reason`); a JSON
    or CSV record names its own title in ``title_field`` (no such field or an
    empty one: no title). Set here, at reading, the title travels with its
    paragraph through chunks, worker processes and ``--resume``, so a
    paragraph's record never depends on how the input was split."""
    first: str | None = None
    for item in items:
        if isinstance(item, Paragraph):
            if records:
                item.title = as_title(item.meta.get(title_field))
            else:
                if first is None and skip_reason(item.text) is None:
                    first = item.text
                item.title = first
        yield item


# --- formats -------------------------------------------------------------------


def _iter_lines(stream: Iterable[str], source: str, mode: str = "auto") -> Iterator[Paragraph]:
    for index, text in enumerate(text_paragraphs(stream, mode)):
        yield Paragraph(source, index, text)


def _no_lone_surrogates(text: str) -> str:
    """JSON escapes can encode lone surrogates, which no UTF-8 output accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _record(obj: object, source: str, index: int, text_field: str, id_field: str) -> Paragraph:
    if not isinstance(obj, dict):
        raise _BadRecord(f"expected a JSON object, got {type(obj).__name__}")
    if text_field not in obj:
        shown = ", ".join(repr(k) for k in list(obj)[:20])
        raise _BadRecord(f"missing field {text_field!r} (fields: {shown}; choose the text field)", "text_field")
    text = obj[text_field]
    if not isinstance(text, str):
        raise _BadRecord(f"field {text_field!r} is {type(text).__name__}, not a string")
    ident = obj.get(id_field)
    meta = {k: v for k, v in obj.items() if k not in (text_field, id_field)}
    return Paragraph(
        source,
        index,
        _no_lone_surrogates(text),
        None if ident is None else _no_lone_surrogates(str(ident)),
        meta=meta,
    )


def _bad(on_error: str, source: str, index: int, line: int, reason: str, param: str | None = None) -> BadRecord:
    if on_error == "raise":
        raise InputError(f"{source}:{line}: {reason}", param)
    return BadRecord(source, index, line, reason, param)


def _iter_json_lines(
    stream: TextIO, source: str, text_field: str, id_field: str, on_error: str = "raise"
) -> Iterator[Paragraph | BadRecord]:
    index = 0
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        if index == 0 and line.lstrip().startswith("["):
            yield from _iter_json_array(stream, line, lineno, source, text_field, id_field, on_error)
            return
        param = None
        try:
            par = _record(json.loads(line), source, index, text_field, id_field)
        except json.JSONDecodeError as e:
            reason = f"malformed JSON: {e.msg} (column {e.colno})"
        except (ValueError, RecursionError) as e:  # huge integers, deep nesting
            reason = f"malformed JSON: {str(e).splitlines()[0][:100]}"
        except _BadRecord as e:
            reason, param = str(e), e.param
        else:
            yield par
            index += 1
            continue
        yield _bad(on_error, source, index, lineno, reason, param)
        index += 1


def _iter_json_array(
    stream: TextIO, first: str, lineno: int, source: str, text_field: str, id_field: str, on_error: str = "raise"
) -> Iterator[Paragraph | BadRecord]:
    """Elements of one top-level JSON array, decoded as they complete.

    ``buf[pos:]`` is the text not yet consumed and ``line`` the line number at
    ``pos``; consumed text is dropped only when more input is read, so long
    one-line arrays are not copied once per element.
    """
    decoder = json.JSONDecoder()
    buf = first[first.index("[") + 1 :]
    pos = 0
    line = lineno
    index = 0
    eof = False

    def advance(to: int) -> None:
        nonlocal pos, line
        line += buf.count("\n", pos, to)
        pos = to

    def where(at: int) -> str:
        return f"{source}:{line + buf.count(chr(10), pos, at)}"

    while True:
        skip = pos
        while skip < len(buf) and (buf[skip].isspace() or (buf[skip] == "," and index > 0)):
            skip += 1
        advance(skip)
        if pos < len(buf) and buf[pos] == "]":
            if buf[pos + 1 :].strip() or any(rest.strip() for rest in stream):
                raise InputError(f"{where(pos)}: malformed JSON: extra data after the array")
            return
        if pos < len(buf):
            try:
                obj, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as e:
                if e.pos < len(buf.rstrip()) or eof:  # not merely cut at the end of what was read
                    raise InputError(f"{where(e.pos)}: malformed JSON: {e.msg}") from None
            except (ValueError, RecursionError) as e:
                raise InputError(f"{where(pos)}: malformed JSON: {str(e).splitlines()[0][:100]}") from None
            else:
                try:
                    yield _record(obj, source, index, text_field, id_field)
                except _BadRecord as e:
                    yield _bad(on_error, source, index, line, str(e), e.param)
                index += 1
                advance(end)
                continue
        elif eof:
            raise InputError(f"{source}:{line}: malformed JSON: unterminated array")
        buf = buf[pos:]
        pos = 0
        if len(buf) > _MAX_JSON_ELEMENT_CHARS:
            raise InputError(f"{source}:{line}: JSON array element too large")
        more = stream.readline()
        if more:
            buf += more
        else:
            eof = True


def _iter_table(
    stream: TextIO, source: str, delimiter: str, text_field: str, id_field: str, on_error: str = "raise"
) -> Iterator[Paragraph | BadRecord]:
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise InputError(f"{source}:{reader.line_num}: malformed {delimiter!r}-separated header: {e}") from None
    if header is None:
        return
    columns = [h.strip().lstrip("\ufeff") for h in header]
    if text_field not in columns:
        shown = ", ".join(repr(c) for c in columns[:20])
        raise InputError(
            f"{source}:{reader.line_num}: missing column {text_field!r} (columns: {shown}; choose the text column)",
            "text_field",
        )
    text_at = columns.index(text_field)
    id_at = columns.index(id_field) if id_field in columns else None
    index = 0
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield _bad(on_error, source, index, reader.line_num, f"malformed {delimiter!r}-separated row: {e}")
            index += 1
            if reader.line_num == before:  # the reader cannot move on
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= text_at:
            reason = f"row has {len(row)} fields, missing column {text_field!r}"
            yield _bad(on_error, source, index, reader.line_num, reason, "text_field")
        else:
            ident = row[id_at] if id_at is not None and id_at < len(row) else None
            meta = {c: v for k, (c, v) in enumerate(zip(columns, row, strict=False)) if k not in (text_at, id_at)}
            yield Paragraph(source, index, row[text_at], ident if ident else None, meta=meta)
        index += 1


def _raise_csv_field_limit() -> None:
    limit = sys.maxsize
    while True:  # the C long behind the limit is 32-bit on some platforms
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:
            limit //= 2


def iter_paragraphs(
    path: Path,
    text_field: str = "text",
    id_field: str = "id",
    on_error: str = "raise",
    paragraphs: str = "auto",
    title_field: str = TITLE_FIELD,
) -> Iterator[Paragraph | BadRecord]:
    """Paragraphs of one input file, streamed, each with its document's title
    (:func:`with_titles`: a record's ``title_field``, else the file's first content paragraph).

    Raises :class:`InputError` (message ``"{path}:{lineno}: reason"``) for a
    malformed JSON line, a line that is not an object, a missing text field or
    column, and (``"{path}: binary file, skipped"``) for binary data. With
    ``on_error="yield"`` a bad record is yielded as a :class:`BadRecord` and
    reading goes on; file-level errors still raise.
    """
    if on_error not in ("raise", "yield"):
        raise ValueError(f"on_error must be 'raise' or 'yield', not {on_error!r}")
    path = Path(path)
    records = path.suffix.lower() in (*TABLE_DELIMITERS, *JSON_SUFFIXES)
    return with_titles(_file_paragraphs(path, text_field, id_field, on_error, paragraphs), records, title_field)


def _file_paragraphs(
    path: Path, text_field: str, id_field: str, on_error: str, paragraphs: str
) -> Iterator[Paragraph | BadRecord]:
    source = str(path)
    suffix = path.suffix.lower()
    refusal = unsupported_message(path)
    if refusal:
        raise InputError(refusal)
    if suffix in DOCUMENT_SUFFIXES:
        for index, (text, page) in enumerate(read_document(path)):
            yield Paragraph(source, index, text, page=page)
    elif suffix in TABLE_DELIMITERS:
        _raise_csv_field_limit()
        with open_text(path, newline="") as stream:
            yield from _iter_table(stream, source, TABLE_DELIMITERS[suffix], text_field, id_field, on_error)
    elif suffix in JSON_SUFFIXES:
        with open_text(path) as stream:
            yield from _iter_json_lines(stream, source, text_field, id_field, on_error)
    else:
        with open_text(path) as stream:
            yield from _iter_lines(stream, source, paragraphs)


STDIN_FORMATS = ("auto", "txt", "jsonl", "csv", "tsv")


def iter_stdin_paragraphs(
    stream: TextIO | BinaryIO | None = None,
    paragraphs: str = "auto",
    fmt: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    on_error: str = "raise",
    title_field: str = TITLE_FIELD,
) -> Iterator[Paragraph | BadRecord]:
    """Standard input, with source ``"<stdin>"``: plain text, JSONL or CSV/TSV
    (``fmt``; ``auto`` reads JSONL when the first non-blank character is ``{``,
    else text), with titles as :func:`with_titles` gives them. Binary streams
    (or text streams with a binary ``buffer``, like :data:`sys.stdin`) get
    the same encoding detection as files."""
    if fmt not in STDIN_FORMATS:
        raise InputError(f"unknown stdin format {fmt!r} (use {', '.join(STDIN_FORMATS)})")
    stream = sys.stdin if stream is None else stream
    raw = getattr(stream, "buffer", None)
    if raw is None and isinstance(stream, (io.RawIOBase, io.BufferedIOBase)):
        raw = stream
    if raw is None:  # a text stream such as io.StringIO
        yield from _stdin_records(stream, paragraphs, fmt, text_field, id_field, on_error, title_field)  # type: ignore[arg-type]
        return
    # the caller's stream stays open
    with text_stream(
        raw, STDIN_SOURCE, close_raw=False, eager=True, newline="" if fmt in ("csv", "tsv") else None
    ) as text:
        yield from _stdin_records(text, paragraphs, fmt, text_field, id_field, on_error, title_field)


def _stdin_records(text: TextIO, paragraphs, fmt, text_field, id_field, on_error, title_field):
    if fmt == "auto":
        first = ""
        while not first.strip():
            first = text.readline()
            if not first:
                return
        fmt = "jsonl" if first.lstrip().startswith("{") else "txt"
        text = itertools.chain([first], text)  # type: ignore[assignment]
    if fmt == "jsonl":
        items = _iter_json_lines(text, STDIN_SOURCE, text_field, id_field, on_error)  # type: ignore[arg-type]
    elif fmt in ("csv", "tsv"):
        items = _iter_table(text, STDIN_SOURCE, "," if fmt == "csv" else "\t", text_field, id_field, on_error)
    else:
        items = _iter_lines(text, STDIN_SOURCE, paragraphs)
    yield from with_titles(items, records=fmt != "txt", title_field=title_field)


def iter_inputs(
    inputs: Iterable[Path | str], text_field: str = "text", id_field: str = "id", stdin: TextIO | None = None
) -> Iterator[Paragraph]:
    """Paragraphs of every input of :func:`expand_inputs`, in order."""
    for item in inputs:
        if item == "-":
            yield from iter_stdin_paragraphs(stdin)
        else:
            yield from iter_paragraphs(Path(item), text_field=text_field, id_field=id_field)

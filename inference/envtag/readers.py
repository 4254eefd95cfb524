"""Reading input files into paragraphs.

Inputs are streamed line by line, never read whole:

* ``.txt``, ``.md`` and any other text file: each non-empty line is one
  paragraph; blank lines only separate paragraphs;
* ``.jsonl`` / ``.json``: one JSON object per line with a text field (and an
  optional id); a ``.json`` file holding one JSON array of such objects is
  also accepted and parsed incrementally;
* ``.csv`` / ``.tsv``: a header row naming a text column (and optionally an
  id column).

The encoding is detected on the first 64 KB (byte-order marks, strict UTF-8,
then charset-normalizer restricted to GB18030 and Big5) and the rest of the
file is decoded incrementally with that codec. Binary data (NUL bytes that are
not UTF-16) and bytes that decode to garbage in every candidate codec are
refused with an :class:`InputError`.

A bad record (a malformed JSON line, a line that is not an object or lacks the
text field, a CSV row without the text column) raises :class:`InputError` by
default; with ``on_error="yield"`` it is yielded as a :class:`BadRecord` and
reading goes on with the next record. A bad record takes the index it would
have had, so fixing it later does not renumber the records after it. Errors
that leave nothing to resynchronise on (a missing CSV column in the header, a
syntax error inside a ``.json`` array) always raise.
"""

from __future__ import annotations

import codecs
import csv
import glob
import io
import itertools
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from .documents import DOCUMENT_SUFFIXES, read_document, unsupported_message
from .errors import InputError
from .paragraphs import text_paragraphs

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
INPUT_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES + tuple(TABLE_DELIMITERS) + DOCUMENT_SUFFIXES
SNIFF_BYTES = 64 * 1024
STDIN_SOURCE = "<stdin>"
_GLOB_MAGIC = re.compile(r"[*?[]")
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


@dataclass
class BadRecord:
    """A record that could not be read (yielded instead of raising with
    ``on_error="yield"``); ``str()`` gives ``"{source}:{line}: {reason}"``."""

    source: str
    index: int
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


class _BadRecord(Exception):
    """Internal: one record is bad; the message is the reason."""


# --- encodings ---------------------------------------------------------------

_CODEC_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "hz": "gb18030",
    "gb18030": "gb18030",
    "big5": "cp950",
    "cp950": "cp950",
    "big5hkscs": "big5hkscs",
    "utf_8": "utf-8",
    "utf-8": "utf-8",
    "ascii": "utf-8",
}


def _looks_like_text(text: str) -> bool:
    """Mostly ASCII, CJK and CJK/full-width punctuation, few control characters."""
    if not text:
        return False
    common = sum(
        1
        for ch in text
        if ch in "\n\r\t"
        or " " <= ch <= "~"
        or "\u3000" <= ch <= "\u303f"
        or "\u3400" <= ch <= "\u9fff"
        or "\uff00" <= ch <= "\uffef"
        or "\u2000" <= ch <= "\u206f"
    )
    return common >= 0.9 * len(text)


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when all NULs sit on one byte parity and the
    decoded sample reads as (Chinese) text; ``None`` (binary) otherwise."""
    sample = head[: 4096 - 4096 % 2]
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    for codec, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if other == 0 and nuls > 0:
            try:
                text = sample.decode(codec)
            except UnicodeDecodeError:
                continue
            if _looks_like_text(text):
                return codec
    return None


def _garbled(text: str) -> bool:
    """More than 5% replacement characters, private-use characters or C0
    controls (other than whitespace): what random bytes decode to."""
    if not text:
        return False
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or (ch < " " and ch not in "\t\n\r\f\v") or ch == "\x7f"
    )
    return bad > 0.05 * len(text)


def detect_encoding(head: bytes, complete: bool = False) -> str | None:
    """The codec of a file from its first bytes, or ``None`` for binary data
    (or bytes that decode to garbage in every candidate codec).

    ``complete`` says ``head`` is the whole file (so a multi-byte character
    cut at its end is an error rather than an artefact of sampling).
    """
    codec = _detect_codec(head, complete)
    if codec in ("utf-8", "gb18030", "cp950", "big5hkscs") and _garbled(
        head[: 16 * 1024].decode(codec, errors="replace")
    ):
        return None
    return codec


def _detect_codec(head: bytes, complete: bool) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        return _utf16_without_bom(head)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # A cut multi-byte character at the end of the sample would confuse the
    # detector: cut the sample after its last line break instead (0x0A never
    # occurs inside a GB18030 or Big5 character).
    sample = head
    if not complete and b"\n" in head:
        sample = head[: head.rindex(b"\n") + 1]
    # UTF-8 with a few stray bad bytes: many valid multi-byte characters per
    # invalid one (GB18030 or Big5 text read as UTF-8 gives almost none).
    decoded = sample.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    good = sum(1 for ch in decoded if ch > "\x7f") - bad
    if good >= 50 * bad:
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["gb18030", "big5"]).best()
    if best is not None:
        return _CODEC_ALIASES.get(best.encoding.lower(), best.encoding)
    for codec in ("gb18030", "cp950"):
        try:
            sample.decode(codec)
            return codec
        except UnicodeDecodeError:
            continue
    return "gb18030"  # undecodable bytes become U+FFFD, which cleaning removes


class _Prefixed(io.RawIOBase):
    """A raw stream that replays already-read bytes before the rest of a file,
    so detection works on pipes that cannot seek."""

    def __init__(self, head: bytes, rest: BinaryIO, close_rest: bool = True) -> None:
        self._head = head
        self._rest = rest
        self._close_rest = close_rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed and self._close_rest:
            self._rest.close()
        super().close()


def _text_stream(
    raw: BinaryIO, name: str, newline: str | None = None, close_raw: bool = True, eager: bool = False
) -> TextIO:
    """Decode a binary stream incrementally with its detected codec.

    With ``eager``, detection uses whatever the first read returns instead
    of waiting for 64 KB (for pipes that deliver lines slowly)."""
    read1 = getattr(raw, "read1", None)
    head = read1(SNIFF_BYTES) if eager and read1 is not None else raw.read(SNIFF_BYTES)
    codec = detect_encoding(head, complete=not eager and len(head) < SNIFF_BYTES)
    if codec is None:
        if close_raw:
            raw.close()
        if b"\x00" in head:
            raise InputError(f"{name}: binary file, skipped")
        raise InputError(f"{name}: not decodable as UTF-8, UTF-16, GB18030 or Big5 text, skipped")
    buffered = io.BufferedReader(_Prefixed(head, raw, close_rest=close_raw))
    return io.TextIOWrapper(buffered, encoding=codec, errors="replace", newline=newline)


def _open_text(path: Path, newline: str | None = None) -> TextIO:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the wrapper
    except FileNotFoundError:
        raise InputError(f"no such file or directory: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from None
    return _text_stream(raw, str(path), newline=newline)


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
        raise _BadRecord(f"missing field {text_field!r} (fields: {shown}; choose one with --text-field)")
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


def _bad(on_error: str, source: str, index: int, line: int, reason: str) -> BadRecord:
    if on_error == "raise":
        raise InputError(f"{source}:{line}: {reason}")
    return BadRecord(source, index, line, reason)


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
        try:
            par = _record(json.loads(line), source, index, text_field, id_field)
        except json.JSONDecodeError as e:
            reason = f"malformed JSON: {e.msg} (column {e.colno})"
        except (ValueError, RecursionError) as e:  # huge integers, deep nesting
            reason = f"malformed JSON: {str(e).splitlines()[0][:100]}"
        except _BadRecord as e:
            reason = str(e)
        else:
            yield par
            index += 1
            continue
        yield _bad(on_error, source, index, lineno, reason)
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
                    yield _bad(on_error, source, index, line, str(e))
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
            f"{source}:{reader.line_num}: missing column {text_field!r} (columns: {shown}; "
            "choose one with --text-field)"
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
            yield _bad(on_error, source, index, reader.line_num, reason)
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
    path: Path, text_field: str = "text", id_field: str = "id", on_error: str = "raise", paragraphs: str = "auto"
) -> Iterator[Paragraph | BadRecord]:
    """Paragraphs of one input file, streamed.

    Raises :class:`InputError` (message ``"{path}:{lineno}: reason"``) for a
    malformed JSON line, a line that is not an object, a missing text field or
    column, and (``"{path}: binary file, skipped"``) for binary data. With
    ``on_error="yield"`` a bad record is yielded as a :class:`BadRecord` and
    reading goes on; file-level errors still raise.
    """
    if on_error not in ("raise", "yield"):
        raise ValueError(f"on_error must be 'raise' or 'yield', not {on_error!r}")
    path = Path(path)
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
        with _open_text(path, newline="") as stream:
            yield from _iter_table(stream, source, TABLE_DELIMITERS[suffix], text_field, id_field, on_error)
    elif suffix in JSON_SUFFIXES:
        with _open_text(path) as stream:
            yield from _iter_json_lines(stream, source, text_field, id_field, on_error)
    else:
        with _open_text(path) as stream:
            yield from _iter_lines(stream, source, paragraphs)


STDIN_FORMATS = ("auto", "txt", "jsonl", "csv", "tsv")


def iter_stdin_paragraphs(
    stream: TextIO | BinaryIO | None = None,
    paragraphs: str = "auto",
    fmt: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    on_error: str = "raise",
) -> Iterator[Paragraph | BadRecord]:
    """Standard input, with source ``"<stdin>"``: plain text, JSONL or CSV/TSV
    (``fmt``; ``auto`` reads JSONL when the first non-blank character is ``{``,
    else text). Binary streams (or text streams with a binary ``buffer``, like
    :data:`sys.stdin`) get the same encoding detection as files."""
    if fmt not in STDIN_FORMATS:
        raise InputError(f"unknown stdin format {fmt!r} (use {', '.join(STDIN_FORMATS)})")
    stream = sys.stdin if stream is None else stream
    raw = getattr(stream, "buffer", None)
    if raw is None and isinstance(stream, (io.RawIOBase, io.BufferedIOBase)):
        raw = stream
    if raw is None:  # a text stream such as io.StringIO
        yield from _stdin_records(stream, paragraphs, fmt, text_field, id_field, on_error)  # type: ignore[arg-type]
        return
    # the caller's stream stays open
    with _text_stream(
        raw, STDIN_SOURCE, close_raw=False, eager=True, newline="" if fmt in ("csv", "tsv") else None
    ) as text:
        yield from _stdin_records(text, paragraphs, fmt, text_field, id_field, on_error)


def _stdin_records(text: TextIO, paragraphs, fmt, text_field, id_field, on_error):
    if fmt == "auto":
        first = ""
        while not first.strip():
            first = text.readline()
            if not first:
                return
        fmt = "jsonl" if first.lstrip().startswith("{") else "txt"
        text = itertools.chain([first], text)  # type: ignore[assignment]
    if fmt == "jsonl":
        yield from _iter_json_lines(text, STDIN_SOURCE, text_field, id_field, on_error)  # type: ignore[arg-type]
    elif fmt in ("csv", "tsv"):
        yield from _iter_table(text, STDIN_SOURCE, "," if fmt == "csv" else "\t", text_field, id_field, on_error)
    else:
        yield from _iter_lines(text, STDIN_SOURCE, paragraphs)


def iter_inputs(
    inputs: Iterable[Path | str], text_field: str = "text", id_field: str = "id", stdin: TextIO | None = None
) -> Iterator[Paragraph]:
    """Paragraphs of every input of :func:`expand_inputs`, in order."""
    for item in inputs:
        if item == "-":
            yield from iter_stdin_paragraphs(stdin)
        else:
            yield from iter_paragraphs(Path(item), text_field=text_field, id_field=id_field)


# --- input specs ---------------------------------------------------------------


def _scan_dir(root: Path, left_out: Counter | None = None) -> list[Path]:
    """Input files under ``root``; the suffixes of other files are counted in ``left_out``."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            p = Path(dirpath) / name
            if name.startswith(".") or not p.is_file():
                continue
            if p.suffix.lower() in INPUT_SUFFIXES:
                found.append(p)
            elif left_out is not None:
                left_out[p.suffix.lower() or "(no suffix)"] += 1
    return sorted(found, key=lambda p: p.relative_to(root).parts)


def expand_inputs(specs: list[str], left_out: Counter | None = None) -> list[Path | str]:
    """Resolve command-line input specs into files (and ``"-"`` for stdin).

    A file is taken as given; a directory contributes its ``.txt``, ``.md``,
    ``.jsonl``, ``.json``, ``.csv`` and ``.tsv`` files, recursively, sorted,
    hidden files and folders skipped; a pattern with ``*``, ``?`` or ``[`` is
    globbed (``**`` recursive). Duplicates are dropped, first occurrence wins.
    Raises :class:`InputError` for a path that does not exist, a pattern that
    matches nothing, or a directory without input files. Files of other types
    found in directories are counted by suffix in ``left_out``.
    """
    out: list[Path | str] = []
    seen: set[object] = set()

    def add(item: Path | str) -> None:
        key = item if isinstance(item, str) else item.resolve()
        if key not in seen:
            seen.add(key)
            out.append(item)

    def add_dir(path: Path, spec: str) -> None:
        files = _scan_dir(path, left_out)
        if not files:
            kinds = ", ".join(INPUT_SUFFIXES)
            raise InputError(f"{spec}: directory has no input files ({kinds})")
        for f in files:
            add(f)

    for spec in specs:
        if spec == "-":
            add("-")
            continue
        path = Path(spec).expanduser()
        if path.is_dir():
            add_dir(path, spec)
        elif path.exists():
            add(path)
        elif _GLOB_MAGIC.search(spec):
            matches = [Path(m) for m in sorted(glob.glob(os.path.expanduser(spec), recursive=True))]
            if not matches:
                raise InputError(f"no such file or directory: {spec}")
            files = [m for m in matches if m.is_file()]
            dirs = [m for m in matches if m.is_dir() and _scan_dir(m)]
            if not files and not dirs:
                raise InputError(f"{spec}: pattern matches no input files")
            for match in matches:
                if match in dirs:
                    add_dir(match, str(match))
                elif match in files:
                    add(match)
        else:
            raise InputError(f"no such file or directory: {spec}")
    return out

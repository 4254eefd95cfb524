"""Text encodings of input files: detection on the first bytes, incremental decoding.

The encoding is detected on the first 64 KB (byte-order marks, strict UTF-8,
then charset-normalizer restricted to GB18030 and Big5) and the rest of the
stream is decoded incrementally with that codec. Binary data (NUL bytes that
are not UTF-16) and bytes that decode to garbage in every candidate codec are
refused with an :class:`InputError`.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import BinaryIO, TextIO

from .errors import InputError

SNIFF_BYTES = 64 * 1024


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


def text_stream(
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


def open_text(path: Path, newline: str | None = None) -> TextIO:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the wrapper
    except FileNotFoundError:
        raise InputError(f"no such file or directory: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as e:
        raise InputError(f"{path}: {e.strerror or e}") from None
    return text_stream(raw, str(path), newline=newline)

"""Documents as they come: saved web pages, Word files and PDFs, as paragraphs.

Each reader returns ``(text, page)`` pairs in reading order (``page`` is the
1-based PDF page, else None). Well-kept libraries do the parsing:
trafilatura finds a web page's article (navigation, menus, share bars,
footers and scripts dropped), python-docx reads Word's paragraphs and tables,
pdfplumber reads a PDF's text layer. What is envtag's own is how lines become
paragraphs: a PDF line that does not end a sentence continues on the next
line, and running headers, footers and page numbers are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .errors import InputError

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
DOCUMENT_SUFFIXES = (*HTML_SUFFIXES, ".docx", ".pdf")
# Formats people have that envtag cannot read, and what to do instead.
UNSUPPORTED = {
    ".doc": "save as .docx or .pdf",
    ".wps": "save as .docx or .pdf",
    ".rtf": "save as .docx or .pdf",
    ".odt": "save as .docx or .pdf",
    ".xls": "save as .csv",
    ".xlsx": "save as .csv",
    ".ppt": "save as .pdf",
    ".pptx": "save as .pdf",
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"), "run OCR first"),
    **dict.fromkeys((".zip", ".rar", ".7z", ".gz", ".tar", ".tgz"), "unpack it and pass the folder"),
}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
# Sentence-final (or clause-final) marks that end a paragraph line in PDFs.
_LINE_END = re.compile(r"[。！？!?；;：:…」』”\"）)】]\s*$")
# What a browser's "print to PDF" puts at the page edges: a date-time stamp
# (then the page title) on top, the address and "page/pages" at the bottom.
_PRINT_FURNITURE = re.compile(
    r"^(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?(?:\s|$)"
    r"|(?:https?|file)://\S+(?:\s+\d+\s*/\s*\d+)?\s*$)"
)
_PAGE_NUMBER = re.compile(r"^[\s\-—–·•]*(?:第\s*)?[0-9０-９ivxlcIVXLC]{1,5}\s*(?:页|/\s*\d+)?[\s\-—–·•]*$")


def unsupported_message(path: Path) -> str | None:
    """The one-line refusal for a known format envtag does not read, else None."""
    fix = UNSUPPORTED.get(path.suffix.lower())
    return f"{path}: unsupported format {path.suffix.lower()}; {fix}" if fix else None


def read_document(path: Path) -> list[tuple[str, int | None]]:
    """Paragraphs of a .html/.docx/.pdf file; raises :class:`InputError` when unreadable."""
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        if suffix in HTML_SUFFIXES:
            return html_paragraphs(raw)
        if suffix == ".docx":
            return docx_paragraphs(path)
        return pdf_paragraphs(path)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - every parser has its own error types
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a readable {suffix[1:].upper()} file ({reason[:120]})") from None


def decode_html(raw: bytes) -> str:
    """A page's text in the encoding its ``<meta charset>`` declares (GBK and
    GB2312 read as their superset GB18030), else the detected one."""
    from .decoding import detect_encoding

    match = _META_CHARSET.search(raw[:4096])
    codec = match.group(1).decode("ascii").lower() if match else None
    if codec in ("gbk", "gb2312", "gb_2312-80", "x-gbk"):
        codec = "gb18030"
    try:
        if codec:
            return raw.decode(codec, errors="replace")
    except LookupError:
        pass
    return raw.decode(detect_encoding(raw, complete=True) or "utf-8", errors="replace")


def html_paragraphs(raw: bytes) -> list[tuple[str, int | None]]:
    """The article of a saved web page: its title, then its paragraphs."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        decode_html(raw), with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    if doc is None or not (doc.text or "").strip():
        return []
    lines = [line.strip() for line in doc.text.split("\n") if line.strip()]
    title = (doc.title or "").strip()
    if title and (not lines or lines[0] != title):
        lines.insert(0, title)
    return [(line, None) for line in lines]


def docx_paragraphs(path: Path) -> list[tuple[str, int | None]]:
    """Body paragraphs (headings included) in order, then every table cell."""
    import docx

    document = docx.Document(str(path))
    out = [(p.text.strip(), None) for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        seen = set()
        for row in table.rows:
            for cell in row.cells:
                text = cell.text.strip()
                if text and id(cell._tc) not in seen:  # merged cells repeat the same element
                    seen.add(id(cell._tc))
                    out.append((text, None))
    return out


def pdf_paragraphs(path: Path) -> list[tuple[str, int | None]]:
    """Paragraphs of a PDF's text layer, lines joined, running headers/footers dropped."""
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings of ordinary PDFs
    with pdfplumber.open(str(path)) as pdf:
        pages = [(page.extract_text() or "").splitlines() for page in pdf.pages]
    if not any(line.strip() for lines in pages for line in lines):
        raise InputError("no text layer (scanned?); run OCR first")
    running = _running_lines(pages)
    lines = []
    for number, page_lines in enumerate(pages, 1):
        page_lines = [line.strip() for line in page_lines if line.strip()]
        for k, line in enumerate(page_lines):
            at_edge = k < 2 or k >= len(page_lines) - 2
            outermost = k == 0 or k == len(page_lines) - 1
            if _PAGE_NUMBER.match(line) or (at_edge and _shape(line) in running):
                continue
            if outermost and _PRINT_FURNITURE.match(line):
                continue
            lines.append((line, number))
    return join_lines(lines)


def _shape(line: str) -> str:
    """A line with its digits blanked: a running header reads the same on every page."""
    return re.sub(r"\d+", "#", line.strip())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of the first and last two lines that recur on every page of a
    two-page PDF, or on at least half of the pages of a longer one."""
    if len(pages) < 2:
        return set()
    edge: Counter = Counter()
    for lines in pages:
        lines = [x for x in lines if x.strip()]
        edge.update({_shape(x) for x in lines[:2] + lines[-2:]})
    return {shape for shape, n in edge.items() if n >= max(2, len(pages) / 2)}


def join_lines(lines: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    """Hard-wrapped lines as paragraphs: a line continues on the next one unless
    it ends a sentence or is clearly shorter than a full line (a heading or the
    last line of a paragraph)."""
    if not lines:
        return []
    full = sorted(len(text) for text, _ in lines)[int(len(lines) * 0.75)]
    out: list[tuple[str, int | None]] = []
    buffer, page = "", None
    for text, number in lines:
        if not buffer:
            page = number
        buffer = glue(buffer, text)
        if _LINE_END.search(text) or len(text) < 0.7 * full:
            out.append((buffer, page))
            buffer = ""
    if buffer:
        out.append((buffer, page))
    return out


def glue(left: str, right: str) -> str:
    """Join two wrapped lines: no space between Chinese, one between Latin words."""
    if left and left[-1].isascii() and left[-1].isalnum() and right[:1].isascii() and right[:1].isalnum():
        return f"{left} {right}"
    return left + right

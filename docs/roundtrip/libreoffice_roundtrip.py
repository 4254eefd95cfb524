"""The CSV that `envtag tag` writes, opened once in LibreOffice (headless).

    .venv/bin/python docs/roundtrip/libreoffice_roundtrip.py [--workdir DIR]

Builds the acceptance folder of issue 10 — one article as a GBK web page, a
.docx and a text-layer .pdf (printed by Chromium), a legacy .doc, and a .txt
with formula-like lines — tags it to CSV with the shipped model, converts the
CSV with ``soffice --headless --convert-to xlsx`` and reads the workbook back
with openpyxl. Runs the conversion twice: with LibreOffice's default CSV import
options, and naming UTF-8 (``--infilter=CSV:44,34,76,1``). Prints what it
found; exits 1 if neither keeps the Chinese text and every cell a value. Needs ``soffice`` (libreoffice-calc-nogui) and
``chromium``. The result is recorded in docs/libreoffice-roundtrip.md.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ARTICLE = [
    "区生态环境局通报上半年环境执法情况",
    "今年上半年，区生态环境局共出动执法人员八百余人次，检查排污单位三百一十二家，对十九起环境违法行为立案处罚。",
    "针对群众反映集中的餐饮油烟和夜间施工扬尘问题，执法人员开展夜查十二次，责令整改企业二十七家。",
    "下一步，区生态环境局将完善污染源自动监控平台，推进非现场执法，提高监管效能。",
]
FORMULA_LIKE = [
    '=HYPERLINK("http://example.invalid","点击")',
    "+86 热线电话受理大气污染举报",
    "-3 个断面水质下降",
    "@某街道 请核实",
]


def build(folder: Path) -> None:
    import docx

    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(f"<p>{p}</p>" for p in ARTICLE[1:])
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>{ARTICLE[0]}</title></head><body><div class='nav'><a href='/'>首页</a> | <a>政务公开</a></div>"
        f"<div class='article'><h1>{ARTICLE[0]}</h1>{body}</div>"
        "<div class='footer'>版权所有 某区人民政府</div></body></html>"
    )
    (folder / "news.html").write_bytes(page.encode("gb18030"))
    document = docx.Document()
    document.add_heading(ARTICLE[0], level=1)
    for para in ARTICLE[1:]:
        document.add_paragraph(para)
    document.save(folder / "news.docx")
    html = folder.parent / "print.html"
    html.write_text(
        f"<html><head><meta charset='utf-8'></head><body><h1>{ARTICLE[0]}</h1>{body}</body></html>", "utf-8"
    )
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={folder / 'news.pdf'}",
                    html.as_uri()], capture_output=True, check=True, timeout=120)  # fmt: skip
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 legacy word")
    (folder / "lines.txt").write_text("\n".join(FORMULA_LIKE) + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", type=Path, default=None)
    work = ap.parse_args().workdir or Path(tempfile.mkdtemp(prefix="envtag-lo-"))
    build(work / "in")
    csv_path = work / "tagged.csv"
    tag = subprocess.run([sys.executable, "-m", "envtag.cli", "tag", str(work / "in"), "-o", str(csv_path)],
                         capture_output=True, text=True)  # fmt: skip
    print("envtag:", tag.stderr.strip().splitlines()[-1] if tag.stderr.strip() else "", f"(exit {tag.returncode})")
    failed = 0
    for name, infilter in (("default import options", []), ("UTF-8 named", ["--infilter=CSV:44,34,76,1"])):
        out = work / name.replace(" ", "-")
        lo = subprocess.run(["soffice", "--headless", *infilter, "--convert-to", "xlsx", "--outdir", str(out),
                             str(csv_path)], capture_output=True, text=True, timeout=300)  # fmt: skip
        print(f"\n## soffice, {name}:", (lo.stdout or lo.stderr).strip().splitlines()[-1])
        failed += check(csv_path, out / "tagged.xlsx")
    return 1 if failed == 2 else 0


def check(csv_path: Path, xlsx_path: Path) -> int:
    from openpyxl import load_workbook

    raw = csv_path.read_bytes()
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    sheet = load_workbook(xlsx_path).active
    cells = [[c for c in row] for row in sheet.iter_rows()]
    formulas = [c.coordinate for row in cells for c in row if c.data_type == "f"]
    from envtag.cleaning import clean

    text_col = rows[0].index("text")
    csv_texts = [r[text_col] for r in rows[1:]]
    xlsx_texts = [row[text_col].value for row in cells[1:]]
    bom = raw.startswith(b"\xef\xbb\xbf")
    print(f"CSV starts with a UTF-8 BOM: {bom}")
    print(f"rows: CSV {len(rows) - 1}, workbook {len(cells) - 1}")
    print(f"text column identical after the round trip: {csv_texts == xlsx_texts}")
    print(f"formula cells in the workbook: {len(formulas)}")
    for text in xlsx_texts:
        if text and text[0] in "'=+-@":
            print(f"  kept as text: {text}")
    by_source: dict[str, list[tuple[str, str]]] = {}
    for r in rows[1:]:
        by_source.setdefault(Path(r[0]).name, []).append((clean(r[text_col]), r[rows[0].index("labels")]))
    same = by_source.get("news.html") == by_source.get("news.docx") == by_source.get("news.pdf")
    print(f"page, Word and PDF give the same paragraphs and labels: {same}")
    for text, labels in by_source.get("news.html", []):
        print(f"  {labels or '-'}: {text}")
    return 0 if csv_texts == xlsx_texts and not formulas and same else 1


if __name__ == "__main__":
    sys.exit(main())

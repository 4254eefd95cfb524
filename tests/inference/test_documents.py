"""Documents as they come: web pages, Word and PDF files, and formats envtag refuses.

Every file is generated here (the text is the project's own); PDFs are printed
by Debian's headless Chromium, as a browser or an office suite makes them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envtag.cleaning import clean
from envtag.cli import app
from envtag.documents import join_lines
from envtag.readers import iter_paragraphs

runner = CliRunner()

ARTICLE = [
    "市生态环境局开展夏季臭氧污染防治专项检查",
    "为改善全市空气质量，市生态环境局近日组织执法人员对重点涉气企业开展专项检查，共检查企业四十六家。",
    "检查中发现三家企业废气处理设施未正常运行，执法人员已依法立案查处，并责令限期整改。",
    "下一步，市生态环境局将持续加大执法力度，对违法排污行为保持高压态势。",
]

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_某市生态环境局</title><script>var visits = 1;</script></head>
<body><div class="top"><a href="/">首页</a> | <a href="/gk">政务公开</a> | <a href="/fw">办事服务</a>
 | <a href="/hd">互动交流</a></div>
<div class="crumb">当前位置：首页 &gt;&gt; 新闻动态 &gt;&gt; 工作动态</div>
<ul class="menu"><li><a href="/a">机构概况</a></li><li><a href="/b">法规标准</a></li>
<li><a href="/c">环境质量</a></li></ul>
<div class="article"><h1>{title}</h1><div class="info">发布时间：2025-06-12 来源：本局</div>
{body}</div>
<div class="share">分享到：<a>微信</a><a>微博</a></div>
<div class="footer">主办单位：某市生态环境局 地址：某市某路一号 备案号：某ICP备00000000号</div>
<script>document.write("统计");</script></body></html>"""


def _gov_page(path: Path) -> Path:
    body = "".join(f"<p>{p}</p>" for p in ARTICLE[1:])
    path.write_bytes(PAGE.format(title=ARTICLE[0], body=body).encode("gb18030"))
    return path


def test_a_saved_government_page_yields_exactly_the_article(tmp_path):
    page = _gov_page(tmp_path / "news.shtml")
    assert [p.text for p in iter_paragraphs(page)] == ARTICLE


def test_docx_body_paragraphs_then_table_cells(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("某县二〇二五年生态环境保护工作要点", level=1)
    document.add_paragraph("全面推进大气污染防治，强化扬尘和餐饮油烟治理。")
    document.add_paragraph("深化河长制，开展入河排污口排查整治。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "依法查处环境违法案件"
    table.rows[0].cells[1].text = "完成排污许可证核发"
    document.save(tmp_path / "plan.docx")
    texts = [p.text for p in iter_paragraphs(tmp_path / "plan.docx")]
    assert texts == [
        "某县二〇二五年生态环境保护工作要点",
        "全面推进大气污染防治，强化扬尘和餐饮油烟治理。",
        "深化河长制，开展入河排污口排查整治。",
        "依法查处环境违法案件",
        "完成排污许可证核发",
    ]


TOWNS = ["东城", "西城", "南湖", "北山", "青河", "白沙", "石桥", "柳林", "松岗", "梅岭", "竹园", "桃源", "杏坛", "兰溪"]


def _long(town: str) -> str:
    """A paragraph long enough to wrap over several PDF lines."""
    return (
        f"{town}镇持续推进大气污染防治，加强工业企业废气治理和扬尘管控，开展柴油货车尾气排放专项检查，"
        f"空气质量优良天数比例稳步提升。{town}镇同时深化水污染防治，推进污水处理厂提标改造和配套管网建设，"
        f"实施入河排污口排查整治，确保{town}断面水质稳定达标。"
    )


def _print_pdf(html: str, out: Path, header_footer: bool = True) -> Path:
    """Print HTML to PDF; with ``header_footer`` every page gets a date header and a URL and page-number footer."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian chromium is required for this test: apt-get install -y chromium fonts-noto-cjk"
    src = out.with_suffix(".html")
    src.write_text(html, encoding="utf-8")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}", src.as_uri()]
        + ([] if header_footer else ["--no-pdf-header-footer"]),
        capture_output=True,
        timeout=120,
        check=True,
    )
    return out


def test_pdf_lines_are_joined_into_paragraphs_with_pages(tmp_path):
    body = "".join(f"<p>{_long(town)}</p>" for town in TOWNS)
    html = f"<html><head><meta charset='utf-8'><style>p{{font-size:15pt}}</style></head><body>{body}</body></html>"
    pdf = _print_pdf(html, tmp_path / "report.pdf")
    pars = list(iter_paragraphs(pdf))
    assert len({p.page for p in pars}) >= 2  # paragraphs carry their page
    # wrapped lines joined back into the paragraphs; Kangxi radicals (⼤⽓) cleaned to 大气
    assert [clean(p.text) for p in pars] == [_long(town) for town in TOWNS]


def test_pdf_without_text_layer_says_so(tmp_path):
    html = "<html><body><div style='width:300px;height:300px;background:#4a4'></div></body></html>"
    pdf = _print_pdf(html, tmp_path / "scan.pdf", header_footer=False)
    res = runner.invoke(app, ["tag", str(pdf), "--no-evidence"])
    assert res.exit_code == 1
    assert "no text layer (scanned?); run OCR first" in res.output


def test_unsupported_formats_get_a_one_line_reason(tmp_path):
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 legacy word")
    res = runner.invoke(app, ["tag", str(tmp_path / "old.doc")])
    assert res.exit_code == 1
    assert "unsupported format .doc; save as .docx or .pdf" in res.output
    assert "binary file" not in res.output


def test_a_folder_run_says_what_it_left_out(tmp_path, tiny_model):
    _gov_page(tmp_path / "a.html")
    (tmp_path / "b.doc").write_bytes(b"x")
    (tmp_path / "c.jpg").write_bytes(b"x")
    (tmp_path / "d.jpg").write_bytes(b"x")
    out = tmp_path / "out" / "tagged.jsonl"
    res = runner.invoke(app, ["tag", str(tmp_path), "-o", str(out), "-m", str(tiny_model)])
    assert res.exit_code == 0, res.output
    assert "left out files of types envtag does not read: 1 .doc, 2 .jpg" in res.output
    assert [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()] == ARTICLE


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [("一、总体要求", 1), ("坚持以改善生态环境质量为核心，", 1), ("统筹推进减污降碳。", 1)],
            ["一、总体要求", "坚持以改善生态环境质量为核心，统筹推进减污降碳。"],
        ),
        ([("the PM2.5 target", 1), ("is met.", 2)], ["the PM2.5 target is met."]),
    ],
)
def test_join_lines(lines, expected):
    assert [text for text, _ in join_lines(lines)] == expected


def test_one_article_as_page_word_and_pdf_is_tagged_alike_and_the_csv_is_excel_safe(tmp_path, tiny_model):
    """The issue's acceptance run: a GBK web page, a .docx and a text-layer .pdf
    of one article plus a legacy .doc in one folder, tagged to CSV in one run."""
    import csv

    import docx

    folder = tmp_path / "in"
    folder.mkdir()
    _gov_page(folder / "news.html")
    document = docx.Document()
    document.add_heading(ARTICLE[0], level=1)
    for para in ARTICLE[1:]:
        document.add_paragraph(para)
    document.save(folder / "news.docx")
    body = "".join(f"<p>{p}</p>" for p in ARTICLE[1:])
    _print_pdf(f"<html><head><meta charset='utf-8'></head><body><h1>{ARTICLE[0]}</h1>{body}</body></html>",
               folder / "news.pdf")  # fmt: skip
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 legacy word")
    (folder / "notes.txt").write_text('=HYPERLINK("http://x") 加强大气污染防治\n', encoding="utf-8")
    out = tmp_path / "tagged.csv"
    res = runner.invoke(app, ["tag", str(folder), "-o", str(out), "-m", str(tiny_model)])
    assert res.exit_code == 0, res.output
    assert "left out files of types envtag does not read: 1 .doc" in res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    by_doc: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_doc.setdefault(Path(row["source"]).name, []).append((clean(row["text"]), row["labels"]))
    assert by_doc["news.html"] == by_doc["news.docx"] == by_doc["news.pdf"]
    assert [text for text, _ in by_doc["news.html"]] == ARTICLE
    assert by_doc["notes.txt"][0][0].startswith("'=HYPERLINK")  # neutralised: Excel shows it, never runs it

"""The HTML report: structure from the renderer, and a real render in
headless Chromium (Debian `chromium`; the README's test command installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

from typer.testing import CliRunner

from envtag.cli import app
from envtag.report import DocumentView, render_report

LABELS = ["air", "water", "soil", "carbon", "enforcement", "supervision"]


def _doc():
    text = "加強(qiáng)大氣污染防治。推進污水處理。"
    return DocumentView(
        name="甲市报告.txt",
        records=[
            {
                "source": "甲市报告.txt",
                "index": 0,
                "text": text,
                "labels": ["air", "water"],
                "skipped": None,
                "evidence": {
                    "air": [{"text": text[:16], "start": 0, "end": 16, "score": 0.9}],
                    "water": [{"text": text[16:], "start": 16, "end": len(text), "score": 0.8}],
                },
            },
            {"source": "甲市报告.txt", "index": 1, "text": "编辑：张三", "labels": [], "skipped": "byline"},
        ],
    )


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_render_structure_and_self_contained():
    page = render_report([_doc()], LABELS, title="测试报告")
    parser = _Collect()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert '<meta charset="utf-8">' in page
    assert "http://" not in page and "https://" not in page  # no network assets
    assert not any(t in ("script", "link", "img") for t in tags)
    assert tags.count("mark") == 2  # one evidence span per label
    assert "大氣污染防治" in page and "skipped: byline" in page
    assert re.search(r"<td>1 \(100%\)</td>", page)  # air: 1 of 1 content paragraph


def test_report_renders_in_headless_chromium(tmp_path, tiny_model, SHARED):  # noqa: N803
    out = tmp_path / "report.html"
    res = CliRunner().invoke(app, ["report", str(SHARED / "seeds"), "-o", str(out), "-m", str(tiny_model)])
    assert res.exit_code == 0, res.output
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "Debian chromium is required for this test: apt-get install -y chromium fonts-noto-cjk"
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert 'id="overview"' in dom
    assert dom.count('class="doc"') == 5  # one section per seed article
    assert "58 paragraphs" in dom and "10 skipped as non-content" in dom
    assert "蓝天" in dom or "藍天" in dom  # Chinese text survives the round trip

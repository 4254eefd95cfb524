"""The page of envtag serve in headless Chromium (Playwright driving Debian's chromium):
paste a paragraph, tag it, see label chips and highlighted evidence."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PARAGRAPH = "为打赢蓝天保卫战，全市淘汰燃煤锅炉一百二十台。同时依法查处偷排漏排企业，移送公安机关。"


@pytest.fixture(scope="module")
def server_url():
    import uvicorn

    from envtag.serve import create_app
    from envtag.tagger import Tagger

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Tagger.from_pretrained(REPO / "models" / "default"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_paste_tag_and_see_chips_and_evidence(server_url, tmp_path):
    from playwright.sync_api import sync_playwright

    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser_path, "Debian chromium is required for this test: apt-get install -y chromium fonts-noto-cjk"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 600})
        page.goto(server_url + "/")
        page.fill("#text", PARAGRAPH)
        page.click("text=Tag text")
        page.wait_for_selector(".par")
        chips = page.locator(".chip").all_inner_texts()
        marks = page.locator("mark").all_inner_texts()
        page.screenshot(path=str(tmp_path / "serve-page.png"))
        browser.close()
    assert {"air", "enforcement"} <= set(chips)
    assert marks and all(m in PARAGRAPH for m in marks)  # evidence sentences of the pasted text are highlighted

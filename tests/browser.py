"""Open a local HTML file in real headless Chromium (Debian's /usr/bin/chromium) via Playwright."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("LIQBT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium not found: the HTML tests need Debian's chromium package "
                    "(apt-get install chromium; .ci/run installs it) or LIQBT_CHROMIUM=/path/to/chromium",
                    pytrace=False)
    return path


@dataclass
class PageCheck:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    lit_fraction: float = 0.0  # share of canvas pixels that are not black
    title: str = ""
    screenshot: Path | None = None


def open_page(html: Path, *, canvas_selector: str = "canvas", clicks: tuple[str, ...] = (),
              screenshot: Path | None = None) -> PageCheck:
    """Load ``html`` from disk, click ``clicks`` in order, and report errors and how much is drawn."""
    from playwright.sync_api import sync_playwright

    check = PageCheck()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 800})
            page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: check.page_errors.append(str(e)))
            page.goto(Path(html).resolve().as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=20_000)
            for selector in clicks:
                page.click(selector)
            check.title = page.title()
            check.lit_fraction = page.evaluate(
                """(sel) => { const cs = [...document.querySelectorAll(sel)]; let lit = 0, all = 0;
                     for (const c of cs) { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                       for (let i = 0; i < d.length; i += 4) { all++; if (d[i] + d[i+1] + d[i+2] > 30) lit++; } }
                     return all ? lit / all : 0; }""", canvas_selector)
            if screenshot is not None:
                page.screenshot(path=str(screenshot))
                check.screenshot = screenshot
        finally:
            browser.close()
    return check

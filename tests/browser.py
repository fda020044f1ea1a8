"""Open a local HTML file in real headless Chromium (Debian's /usr/bin/chromium) via Playwright.

Pages are opened from file:// with the network blocked: every request to anything but a local file
is aborted and recorded, so a test can assert that the page never tried to reach out.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
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
    blocked_requests: list[str] = field(default_factory=list)  # URLs other than file:// / data: the page asked for


def artefact_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ``$LIQBT_ARTEFACTS`` (CI keeps it) or the test's own ``tmp_path``."""
    root = os.environ.get("LIQBT_ARTEFACTS")
    if not root:
        return tmp_path
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def chromium():
    """One headless Chromium for a module (a fixture opens it once: launching costs about a second)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def block_network(context, check: PageCheck) -> None:
    """Abort (and record) every request that is not for a local file or inline data."""

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:", "about:")):
            r.continue_()
        else:
            check.blocked_requests.append(url)
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda req: None if req.url.startswith(("file://", "data:", "about:"))
               else check.blocked_requests.append(req.url))


@contextmanager
def offline_page(browser, html: Path, *, viewport=(1320, 900)):
    """``(page, check)`` for ``html`` loaded from disk in a fresh context, network blocked, errors collected."""
    check = PageCheck()
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        block_network(context, check)
        page = context.new_page()
        page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: check.page_errors.append(str(e)))
        page.goto(Path(html).resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=20_000)
        check.title = page.title()
        yield page, check
    finally:
        context.close()


def open_page(html: Path, *, canvas_selector: str = "canvas", clicks: tuple[str, ...] = (),
              screenshot: Path | None = None, viewport=(1300, 800)) -> PageCheck:
    """Load ``html`` from disk (network blocked), click ``clicks`` in order, and report errors and how much
    is drawn."""
    with chromium() as browser, offline_page(browser, html, viewport=viewport) as (page, check):
        for selector in clicks:
            page.click(selector)
        check.lit_fraction = page.evaluate(
            """(sel) => { const cs = [...document.querySelectorAll(sel)]; let lit = 0, all = 0;
                 for (const c of cs) { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   for (let i = 0; i < d.length; i += 4) { all++; if (d[i] + d[i+1] + d[i+2] > 30) lit++; } }
                 return all ? lit / all : 0; }""", canvas_selector)
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
            check.screenshot = screenshot
    return check

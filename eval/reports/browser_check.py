"""Open a run's report.html in a real (headless, system) Chromium and check that it works.

Why here and not in tests/: the e2e tests of the whole pipeline call ``check_report_in_browser`` on a
real run folder, and so can a make target; playwright is a dev dependency, imported only when called.
Never runs ``playwright install``: it drives the system Chromium, offline.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


WIDTHS: tuple[int, ...] = (1280, 390)  # a laptop and a phone: neither may scroll sideways


class ReportCheckFailed(AssertionError):
    """The report opened but something a reader needs did not render or react."""


def check_report_in_browser(run_dir: str | Path, executable: str = CHROMIUM, screenshot: str = "report.png") -> Path:
    """Check summary table, charts, spans and span→reference linking; save a screenshot; return its path.

    Builds the reports first when report.html is missing. Blocks every non-file request so that a
    page which secretly needs the network fails here rather than on a reader's laptop.
    """
    from playwright.sync_api import sync_playwright

    root = Path(run_dir).resolve()
    report = root / "report.html"
    if not report.is_file():
        from eval.reports import build_reports

        build_reports(root)
    out = root / screenshot
    external: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

            def block(route: Route) -> None:
                url = route.request.url
                if url.startswith(("file:", "data:", "about:")):
                    route.continue_()
                else:
                    external.append(url)
                    route.abort()

            page.route("**/*", block)
            page.goto(report.as_uri(), wait_until="load")
            _check_first_screen(page)
            _check_charts(page)
            _check_page(page)
            if external:
                raise ReportCheckFailed(f"{report} requested the network: {', '.join(external)}")
            if errors:
                raise ReportCheckFailed(f"{report} raised JavaScript errors: {'; '.join(errors)}")
            page.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
    log.info("report checked in Chromium; screenshot %s", out)
    return out


def _check_first_screen(pg: Page) -> None:
    """A verdict on the first screen, and no sideways scrolling at any of ``WIDTHS``."""
    verdict = pg.locator("#verdict .card .verdict").first
    if verdict.count() == 0 or not verdict.is_visible():
        raise ReportCheckFailed("no verdict (PASS/FAIL) on the page")
    box = verdict.bounding_box()
    height = pg.viewport_size["height"] if pg.viewport_size else 900
    if not box or box["y"] > height:
        raise ReportCheckFailed(f"the first verdict is below the first screen (y = {box and box['y']})")
    if verdict.inner_text().strip() not in ("PASS", "FAIL", "NO VERDICT"):
        raise ReportCheckFailed(f"the verdict badge reads {verdict.inner_text()!r}")
    for width in WIDTHS:
        pg.set_viewport_size({"width": width, "height": height})
        scroll, inner = pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            raise ReportCheckFailed(f"at {width} px the page scrolls sideways ({scroll} px wide)")
    pg.set_viewport_size({"width": WIDTHS[0], "height": height})


def _check_charts(pg: Page) -> None:
    """Every chart panel's value axis contains what it draws (bars, whiskers, threshold line)."""
    for raw in pg.locator("#charts figure").evaluate_all("fs => fs.map(f => f.dataset.axes || '[]')"):
        for panel, lo, hi, data_lo, data_hi in json.loads(raw):
            if not (lo <= data_lo and data_hi <= hi):
                raise ReportCheckFailed(f"chart {panel}: axis {lo}–{hi} cuts its data {data_lo}–{data_hi}")


def _check_page(pg: Page) -> None:
    """The checks, against a loaded page; leaves the first linked span clicked (for the screenshot)."""
    rows = pg.locator("#summary-table tbody tr").count()
    if rows == 0:
        raise ReportCheckFailed("the summary table has no rows")
    if not pg.locator("#summary-table").is_visible():
        raise ReportCheckFailed("the summary table is not visible")
    svgs = pg.locator("#charts svg")
    if svgs.count() == 0:
        raise ReportCheckFailed("no chart (svg) in #charts")
    box = svgs.first.bounding_box()
    if not box or box["width"] < 50 or box["height"] < 50:
        raise ReportCheckFailed(f"the first chart renders too small: {box}")
    linked = pg.locator(".err[data-sids]")
    if linked.count() == 0:
        raise ReportCheckFailed("no highlighted error span (.err) in the side-by-side view")
    underline = linked.first.evaluate("e => getComputedStyle(e).borderBottomStyle")
    if underline in ("none", ""):
        raise ReportCheckFailed("error spans are not styled (no underline): CSS missing?")
    # a span of the version side that links to reference words
    target = None
    for i in range(linked.count()):
        el = linked.nth(i)
        sid = (el.get_attribute("data-sids") or "").split()[0]
        in_hyp = el.evaluate("e => !!e.closest('td.hyp')")
        if in_hyp and pg.locator(f'[data-for~="{sid}"]').count() > 0:
            target = (el, sid)
            break
    if target is None:
        raise ReportCheckFailed("no version-side span is linked to reference words")
    el, sid = target
    refs = pg.locator(f'td.ref [data-for~="{sid}"]')
    if refs.first.evaluate("e => e.classList.contains('linked')"):
        raise ReportCheckFailed("reference words are highlighted before any click")
    el.scroll_into_view_if_needed()
    el.click()
    if not refs.first.evaluate("e => e.classList.contains('linked')"):
        raise ReportCheckFailed(f"clicking span {sid} did not highlight its reference words")
    if not el.evaluate("e => e.classList.contains('active')"):
        raise ReportCheckFailed(f"clicking span {sid} did not mark it active")
    panel = pg.locator("#evidence")
    if not panel.is_visible() or "detector" not in panel.inner_text():
        raise ReportCheckFailed(f"clicking span {sid} did not show its evidence")

"""The HTML report in a real headless Chromium (system binary, offline): it renders and reacts.

Set EVAL_RUN_DIR=<run folder> to check a real run as well (e.g. a DGSN run from `make run`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eval.reports import build_reports
from eval.reports.browser_check import CHROMIUM, CHROMIUM_ARGS, check_report_in_browser

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parent / "data" / "run_fixture"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _needs_browser() -> None:
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no system Chromium at {CHROMIUM}")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    dest = tmp_path / "run_fixture"
    shutil.copytree(FIXTURE, dest)
    return dest


def test_fixture_report_in_chromium(run_dir: Path) -> None:
    build_reports(run_dir)
    shot = check_report_in_browser(run_dir)
    assert shot == run_dir / "report.png"
    assert shot.read_bytes()[:8] == PNG_MAGIC and shot.stat().st_size > 10_000


def test_filters_omissions_and_rtl_in_chromium(run_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    html_path, _ = build_reports(run_dir)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.goto(html_path.as_uri())
            congelacion = page.locator("td.hyp .err", has_text="congelación")
            enrolement = page.locator("td.ref .ref-link", has_text="enrôlement").first
            congelacion.hover()
            assert "linked" in (enrolement.get_attribute("class") or "")
            # omission: clicking the reference-side error highlights the omitted reference words
            omission = page.locator("td.ref .err[data-cat='accuracy/omission']").first
            omission.click()
            assert "linked" in (omission.get_attribute("class") or "")
            # Arabic versions read right to left
            ar_cell = page.locator("section.version[data-system='ar'] td.hyp").first
            assert ar_cell.evaluate("e => getComputedStyle(e).direction") == "rtl"
            assert ar_cell.evaluate("e => getComputedStyle(e).textAlign") in ("right", "start")
            # filters: category off → span unstyled; system → other versions hidden
            page.locator("input[name='f-cat'][value='accuracy/mistranslation']").uncheck()
            assert "off" in (congelacion.get_attribute("class") or "")
            page.locator("#f-only").check()
            assert page.locator("section.version[data-system='en'] tr.bead.hidden").count() == 1
            page.select_option("#f-system", "ar")
            assert page.locator("section.version[data-system='es']").is_hidden()
            assert page.locator("section.version[data-system='ar']").is_visible()
        finally:
            browser.close()


# A real DGSN run folder is checked in the browser by tests/test_e2e.py::test_report_renders_in_a_real_browser.


def test_first_screen_and_evidence_on_a_phone(run_dir: Path) -> None:
    """At 390 px: a verdict on the first screen, no sideways scroll, and a tap on a span opens its evidence."""
    from playwright.sync_api import sync_playwright

    html_path, _ = build_reports(run_dir)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(html_path.as_uri())
            badge = page.locator("#verdict .verdict").first
            assert badge.inner_text() in ("PASS", "FAIL")
            box = badge.bounding_box()
            assert box is not None and box["y"] < 844
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            panel = page.locator("#evidence")
            assert panel.is_hidden()
            es = page.locator("section.version[data-system='es'] details.beads")
            assert es.evaluate("d => !d.open")  # folded on a phone: the page stays short
            es.locator("summary").click()
            page.locator("td.hyp .err", has_text="congelación").click()
            assert panel.is_visible()
            text = panel.inner_text()
            assert "back-translation" in text and "congélation" in text and "lexicon" in text
            page.locator("#evidence .close").click()
            assert panel.is_hidden()
            # a top finding on the first screen jumps to its span and opens the evidence
            page.locator("#verdict a.goto").first.click()
            assert panel.is_visible()
        finally:
            browser.close()
    assert errors == []

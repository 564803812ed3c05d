"""Report tests: the full report runs ONCE per session and many tests read it.

papermill starts a real kernel per notebook (seconds each), so the runs are
session fixtures. Pages are checked in the real headless Chromium of the
system (/usr/bin/chromium) driven by playwright, with every non-file request
aborted and recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "bundle"
NOTEBOOKS_DIR = ROOT / "notebooks"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def full_run(tmp_path_factory) -> Path:
    """Every report on the committed sample, English: the run folder."""
    from clpkit.report.runner import run_reports

    return run_reports(SAMPLE, tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="session")
def ja_run(tmp_path_factory) -> Path:
    """Three reports in Japanese with their code shown, through the command line: the run folder."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("reports-ja")
    done = subprocess.run(
        [sys.executable, "-m", "clpkit", "report", str(SAMPLE), "--out", str(out), "--lang", "ja",
         "--only", "mirror_performance", "--only", "cluster_reference", "--only", "summary", "--show-code"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip()).parent


class OfflineBrowser:
    """Opens file:// pages with every other request aborted and remembered."""

    def __init__(self, browser):
        self.browser = browser

    def load(self, path: Path) -> dict:
        ctx = self.browser.new_context(offline=True)
        attempted: list[str] = []
        errors: list[str] = []

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                attempted.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function(
            "[...document.querySelectorAll('div.clpkit-chart')]"
            ".every(e => e.querySelector('svg') || e.hasAttribute('data-error'))",
            timeout=30_000,
        )
        result = page.evaluate(
            """() => {
              const charts = [...document.querySelectorAll('div.clpkit-chart')];
              return {
                charts: charts.length,
                chart_errors: charts.filter(e => e.hasAttribute('data-error')).map(e => e.getAttribute('data-error')),
                marks: charts.map(e => e.querySelectorAll('svg g[class*="mark-"] > path, svg g[class*="mark-"] > line, svg g[class*="mark-"] > text').length),
                text: document.body.innerText,
                code_cells: document.querySelectorAll('.jp-InputArea').length,
                title: document.title,
                lang: document.documentElement.lang,
                nav: [...document.querySelectorAll('nav.clpkit-nav a')].map(a => a.getAttribute('href')),
                tables: document.querySelectorAll('table.clpkit-table').length,
                filters: document.querySelectorAll('input.clpkit-filter').length,
                // cells (other than long text, td.wrap) whose value the browser laid out on more than one line
                broken: [...document.querySelectorAll('table.clpkit-table td:not(.wrap), table.clpkit-table th')]
                  .filter(c => {
                    const r = document.createRange(); r.selectNodeContents(c);
                    return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1;
                  }).map(c => c.textContent).slice(0, 5),
              };
            }"""
        )
        ctx.close()
        result.update(attempted=attempted, errors=errors)
        return result


@pytest.fixture(scope="session")
def chromium():
    """The one headless Chromium of the session.

    Playwright's sync API cannot be started twice in one thread while the
    first is open, so every browser test shares this one.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def offline_browser(chromium):
    return OfflineBrowser(chromium)

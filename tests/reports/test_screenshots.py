"""Screenshots of every page of a run, English and Japanese, in the real headless Chromium.

The pictures land in ``$CLPKIT_SCREENSHOTS`` when set (else a temporary
folder) for a person to look at; the test checks what a look would catch:
a blank or tiny page, a page wider than the window (a table or chart that
does not fit and has no scroll box of its own), a Japanese page that shows
English words of the message table (headings, chart titles, axis titles,
legends, or a table cell that is one of its English texts) or that has no
CJK font first in line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from clpkit.report import NOTEBOOKS
from clpkit.i18n import MESSAGES

from .conftest import SAMPLE

pytestmark = pytest.mark.slow
WIDTH = 1280
# English words of the message table that differ in Japanese, long enough to be sure they are words.
ENGLISH = sorted({en for en, ja in MESSAGES.values() if en != ja and len(en) >= 6 and "{" not in en}, key=len,
                 reverse=True)
# A table cell that is exactly one of the message table's English texts (Start, always, Success, ...).
ENGLISH_CELLS = {en for en, ja in MESSAGES.values() if en != ja and "{" not in en}
# Columns of names as the disk and clp.conf write them (a statistics series "system", a folder "group").
NAME_COLUMNS = {MESSAGES[k][1] for k in ("series", "file", "folder", "name", "found_as")}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    given = os.environ.get("CLPKIT_SCREENSHOTS")
    path = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def ja_pages(tmp_path_factory) -> Path:
    """Every report in Japanese as a user gets it (no code shown): the run folder."""
    from clpkit.report.runner import run_reports

    return run_reports(SAMPLE, tmp_path_factory.mktemp("reports-ja-all"), lang="ja")


def _pages(run: Path) -> list[Path]:
    return [run / f"{n}.html" for n in NOTEBOOKS] + [run / "index.html", run.parent / "index.html"]


def test_screenshots_of_every_page_en_and_ja(full_run, ja_pages, folder, chromium):
    taken = []
    ctx = chromium.new_context(viewport={"width": WIDTH, "height": 900}, offline=True)
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    for lang, run in (("en", full_run), ("ja", ja_pages)):
        for path in _pages(run):
            page = ctx.new_page()
            page.goto(path.as_uri())
            page.wait_for_function("[...document.querySelectorAll('div.clpkit-chart')]"
                                   ".every(e => e.querySelector('svg') || e.hasAttribute('data-error'))")
            name = f"{lang}-{'top-index' if path.parent != run else path.stem}.png"
            page.screenshot(path=str(folder / name), full_page=True)
            taken.append(folder / name)
            look = page.evaluate("""() => ({
                wide: document.documentElement.scrollWidth,
                height: document.documentElement.scrollHeight,
                font: getComputedStyle(document.body).fontFamily,
                words: [...document.querySelectorAll('h1, h2, h3, th, nav a, svg text')].map(e => e.textContent.trim()),
                cells: [...document.querySelectorAll('table')].flatMap(t => [...t.querySelectorAll('tbody td')].map(
                  td => [(t.tHead && t.tHead.rows[0].cells[td.cellIndex] || {}).textContent || '', td.textContent.trim()])),
            })""")
            where = f"{lang} {path.name}"
            assert look["wide"] <= WIDTH, f"{where}: page {look['wide']} px wide in a {WIDTH} px window"
            assert look["height"] > 300, f"{where}: page looks empty"
            assert "Noto Sans CJK JP" in look["font"], f"{where}: no CJK font in {look['font']}"
            if lang == "ja":
                english = [w for w in look["words"] for e in ENGLISH if re.search(rf"\b{re.escape(e)}\b", w)]
                assert english == [], f"{where}: English on a Japanese page: {english[:5]}"
                cells = sorted({c for head, c in look["cells"] if c in ENGLISH_CELLS and head not in NAME_COLUMNS})
                assert cells == [], f"{where}: English table cells on a Japanese page: {cells[:5]}"
            page.close()
    ctx.close()
    assert len(taken) == 2 * (len(NOTEBOOKS) + 2)
    assert all(p.stat().st_size > 15_000 for p in taken), [p.name for p in taken if p.stat().st_size <= 15_000]

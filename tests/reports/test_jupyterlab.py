"""The executed report notebooks open in the JupyterLab the project installs, charts drawn.

A real JupyterLab server on 127.0.0.1 (random free port, token), the real
headless Chromium, the notebooks of the full sample run. Every chart output
must be drawn by JupyterLab's own Vega-Lite renderer (an SVG or a canvas
inside it), none left blank, nothing fetched beyond the loopback server.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from clpkit.report.html import LAB_MIMETYPE


pytestmark = pytest.mark.slow
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CHARTED = ("mirror_performance", "system_resources", "cluster_statistics", "incident_timeline", "summary")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(full_run, tmp_path_factory):
    """A JupyterLab server whose root holds the run's executed notebooks: (base url, token, root)."""
    root = tmp_path_factory.mktemp("lab")
    for name in CHARTED:
        shutil.copy(full_run / f"{name}.ipynb", root / f"{name}.ipynb")
    port, token = _free_port(), "clpkit-test-token"
    settings = tmp_path_factory.mktemp("lab-settings")
    # Every cell in the page at once (JupyterLab otherwise renders only the cells in view), no news prompt.
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         "--LabApp.extension_manager=readonly",
         f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
         "--ServerApp.open_browser=False", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={settings}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                json.load(r)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("JupyterLab did not start")
            time.sleep(0.5)
    yield base, token, root
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _charts_in(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(1 for c in nb.cells for o in c.get("outputs", []) if LAB_MIMETYPE in o.get("data", {}))


def test_reports_draw_their_charts_in_jupyterlab(lab, tmp_path, chromium):
    base, token, root = lab
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
    elsewhere: list[str] = []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            elsewhere.append(r.request.url)
            r.abort()
    ctx.route("**/*", route)
    page = ctx.new_page()
    for name in CHARTED:
        expected = _charts_in(root / f"{name}.ipynb")
        assert expected > 0, f"{name}: the run stored no chart output"
        # a workspace of its own per notebook, so that only this one is open
        page.goto(f"{base}/lab/workspaces/{name}/tree/{name}.ipynb?reset&token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        # JupyterLab renders lazily: scroll every output into view once.
        page.evaluate("document.querySelectorAll('.jp-OutputArea-output').forEach(e => e.scrollIntoView())")
        page.wait_for_function(
            f"document.querySelectorAll('{PANEL} .jp-RenderedVegaLite canvas, {PANEL} .jp-RenderedVegaLite svg').length >= {expected}",
            timeout=60_000,
        )
        drawn = page.evaluate("""() => [...document.querySelectorAll('""" + PANEL + """ .jp-RenderedVegaLite')].map(e => {
            const g = e.querySelector('canvas, svg'); return g ? g.getBoundingClientRect().height : 0; })""")
        first = page.locator(f"{PANEL} .jp-RenderedVegaLite").first
        first.scroll_into_view_if_needed()
        first.screenshot(path=str(tmp_path / f"{name}.png"))
        assert len(drawn) == expected and all(h > 50 for h in drawn), f"{name}: {drawn}"
    ctx.close()
    assert elsewhere == [], f"JupyterLab pages reached beyond the loopback server: {elsewhere[:3]}"

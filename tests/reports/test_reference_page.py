"""The cluster reference page of the full sample run, read in headless Chromium offline.

Expectations come from the sample README (archives per server, the six
services' logs on both servers) and the guide (fixed ports, 5-minute
startup sync wait), not from the code's own output.
"""

from __future__ import annotations

import re

import pytest

from clpkit.catalog import SERVER_DOWN_CONDITIONS

pytestmark = pytest.mark.slow


def test_reference_page_shows_every_section(full_run, offline_browser):
    page = offline_browser.load(full_run / "cluster_reference.html")
    assert page["attempted"] == [] and page["errors"] == []
    text = page["text"]
    for heading in ("Cluster reference", "Files against the install layout", "Log and statistics generations",
                    "Emergency log archives", "Ports this cluster needs",
                    "Server-down conditions and configured final actions", "Startup sync wait"):
        assert heading in text, heading
    # README: sv1 keeps elog_rm0 and elog_rm1, sv2 elog_rm0 only
    assert re.search(r"sv1\s+rm\s+a monitor resource detected an error\s+9\s+0, 1\b", text)
    assert re.search(r"sv2\s+rm\s+a monitor resource detected an error\s+9\s+0\s", text)
    # README: both servers hold the service logs of the six services
    for server in ("sv1", "sv2"):
        assert re.search(rf"{server}\s+log\s+init_webmgr\.stop\.cur\s+always\s+present", text)
    assert re.search(r"29001\s+tcp", text)  # guide: internal communication between servers
    for en, _ja, _lines in SERVER_DOWN_CONDITIONS.values():
        assert en in text
    assert re.search(r"startup sync wait\s+300\s", text) and "not published" in text


def test_summary_links_the_reference(full_run, offline_browser):
    html = (full_run / "summary.html").read_text(encoding="utf-8")
    assert 'href="cluster_reference.html"' in html
    assert "Cluster reference" in offline_browser.load(full_run / "summary.html")["text"]

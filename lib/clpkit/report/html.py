"""Offline, self-contained HTML pages from executed report notebooks.

Clusters sit on closed networks, so a page must load nothing from any
network. nbconvert's own templates pull require.js, MathJax and mermaid
from CDNs; our template (``templates/clpkit``) drops those blocks and
inlines the Vega, Vega-Lite and Vega-Embed JavaScript once per page (the
bundle vl-convert ships, matched to altair's Vega-Lite version).

A chart reaches the page through :func:`show`: in JupyterLab it renders as
the usual Vega-Lite output (JupyterLab's own renderer); in the exported page
it is a ``<div>`` holding its spec as JSON, which the page's one start-up
script embeds as SVG.

>>> html = chart_html({"mark": "point"}, "c1")
>>> html.startswith('<div class="clpkit-chart" id="c1">')
True
"""

from __future__ import annotations

import functools
import html as html_lib
import json
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

if TYPE_CHECKING:
    import altair as alt

TEMPLATES = Path(__file__).parent / "templates"
#: The bundle's file in a run folder: written once per run, referenced by every page of it.
VEGA_FILE = "vega.js"

# Finds every chart placeholder and draws it; errors go to the console and
# into the placeholder so that a broken chart is visible, never silent. Then
# makes every table sortable (click a heading) and filterable (the box above
# it), offline: a few lines, no library.
_BOOT = """
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("div.clpkit-chart").forEach(function (el) {
    var spec = JSON.parse(el.querySelector("script.clpkit-spec").textContent);
    vegaEmbed(el, spec, {renderer: "svg", actions: false}).catch(function (err) {
      el.setAttribute("data-error", String(err));
      console.error("clpkit chart " + el.id + ": " + err);
    });
  });
  document.querySelectorAll("table.clpkit-table").forEach(clpkitTable);
});
function clpkitKey(cell) {
  var v = cell.getAttribute("data-sort");
  if (v === null) v = cell.textContent;
  return v !== "" && !isNaN(Number(v)) ? Number(v) : v.toLowerCase();
}
function clpkitTable(table) {
  var body = table.tBodies[0], head = table.tHead && table.tHead.rows[0];
  if (!body || !head || body.rows.length < 2) return;
  var box = document.createElement("input");
  box.type = "search"; box.className = "clpkit-filter";
  box.placeholder = table.getAttribute("data-filter") || "Filter";
  box.setAttribute("aria-label", box.placeholder);
  box.addEventListener("input", function () {
    var q = box.value.toLowerCase();
    Array.prototype.forEach.call(body.rows, function (r) {
      r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
    });
  });
  table.parentNode.insertBefore(box, table);
  Array.prototype.forEach.call(head.cells, function (th, col) {
    th.className += " clpkit-sortable"; th.tabIndex = 0;
    function sort() {
      var up = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(head.cells, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = clpkitKey(a.cells[col]), y = clpkitKey(b.cells[col]);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
  });
}
"""


def vega_lite_version() -> str:
    """altair's Vega-Lite major.minor, the version the inlined bundle must match."""
    import altair as alt  # imported when needed: the runner starts its kernels before it loads altair

    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}.{minor}"


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega + Vega-Lite + Vega-Embed as one script (about 0.9 MB), cached per process."""
    import vl_convert

    js = vl_convert.javascript_bundle(vl_version=vega_lite_version())
    # An inline script ends at the first "</script"; keep the bundle intact.
    return js.replace("</script", "<\\/script")


def chart_html(spec: dict, element_id: str) -> str:
    """The placeholder the page's start-up script turns into a chart."""
    # Keys sorted: the same text whether the spec comes from the kernel or from the saved notebook (sorted).
    data = json.dumps(spec, separators=(",", ":"), sort_keys=True).replace("</", "<\\/")
    return (
        f'<div class="clpkit-chart" id="{html_lib.escape(element_id)}">'
        f'<script type="application/json" class="clpkit-spec">{data}</script></div>'
    )


def show(chart: alt.TopLevelMixin) -> None:
    """Display ``chart`` in a notebook so that both JupyterLab and the export draw it.

    JupyterLab 4 renders Vega-Lite through its own extension, which knows the
    mimetypes up to ``vnd.vegalite.v5`` (its Vega-Lite is 5.x); altair 6 writes
    v6 specs, which JupyterLab would leave blank. The charts use nothing v6
    added, so the notebook gets the spec under the v5 mimetype
    (:func:`lab_spec`). No ``text/html`` goes beside it: JupyterLab prefers
    HTML to Vega and would show an empty placeholder; :func:`export` adds the
    page's placeholder when it writes the HTML.

    The spec is not validated against the Vega-Lite schema here: that took
    a third of a chart page's time, for charts whose every kind the tests
    validate (``tests/reports/test_report_run.py``).
    """
    from IPython.display import display

    spec = lab_spec(chart.to_dict(validate=False))
    display({LAB_MIMETYPE: spec, "text/plain": f"<{type(chart).__name__}>"}, raw=True)


def _placeholder(spec: dict) -> str:
    import altair as alt

    return chart_html({**spec, "$schema": alt.SCHEMA_URL}, f"chart-{uuid.uuid4().hex[:12]}")


def for_page(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What the page is made of: ``nb`` with each chart as its placeholder only, ``nb`` left as it is.

    The page shows a chart output's ``text/html`` (nbconvert never renders
    the Vega-Lite mimetype), so the spec's JSON tree, thousands of nodes a
    chart, is dropped from the copy: nbconvert deep-copies its input twice
    and validates it, which made the export seconds a run.
    """
    cells = []
    for cell in nb.cells:
        outputs = cell.get("outputs")
        if outputs and any(LAB_MIMETYPE in out.get("data", {}) for out in outputs):
            shown = []
            for out in outputs:
                spec = out.get("data", {}).get(LAB_MIMETYPE)
                if spec is not None:
                    data = {k: v for k, v in out["data"].items() if k != LAB_MIMETYPE}
                    data.setdefault("text/html", _placeholder(spec))
                    out = nbformat.NotebookNode({**out, "data": nbformat.NotebookNode(data)})
                shown.append(out)
            cell = nbformat.NotebookNode({**cell, "outputs": shown})
        cells.append(cell)
    return nbformat.NotebookNode({**nb, "cells": cells, "metadata": nbformat.NotebookNode(dict(nb.metadata))})


LAB_MIMETYPE = "application/vnd.vegalite.v5+json"


def lab_spec(spec: dict) -> dict:
    """The spec as JupyterLab's Vega-Lite 5 renderer takes it (its schema URL says v5).

    >>> lab_spec({"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json", "mark": "bar"})["$schema"]
    'https://vega.github.io/schema/vega-lite/v5.json'
    """
    return {**spec, "$schema": "https://vega.github.io/schema/vega-lite/v5.json"}


def export(notebook: Path | nbformat.NotebookNode, *, show_code: bool = False, lang: str = "en",
           title: str = "", nav: str = "", vega_src: str | None = None) -> str:
    """The executed notebook as one offline HTML page (code cells hidden unless asked).

    ``title`` is the page's ``<title>``; ``nav`` the links bar shown at its top
    (see :func:`nav_html`); the page says ``lang`` and uses a CJK font stack.
    With ``vega_src`` the page loads the Vega bundle from that relative file
    (a run folder holds one :data:`VEGA_FILE` for all its pages) instead of
    inlining 0.9 MB into every page.
    """
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, (str, Path)) else notebook
    nb = for_page(nb)
    if title:
        nb.metadata["title"] = title
    vega = {"vega_src": vega_src} if vega_src else {"vega_js": vega_bundle()}
    resources = {"clpkit": {**vega, "boot_js": _BOOT, "lang": lang, "nav": nav,
                            "css": PAGE_CSS, "font_stack": FONT_STACK}}
    exporter = _exporter(show_code, lang)
    with exporter.lock:  # one exporter for every page of a run: it keeps state while it converts
        body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def prepare(show_code: bool = False, lang: str = "en") -> None:
    """Build the exporter ahead (imports nbconvert, compiles the templates: a second), e.g. while kernels start."""
    _exporter(show_code, lang)


def _exporter(show_code: bool, lang: str):
    """The exporter of this setting, built once per process: building one loads and compiles the templates."""
    with _EXPORTERS_LOCK:
        if (show_code, lang) not in _EXPORTERS:
            exporter = _new_exporter(show_code, lang)
            exporter.lock = threading.Lock()
            _EXPORTERS[show_code, lang] = exporter
        return _EXPORTERS[show_code, lang]


_EXPORTERS: dict = {}
_EXPORTERS_LOCK = threading.Lock()


def _new_exporter(show_code: bool, lang: str):
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="clpkit",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=not show_code,
        exclude_markdown=not show_code,  # notes for readers of the source; the page speaks via clpkit.report.page
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
        optimistic_validation=True,  # validated once after the preprocessors, not after each
    )


def nav_html(links: list[tuple[str, str]], current: str = "") -> str:
    """A bar of links (href, text); the current page is plain text.

    >>> nav_html([("index.html", "Run"), ("summary.html", "Summary")], current="summary.html")
    '<nav class="clpkit-nav"><a href="index.html">Run</a> <span aria-current="page">Summary</span></nav>'
    """
    items = [
        f'<span aria-current="page">{html_lib.escape(text)}</span>' if href == current
        else f'<a href="{html_lib.escape(href)}">{html_lib.escape(text)}</a>'
        for href, text in links
    ]
    return f'<nav class="clpkit-nav">{" ".join(items)}</nav>'


FONT_STACK = ('system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK JP", "Hiragino Sans", '
              '"Hiragino Kaku Gothic ProN", "Yu Gothic UI", "Yu Gothic", Meiryo, sans-serif')

# Shared by report pages and run indexes: CJK fonts, tables that never break a value.
# (The doubled class outranks JupyterLab's right-aligned table cells.)
PAGE_CSS = (
    f"body{{font-family:{FONT_STACK}}}"
    "nav.clpkit-nav{margin:.5em 0 1em 0;padding:.4em 0;border-bottom:1px solid #ddd;font-size:14px}"
    "nav.clpkit-nav a,nav.clpkit-nav span{margin-right:1.2em;white-space:nowrap;display:inline-block}nav.clpkit-nav span{font-weight:bold}"
    "div.clpkit-table-wrap{overflow-x:auto;margin:.5em 0 1em 0}"
    "table.clpkit-table{border-collapse:collapse;font-size:12px}"
    "table.clpkit-table.clpkit-table th,table.clpkit-table.clpkit-table td{text-align:left;border:1px solid #d0d0d0;padding:2px 6px;"
    "vertical-align:top;white-space:nowrap}"
    "table.clpkit-table.clpkit-table th{background:#f2f2f2;position:sticky;top:0}"
    "table.clpkit-table.clpkit-table td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "table.clpkit-table.clpkit-table td.wrap{white-space:normal;overflow-wrap:normal;word-break:normal;min-width:18em;max-width:44em}"
    "th.clpkit-sortable{cursor:pointer}th[aria-sort=ascending]::after{content:' \\25B2'}"
    "th[aria-sort=descending]::after{content:' \\25BC'}"
    "input.clpkit-filter{display:block;margin:.3em 0;padding:2px 6px;font:inherit;font-size:12px;width:18em}"
    ".clpkit-status-ok{color:#2ca02c}.clpkit-status-failed{color:#d62728}"
)


def page(title: str, body_html: str, lang: str = "en", nav: str = "") -> str:
    """A small standalone page (run indexes): inline style and table script, no network."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html_lib.escape(title)}</title><style>{INDEX_CSS}{PAGE_CSS}</style>"
        f"<script>{_BOOT}</script></head>"
        f"<body>{nav}<h1>{html_lib.escape(title)}</h1>\n{body_html}\n</body></html>\n"
    )


INDEX_CSS = (
    "body{margin:2em;max-width:72em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
    "th{background:#f2f2f2}td a{white-space:nowrap}"  # a page's name never breaks across lines
)

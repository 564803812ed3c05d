"""Offline, self-contained HTML pages from executed report notebooks.

Clusters sit on closed networks, so a page must load nothing from any
network. nbconvert's own templates pull require.js, MathJax and mermaid
from CDNs; our template (``templates/clpkit``) drops those blocks and
inlines the Vega, Vega-Lite and Vega-Embed JavaScript once per page (the
bundle vl-convert ships, matched to altair's Vega-Lite version).

A chart reaches the page through :func:`show`: in JupyterLab it renders as
the usual Vega-Lite output; in the exported page it is a ``<div>`` holding
its spec as JSON, which the page's one start-up script embeds as SVG.

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

import altair as alt
import nbformat

TEMPLATES = Path(__file__).parent / "templates"
#: The bundle's file in a run folder: written once per run, referenced by every page of it.
VEGA_FILE = "vega.js"

# Finds every chart placeholder and draws it; errors go to the console and
# into the placeholder so that a broken chart is visible, never silent.
_BOOT = """
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("div.clpkit-chart").forEach(function (el) {
    var spec = JSON.parse(el.querySelector("script.clpkit-spec").textContent);
    vegaEmbed(el, spec, {renderer: "svg", actions: false}).catch(function (err) {
      el.setAttribute("data-error", String(err));
      console.error("clpkit chart " + el.id + ": " + err);
    });
  });
});
"""


def vega_lite_version() -> str:
    """altair's Vega-Lite major.minor, the version the inlined bundle must match."""
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
    data = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    return (
        f'<div class="clpkit-chart" id="{html_lib.escape(element_id)}">'
        f'<script type="application/json" class="clpkit-spec">{data}</script></div>'
    )


def show(chart: alt.TopLevelMixin) -> None:
    """Display ``chart`` in a notebook so that both JupyterLab and the export draw it."""
    from IPython.display import display

    spec = chart.to_dict()
    bundle = {
        f"application/vnd.vegalite.v{vega_lite_version().split('.')[0]}+json": spec,
        "text/html": chart_html(spec, f"chart-{uuid.uuid4().hex[:12]}"),
        "text/plain": f"<{type(chart).__name__}>",
    }
    display(bundle, raw=True)


def export(notebook: Path | nbformat.NotebookNode, *, show_code: bool = False, lang: str = "en",
           vega_src: str | None = None) -> str:
    """The executed notebook as one offline HTML page (code cells hidden unless asked).

    With ``vega_src`` the page loads the Vega bundle from that relative file
    (a run folder holds one :data:`VEGA_FILE` for all its pages) instead of
    inlining 0.9 MB into every page.
    """
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, (str, Path)) else notebook
    vega = {"vega_src": vega_src} if vega_src else {"vega_js": vega_bundle()}
    resources = {"clpkit": {**vega, "boot_js": _BOOT, "lang": lang}}
    body, _ = _exporter(show_code).from_notebook_node(nb, resources=resources)
    return body


def _exporter(show_code: bool):
    """One exporter per setting and thread: building one loads and compiles the templates each time."""
    cache = _EXPORTERS.__dict__
    if show_code not in cache:
        cache[show_code] = _new_exporter(show_code)
    return cache[show_code]


_EXPORTERS = threading.local()


def _new_exporter(show_code: bool):
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="clpkit",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=not show_code,
        exclude_markdown=not show_code,  # notes for readers of the source; the page speaks via clpkit.report.page
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def page(title: str, body_html: str, lang: str = "en") -> str:
    """A small standalone page (run indexes): inline style, no script, no network."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html_lib.escape(title)}</title><style>{INDEX_CSS}</style></head>"
        f"<body><h1>{html_lib.escape(title)}</h1>\n{body_html}\n</body></html>\n"
    )


INDEX_CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
    "th{background:#f2f2f2}"
)

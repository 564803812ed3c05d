"""Every chart of every report: a function from a polars frame to an altair chart.

Frames arrive already aggregated (see :mod:`clpkit.report.data`), so no
chart carries more than a few thousand rows (altair refuses more than
5,000). Encodings always name their type (``:T`` time, ``:Q`` quantity,
``:N`` category). Importing this module registers and enables the one
theme, ``clpkit``, so that all reports look alike.

Three rules hold for every chart (tests/reports/test_charts.py checks them):

- **One palette for meaning.** Severity, event level and outcome colours
  come from :data:`STATUS_COLOURS` through :func:`status_colour` (an error is
  the same red on every chart, a success the same green); lines of metrics
  use :data:`PALETTE`, which holds none of those colours.
- **Units.** Every quantitative axis is titled "label (unit)", and its
  ticks are formatted for the unit (SI prefixes for bytes, whole numbers
  for counts).
- **Time charts of a page are linked** by :func:`linked`: a brush on the
  overview strip zooms every chart, each chart has a crosshair.

Long frames are the common shape: ``time``, ``server``, ``series``
(what is drawn, e.g. "Write"), ``value``.

>>> import datetime as dt
>>> f = pl.DataFrame({"time": [dt.datetime(2026, 1, 1)], "server": ["sv1"],
...                   "series": ["Write"], "value": [1.0]})
>>> spec = lines(f, label="Throughput", unit="B/s").to_dict()
>>> spec["layer"][0]["encoding"]["y"]["title"], spec["config"]["view"]["continuousWidth"]
('Throughput (B/s)', 860)
"""

from __future__ import annotations

import datetime as dt
import itertools

import clpkit._no_iri_grammar  # noqa: F401  (before altair loads jsonschema: see that module)
import altair as alt
import polars as pl
from altair.utils.schemapi import SchemaBase, Undefined

from clpkit.i18n import cell_word, t
from clpkit.units import axis_unit, bucket_text, human

THEME = "clpkit"
WIDTH = 860
# Lines of metrics: blues, teal, purple, brown, greys. No red, orange or green,
# which mean error, warning and success on every chart (STATUS_COLOURS).
PALETTE = ["#1f5fa8", "#0097a7", "#7d4fa8", "#8c6d31", "#5a5a5a", "#d66ba0", "#6baed6", "#9e9ac8"]
STATUS_COLOURS = {
    "critical": "#7f0000",
    "error": "#d62728",
    "warning": "#f28e00",
    "info": "#1f5fa8",
    "ok": "#2ca02c",
    "neutral": "#8c8c8c",
}
SEVERITY_COLOURS = {k: STATUS_COLOURS[k] for k in ("critical", "error", "warning", "info")}
# What each word a chart can colour means (severities, event levels, results).
STATUS_OF: dict[str, str] = {
    "critical": "critical", "crit": "critical", "emerg": "critical", "alert": "critical", "timeout": "critical",
    "error": "error", "err": "error", "e": "error", "failure": "error", "fail": "error",
    "warning": "warning", "warn": "warning", "w": "warning",
    "info": "info", "information": "info", "i": "info", "notice": "info",
    "success": "ok", "ok": "ok",
    "cancel": "neutral", "debug": "neutral",
}
# Tick formats per unit (d3-format): SI prefixes where values run into millions.
UNIT_FORMATS = {"B": "~s", "B/s": "~s", "count": "d", "%": "~r", "ms": "~s", "s": "~r", "σ": ".1f"}
FONT = ('system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK JP", "Hiragino Sans", '
        '"Yu Gothic UI", Meiryo, sans-serif')
_names = itertools.count(1)
OVERVIEW_TICKS = 600  # marks on the overview strip, whatever the period


def _plain(chart):
    """``chart`` with its mark, encodings and transforms held as the plain dicts of its spec, in place.

    altair's schema objects carry every property of their class, set or not (a
    mark about a hundred), and layering or concatenating charts deep-copies
    them, several times over for a linked page: most of the seconds a report's
    charts took. Held as dicts (what ``to_dict`` would write), they copy in no
    time and the spec is the same (tests/reports/test_charts.py compares it with
    altair's own). Call it last, on a chart that is only layered or
    concatenated afterwards.
    """
    kwds = chart._kwds
    for key in ("mark", "transform"):
        kwds[key] = _as_dict(kwds.get(key, Undefined))
    encoding = kwds.get("encoding", Undefined)
    if isinstance(encoding, SchemaBase):  # stays an encoding (altair looks for facet channels), its channels dicts
        channels = encoding._kwds
        for key, value in channels.items():
            channels[key] = _as_dict(value)
    return chart


def _as_dict(value):
    if isinstance(value, SchemaBase):
        return value.to_dict(validate=False)
    if isinstance(value, list):
        return [_as_dict(v) for v in value]
    return value


@alt.theme.register(THEME, enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "view": {"continuousWidth": WIDTH, "continuousHeight": 200, "stroke": None},
            "font": FONT,
            "range": {"category": PALETTE},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridColor": "#e6e6e6",
                     "labelFlush": False},
            "legend": {"orient": "bottom", "labelFontSize": 11, "titleFontSize": 12, "labelLimit": 320},
            "title": {"fontSize": 14, "anchor": "start", "subtitleColor": "#555"},
            "line": {"strokeWidth": 1.5},
        }
    }


def status(word: str) -> str:
    """The status a severity, level or result word means ('neutral' when unknown).

    >>> status("ERROR"), status("Timeout"), status("Success"), status("odd")
    ('error', 'critical', 'ok', 'neutral')
    """
    return STATUS_OF.get(str(word).strip().lower(), "neutral")


def level_word(level: str, lang: str) -> str:
    """An event level as a page words it: the severity it means in ``lang`` (エラー, 警告), else as written.

    >>> level_word("ERROR", "ja"), level_word("warning", "en"), level_word("odd", "ja")
    ('エラー', 'warning', 'odd')
    """
    meaning = status(level)
    return t(meaning, lang) if meaning in SEVERITY_COLOURS else level


def status_colour(frame: pl.DataFrame, key: str, label: str, *, title: str, legend: bool = True) -> alt.Color:
    """A colour encoding of ``label`` whose colour follows the meaning of ``key`` (the raw word).

    ``label`` is what the legend shows (translated); ``key`` decides the colour.
    """
    pairs = frame.select(key, label).unique(maintain_order=True).sort(
        pl.col(key).map_elements(lambda w: list(STATUS_COLOURS).index(status(w)), return_dtype=pl.Int64))
    domain = pairs[label].cast(pl.String).to_list()
    colours = [STATUS_COLOURS[status(w)] for w in pairs[key].to_list()]
    return alt.Color(f"{label}:N", title=title, scale=alt.Scale(domain=domain, range=colours),
                     legend=alt.Legend() if legend else None)


def axis_title(label: str, unit: str, lang: str = "en") -> str:
    """'Label (unit)': the unit of every axis and column, 'count' in the page language."""
    return f"{label} ({t('unit_count', lang) if unit == 'count' else unit})"


def _q_axis(unit: str) -> alt.Axis:
    fmt = UNIT_FORMATS.get(unit, "~r")
    return alt.Axis(format=fmt, tickMinStep=1 if unit == "count" else alt.Undefined)


def _datetime(iso: str) -> alt.DateTime:
    """An ISO time as a Vega-Lite DateTime (local, like the naive times of the data)."""
    d = dt.datetime.fromisoformat(iso)
    return alt.DateTime(year=d.year, month=d.month, date=d.day, hours=d.hour, minutes=d.minute, seconds=d.second)


def _time_axis(lang: str, domain: list[str] | None = None, zoom: alt.Parameter | None = None) -> alt.X:
    if zoom is not None:
        scale = alt.Scale(domain={"param": zoom.name, "encoding": "x"})
    elif domain:
        scale = alt.Scale(domain=[_datetime(v) for v in domain])
    else:
        scale = alt.Undefined
    axis = alt.Axis(format="%m-%d %H:%M", labelAngle=0, labelOverlap=True)
    return alt.X("time:T", title=t("time", lang), axis=axis, scale=scale)


def _crosshair(frame: pl.DataFrame, x: alt.X, value_title: str, unit: str, lang: str) -> list[alt.Chart]:
    """A vertical rule and the values at the pointer's nearest time (a crosshair)."""
    hover = alt.selection_point(name=f"hover{next(_names)}", on="pointermove", nearest=True,
                                encodings=["x"], empty=False, clear="pointerout")
    fmt = UNIT_FORMATS.get(unit, "~r")
    base = alt.Chart(frame)
    points = base.mark_point(size=40, filled=True).encode(
        x, alt.Y("value:Q"), alt.Color("series:N"),
        opacity=alt.when(hover).then(alt.value(1)).otherwise(alt.value(0)),
        tooltip=[alt.Tooltip("time:T", title=t("time", lang), format="%Y-%m-%d %H:%M:%S"),
                 alt.Tooltip("server:N", title=t("server", lang)),
                 alt.Tooltip("series:N", title=t("metric", lang)),
                 alt.Tooltip("value:Q", title=value_title, format=fmt if fmt != "d" else ",d")],
    ).add_params(hover)
    rule = base.mark_rule(color="#555", strokeWidth=0.8).encode(x).transform_filter(hover)
    return [_plain(points), _plain(rule)]


def lines(frame: pl.DataFrame, *, label: str, unit: str, title: str = "", lang: str = "en",
          domain: list[str] | None = None, zoom: alt.Parameter | None = None,
          scale_top: float | None = None) -> alt.LayerChart:
    """Value over time, one line per server and series (time, server, series, value), with a crosshair.

    ``domain`` fixes the time axis (ISO bounds) so that charts of one window
    line up; ``zoom`` (from :func:`linked`) makes the axis follow its brush.
    A downsampled frame (``bucket_s``, see :func:`clpkit.report.data.downsample`)
    gets a subtitle saying the bucket size. Bytes are drawn in the binary
    unit of the largest value (or of ``scale_top``, a limit drawn beside
    them): :func:`clpkit.units.axis_unit`.
    """
    title = _bucket_title(frame, title, lang)
    frame = frame.select("time", "server", "series", "value")
    divisor, unit = axis_unit(unit, scale_top if scale_top is not None else _top(frame))
    if divisor != 1:
        frame = frame.with_columns(pl.col("value") / divisor)
    x = _time_axis(lang, domain, zoom)
    y_title = axis_title(label, unit, lang)
    line = alt.Chart(frame).mark_line(clip=True).encode(
        x,
        alt.Y("value:Q", title=y_title, axis=_q_axis(unit)),
        alt.Color("series:N", title=t("metric", lang)),
        alt.StrokeDash("server:N", title=t("server", lang)),
    )
    return alt.layer(_plain(line), *_crosshair(frame, x, y_title, unit, lang), title=title)


def _bucket_title(frame: pl.DataFrame, title: str, lang: str) -> str | alt.TitleParams:
    """The title, with "lowest and highest of 15 min" below it when the frame was bucketed."""
    if "bucket_s" not in frame.columns or frame.is_empty() or not frame["bucket_s"][0]:
        return title
    return alt.TitleParams(title, subtitle=t("per_bucket", lang).format(size=bucket_text(int(frame["bucket_s"][0]))))


def against_limit(frame: pl.DataFrame, limit: float | None, *, label: str, unit: str, limit_label: str,
                  title: str = "", lang: str = "en", domain: list[str] | None = None,
                  zoom: alt.Parameter | None = None) -> alt.LayerChart:
    """:func:`lines` with the configured limit as a red dashed rule, labelled (no rule when unknown)."""
    top = None if limit is None else max(float(limit), _top(frame) or 0.0)
    base = lines(frame, label=label, unit=unit, title=title, lang=lang, domain=domain, zoom=zoom, scale_top=top)
    if limit is None:
        return base
    divisor, _ = axis_unit(unit, top)
    return alt.layer(base, *threshold(float(limit), limit_label, unit, axis="y", divisor=divisor))


def _top(frame: pl.DataFrame) -> float | None:
    """The largest absolute value of the frame's ``value``, which picks an axis unit."""
    if frame.is_empty():
        return None
    top = frame.select(pl.col("value").abs().max()).item()
    return None if top is None else float(top)


def threshold(value: float, label: str, unit: str, *, axis: str = "y", colour: str | None = None,
              divisor: float = 1) -> list[alt.Chart]:
    """A dashed rule at ``value`` with its label ('Ack timeout: 100 s'), for any chart.

    ``divisor``: the axis's unit (bytes drawn in GiB); the label keeps the value's own.
    """
    colour = colour or STATUS_COLOURS["error"]
    shown = f"{label}: {human(value, unit)}"
    data = pl.DataFrame({"limit": [value / divisor], "label": [shown]})
    enc = alt.Y("limit:Q") if axis == "y" else alt.X("limit:Q")
    rule = alt.Chart(data).mark_rule(color=colour, strokeDash=[6, 3], strokeWidth=1.5).encode(enc, tooltip=["label:N"])
    if axis == "y":
        text = alt.Chart(data).mark_text(align="left", baseline="top", dx=4, dy=3, color=colour).encode(
            enc, alt.X(datum=0, type="quantitative", scale=None), alt.Text("label:N"))
    else:
        text = alt.Chart(data).mark_text(align="left", baseline="top", dx=4, dy=2, color=colour).encode(
            enc, alt.Y(datum=0, type="quantitative", scale=None), alt.Text("label:N"))
    return [_plain(rule), _plain(text)]


def bars(frame: pl.DataFrame, *, x: str, y: str, label: str, unit: str, y_title: str, title: str = "",
         lang: str = "en") -> alt.Chart:
    """Horizontal bars: a quantity ``x`` (in ``unit``) per category ``y``, longest first."""
    x_title = axis_title(label, unit, lang)
    return alt.Chart(frame.select(x, y), title=title).mark_bar(color=PALETTE[0]).encode(
        alt.X(f"{x}:Q", title=x_title, axis=_q_axis(unit)),
        alt.Y(f"{y}:N", title=y_title, sort="-x", axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:Q", title=x_title, format=",.2f")],
    )


def timeout_use(frame: pl.DataFrame, *, title: str = "", lang: str = "en", warn_pct: float = 80.0) -> alt.LayerChart:
    """Use of timeout per monitor (name, max_s, timeout_s, use_pct), with the timeout as a threshold line.

    A monitor that used its whole timeout (the cause of a failover) draws a
    bar reaching the 100 % line; red from 100 %, orange from ``warn_pct``.
    """
    shown = frame.select("name", "max_s", "timeout_s", "use_pct").with_columns(
        state=pl.when(pl.col("use_pct") >= 100).then(pl.lit("error"))
        .when(pl.col("use_pct") >= warn_pct).then(pl.lit("warning")).otherwise(pl.lit("ok")))
    shown = shown.with_columns(state_label=pl.col("state").replace_strict(
        {"error": t("timeout_reached", lang), "warning": t("timeout_near", lang), "ok": t("timeout_fine", lang)}))
    top = max(110.0, float(shown["use_pct"].max() or 0) * 1.05)
    x_title = axis_title(t("timeout_use", lang), "%", lang)
    bars_ = alt.Chart(shown).mark_bar().encode(
        alt.X("use_pct:Q", title=x_title, scale=alt.Scale(domain=[0, top]), axis=_q_axis("%")),
        alt.Y("name:N", title=t("name", lang), sort="-x", axis=alt.Axis(labelLimit=260)),
        status_colour(shown, "state", "state_label", title=t("status", lang)),
        tooltip=[alt.Tooltip("name:N", title=t("name", lang)),
                 alt.Tooltip("max_s:Q", title=axis_title(t("max", lang), "s", lang), format=",.2f"),
                 alt.Tooltip("timeout_s:Q", title=axis_title(t("timeout", lang), "s", lang), format=",.2f"),
                 alt.Tooltip("use_pct:Q", title=x_title, format=".1f")],
    )
    return alt.layer(bars_, *threshold(100.0, t("timeout", lang), "%", axis="x"), title=title)


def outcome_counts(frame: pl.DataFrame, *, title: str = "", lang: str = "en") -> alt.Chart:
    """Stacked counts of results per category (category, result, count), coloured by meaning."""
    shown = frame.select("category", "result", "count").with_columns(
        result_label=pl.col("result").map_elements(lambda r: t_result(r, lang), return_dtype=pl.String),
        category_label=pl.col("category").map_elements(lambda c: cell_word("category", c, lang), return_dtype=pl.String))
    x_title = axis_title(t("count_of", lang), "count", lang)
    return alt.Chart(shown, title=title).mark_bar().encode(
        alt.X("count:Q", title=x_title, axis=_q_axis("count")),
        alt.Y("category_label:N", title=t("category", lang)),
        status_colour(shown, "result", "result_label", title=t("result", lang)),
        tooltip=[alt.Tooltip("category_label:N", title=t("category", lang)),
                 alt.Tooltip("result_label:N", title=t("result", lang)),
                 alt.Tooltip("count:Q", title=x_title, format=",d")],
    )


def t_result(result: str, lang: str) -> str:
    """A cluster statistics result (Success, Failure, ...) in ``lang``; unknown words as written."""
    key = f"result_{str(result).lower()}"
    try:
        return t(key, lang)
    except KeyError:
        return str(result)


def severity_counts(frame: pl.DataFrame, *, title: str = "", lang: str = "en") -> alt.Chart:
    """Findings per severity (severity, count), coloured by severity, labels in ``lang``."""
    shown = frame.select("severity", "count").with_columns(
        severity_label=pl.col("severity").map_elements(lambda s: t(s, lang) if s in SEVERITY_COLOURS else s,
                                                        return_dtype=pl.String))
    x_title = axis_title(t("findings", lang), "count", lang)
    return alt.Chart(shown, title=title).mark_bar().encode(
        alt.X("count:Q", title=x_title, axis=_q_axis("count")),
        alt.Y("severity_label:N", title=t("severity", lang), sort=shown["severity_label"].to_list()),
        status_colour(shown, "severity", "severity_label", title=t("severity", lang), legend=False),
        tooltip=[alt.Tooltip("severity_label:N", title=t("severity", lang)),
                 alt.Tooltip("count:Q", title=x_title, format=",d")],
    )


def event_timeline(events: pl.DataFrame, *, title: str = "", lang: str = "en",
                   domain: list[str] | None = None, zoom: alt.Parameter | None = None) -> alt.Chart:
    """Events as ticks per server over time (time, server, level, module, message), coloured by level."""
    shown = events.select("time", "server", "level", "module", "message").with_columns(
        pl.col("level").cast(pl.String).fill_null("-"))
    shown = shown.with_columns(level_label=pl.col("level").map_elements(
        lambda v: level_word(v, lang), return_dtype=pl.String))
    return _plain(
        alt.Chart(shown, title=title)
        .mark_tick(thickness=2, size=18, clip=True)
        .encode(
            _time_axis(lang, domain, zoom),
            alt.Y("server:N", title=t("server", lang)),
            status_colour(shown, "level", "level_label", title=t("level", lang)),
            tooltip=[alt.Tooltip("time:T", title=t("time", lang), format="%Y-%m-%d %H:%M:%S"),
                     alt.Tooltip("server:N", title=t("server", lang)),
                     alt.Tooltip("module:N", title=t("module", lang)),
                     alt.Tooltip("level_label:N", title=t("level", lang)),
                     alt.Tooltip("message:N", title=t("message", lang))],
        )
        .properties(height=alt.Step(30))
    )


def overlay(metric: alt.Chart | alt.LayerChart, marks: pl.DataFrame, *, lang: str = "en",
            labels: int = 12) -> alt.LayerChart:
    """A metric chart with labelled event markers (marks: time, label).

    Every mark is a red rule with the whole text in its tooltip; the first
    ``labels`` marks also carry a short label at the top of the chart.
    """
    shown = marks.select("time", "label").with_columns(
        short=pl.when(pl.int_range(pl.len()) < labels)
        .then(pl.col("label").str.slice(0, 40)).otherwise(pl.lit("")))
    rules = alt.Chart(shown).mark_rule(color=STATUS_COLOURS["error"], opacity=0.55, strokeDash=[2, 2]).encode(
        alt.X("time:T"), tooltip=[alt.Tooltip("time:T", title=t("time", lang), format="%Y-%m-%d %H:%M:%S"),
                                  alt.Tooltip("label:N", title=t("events", lang))])
    text = alt.Chart(shown).mark_text(angle=270, align="right", baseline="bottom", dx=-2, dy=-2, fontSize=9,
                                      color=STATUS_COLOURS["error"]).encode(
        alt.X("time:T"), alt.Y(datum=0, type="quantitative", scale=None), alt.Text("short:N"))
    return alt.layer(metric, _plain(rules), _plain(text))


def overview(frame: pl.DataFrame, zoom: alt.Parameter, *, lang: str = "en",
             domain: list[str] | None = None) -> alt.Chart:
    """The strip under linked charts: how much data there is over time; drag on it to zoom them all."""
    times = frame.select(pl.col("time").unique().sort())
    counts = times.gather_every(max(1, times.height // OVERVIEW_TICKS))
    return _plain(
        alt.Chart(counts, title=alt.TitleParams(t("zoom_hint", lang), fontSize=11, fontWeight="normal", color="#555"))
        .mark_tick(color=PALETTE[4], opacity=0.5, thickness=1)
        .encode(_time_axis(lang, domain))
        .properties(height=36)
        .add_params(zoom)
    )


def linked(panels: list, frames: list[pl.DataFrame], *, lang: str = "en", domain: list[str] | None = None):
    """Time charts of one page stacked on one time axis, zoomed together by a brush on an overview strip.

    ``panels`` are functions ``zoom -> chart`` (e.g. ``lambda z: lines(..., zoom=z)``);
    ``frames`` give the overview its times. Returns a vertically concatenated chart.
    """
    value = {"x": [_datetime(v) for v in domain]} if domain else alt.Undefined
    zoom = alt.selection_interval(name=f"zoom{next(_names)}", encodings=["x"], value=value)
    charts = [make(zoom) for make in panels]
    with_rows = [f.select(pl.col("time").cast(pl.Datetime("ms"))) for f in frames if f.height]
    times = pl.concat(with_rows) if with_rows else pl.DataFrame(schema={"time": pl.Datetime("ms")})
    # The resolve given to the constructor: .resolve_scale() copies the whole chart again (same spec, slower).
    details = alt.vconcat(*charts, spacing=18, resolve=alt.Resolve(scale=alt.ScaleResolveMap(
        x="shared", color="independent", strokeDash="independent")))
    return alt.vconcat(details, overview(times, zoom, lang=lang, domain=domain), spacing=10,
                       resolve=alt.Resolve(scale=alt.ScaleResolveMap(x="independent", color="independent")))


def trend(frame: pl.DataFrame, *, title: str = "", lang: str = "en") -> alt.Chart:
    """Findings per severity across report runs (run_time, metric = severity, value = count)."""
    shown = frame.select("run_time", "metric", "value").with_columns(
        label=pl.col("metric").map_elements(lambda s: t(s, lang) if s in SEVERITY_COLOURS else s,
                                             return_dtype=pl.String))
    y_title = axis_title(t("findings", lang), "count", lang)
    return (
        alt.Chart(shown, title=title)
        .mark_line(point=True)
        .encode(
            alt.X("run_time:T", title=t("run", lang), axis=alt.Axis(format="%m-%d %H:%M", labelAngle=0)),
            alt.Y("value:Q", title=y_title, axis=_q_axis("count")),
            status_colour(shown, "metric", "label", title=t("severity", lang)),
            tooltip=[alt.Tooltip("run_time:T", title=t("run", lang), format="%Y-%m-%d %H:%M"),
                     alt.Tooltip("label:N", title=t("severity", lang)),
                     alt.Tooltip("value:Q", title=y_title, format=",d")],
        )
    )

"""Every chart of every report: a function from a polars frame to an altair chart.

Frames arrive already aggregated (see :mod:`clpkit.report.data`), so no
chart carries more than a few thousand rows (altair refuses more than
5,000). Encodings always name their type (``:T`` time, ``:Q`` quantity,
``:N`` category). Importing this module registers and enables the one
theme, ``clpkit``, so that all reports look alike.

Long frames are the common shape: ``time``, ``server``, ``series``
(what is drawn, e.g. "Write"), ``value``.

>>> import datetime as dt
>>> f = pl.DataFrame({"time": [dt.datetime(2026, 1, 1)], "server": ["sv1"],
...                   "series": ["Write"], "value": [1.0]})
>>> spec = lines(f, y_title="bytes/s").to_dict()
>>> spec["encoding"]["x"]["type"], spec["config"]["view"]["continuousWidth"]
('temporal', 640)
"""

from __future__ import annotations

import datetime as dt

import clpkit.report  # noqa: F401  (before altair: see clpkit.report on its start-up time)
import altair as alt
import polars as pl

from clpkit.report.i18n import MESSAGES, t

THEME = "clpkit"
WIDTH = 640
PALETTE = ["#1f5fa8", "#e07b00", "#2c9c4a", "#c0392b", "#7d4fa8", "#6b6b6b", "#b5a000", "#0097a7"]
SEVERITY_COLOURS = {"critical": "#8e0000", "error": "#c0392b", "warning": "#e07b00", "info": "#1f5fa8"}


@alt.theme.register(THEME, enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "view": {"continuousWidth": WIDTH, "continuousHeight": 220, "stroke": None},
            "font": "sans-serif",
            "range": {"category": PALETTE},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridColor": "#e6e6e6"},
            "legend": {"orient": "bottom", "labelFontSize": 11, "titleFontSize": 12},
            "title": {"fontSize": 14, "anchor": "start"},
            "line": {"strokeWidth": 1.5},
        }
    }


def _datetime(iso: str) -> alt.DateTime:
    """An ISO time as a Vega-Lite DateTime (local, like the naive times of the data)."""
    d = dt.datetime.fromisoformat(iso)
    return alt.DateTime(year=d.year, month=d.month, date=d.day, hours=d.hour, minutes=d.minute, seconds=d.second)


def _time_axis(lang: str, domain: list[str] | None = None) -> alt.X:
    scale = alt.Scale(domain=[_datetime(v) for v in domain]) if domain else alt.Undefined
    return alt.X("time:T", title=t("time", lang), axis=alt.Axis(format="%m-%d %H:%M", labelAngle=0), scale=scale)


def lines(frame: pl.DataFrame, *, y_title: str, title: str = "", lang: str = "en",
          domain: list[str] | None = None) -> alt.Chart:
    """Value over time, one line per server and series (time, server, series, value).

    ``domain`` fixes the time axis (ISO bounds), so that charts of one window line up.
    A downsampled frame (``bucket_s``, see :func:`clpkit.report.data.downsample`)
    gets a subtitle saying the bucket size.
    """
    return (
        alt.Chart(frame.select("time", "server", "series", "value"), title=_bucket_title(frame, title, lang))
        .mark_line(clip=True)
        .encode(
            _time_axis(lang, domain),
            alt.Y("value:Q", title=y_title),
            alt.Color("series:N", title=t("metric", lang)),
            alt.StrokeDash("server:N", title=t("server", lang)),
            tooltip=[alt.Tooltip("time:T", format="%Y-%m-%d %H:%M"), "server:N", "series:N", "value:Q"],
        )
    )


def _bucket_title(frame: pl.DataFrame, title: str, lang: str) -> str | alt.TitleParams:
    """The title, with "lowest and highest of 15 min" below it when the frame was bucketed."""
    from clpkit.report.data import bucket_text

    if "bucket_s" not in frame.columns or frame.is_empty() or not frame["bucket_s"][0]:
        return title
    return alt.TitleParams(title, subtitle=t("per_bucket", lang).format(size=bucket_text(int(frame["bucket_s"][0]))))


def against_limit(
    frame: pl.DataFrame, limit: float | None, *, y_title: str, limit_label: str, title: str = "", lang: str = "en"
) -> alt.LayerChart | alt.Chart:
    """:func:`lines` with the configured limit as a red rule (no rule when unknown)."""
    base = lines(frame, y_title=y_title, title=title, lang=lang)
    if limit is None:
        return base
    rule_data = pl.DataFrame({"limit": [float(limit)], "label": [f"{limit_label}: {limit:g}"]})
    rule = alt.Chart(rule_data).mark_rule(color="#c0392b", strokeDash=[6, 3]).encode(
        alt.Y("limit:Q"), tooltip=["label:N"]
    )
    text = alt.Chart(rule_data).mark_text(align="left", dx=4, dy=-6, color="#c0392b").encode(
        alt.Y("limit:Q"), alt.X(datum=0, type="quantitative", scale=None), alt.Text("label:N")
    )
    return alt.layer(base, rule, text)


def bars(frame: pl.DataFrame, *, x: str, y: str, x_title: str, y_title: str, colour: str | None = None,
         title: str = "", lang: str = "en") -> alt.Chart:
    """Horizontal bars: a quantity ``x`` per category ``y`` (optionally coloured by ``colour``)."""
    enc = [alt.X(f"{x}:Q", title=x_title), alt.Y(f"{y}:N", title=y_title, sort="-x")]
    tooltip = [f"{y}:N", alt.Tooltip(f"{x}:Q", format=",.2f")]
    if colour:
        enc.append(alt.Color(f"{colour}:N", title=t(colour, lang) if colour in MESSAGES else colour))
        tooltip.append(f"{colour}:N")
    return alt.Chart(frame, title=title).mark_bar().encode(*enc, tooltip=tooltip)


def headroom(frame: pl.DataFrame, *, title: str = "", lang: str = "en") -> alt.Chart:
    """Monitor headroom % (name, headroom_pct): red under 20 %, orange under 50 %."""
    colour = (
        alt.when(alt.datum.headroom_pct < 20).then(alt.value("#c0392b"))
        .when(alt.datum.headroom_pct < 50).then(alt.value("#e07b00"))
        .otherwise(alt.value("#2c9c4a"))
    )
    return (
        alt.Chart(frame.select("name", "headroom_pct"), title=title)
        .mark_bar()
        .encode(
            alt.X("headroom_pct:Q", title=t("headroom_pct", lang), scale=alt.Scale(domain=[0, 100])),
            alt.Y("name:N", title=t("name", lang), sort="x"),
            color=colour,
            tooltip=["name:N", alt.Tooltip("headroom_pct:Q", format=".1f")],
        )
    )


def outcome_counts(frame: pl.DataFrame, *, title: str = "", lang: str = "en") -> alt.Chart:
    """Stacked counts of results per category (category, result, count)."""
    return (
        alt.Chart(frame.select("category", "result", "count"), title=title)
        .mark_bar()
        .encode(
            alt.X("count:Q", title=t("count", lang)),
            alt.Y("category:N", title=t("category", lang)),
            alt.Color("result:N", title=t("result", lang)),
            tooltip=["category:N", "result:N", "count:Q"],
        )
    )


def severity_counts(frame: pl.DataFrame, *, title: str = "", lang: str = "en") -> alt.Chart:
    """Findings per severity (severity, count), coloured by severity."""
    order = list(SEVERITY_COLOURS)
    return (
        alt.Chart(frame.select("severity", "count"), title=title)
        .mark_bar()
        .encode(
            alt.X("count:Q", title=t("count", lang)),
            alt.Y("severity:N", title=t("severity", lang), sort=order),
            alt.Color("severity:N", scale=alt.Scale(domain=order, range=list(SEVERITY_COLOURS.values())), legend=None),
            tooltip=["severity:N", "count:Q"],
        )
    )


def event_timeline(events: pl.DataFrame, *, title: str = "", lang: str = "en",
                   domain: list[str] | None = None) -> alt.Chart:
    """Events as ticks per server over time (time, server, level, module, message)."""
    return (
        alt.Chart(events.select("time", "server", "level", "module", "message"), title=title)
        .mark_tick(thickness=2, size=18, clip=True)
        .encode(
            _time_axis(lang, domain),
            alt.Y("server:N", title=t("server", lang)),
            alt.Color("level:N", title=t("level", lang)),
            tooltip=[alt.Tooltip("time:T", format="%Y-%m-%d %H:%M:%S"), "server:N", "module:N", "level:N", "message:N"],
        )
        .properties(height=alt.Step(30))
    )


def overlay(metric: alt.Chart | alt.LayerChart, marks: pl.DataFrame, *, lang: str = "en") -> alt.LayerChart:
    """A metric chart with vertical rules at event times (marks: time, label)."""
    rules = alt.Chart(marks.select("time", "label")).mark_rule(color="#7d4fa8", opacity=0.6).encode(
        alt.X("time:T"), tooltip=[alt.Tooltip("time:T", format="%Y-%m-%d %H:%M:%S"), "label:N"]
    )
    return alt.layer(metric, rules)


def trend(frame: pl.DataFrame, *, title: str = "", lang: str = "en") -> alt.Chart:
    """Key figures across report runs (run_time, metric, value), one small line per metric."""
    return (
        alt.Chart(frame.select("run_time", "metric", "value"), title=title)
        .mark_line(point=True)
        .encode(
            alt.X("run_time:T", title=t("run", lang)),
            alt.Y("value:Q", title=t("value", lang)),
            alt.Color("metric:N", title=t("metric", lang)),
            tooltip=[alt.Tooltip("run_time:T", format="%Y-%m-%d %H:%M"), "metric:N", "value:Q"],
        )
    )

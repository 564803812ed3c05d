"""The merged event timeline of a window, and the marks it puts on metric charts.

Without ``since``/``until`` the window is the most recent incident: the
error-level events of the :data:`DEFAULT_HOURS` hours before the last one
(or the last event), with :data:`MARGIN` either side, so that the page
opens on it rather than on months of routine lines.

Events are UTC-aware (after the clock-offset correction); statistics are
the servers' naive local time. The incident page converts the events into
the servers' zone (:attr:`clpkit.bundle.Bundle.zone`) first, so dropping
the zone puts both on one naive local axis.

>>> import datetime as dt
>>> times = [dt.datetime(2026, 1, 1, h, tzinfo=dt.UTC) for h in (1, 10, 12)]
>>> ev = pl.DataFrame({"time": times, "level": ["ERROR", "ERROR", "ERROR"]})
>>> default_window(ev, "", "")
('2026-01-01T09:30:00', '2026-01-01T12:30:00')
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from clpkit.report import data

DEFAULT_HOURS = 6
MARGIN = dt.timedelta(minutes=30)
ERROR_LEVELS = ("ERROR", "ERR", "E", "CRITICAL", "CRIT", "ALERT", "EMERG")
MAX_EVENTS = 4000  # chart rows; the table below the chart keeps every event


def default_window(events: pl.DataFrame, since: str, until: str) -> tuple[str, str]:
    """The window to show: the one asked for, else the hours before the last error."""
    if since or until or events.is_empty():
        return since, until
    errors = events.filter(pl.col("level").cast(pl.String).str.to_uppercase().is_in(ERROR_LEVELS))
    times = (errors if not errors.is_empty() else events)["time"].dt.replace_time_zone(None)
    last = times.max()
    first = times.filter(times >= last - dt.timedelta(hours=DEFAULT_HOURS)).min()
    return (first - MARGIN).isoformat(timespec="seconds"), (last + MARGIN).isoformat(timespec="seconds")


def domain(start: str, end: str) -> list[str] | None:
    """The time axis of every chart of the window (None: each chart fits its data)."""
    return [start, end] if start and end else None


def window_text(start: str, end: str, lang: str) -> str:
    """The window in words: 'Window: 2026-01-01 02:40:00 – 2026-01-01 03:53:00'."""
    from clpkit.i18n import t

    first = start.replace("T", " ") if start else t("from_start", lang)
    last = end.replace("T", " ") if end else t("to_end", lang)
    return f"{t('window', lang)}: {first} – {last}"


def naive(frame: pl.DataFrame, col: str = "time") -> pl.DataFrame:
    """``col`` without its time zone (see the module note)."""
    if getattr(frame.schema[col], "time_zone", None):
        return frame.with_columns(pl.col(col).dt.replace_time_zone(None).cast(pl.Datetime("ms")))
    return frame


def events_in_window(events: pl.DataFrame, since: str, until: str, zone=None) -> pl.DataFrame:
    """The events of the window, naive times (in the zone the events are in), sorted.

    ``zone`` reads bounds without an offset (the servers' zone, :attr:`Bundle.zone`).
    """
    return naive(data.window(events, since, until, zone=zone)).sort("time")


def chart_events(events: pl.DataFrame) -> pl.DataFrame:
    """At most MAX_EVENTS events for the chart: errors and warnings first."""
    if events.height <= MAX_EVENTS:
        return events
    rank = pl.col("level").cast(pl.String).str.to_uppercase().str.slice(0, 1).replace_strict(
        {"E": 0, "C": 0, "A": 0, "W": 1}, default=2, return_dtype=pl.Int8)
    return events.with_columns(_r=rank).sort("_r", "time").head(MAX_EVENTS).drop("_r").sort("time")


def marks(events: pl.DataFrame, every: str = "5m", lang: str = "en") -> pl.DataFrame:
    """Error-level events as (time, label) for vertical rules on metric charts.

    A monitor failing every minute would paint a solid band: only the first
    error of each server in each ``every`` bucket gets a rule. The product
    writes its messages in English, so a Japanese label names the error and
    its event id; the message itself stays in the event table.
    """
    errors = events.filter(pl.col("level").cast(pl.String).str.to_uppercase().is_in(ERROR_LEVELS))
    first = errors.sort("time").with_columns(pl.col("time").dt.truncate(every).alias("_b")).unique(
        ["server", "_b"], keep="first", maintain_order=True)
    return first.select(
        "time",
        label=pl.concat_str(pl.col("server"), pl.lit(": "), _mark_text(lang), ignore_nulls=True),
    ).head(200)


def _mark_text(lang: str) -> pl.Expr:
    if lang == "ja":
        return pl.concat_str(pl.lit("エラー (イベント ID "), pl.col("event_id").cast(pl.String).fill_null("-"), pl.lit(")"))
    return pl.col("message").cast(pl.String).str.slice(0, 80)


REPEAT_KEY = ("server", "level", "module", "event_id", "message")
# Numbers standing alone in a message (times, durations, return codes), not those in names such as mdw1.
NUMBERS = r"\b\d+(?:[.:/]\d+)*\b"


def event_table(events: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """The events of the window for reading: repeats collapsed into one row with a count, file:line of each.

    A monitor failing every minute writes the same line a hundred times (only
    its times and durations differ); one row says when it started, when it
    last happened and how often ("×128"), and where the first one is written
    (file:line). Lines that differ only in their standalone numbers count as
    repeats; names such as ``mdw1`` and ``mdw2`` stay apart.

    >>> import datetime as dt
    >>> ev = pl.DataFrame({"time": [dt.datetime(2026, 1, 1, 0, m) for m in range(3)], "server": ["sv1"] * 3,
    ...     "level": ["ERROR"] * 3, "module": ["rm"] * 3, "event_id": [9, 9, 9],
    ...     "message": ["mdw1 failed in 112 ms", "mdw1 failed in 98 ms", "mdw2 failed in 98 ms"],
    ...     "source": ["sv1/log/alert.log"] * 3, "line": [10, 11, 12]})
    >>> event_table(ev).select("count", "source").rows()
    [('×2', 'sv1/log/alert.log:10'), ('', 'sv1/log/alert.log:12')]
    >>> event_table(ev, "ja")["level"].to_list()
    ['エラー', 'エラー']
    """
    from clpkit.i18n import t

    keys = [c for c in REPEAT_KEY if c in events.columns and c != "message"]
    where = (pl.col("source").cast(pl.String) + pl.lit(":") + pl.col("line").cast(pl.String)) \
        if {"source", "line"} <= set(events.columns) else pl.lit(None, pl.String)
    shape = pl.col("message").cast(pl.String).str.replace_all(NUMBERS, "#") if "message" in events.columns else pl.lit("")
    grouped = (
        events.sort("time").with_columns(_where=where, _shape=shape)
        .group_by([*keys, "_shape"], maintain_order=True)
        .agg(pl.col("time").min().alias("time"), pl.col("time").max().alias("last_time"),
             pl.len().alias("_n"), pl.col("_where").first().alias("source"),
             *([pl.col("message").first()] if "message" in events.columns else []))
        .sort("time")
        .with_columns(count=pl.when(pl.col("_n") > 1).then(pl.format("×{}", pl.col("_n"))).otherwise(pl.lit("")),
                      last_time=pl.when(pl.col("_n") > 1).then(pl.col("last_time")))
    )
    if lang != "en" and "level" in keys:  # the level in the page's words (エラー, 警告); messages stay as the product wrote them
        from clpkit.charts import level_word

        grouped = grouped.with_columns(pl.col("level").cast(pl.String).map_elements(
            lambda v: level_word(v, lang), return_dtype=pl.String))
    return grouped.select("time", "last_time", "count", *keys, *(["message"] if "message" in events.columns else []),
                          "source")


def charts_for(shown: pl.DataFrame, rules: pl.DataFrame, mirror_stats: pl.DataFrame, system_stats: pl.DataFrame,
               lang: str, axis: list[str] | None) -> list:
    """The window's time charts linked on one axis: events, each mirror's Ack time, CPU and use of limits.

    Error events are labelled markers on the metric charts.
    """
    from clpkit import charts
    from clpkit.report import mirror, system
    from clpkit.i18n import t

    panels, frames = [], []
    if shown.height:
        panels.append(lambda z: charts.event_timeline(shown, title=t("events", lang), lang=lang, zoom=z))
        frames.append(shown)
    names = sorted(mirror_stats["mirror"].drop_nulls().unique().to_list()) if "mirror" in mirror_stats.columns else []
    for name in names:
        ack = mirror.series(mirror_stats, name, "ack", lang)
        if ack.height:
            panels.append(lambda z, ack=ack, name=name: charts.overlay(charts.lines(
                ack, label=t("ack_time", lang), unit="ms", title=f"{name}: {t('ack_time', lang)}", lang=lang, zoom=z),
                rules, lang=lang))
            frames.append(ack)
    cpu = system.cpu_frame(system_stats, lang)
    if cpu.height:
        panels.append(lambda z: charts.overlay(charts.lines(
            cpu, label=t("cpu_share", lang), unit="%", title=t("cpu", lang), lang=lang, zoom=z), rules, lang=lang))
        frames.append(cpu)
    util = system.utilisation_chart_frame(system_stats, lang)
    if util.height:
        panels.append(lambda z: charts.overlay(charts.lines(
            util, label=t("utilisation_pct", lang), unit="%", title=t("limits_use", lang), lang=lang, zoom=z),
            rules, lang=lang))
        frames.append(util)
    return [charts.linked(panels, frames, lang=lang, domain=axis)] if panels else []

"""The merged event timeline of a window, and the marks it puts on metric charts.

Without ``since``/``until`` the window is the :data:`DEFAULT_HOURS` hours
before the last error-level event (or the last event), so that the page
opens on the most recent incident rather than on months of routine lines.

Events are UTC-aware (after the clock-offset correction); statistics are
the servers' naive local time. The charts put both on one naive axis by
dropping the zone (servers keep their clock in UTC on most clusters; when
they do not, the overlay is shifted by the zone offset, and the tables say
which times are which).

>>> import datetime as dt
>>> ev = pl.DataFrame({"time": [dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)], "level": ["ERROR"]})
>>> default_window(ev, "", "")
('2026-01-01T06:00:00', '2026-01-01T12:30:00')
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from clpkit.report import data

DEFAULT_HOURS = 6
ERROR_LEVELS = ("ERROR", "ERR", "E", "CRITICAL", "CRIT", "ALERT", "EMERG")
MAX_EVENTS = 4000  # chart rows; the table below the chart keeps every event


def default_window(events: pl.DataFrame, since: str, until: str) -> tuple[str, str]:
    """The window to show: the one asked for, else the hours before the last error."""
    if since or until or events.is_empty():
        return since, until
    errors = events.filter(pl.col("level").cast(pl.String).str.to_uppercase().is_in(ERROR_LEVELS))
    last = (errors if not errors.is_empty() else events)["time"].max()
    last = last.replace(tzinfo=None)
    lo = last - dt.timedelta(hours=DEFAULT_HOURS)
    hi = last + dt.timedelta(minutes=30)
    return lo.isoformat(timespec="seconds"), hi.isoformat(timespec="seconds")


def naive(frame: pl.DataFrame, col: str = "time") -> pl.DataFrame:
    """``col`` without its time zone (see the module note)."""
    if getattr(frame.schema[col], "time_zone", None):
        return frame.with_columns(pl.col(col).dt.replace_time_zone(None).cast(pl.Datetime("ms")))
    return frame


def events_in_window(events: pl.DataFrame, since: str, until: str) -> pl.DataFrame:
    """The events of the window, naive times, sorted."""
    return naive(data.window(events, since, until)).sort("time")


def chart_events(events: pl.DataFrame) -> pl.DataFrame:
    """At most MAX_EVENTS events for the chart: errors and warnings first."""
    if events.height <= MAX_EVENTS:
        return events
    rank = pl.col("level").cast(pl.String).str.to_uppercase().str.slice(0, 1).replace_strict(
        {"E": 0, "C": 0, "A": 0, "W": 1}, default=2, return_dtype=pl.Int8)
    return events.with_columns(_r=rank).sort("_r", "time").head(MAX_EVENTS).drop("_r").sort("time")


def marks(events: pl.DataFrame) -> pl.DataFrame:
    """Error-level events as (time, label) for vertical rules on metric charts."""
    errors = events.filter(pl.col("level").cast(pl.String).str.to_uppercase().is_in(ERROR_LEVELS))
    return errors.select(
        "time",
        label=pl.concat_str(pl.col("server"), pl.lit(": "), pl.col("message").cast(pl.String).str.slice(0, 80), ignore_nulls=True),
    ).head(200)

"""Shared preparation for the reports: open, window, reshape, aggregate.

Charts get frames that are already small: :func:`downsample` buckets a long
frame (time, server, series, value) so that each line has at most
``max_points`` points, whatever the length of the period (altair refuses
more than 5,000 rows per chart).

>>> import datetime as dt
>>> f = pl.DataFrame({"time": [dt.datetime(2026, 1, 1, 0, m) for m in range(10)],
...                   "a_b": list(range(10))})
>>> window(f, "2026-01-01T00:05", "").height
5
>>> column(f, "AB")
'a_b'
>>> long = to_long(f, {"a_b": "A"}).with_columns(server=pl.lit("sv1"))
>>> downsample(long, max_points=2)["value"].to_list()
[4.0, 9.0]
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

# Bucket sizes tried in order; the first that keeps a line under max_points wins.
_BUCKETS = [("1m", 60), ("5m", 300), ("15m", 900), ("30m", 1800), ("1h", 3600), ("3h", 10800),
            ("6h", 21600), ("12h", 43200), ("1d", 86400), ("7d", 604800)]


def resolve_bundle(path: str | Path) -> Path:
    """``path`` as given, or, when relative and absent here, found in a parent folder.

    A notebook runs with its own folder as working directory (nbval, a bare
    papermill run), so the default ``data/samples/bundle`` is looked up
    towards the repository root.
    """
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    for parent in Path.cwd().resolve().parents:
        if (parent / p).exists():
            return parent / p
    return p


def open_bundle(path: str | Path, tz: str = "", problems: str = ""):
    """The bundle at ``path`` (see :func:`resolve_bundle`); ``tz`` "" detects the servers' zone.

    ``problems`` is the JSON file of what ``clpkit report`` could not unpack
    from the archives (it extracts them once for every notebook): those
    problems are the bundle's own, so every page's notice shows them.
    """
    import json

    import clpkit
    from clpkit.problems import Problem

    lost = []
    if problems and Path(problems).is_file():
        lost = [Problem(**p) for p in json.loads(Path(problems).read_text(encoding="utf-8"))]
    return clpkit.open_bundle(resolve_bundle(path), tz=tz or None, problems=lost)


def parse_time(value: str, tz: str | None = None, zone=None) -> dt.datetime | None:
    """An ISO bound as a datetime (None for ""): aware UTC when ``tz`` is set, else naive local.

    A bound without an offset is in the servers' ``zone`` (:class:`clpkit.zone.Zone`,
    UTC when not given); one with an offset is converted into it.
    """
    from clpkit import zone as zones

    if not value:
        return None
    zone = zone or zones.Zone(zones.UTC, "")
    return zones.bound(value, zone, "since/until") if tz is not None else zones.local_bound(value, zone, "since/until")


def window(frame: pl.DataFrame, since: str, until: str, col: str = "time", zone=None) -> pl.DataFrame:
    """Rows with ``since <= col < until``; empty bounds are open.

    Bounds without an offset are in the servers' ``zone`` (UTC when not
    given). Statistics times are the server's naive local time, so a bound
    is compared as local time there; the event table is UTC-aware, so the
    bound is converted to UTC there.
    """
    dtype = frame.schema[col]
    tz = getattr(dtype, "time_zone", None)
    lo, hi = parse_time(since, tz, zone), parse_time(until, tz, zone)
    cond = pl.lit(True)
    for value, keep in ((lo, lambda c, v: c >= v), (hi, lambda c, v: c < v)):
        if value is not None:
            literal = pl.lit(value).dt.convert_time_zone(tz) if tz else pl.lit(value)
            cond = cond & keep(pl.col(col), literal.dt.cast_time_unit(dtype.time_unit))
    return frame.filter(cond)


def _norm(name: str) -> str:
    # "Watiting" is the guide's own spelling of "Waiting" in two nmpN.cur headers.
    return "".join(ch for ch in name.lower() if ch.isalnum()).replace("watiting", "waiting")


def column(frame: pl.DataFrame, name: str) -> str | None:
    """The frame's column whose name matches ``name`` ignoring case, '_', ' ' and ','."""
    wanted = _norm(name)
    return next((c for c in frame.columns if _norm(c) == wanted), None)


def to_long(frame: pl.DataFrame, series: dict[str, str], by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Columns named in ``series`` (matched by :func:`column`) as rows: time, *by, series, value.

    Columns the frame does not have are skipped, so a file that lacks a field
    gives a chart without that line, not an error.
    """
    present = {column(frame, k): label for k, label in series.items() if column(frame, k)}
    keep = ["time", *[c for c in by if c in frame.columns]]
    if not present:
        return pl.DataFrame(schema={"time": pl.Datetime("ms"), **{c: pl.String for c in keep[1:]},
                                    "series": pl.String, "value": pl.Float64})
    return (
        frame.select(*keep, *[pl.col(c).cast(pl.Float64) for c in present])
        .unpivot(index=keep, variable_name="series", value_name="value")
        .with_columns(pl.col("series").replace_strict(present, return_dtype=pl.String))
        .drop_nulls("value")
    )


def bucket(frame: pl.DataFrame, max_points: int) -> str:
    """The smallest bucket (polars duration) that keeps the time span under ``max_points``."""
    if frame.is_empty():
        return _BUCKETS[0][0]
    span = (frame["time"].max() - frame["time"].min()).total_seconds()
    for every, seconds in _BUCKETS:
        if span / seconds < max_points:
            return every
    return _BUCKETS[-1][0]


def downsample(long: pl.DataFrame, max_points: int = 500, how: str = "max") -> pl.DataFrame:
    """Bucket a long frame per server and series, keeping the max (or mean) of each bucket.

    Max is the default because the reports are about peaks against limits.
    """
    if long.is_empty():
        return long
    every = bucket(long, max_points)
    keys = [c for c in ("server", "series", "mirror") if c in long.columns]
    agg = pl.col("value").max() if how == "max" else pl.col("value").mean()
    return (
        long.sort("time")
        .group_by_dynamic("time", every=every, group_by=keys)
        .agg(agg.cast(pl.Float64))
        .sort(*keys, "time")
        .select("time", *keys, "value")
    )

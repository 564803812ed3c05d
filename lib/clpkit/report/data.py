"""Shared preparation for the reports: open, window, reshape, aggregate.

Charts get frames that are already small: :func:`downsample` cuts the
period into a fixed number of equal buckets and keeps, per line (server,
series), the lowest and the highest sample of each bucket at the moments
they happened, so a one-minute peak stays visible on a 90-day chart. The
result carries the bucket size (``bucket_s``) for the chart to state, and
the number of buckets shrinks when there are many lines so that a chart
never reaches altair's 5,000-row limit (:data:`MAX_CHART_ROWS`).

>>> import datetime as dt
>>> f = pl.DataFrame({"time": [dt.datetime(2026, 1, 1, 0, m) for m in range(10)],
...                   "a_b": list(range(10))})
>>> window(f, "2026-01-01T00:05", "").height
5
>>> column(f, "AB")
'a_b'
>>> long = to_long(f, {"a_b": "A"}).with_columns(server=pl.lit("sv1"))
>>> small = downsample(long, max_points=2)
>>> small["value"].to_list(), small["bucket_s"][0]
([0.0, 9.0], 600)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

# Bucket sizes (seconds) tried in order; the first that gives at most the wanted buckets wins.
_BUCKETS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000)
#: Rows one chart may carry (altair refuses more than 5,000).
MAX_CHART_ROWS = 4000
#: Above this many servers a metric gets one chart per server (panels) instead of one crowded chart.
PANEL_SERVERS = 3


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


def open_bundle(path: str | Path, tz: str = "", problems: str = "", dataset: str = "", zone: str = ""):
    """The bundle at ``path`` (see :func:`resolve_bundle`); ``tz`` "" detects the servers' zone.

    ``problems`` is the JSON file of what ``clpkit report`` could not unpack
    from the archives (it extracts them once for every notebook): those
    problems are the bundle's own, so every page's notice shows them.
    ``dataset`` is the collection's Parquet dataset, which ``clpkit report``
    writes before the notebooks run: tables are then read from it, lazily
    (:class:`clpkit.dataset.DatasetBundle`), not parsed again in each kernel.
    ``zone`` is the zone ``clpkit report`` detected once for every notebook
    (:func:`zone_text`); without ``tz`` it is taken instead of detecting again.
    """
    import json

    import clpkit
    from clpkit import zone as zones
    from clpkit.problems import Problem

    lost = []
    if problems and Path(problems).is_file():
        lost = [Problem(**p) for p in json.loads(Path(problems).read_text(encoding="utf-8"))]
    chosen = tz or None
    if not tz and zone:
        fields = json.loads(zone)
        chosen = zones.Zone(**{**fields, "notes": tuple(fields.get("notes", ()))})
    return clpkit.open_bundle(resolve_bundle(path), tz=chosen, problems=lost, dataset=dataset or None)


def zone_text(zone) -> str:
    """A :class:`clpkit.zone.Zone` as the ``zone`` parameter of a notebook (JSON), read back by :func:`open_bundle`.

    >>> from clpkit.zone import Zone
    >>> z = Zone("Asia/Tokyo", "from sv1/etc/timezone", notes=("n",), kind="file", evidence="sv1/etc/timezone")
    >>> open_bundle("data/samples/bundle", zone=zone_text(z)).zone == z
    True
    """
    import json
    from dataclasses import asdict

    return json.dumps(asdict(zone), ensure_ascii=False)


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


def window(frame: pl.DataFrame | pl.LazyFrame, since: str, until: str, col: str = "time", zone=None):
    """Rows with ``since <= col < until``; empty bounds are open (a LazyFrame stays lazy).

    Bounds without an offset are in the servers' ``zone`` (UTC when not
    given). Statistics times are the server's naive local time, so a bound
    is compared as local time there; the event table is UTC-aware, so the
    bound is converted to UTC there.
    """
    dtype = (frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema)[col]
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


def bucket(frame: pl.DataFrame, max_points: int) -> int:
    """The smallest bucket (seconds) that cuts the time span into at most ``max_points`` buckets."""
    if frame.is_empty():
        return _BUCKETS[0]
    span = (frame["time"].max() - frame["time"].min()).total_seconds()
    return next((s for s in _BUCKETS if span / s < max_points), _BUCKETS[-1])


def downsample(long: pl.DataFrame, max_points: int = 500) -> pl.DataFrame:
    """A long frame reduced to the min and the max of each line in each bucket.

    Each line (server, series, mirror) keeps at most ``max_points`` rows:
    ``max_points // 2`` buckets of equal size, the bucket's lowest and highest
    sample at their own times (one row when they are the same sample). The
    bucket count also shrinks so that the whole frame stays within
    :data:`MAX_CHART_ROWS`. ``bucket_s`` says the bucket size.
    """
    keys = [c for c in ("server", "series", "mirror") if c in long.columns]
    if long.is_empty():
        return long.select("time", *keys, "value").with_columns(bucket_s=pl.lit(0, pl.Int64))
    lines = max(1, long.select(keys).n_unique()) if keys else 1
    buckets = max(1, min(max_points // 2, MAX_CHART_ROWS // (2 * lines)))
    seconds = bucket(long, buckets)
    start = long["time"].min()
    slot = ((pl.col("time") - pl.lit(start)).dt.total_seconds() // seconds).alias("slot")
    ends = (
        long.drop_nulls("value")
        .with_columns(slot, pl.col("value").cast(pl.Float64))
        .group_by(*keys, "slot")
        .agg(
            lo_time=pl.col("time").get(pl.col("value").arg_min()), lo=pl.col("value").min(),
            hi_time=pl.col("time").get(pl.col("value").arg_max()), hi=pl.col("value").max(),
        )
    )
    rows = pl.concat([
        ends.select("lo_time", *keys, "lo").rename({"lo_time": "time", "lo": "value"}),
        ends.select("hi_time", *keys, "hi").rename({"hi_time": "time", "hi": "value"}),
    ])
    return (
        rows.unique(subset=["time", *keys], keep="first")
        .sort(*keys, "time")
        .with_columns(bucket_s=pl.lit(seconds, pl.Int64))
    )


def panels(long: pl.DataFrame, max_points: int = 500) -> list[tuple[str | None, pl.DataFrame]]:
    """One metric's charts, downsampled: [(None, all servers)] or, above
    :data:`PANEL_SERVERS` servers, one (server, frame) per server, so that
    eight servers' lines stay readable and each keeps its bucket detail."""
    if "server" not in long.columns or long["server"].n_unique() <= PANEL_SERVERS:
        return [(None, downsample(long, max_points))]
    names = sorted(long["server"].drop_nulls().unique())
    return [(name, downsample(long.filter(pl.col("server") == name), max_points)) for name in names]

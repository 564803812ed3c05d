"""Per metric and instance: samples, minimum, average, maximum and the time of the maximum.

What ``pmlogsummary`` prints for a PCP archive, for the statistics a
CLUSTERPRO collection holds: every numeric field of the system resource
statistics (instance: the server), of the mirror statistics (instance:
``server:mirror``) and the elapsed time of every group, resource and monitor
(instance: ``server:name``), over a window. Units follow SPEC 3.2-3.4; CPU
counters are in 10 ms per sample.

>>> import datetime as dt
>>> ss = pl.DataFrame({"time": [dt.datetime(2026, 1, 1, 0, m) for m in range(3)], "server": ["sv1"] * 3,
...                    "cpu_utilization": [10.0, 50.0, 30.0]})
>>> summarise_frame(ss, "system", ("server",)).row(0)
('system.cpu_utilization', 'sv1', '%', 3, 10.0, 30.0, 50.0, datetime.datetime(2026, 1, 1, 0, 1))
"""

from __future__ import annotations

import polars as pl

SCHEMA = pl.Schema({"metric": pl.String, "instance": pl.String, "unit": pl.String, "samples": pl.UInt32,
                    "min": pl.Float64, "avg": pl.Float64, "max": pl.Float64, "time_of_max": pl.Datetime("ms")})
NOT_METRICS = {"time", "server", "mirror", "source", "line", "raw", "problem", "seq", "date", "return_code"}


def unit_of(family: str, field: str) -> str:
    """The unit of a statistics field (SPEC 3.2-3.4)."""
    if family == "system":
        if field == "cpu_utilization":
            return "%"
        if field.startswith("cpu_"):
            return "count" if field == "cpu_count" else "10 ms"
        if field.startswith(("memory_", "swap_")):
            return "B"
        return "count"
    if family == "mirror":
        if "ack_time" in field:
            return "ms"
        if "_time_" in field or field.endswith("_time"):
            return "s"
        if field == "compress_ratio":
            return "%"
        if "queue" in field:
            return "count"
        if field.endswith("_avg"):
            return "B/s"
        return "B"
    return "ms"


def summarise_frame(frame: pl.DataFrame, family: str, instance: tuple[str, ...]) -> pl.DataFrame:
    """One row per numeric field and instance of a statistics frame (see the module docstring)."""
    fields = [c for c, t in frame.schema.items() if c not in NOT_METRICS and t.is_numeric()]
    keys = [c for c in instance if c in frame.columns]
    if not fields or frame.is_empty() or not keys:
        return pl.DataFrame(schema=SCHEMA)
    long = (
        frame.select("time", *keys, *[pl.col(c).cast(pl.Float64) for c in fields])
        .unpivot(index=["time", *keys], variable_name="field", value_name="value")
        .drop_nulls("value")
    )
    return (
        long.group_by("field", *keys, maintain_order=True)
        .agg(pl.len().alias("samples"), pl.col("value").min().alias("min"), pl.col("value").mean().alias("avg"),
             pl.col("value").max().alias("max"), pl.col("time").get(pl.col("value").arg_max()).alias("time_of_max"))
        .with_columns(
            metric=pl.lit(family + ".") + pl.col("field"),
            instance=pl.concat_str(*[pl.col(k).cast(pl.String) for k in keys], separator=":"),
            unit=pl.col("field").map_elements(lambda f: unit_of(family, f), return_dtype=pl.String),
        )
        .select(SCHEMA.names())
        .cast(dict(SCHEMA))
    )


def summary(bundle, since=None, until=None) -> pl.DataFrame:
    """Every statistic of ``bundle`` in ``[since, until)`` (naive local times, like the statistics), sorted."""
    parts = []
    for kind, family, instance in (("system_stats", "system", ("server",)), ("mirror_stats", "mirror", ("server", "mirror"))):
        parts.append(summarise_frame(_window(_good(bundle.table(kind)), since, until), family, instance))
    cs = _good(bundle.table("cluster_stats"))
    if not cs.is_empty() and {"category", "name", "elapsed_time_ms", "end_time"} <= set(cs.columns):
        cs = _window(cs.with_columns(time=pl.col("end_time")), since, until)
        for category in sorted(cs["category"].drop_nulls().unique().to_list()):
            part = cs.filter(pl.col("category") == category).select("time", "server", "name", elapsed=pl.col("elapsed_time_ms"))
            parts.append(summarise_frame(part, category, ("server", "name")).with_columns(
                pl.col("metric").str.replace(r"\.elapsed$", ".elapsed_time")))
    return pl.concat(parts).sort("metric", "instance")


def _good(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("problem").is_null()) if "problem" in frame.columns else frame


def _window(frame: pl.DataFrame, since, until) -> pl.DataFrame:
    if frame.is_empty() or "time" not in frame.columns:
        return frame
    if since is not None:
        frame = frame.filter(pl.col("time") >= since)
    if until is not None:
        frame = frame.filter(pl.col("time") < until)
    return frame

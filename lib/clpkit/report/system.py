"""System resource statistics (system.cur): use of each limit and anomalies.

:data:`LIMITS` pairs each current count with the limit it runs into (SPEC
§3.3 field names; columns are matched ignoring case and '_').

>>> import datetime as dt
>>> ss = pl.DataFrame({"time": [dt.datetime(2026, 1, 1)], "server": ["sv1"],
...                    "file_current_size": [900], "file_limit_size": [1000]})
>>> limit_usage(ss).select("resource", "max_pct").row(0)
('Open files', 90.0)
"""

from __future__ import annotations

import polars as pl

from clpkit.report.data import column, downsample, panels, to_long
from clpkit.report.i18n import t

# message key: (current field, limit field)
LIMITS: dict[str, tuple[str, str]] = {
    "memory": ("MemoryCurrentSize", "MemoryTotalSize"),
    "swap": ("SwapCurrentSize", "SwapTotalSize"),
    "threads": ("ThreadCurrentSize", "ThreadLimitSize"),
    "open_files": ("FileCurrentSize", "FileLimitSize"),
    "inodes": ("FileCurrentinode", "FileLimitinode"),
}
CPU = "CPUUtilization"
PROCESSES = "ProcessCurrentCount"
ANOMALY_SIGMA = 4.0  # a sample this many standard deviations from its server's mean


def utilisation(stats: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Long frame (time, server, series, value): % of each limit, and CPU %, per sample."""
    cols = []
    for key, (cur, lim) in LIMITS.items():
        c, lm = column(stats, cur), column(stats, lim)
        if c and lm:
            cols.append((100.0 * pl.col(c).cast(pl.Float64) / pl.col(lm).cast(pl.Float64).replace(0, None)).alias(t(key, lang)))
    cpu = column(stats, CPU)
    if cpu:
        cols.append(pl.col(cpu).cast(pl.Float64).alias(t("cpu_pct", lang).split(" (")[0]))
    wide = stats.select("time", "server", *cols)
    return to_long(wide, {c: c for c in wide.columns if c not in ("time", "server")}, by=("server",))


def utilisation_chart_frame(stats: pl.DataFrame, lang: str = "en", max_points: int = 400) -> pl.DataFrame:
    """:func:`utilisation` bucketed for a chart (max per bucket)."""
    return downsample(utilisation(stats, lang), max_points=max_points)


def utilisation_panels(stats: pl.DataFrame, lang: str = "en", max_points: int = 400) -> list[tuple[str | None, pl.DataFrame]]:
    """:func:`utilisation` as chart frames, one per server when there are many (:func:`~clpkit.report.data.panels`)."""
    return panels(utilisation(stats, lang), max_points)


def counts_panels(stats: pl.DataFrame, lang: str = "en", max_points: int = 400) -> list[tuple[str | None, pl.DataFrame]]:
    """Processes, threads and open files as counts over time, as chart frames (see :func:`utilisation_panels`)."""
    series = {PROCESSES: t("processes", lang), LIMITS["threads"][0]: t("threads", lang),
              LIMITS["open_files"][0]: t("open_files", lang)}
    return panels(to_long(stats, series, by=("server",)), max_points)


def limit_usage(stats: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Per server and resource: mean and max % of its limit, and the last limit."""
    rows = []
    for key, (cur, lim) in LIMITS.items():
        c, lm = column(stats, cur), column(stats, lim)
        if not (c and lm):
            continue
        part = stats.select(
            "server",
            pct=100.0 * pl.col(c).cast(pl.Float64) / pl.col(lm).cast(pl.Float64).replace(0, None),
            limit=pl.col(lm).cast(pl.Float64),
        )
        rows.append(
            part.group_by("server").agg(
                pl.lit(t(key, lang)).alias("resource"),
                pl.col("pct").mean().round(1).alias("mean_pct"),
                pl.col("pct").max().round(1).alias("max_pct"),
                pl.col("limit").last().alias("limit"),
            )
        )
    schema = {"server": pl.String, "resource": pl.String, "mean_pct": pl.Float64, "max_pct": pl.Float64, "limit": pl.Float64}
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.concat(rows).select(*schema).cast(schema).sort("server", "resource")


def anomalies(stats: pl.DataFrame, lang: str = "en", sigma: float = ANOMALY_SIGMA, top: int = 20) -> pl.DataFrame:
    """Samples far from their server's usual level (|z| ≥ sigma), largest first."""
    long = utilisation(stats, lang)
    procs = to_long(stats, {PROCESSES: t("processes", lang)}, by=("server",))
    long = pl.concat([long, procs], how="vertical_relaxed") if not procs.is_empty() else long
    if long.is_empty():
        return pl.DataFrame(schema={"time": pl.Datetime("ms"), "server": pl.String, "series": pl.String,
                                    "value": pl.Float64, "mean": pl.Float64, "zscore": pl.Float64})
    stats_by = [pl.col("value").mean().over("server", "series").alias("mean"),
                pl.col("value").std().over("server", "series").alias("sd")]
    return (
        long.with_columns(*stats_by)
        .filter(pl.col("sd") > 0)  # a constant series has no outliers (and a NaN z-score)
        .with_columns(zscore=((pl.col("value") - pl.col("mean")) / pl.col("sd")).round(1))
        .filter(pl.col("zscore").abs() >= sigma)
        .sort(pl.col("zscore").abs(), descending=True)
        .head(top)
        .select("time", "server", "series", pl.col("value").round(1), pl.col("mean").round(1), "zscore")
    )

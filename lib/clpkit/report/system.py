"""System resource statistics (system.cur): use of each limit and anomalies.

:data:`LIMITS` pairs each current count with the limit it runs into (SPEC
§3.3 field names; columns are matched ignoring case and '_').

>>> import datetime as dt
>>> ss = pl.DataFrame({"time": [dt.datetime(2026, 1, 1)], "server": ["sv1"],
...                    "file_current_size": [900], "file_limit_size": [1000]})
>>> limit_usage(ss).select("resource", "max_pct", "time_of_max").row(0)
('Open files', 90.0, datetime.datetime(2026, 1, 1, 0, 0))
"""

from __future__ import annotations

import polars as pl

from clpkit.report.data import column, downsample, panels, to_long
from clpkit.i18n import t

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


# Metric families, one chart each (SPEC 3.3 names; CPU parts are in 10 ms per sample, shown as % of CPUTotal).
CPU_PARTS = {"CPUUser": "cpu_user", "CPUSystem": "cpu_system", "CPUIOWait": "cpu_iowait", "CPUSteal": "cpu_steal"}
MEMORY_PARTS = {"MemoryCurrentSize": "memory_used", "MemoryCached": "memory_cached", "MemoryDirty": "memory_dirty"}
SWAP_PARTS = {"SwapCurrentSize": "swap_used"}


def cpu_long(stats: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """CPU user, system, I/O wait and steal as % of the sample's CPU time (time, server, series, value)."""
    total = column(stats, "CPUTotal")
    parts = {c: t(k, lang) for name, k in CPU_PARTS.items() if (c := column(stats, name))}
    if total is None or not parts:
        return to_long(stats.clear(), {}, by=("server",))
    share = stats.select("time", "server", *[
        (100.0 * pl.col(c).cast(pl.Float64) / pl.col(total).cast(pl.Float64).replace(0, None)).alias(c) for c in parts])
    return to_long(share, parts, by=("server",))


def cpu_frame(stats: pl.DataFrame, lang: str = "en", max_points: int = 400) -> pl.DataFrame:
    """:func:`cpu_long` bucketed for one chart."""
    return downsample(cpu_long(stats, lang), max_points=max_points)


def total_of(stats: pl.DataFrame, field: str) -> float | None:
    """The largest total of a field over servers (MemoryTotalSize, SwapTotalSize): the family's limit line."""
    col = column(stats, field)
    return None if col is None or stats.is_empty() else stats[col].cast(pl.Float64).max()


def limit_usage(stats: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Per server and resource: mean and max % of its limit, when the max was, and the last limit."""
    rows = []
    for key, (cur, lim) in LIMITS.items():
        c, lm = column(stats, cur), column(stats, lim)
        if not (c and lm):
            continue
        part = stats.select(
            "server",
            pl.col("time").cast(pl.Datetime("ms")) if "time" in stats.columns else pl.lit(None, pl.Datetime("ms")).alias("time"),
            pct=100.0 * pl.col(c).cast(pl.Float64) / pl.col(lm).cast(pl.Float64).replace(0, None),
            limit=pl.col(lm).cast(pl.Float64),
        )
        rows.append(
            part.group_by("server").agg(
                pl.lit(t(key, lang)).alias("resource"),
                pl.col("pct").mean().round(1).alias("mean_pct"),
                pl.col("pct").max().round(1).alias("max_pct"),
                pl.col("time").sort_by("pct", nulls_last=False).last().alias("time_of_max"),
                pl.col("limit").last().alias("limit"),
            )
        )
    schema = {"server": pl.String, "resource": pl.String, "mean_pct": pl.Float64, "max_pct": pl.Float64,
              "time_of_max": pl.Datetime("ms"), "limit": pl.Float64}
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


LIMIT_UNITS = {"memory": "B", "swap": "B", "threads": "count", "open_files": "count", "inodes": "count"}


def usage_table(usage: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """:func:`limit_usage` for reading: the limit with its unit (16 GiB, 65,536), percentages as such."""
    from clpkit.units import human

    units = {t(k, lang): u for k, u in LIMIT_UNITS.items()}
    return usage.with_columns(
        pl.struct("resource", "limit").map_elements(lambda r: human(r["limit"], units.get(r["resource"], "")),
                                                    return_dtype=pl.String).alias("limit"))


def charts_for(stats: pl.DataFrame, lang: str = "en") -> list:
    """The page's time charts, one per family (CPU, memory, swap, use of limits, counts), linked on one axis.

    Above :data:`clpkit.report.data.PANEL_SERVERS` servers each family has
    one chart per server (:func:`~clpkit.report.data.panels`), so lines do not crowd.
    """
    from clpkit import charts

    mem_total, swap_total = total_of(stats, "MemoryTotalSize"), total_of(stats, "SwapTotalSize")
    families = [
        ("cpu", cpu_long(stats, lang), "cpu_share", "%", None, ""),
        ("memory", to_long(stats, {k: t(v, lang) for k, v in MEMORY_PARTS.items()}, by=("server",)), "size", "B",
         mem_total, "memory_total"),
        ("swap", to_long(stats, {k: t(v, lang) for k, v in SWAP_PARTS.items()}, by=("server",)), "size", "B",
         swap_total, "swap_total"),
        ("limits_use", utilisation(stats, lang), "utilisation_pct", "%", None, ""),
        ("processes_threads_files", to_long(stats, {PROCESSES: t("processes", lang), LIMITS["threads"][0]: t("threads", lang),
                                                    LIMITS["open_files"][0]: t("open_files", lang)}, by=("server",)),
         "count_of", "count", None, ""),
    ]
    made, frames = [], []
    for key, long, label, unit, limit, limit_key in families:
        if long.is_empty():
            continue
        for server, frame in panels(long, 400):
            heading = f"{t(key, lang)}: {server}" if server else t(key, lang)

            def chart(z, frame=frame, heading=heading, label=label, unit=unit, limit=limit, limit_key=limit_key):
                return charts.against_limit(frame, limit, label=t(label, lang), unit=unit,
                                            limit_label=t(limit_key, lang) if limit_key else "", title=heading,
                                            lang=lang, zoom=z)
            made.append(chart)
            frames.append(frame)
    return [charts.linked(made, frames, lang=lang)] if made else []

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

from clpkit.report.data import column, downsample, to_long
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


def counts_frame(stats: pl.DataFrame, lang: str = "en", max_points: int = 400) -> pl.DataFrame:
    """Processes, threads and open files as counts over time, bucketed."""
    series = {PROCESSES: t("processes", lang), LIMITS["threads"][0]: t("threads", lang),
              LIMITS["open_files"][0]: t("open_files", lang)}
    return downsample(to_long(stats, series, by=("server",)), max_points=max_points)


# Metric families, one chart each (SPEC 3.3 names; CPU parts are in 10 ms per sample, shown as % of CPUTotal).
CPU_PARTS = {"CPUUser": "cpu_user", "CPUSystem": "cpu_system", "CPUIOWait": "cpu_iowait", "CPUSteal": "cpu_steal"}
MEMORY_PARTS = {"MemoryCurrentSize": "memory_used", "MemoryCached": "memory_cached", "MemoryDirty": "memory_dirty"}
SWAP_PARTS = {"SwapCurrentSize": "swap_used"}


def cpu_frame(stats: pl.DataFrame, lang: str = "en", max_points: int = 400) -> pl.DataFrame:
    """CPU user, system, I/O wait and steal as % of the sample's CPU time (time, server, series, value)."""
    total = column(stats, "CPUTotal")
    parts = {c: t(k, lang) for name, k in CPU_PARTS.items() if (c := column(stats, name))}
    if total is None or not parts:
        return to_long(stats.clear(), {}, by=("server",))
    share = stats.select("time", "server", *[
        (100.0 * pl.col(c).cast(pl.Float64) / pl.col(total).cast(pl.Float64).replace(0, None)).alias(c) for c in parts])
    return downsample(to_long(share, parts, by=("server",)), max_points=max_points)


def family_frame(stats: pl.DataFrame, parts: dict[str, str], lang: str = "en", max_points: int = 400) -> pl.DataFrame:
    """The fields of one family (e.g. :data:`MEMORY_PARTS`), as they are (bytes), bucketed."""
    labels = {name: t(key, lang) for name, key in parts.items()}
    return downsample(to_long(stats, labels, by=("server",)), max_points=max_points)


def total_of(stats: pl.DataFrame, field: str) -> float | None:
    """The largest total of a field over servers (MemoryTotalSize, SwapTotalSize): the family's limit line."""
    col = column(stats, field)
    return None if col is None or stats.is_empty() else stats[col].cast(pl.Float64).max()


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


LIMIT_UNITS = {"memory": "B", "swap": "B", "threads": "count", "open_files": "count", "inodes": "count"}


def usage_table(usage: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """:func:`limit_usage` for reading: the limit with its unit (16 GiB, 65,536), percentages as such."""
    from clpkit.report.units import human

    units = {t(k, lang): u for k, u in LIMIT_UNITS.items()}
    return usage.with_columns(
        pl.struct("resource", "limit").map_elements(lambda r: human(r["limit"], units.get(r["resource"], "")),
                                                    return_dtype=pl.String).alias("limit"))


def charts_for(stats: pl.DataFrame, lang: str = "en") -> list:
    """The page's time charts, one per family (CPU, memory, swap, use of limits, counts), linked on one axis."""
    from clpkit import charts

    cpu = cpu_frame(stats, lang)
    memory = family_frame(stats, MEMORY_PARTS, lang)
    swap = family_frame(stats, SWAP_PARTS, lang)
    util = utilisation_chart_frame(stats, lang)
    counts = counts_frame(stats, lang)
    mem_total, swap_total = total_of(stats, "MemoryTotalSize"), total_of(stats, "SwapTotalSize")
    panels = [
        (cpu, lambda z: charts.lines(cpu, label=t("cpu_share", lang), unit="%", title=t("cpu", lang), lang=lang, zoom=z)),
        (memory, lambda z: charts.against_limit(memory, mem_total, label=t("size", lang), unit="B",
                                                limit_label=t("memory_total", lang), title=t("memory", lang),
                                                lang=lang, zoom=z)),
        (swap, lambda z: charts.against_limit(swap, swap_total, label=t("size", lang), unit="B",
                                              limit_label=t("swap_total", lang), title=t("swap", lang),
                                              lang=lang, zoom=z)),
        (util, lambda z: charts.lines(util, label=t("utilisation_pct", lang), unit="%", title=t("limits_use", lang),
                                      lang=lang, zoom=z)),
        (counts, lambda z: charts.lines(counts, label=t("count_of", lang), unit="count", title=t("processes_threads_files", lang),
                                        lang=lang, zoom=z)),
    ]
    shown = [(f, p) for f, p in panels if f.height]
    if not shown:
        return []
    return [charts.linked([p for _, p in shown], [f for f, _ in shown], lang=lang)]

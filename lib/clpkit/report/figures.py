"""Findings for the reports and each run's key figures (kept for the trend).

:func:`report_findings` joins the findings of :func:`clpkit.findings` (logs
and events) with the report's own checks (mirror peaks against settings,
system limits, monitor headroom) in one frame of the findings shape, with
titles in the report language.

:func:`key_figures` reduces a bundle to a few numbers (metric, value); the
``summary`` notebook stores them in its run's folder (``figures.parquet``)
and draws their trend across the earlier runs of the same cluster
(:func:`history`).

>>> counts = severity_counts(pl.DataFrame({"severity": ["error", "error"]}))
>>> dict(counts.iter_rows())
{'critical': 0, 'error': 2, 'warning': 0, 'info': 0}
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from clpkit.report import cluster as cluster_stats
from clpkit.report import data, mirror, system
from clpkit.report.i18n import check_lang, finding_text, t

FINDINGS_SCHEMA = pl.Schema({
    "time": pl.Datetime("ms"), "server": pl.String, "severity": pl.String, "code": pl.String,
    "title": pl.String, "detail": pl.String, "evidence": pl.List(pl.String),
})
SEVERITIES = ("critical", "error", "warning", "info")
FIGURES_SCHEMA = pl.Schema({"metric": pl.String, "value": pl.Float64})
NEAR_LIMIT_PCT = 80.0
HEADROOM_WARN_PCT = 20.0


def table(bundle, kind: str, since: str = "", until: str = "") -> pl.DataFrame:
    """A bundle table restricted to the period, good rows only (bad lines are in problems)."""
    frame = bundle.table(kind)
    if "problem" in frame.columns:
        frame = frame.filter(pl.col("problem").is_null())
    time_col = "time" if "time" in frame.columns else ("end_time" if "end_time" in frame.columns else None)
    if time_col and not frame.is_empty():
        frame = data.window(frame, since, until, col=time_col)
    if time_col and time_col != "time":
        frame = frame.with_columns(pl.col(time_col).alias("time"))
    return frame


def _finding(time, server, severity, code, lang, detail, **values) -> tuple:
    return (time, server, severity, code, finding_text(code, lang, **values), detail, [])


def own_findings(bundle, since: str = "", until: str = "", lang: str = "en") -> pl.DataFrame:
    """The report's checks as findings: settings near their limits."""
    check_lang(lang)
    rows = []
    ms = table(bundle, "mirror_stats", since, until)
    rec = mirror.recommendations(ms, mirror.mirror_settings(bundle.config), lang)
    for r in mirror.needs_action(rec).iter_rows(named=True):
        # Ack time peaks are clpkit.findings' own (ack_near_timeout); not repeated here.
        code = {"sendqueuesize": "mirror.send_queue_near_limit",
                "umount_timeout": "mirror.unmount_near_timeout", "fsck_timeout": "mirror.fsck_near_timeout"}.get(r["setting"])
        if code is None:
            continue
        when = _peak_time(ms.filter(pl.col("mirror") == r["mirror"]), r["statistic"])
        rows.append(_finding(when, None, "warning", code, lang,
                             f"{r['mirror']}: {r['statistic']} {r['observed']:g}, {r['setting']} {r['current']:g}",
                             statistic=r["statistic"], pct=r["usage_pct"]))
    hb = rec.filter(pl.col("statistic").str.starts_with("MDC HB") & (pl.col("observed") > mirror.MDC_HB_LIMIT_S))
    for r in hb.iter_rows(named=True):
        rows.append(_finding(None, None, "warning", "mirror.mdc_hb_slow", lang, f"{r['mirror']}: {r['observed']:g} s"))
    ss = table(bundle, "system_stats", since, until)
    for r in system.limit_usage(ss, lang).filter(pl.col("max_pct") >= NEAR_LIMIT_PCT).iter_rows(named=True):
        rows.append(_finding(None, r["server"], "warning", "system.near_limit", lang,
                             f"{r['resource']}: max {r['max_pct']:g} %", resource=r["resource"], pct=r["max_pct"]))
    cs = table(bundle, "cluster_stats", since, until)
    heads = cluster_stats.monitor_headroom(cs, cluster_stats.monitor_timeouts(bundle.config))
    for r in heads.filter(pl.col("headroom_pct") < HEADROOM_WARN_PCT).iter_rows(named=True):
        rows.append(_finding(None, None, "warning", "monitor.near_timeout", lang,
                             f"{r['name']}: max {r['max_s']:g} s / {r['timeout_s']:g} s",
                             name=r["name"], pct=100.0 - r["headroom_pct"]))
    return pl.DataFrame(rows, schema=FINDINGS_SCHEMA, orient="row")


def _peak_time(frame: pl.DataFrame, statistic: str):
    col = data.column(frame, statistic)
    if col is None or frame.is_empty():
        return None
    return frame.sort(col, descending=True, nulls_last=True)["time"][0]


def report_findings(bundle, since: str = "", until: str = "", lang: str = "en") -> pl.DataFrame:
    """:func:`clpkit.findings.findings` of the period plus :func:`own_findings`, most severe first.

    Findings times are UTC-aware; they are shown without the zone, like the
    statistics (see :mod:`clpkit.report.timeline`).
    """
    from clpkit.findings import findings as logged_findings

    logged = logged_findings(bundle, lang=lang)
    if not logged.is_empty():
        logged = data.window(logged, since, until)
    if getattr(logged.schema["time"], "time_zone", None):
        logged = logged.with_columns(pl.col("time").dt.replace_time_zone(None))
    both = pl.concat([logged.select(FINDINGS_SCHEMA.names()).cast(dict(FINDINGS_SCHEMA)),
                      own_findings(bundle, since, until, lang)])
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return both.sort(pl.col("severity").replace_strict(rank, default=len(rank), return_dtype=pl.Int32),
                     "time", nulls_last=True)


def severity_counts(findings: pl.DataFrame) -> pl.DataFrame:
    """Findings per severity, every severity present (zero when none)."""
    counts = findings.group_by("severity").agg(pl.len().cast(pl.Int64).alias("count"))
    return (
        pl.DataFrame({"severity": list(SEVERITIES)})
        .join(counts, on="severity", how="left")
        .with_columns(pl.col("count").fill_null(0))
    )


def cluster_name(bundle, bundle_path: str | Path) -> str:
    """The cluster's name from clp.conf, else the bundle's file or folder name."""
    return getattr(bundle.config, "name", None) or Path(bundle_path).name


def key_figures(bundle, found: pl.DataFrame, since: str = "", until: str = "") -> pl.DataFrame:
    """The numbers a run keeps for the trend (metric, value).

    ``found`` is the period's :func:`report_findings` (the summary has them
    already; computing them twice would double the run's slowest step).
    """
    rows = []
    for r in severity_counts(found).iter_rows(named=True):
        rows.append((f"findings.{r['severity']}", float(r["count"])))
    ms = table(bundle, "mirror_stats", since, until)
    rec = mirror.recommendations(ms, mirror.mirror_settings(bundle.config))
    for r in rec.filter(pl.col("statistic").is_in(["Sync Ack Time, Max", "Send Queue, Max"])).iter_rows(named=True):
        rows.append((f"{r['mirror']}.{r['statistic']}", r["observed"]))
    ss = table(bundle, "system_stats", since, until)
    for r in system.limit_usage(ss).iter_rows(named=True):
        if r["max_pct"] is not None:
            rows.append((f"{r['server']}.{r['resource']} max %", r["max_pct"]))
    cs = table(bundle, "cluster_stats", since, until)
    rows.append(("failovers", float(cluster_stats.failovers(cs).height)))
    return pl.DataFrame(rows, schema=FIGURES_SCHEMA, orient="row")


def write(figures: pl.DataFrame, run_dir: str | Path, *, cluster: str, period: tuple[str, str] = ("", "")) -> Path | None:
    """Store a run's figures in ``run_dir/figures.parquet`` (nothing when run_dir is "").

    ``period`` (first, last) is kept beside them for the run indexes.
    """
    if not run_dir:
        return None
    path = Path(run_dir) / "figures.parquet"
    figures.with_columns(cluster=pl.lit(cluster), run=pl.lit(Path(run_dir).name),
                         period_start=pl.lit(period[0]), period_end=pl.lit(period[1])).write_parquet(path)
    return path


def history(out: str | Path, cluster: str, current: str | Path = "") -> pl.DataFrame:
    """Key figures of the successful runs of ``cluster`` under ``out`` (and the current run)."""
    out = Path(out) if out else None
    frames = []
    if out and out.is_dir():
        for fig in sorted(out.glob("*/figures.parquet")):
            run_dir = fig.parent
            ok = _status(run_dir) == "ok" or (current and run_dir.resolve() == Path(current).resolve())
            if ok:
                frames.append(pl.read_parquet(fig))
    empty = pl.DataFrame(schema={"run_time": pl.Datetime("ms"), "metric": pl.String, "value": pl.Float64})
    if not frames:
        return empty
    return (
        pl.concat(frames, how="vertical_relaxed")
        .filter(pl.col("cluster") == cluster)
        .with_columns(run_time=pl.col("run").str.slice(0, 18).str.strptime(pl.Datetime("ms"), "%Y-%m-%dT%H%M%SZ", strict=False))
        .select("run_time", "metric", "value")
        .sort("run_time", "metric")
    )


def trend_table(history_frame: pl.DataFrame, runs: int = 6) -> pl.DataFrame:
    """Key figures as rows, the last ``runs`` runs as columns (oldest left)."""
    if history_frame.is_empty():
        return pl.DataFrame(schema={"metric": pl.String})
    last = history_frame["run_time"].unique().sort().tail(runs)
    return (
        history_frame.filter(pl.col("run_time").is_in(last.implode()))
        .with_columns(pl.col("run_time").dt.strftime("%Y-%m-%d %H:%M"))
        .pivot(on="run_time", index="metric", values="value", aggregate_function="first")
        .sort("metric")
    )


def findings_trend(history_frame: pl.DataFrame) -> pl.DataFrame:
    """The findings counts per severity across runs, for the trend chart."""
    return history_frame.filter(pl.col("metric").str.starts_with("findings.")).with_columns(
        pl.col("metric").str.strip_prefix("findings.")
    )


def _status(run_dir: Path) -> str:
    try:
        return json.loads((run_dir / "run.json").read_text(encoding="utf-8")).get("status", "")
    except (OSError, ValueError):
        return ""


def localised_findings(findings: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Findings for display: severity words and headings in ``lang``, evidence joined."""
    return findings.with_columns(
        pl.col("severity").replace_strict({s: t(s, lang) for s in SEVERITIES}, default=pl.col("severity")),
        pl.when(pl.col("evidence").list.len() > 3)
        .then(pl.col("evidence").list.head(3).list.join(", ") + pl.format(" (+{})", pl.col("evidence").list.len() - 3))
        .otherwise(pl.col("evidence").list.join(", ")),
    ).rename({c: t(c, lang) for c in FINDINGS_SCHEMA.names()})



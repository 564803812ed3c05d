"""The reports' view of the findings, and each run's key figures (kept for the trend).

There is one findings system, :mod:`clpkit.findings`: :func:`report_findings`
is its result for the page's period, times shown in the servers' zone, most
severe first; the schema, the severity order and the texts are that
module's (:data:`FINDINGS_SCHEMA`, :data:`SEVERITIES` are the same objects).

:func:`key_figures` reduces a bundle to a few numbers (metric, value); the
``summary`` notebook stores them in its run's folder (``figures.parquet``)
and draws their trend across the earlier runs of the same cluster
(:func:`history`). Its finding counts and failovers are counted from the
same findings the page lists, so the figures and the list always agree.

>>> counts = severity_counts(pl.DataFrame({"severity": ["error", "error"]}))
>>> dict(counts.iter_rows())
{'critical': 0, 'error': 2, 'warning': 0, 'info': 0}
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from clpkit import findings as findings_mod
from clpkit import zone as zones
from clpkit.report import data, mirror, system
from clpkit.i18n import cell_word, t

FINDINGS_SCHEMA = findings_mod.FINDINGS_SCHEMA
SEVERITIES = findings_mod.SEVERITY_ORDER
FIGURES_SCHEMA = pl.Schema({"metric": pl.String, "value": pl.Float64})


def table(bundle, kind: str, since: str = "", until: str = "", keep: tuple[str, ...] | None = None) -> pl.DataFrame:
    """A bundle table restricted to the period, good rows only (bad lines are in problems).

    Bounds without an offset are in the servers' zone (:attr:`Bundle.zone`), as everywhere.
    The filters go into the bundle's lazy scan, so from a dataset only the
    period's good rows are read. The rows' location columns (:data:`ROW_LOCATION`:
    a path string per row, the largest column of a month) are left out, and
    ``keep`` (the columns a page uses, ``time`` included) leaves out the rest.
    """
    lazy = bundle.scan(kind)
    columns = lazy.collect_schema().names()
    if "problem" in columns:
        lazy = lazy.filter(pl.col("problem").is_null())
    time_col = "time" if "time" in columns else ("end_time" if "end_time" in columns else None)
    if time_col and (since or until):
        lazy = data.window(lazy, since, until, col=time_col, zone=bundle.zone)
    have = columns
    if time_col and time_col != "time":
        lazy = lazy.with_columns(pl.col(time_col).alias("time"))
        have = [*columns, "time"]
    if keep is not None:
        lazy = lazy.select([c for c in keep if c in have])
    else:  # a statistics page reads values: where each row came from stays in the bundle (and its problems)
        lazy = lazy.drop([c for c in ROW_LOCATION if c in have])
    return lazy.collect()


#: Columns that say where a row came from or why it was rejected; :func:`table` leaves them out.
ROW_LOCATION = ("source", "line", "raw", "problem")


def report_findings(bundle, since: str = "", until: str = "", lang: str = "en", computed: str = "") -> pl.DataFrame:
    """:func:`clpkit.findings.findings` of the period, times in the servers' zone, most severe first.

    ``computed``: the run's folder where ``clpkit report`` stored the findings
    once for every page (:mod:`clpkit.report.computed`); "" computes them here.
    """
    from clpkit.report import computed as computed_mod

    found = computed_mod.findings(bundle, since, until, lang, computed)
    return findings_mod.most_severe_first(zones.in_zone(found, bundle.zone))


def severity_counts(found: pl.DataFrame) -> pl.DataFrame:
    """Findings per severity, every severity present (zero when none)."""
    return findings_mod.severity_counts(found)


def cluster_name(bundle, bundle_path: str | Path) -> str:
    """The cluster's name from clp.conf, else the bundle's file or folder name."""
    return getattr(bundle.config, "name", None) or Path(bundle_path).name


def key_figures(bundle, found: pl.DataFrame, since: str = "", until: str = "", outages=None) -> pl.DataFrame:
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
    rows.append(("failovers", float(found.filter(pl.col("code") == "failover").height)))
    if outages is not None:  # per group: time out of service, count, p50, p95 and its phases (clpkit.explain.outage)
        from clpkit.explain.page import outage_figures

        rows += outage_figures(outages)
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


def trend_table(history_frame: pl.DataFrame, runs: int = 6, lang: str = "en") -> pl.DataFrame:
    """Key figures as rows (named for reading, with their unit: :func:`metric_label`), the last ``runs`` runs as columns (oldest left)."""
    if history_frame.is_empty():
        return pl.DataFrame(schema={"metric": pl.String})
    last = history_frame["run_time"].unique().sort().tail(runs)
    return (
        history_frame.filter(pl.col("run_time").is_in(last.implode()))
        .with_columns(pl.col("run_time").dt.strftime("%Y-%m-%d %H:%M"))
        .pivot(on="run_time", index="metric", values="value", aggregate_function="first")
        .sort("metric")
        .with_columns(pl.col("metric").map_elements(lambda m: metric_label(m, lang), return_dtype=pl.String))
    )


_OUT_OF_SERVICE = re.compile(r"^(?P<group>.+)\.out_of_service (?:(?P<phase>[a-z]+) )?(?P<what>count|p50 s|p95 s)$")


def metric_label(metric: str, lang: str = "en") -> str:
    """A stored key figure's name (:func:`key_figures`) in ``lang``, with its unit.

    >>> metric_label("nmp1.Sync Ack Time, Max"), metric_label("sv1.Memory max %", "ja")
    ('nmp1: Sync Ack Time, Max (ms)', 'sv1: メモリ 最大 (%)')
    >>> metric_label("failover1.out_of_service fsck p50 s", "ja"), metric_label("findings.error", "ja")
    ('failover1: 業務停止時間 fsck p50 (s)', '検出事項: エラー (件)')
    """
    from clpkit.charts import axis_title

    if metric.startswith("findings.") and metric.removeprefix("findings.") in SEVERITIES:
        return axis_title(f"{t('findings', lang)}: {t(metric.removeprefix('findings.'), lang)}", "count", lang)
    if metric == "failovers":
        return axis_title(t("failover_count", lang), "count", lang)
    if found := _OUT_OF_SERVICE.match(metric):
        phase = f" {cell_word('phase', found['phase'], lang)}" if found["phase"] else ""
        if found["what"] == "count":
            return axis_title(f"{found['group']}: {t('out_of_service', lang)} {t('occurrences', lang)}", "count", lang)
        return axis_title(f"{found['group']}: {t('out_of_service', lang)}{phase} {found['what'][:3]}", "s", lang)
    owner, _, name = metric.partition(".")
    limits = {t(key, "en"): key for key in system.LIMITS}
    if name.endswith(" max %") and name.removesuffix(" max %") in limits:
        return axis_title(f"{owner}: {t(limits[name.removesuffix(' max %')], lang)} {t('max', lang)}", "%", lang)
    if name in mirror.STATISTIC_UNITS:  # the product's statistic names, as its files write them
        return axis_title(f"{owner}: {name}", mirror.STATISTIC_UNITS[name], lang)
    return metric


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
    ).select(_SHOWN).rename({c: t(c, lang) for c in _SHOWN})


_SHOWN = ["time", "server", "severity", "code", "title", "detail", "evidence"]



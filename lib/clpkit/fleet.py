"""The fleet page: every cluster of one dataset side by side, queried with DuckDB.

A dataset written by ``clpkit ingest A B C --out DS`` holds several clusters
(``cluster=<name>`` folders, docs/DATASET.md). :func:`connect` opens an
in-memory DuckDB with one view per table over its Parquet files (hive
partitioning, nothing copied), and each figure of the page is one SQL
query on those views:

- :func:`clusters`: servers, period and rows per cluster;
- :func:`findings_by_severity`: the ``findings`` table counted per severity;
- :func:`headroom`: how far each server stayed from its limits, as the
  system resources and cluster statistics pages define it: 100 % minus the
  highest use of CPU, memory, swap, threads, open files and inodes
  (``system_stats``), and 100 % minus a monitor's longest run against its
  clp.conf timeout (``cluster_stats`` joined with ``clp_conf``);
- :func:`failovers`: the ``failover`` findings.

:func:`render` runs notebooks/fleet.ipynb with papermill into one
self-contained HTML page (``clpkit fleet DS --out DIR``).
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import duckdb
import polars as pl

from clpkit.dataset_schema import tables as documented_tables
from clpkit.findings import SEVERITY_ORDER
from clpkit.ingest import FINDINGS_TABLE, MANIFEST, PROBLEMS_TABLE
from clpkit.problems import ClpkitError

#: system_stats columns of each limit: (message key, current, limit); CPU is a percentage already.
LIMITS = (
    ("memory", "memory_current_size", "memory_total_size"),
    ("swap", "swap_current_size", "swap_total_size"),
    ("threads", "thread_current_size", "thread_limit_size"),
    ("open_files", "file_current_size", "file_limit_size"),
    ("inodes", "file_current_inode", "file_limit_inode"),
)
MONITOR_TIMEOUT = r"^/root/monitor/[^/@]+@([^/]+)/polling/timeout$"
#: Headroom below this is shown as tight (the findings' near-limit threshold is 90 % use).
TIGHT_PCT = 10.0


def connect(dataset: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per table of ``dataset`` (an empty one for a table it lacks)."""
    root = Path(dataset)
    if not (root / MANIFEST).is_file():
        raise ClpkitError(f"{root}: not a clpkit dataset (no {MANIFEST}; write one with clpkit ingest)")
    con = duckdb.connect()
    for table, columns in documented_tables().items():
        files = list(root.glob(f"{table}/cluster=*/**/*.parquet"))
        if files:
            glob = str(root / table / "**" / "*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)")
        else:
            cols = ", ".join(f'CAST(NULL AS {c.sql}) AS "{c.name}"' for c in columns)
            con.execute(f"CREATE VIEW {table} AS SELECT {cols} WHERE false")
    return con


def period(column: str, since: str = "", until: str = "", *, utc: bool = False) -> tuple[str, list]:
    """A WHERE condition bounding ``column`` to ``[since, until)`` and its parameters.

    The statistics' times are the servers' clocks (naive), so a bound is
    compared as written; the findings' times are UTC (``utc``): a bound
    without an offset is read as UTC there.

    >>> period("time", "2026-11-20", "")
    ('time >= CAST(? AS TIMESTAMP)', ['2026-11-20T00:00:00'])
    >>> period("time", "", "2026-11-21T09:00+09:00", utc=True)
    ('time < CAST(? AS TIMESTAMPTZ)', ['2026-11-21T00:00:00+00:00'])
    """
    conditions, params = [], []
    for value, op in ((since, ">="), (until, "<")):
        if not value:
            continue
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ClpkitError(f"{value!r}: not an ISO date/time (2026-11-20 or 2026-11-20T09:00)") from None
        if utc:
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
            conditions.append(f"{column} {op} CAST(? AS TIMESTAMPTZ)")
        else:
            conditions.append(f"{column} {op} CAST(? AS TIMESTAMP)")
            moment = moment.replace(tzinfo=None)
        params.append(moment.isoformat())
    return " AND ".join(conditions) or "true", params


def has_findings(dataset: str | Path) -> bool:
    """Whether the dataset holds a findings table (``clpkit ingest`` without ``--no-findings``)."""
    return any(Path(dataset).glob(f"{FINDINGS_TABLE}/cluster=*/*.parquet"))


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """A query's result as a polars frame (DuckDB's rows and column names; no pyarrow needed)."""
    rel = con.execute(sql, params or [])
    names = [d[0] for d in rel.description]
    rows = rel.fetchall()
    if not rows:
        return pl.DataFrame(schema={n: pl.Null for n in names})
    return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)


def row_counts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows per table and cluster (table, cluster, rows): what DuckDB reads of the dataset."""
    parts = " UNION ALL ".join(f"SELECT '{t}' AS \"table\", cluster, count(*) AS rows FROM {t} GROUP BY cluster"
                               for t in documented_tables())
    return query(con, f"SELECT * FROM ({parts}) ORDER BY \"table\", cluster NULLS LAST")


def clusters(con: duckdb.DuckDBPyConnection, since: str = "", until: str = "") -> pl.DataFrame:
    """One row per cluster: servers, first and last system statistics sample of the period, problems."""
    where, params = period("time", since, until)
    servers = " UNION ".join(f"SELECT cluster, server FROM {t}" for t in documented_tables()
                             if t not in (FINDINGS_TABLE, PROBLEMS_TABLE))
    return query(con, f"""
        WITH s AS ({servers}),
        per AS (SELECT cluster, count(DISTINCT server) AS servers, string_agg(DISTINCT server, ', ' ORDER BY server) AS names
                FROM s WHERE server IS NOT NULL GROUP BY cluster),
        span AS (SELECT cluster, min(time) AS first, max(time) AS last FROM system_stats WHERE {where} GROUP BY cluster),
        prob AS (SELECT cluster, count(*) AS problems FROM problems GROUP BY cluster)
        SELECT per.cluster, per.servers, per.names, span.first, span.last, coalesce(prob.problems, 0) AS problems
        FROM per LEFT JOIN span USING (cluster) LEFT JOIN prob USING (cluster)
        ORDER BY per.cluster NULLS LAST""", params)


def findings_by_severity(con: duckdb.DuckDBPyConnection, names: list, since: str = "", until: str = "") -> pl.DataFrame:
    """Findings per cluster and severity (cluster, severity, count), zeros included, most severe first."""
    where, params = period("time", since, until, utc=True)
    counted = query(con, f"SELECT cluster, severity, count(*) AS count FROM findings WHERE {where} GROUP BY ALL", params)
    grid = pl.DataFrame({"cluster": [c for c in names for _ in SEVERITY_ORDER],
                         "severity": [s for _ in names for s in SEVERITY_ORDER]},
                        schema={"cluster": pl.String, "severity": pl.String})
    if counted.height:
        grid = grid.join(counted.cast({"cluster": pl.String, "severity": pl.String}), on=["cluster", "severity"],
                         how="left", nulls_equal=True)
    else:
        grid = grid.with_columns(count=pl.lit(None, pl.Int64))
    return grid.with_columns(pl.col("count").fill_null(0).cast(pl.Int64))


def headroom(con: duckdb.DuckDBPyConnection, since: str = "", until: str = "") -> pl.DataFrame:
    """Per cluster, server and resource: highest use (%) and headroom (100 − use), tightest first.

    ``resource`` is a message key (memory, swap…) or ``monitor:<name>``.
    """
    stats, stats_params = period("time", since, until)
    runs, runs_params = period("end_time", since, until)
    limits = " UNION ALL ".join(
        f"SELECT cluster, server, '{key}' AS resource, max(100.0 * {cur} / nullif({lim}, 0)) AS max_pct "
        f"FROM system_stats WHERE raw IS NULL AND {stats} GROUP BY cluster, server" for key, cur, lim in LIMITS)
    return query(con, f"""
        WITH timeouts AS (
            SELECT DISTINCT cluster, regexp_extract(path, '{MONITOR_TIMEOUT}', 1) AS name, try_cast(value AS DOUBLE) AS timeout_s
            FROM clp_conf WHERE regexp_matches(path, '{MONITOR_TIMEOUT}')),
        monitors AS (
            SELECT cluster, server, 'monitor:' || name AS resource, name, max(elapsed_time_ms) / 1000.0 AS max_s
            FROM cluster_stats WHERE category = 'monitor' AND raw IS NULL AND {runs} GROUP BY ALL),
        used AS (
            {limits}
            UNION ALL SELECT cluster, server, 'cpu_pct', max(cpu_utilization) FROM system_stats
                      WHERE raw IS NULL AND {stats} GROUP BY ALL
            UNION ALL SELECT m.cluster, m.server, m.resource, 100.0 * m.max_s / nullif(t.timeout_s, 0)
                      FROM monitors m JOIN timeouts t ON t.cluster IS NOT DISTINCT FROM m.cluster AND t.name = m.name)
        SELECT cluster, server, resource, round(max_pct, 1) AS max_pct, round(100.0 - max_pct, 1) AS headroom_pct
        FROM used WHERE max_pct IS NOT NULL
        ORDER BY headroom_pct, cluster NULLS LAST, server, resource""",
                 runs_params + stats_params * len(LIMITS) + stats_params)


def tightest(room: pl.DataFrame) -> pl.DataFrame:
    """Per cluster and resource the server with the least headroom (cluster, resource, server, headroom_pct)."""
    if room.is_empty():
        return pl.DataFrame(schema={"cluster": pl.String, "resource": pl.String, "server": pl.String,
                                    "max_pct": pl.Float64, "headroom_pct": pl.Float64})
    return (room.sort("headroom_pct").group_by("cluster", "resource", maintain_order=True).first()
            .select("cluster", "resource", "server", "max_pct", "headroom_pct").sort("cluster", "resource", nulls_last=True))


def failovers(con: duckdb.DuckDBPyConnection, since: str = "", until: str = "") -> pl.DataFrame:
    """Every group failover of every cluster (true UTC): cluster, time, group, destination server, seconds."""
    where, params = period("time", since, until, utc=True)
    return query(con, f"""
        SELECT cluster, time, "group", server, duration_s FROM findings WHERE code = 'failover' AND {where}
        ORDER BY cluster NULLS LAST, time""", params)


def resource_label(resource: str, lang: str) -> str:
    """A :func:`headroom` resource in ``lang``: the message of a limit, 'Monitor genw1' for a monitor."""
    from clpkit.report.i18n import t

    if resource.startswith("monitor:"):
        return f"{t('monitor_label', lang)} {resource.removeprefix('monitor:')}"
    return t(resource, lang).split(" (")[0]


def localised_headroom(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """:func:`headroom` or :func:`tightest` with the resources in ``lang``."""
    return frame.with_columns(pl.col("resource").map_elements(lambda r: resource_label(r, lang), return_dtype=pl.String))


# --- charts ---

def severity_chart(counts: pl.DataFrame, *, title: str, lang: str = "en"):
    """Stacked bars: findings per cluster, coloured by severity."""
    import altair as alt

    from clpkit.charts import SEVERITY_COLOURS, axis_title
    from clpkit.report.i18n import t

    shown = counts.with_columns(cluster=pl.col("cluster").fill_null("–"),
                                severity_label=pl.col("severity").map_elements(lambda s: t(s, lang), return_dtype=pl.String))
    labels = [t(s, lang) for s in SEVERITY_ORDER]
    x_title = axis_title(t("findings", lang), "count", lang)
    return alt.Chart(shown, title=title).mark_bar().encode(
        alt.X("count:Q", title=x_title, stack="zero"),
        alt.Y("cluster:N", title=t("cluster", lang), axis=alt.Axis(labelLimit=260)),
        alt.Color("severity_label:N", title=t("severity", lang),
                  scale=alt.Scale(domain=labels, range=[SEVERITY_COLOURS[s] for s in SEVERITY_ORDER])),
        alt.Order("order:Q"),
        tooltip=[alt.Tooltip("cluster:N", title=t("cluster", lang)),
                 alt.Tooltip("severity_label:N", title=t("severity", lang)),
                 alt.Tooltip("count:Q", title=x_title, format=",d")],
    ).transform_calculate(order=f"indexof({labels!r}, datum.severity_label)")


def headroom_chart(tight: pl.DataFrame, *, title: str, lang: str = "en"):
    """Grouped bars: each cluster's least headroom per resource, red below :data:`TIGHT_PCT`."""
    import altair as alt

    from clpkit.charts import axis_title, threshold
    from clpkit.report.i18n import t

    shown = localised_headroom(tight, lang).with_columns(cluster=pl.col("cluster").fill_null("–"))
    x_title = axis_title(t("headroom_pct", lang).split(" (")[0], "%", lang)
    bars = alt.Chart(shown).mark_bar().encode(
        alt.X("headroom_pct:Q", title=x_title, scale=alt.Scale(domain=[min(0.0, float(shown["headroom_pct"].min() or 0)), 100])),
        alt.Y("resource:N", title=t("resource", lang), axis=alt.Axis(labelLimit=260)),
        alt.YOffset("cluster:N"),
        alt.Color("cluster:N", title=t("cluster", lang)),
        tooltip=[alt.Tooltip("cluster:N", title=t("cluster", lang)), alt.Tooltip("resource:N", title=t("resource", lang)),
                 alt.Tooltip("server:N", title=t("server", lang)),
                 alt.Tooltip("headroom_pct:Q", title=x_title, format=".1f")],
    )
    return alt.layer(bars, *threshold(TIGHT_PCT, t("fleet_tight", lang), "%", axis="x"), title=title)


# --- the page ---

def sample_dataset(bundle: str | Path) -> Path:
    """A one-cluster dataset of ``bundle`` in a temporary folder (the notebook's default, run by nbval)."""
    from clpkit.ingest import ingest
    from clpkit.report.data import resolve_bundle

    folder = Path(tempfile.mkdtemp(prefix="clpkit-fleet-"))
    atexit.register(shutil.rmtree, folder, True)  # removed when the kernel ends
    out = folder / "dataset"
    ingest(resolve_bundle(bundle), out, progress=False, findings=True)
    return out


def render(dataset: str | Path, out: str | Path, *, lang: str = "en", since: str = "", until: str = "",
           show_code: bool = False, notebooks_dir: Path | None = None) -> Path:
    """Run notebooks/fleet.ipynb on ``dataset``; write ``out/fleet.html`` (self-contained) and the executed notebook."""
    import papermill

    from clpkit.report import html as pages
    from clpkit.report.i18n import check_lang, t
    from clpkit.report.kernels import ENGINE, KernelPool
    from clpkit.report.runner import _ipc_kernel_manager, default_notebooks_dir

    check_lang(lang)
    dataset = Path(dataset).resolve()
    connect(dataset).close()  # not a dataset, a bad bound: one clear line before any kernel starts
    period("time", since, until)
    source = (notebooks_dir or default_notebooks_dir()) / "fleet.ipynb"
    if not source.is_file():
        raise ClpkitError(f"{source}: no such notebook")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "fleet.ipynb"
    with tempfile.TemporaryDirectory(prefix="clpkit-fleet-") as work:
        # The report runner's quiet kernel: local sockets, its stderr in a log (no TCP warning for cron to mail).
        pool = KernelPool(1, Path(work), _ipc_kernel_manager(Path(work), Path(work) / "kernels.log"))
        try:
            with pool.kernel() as km:
                papermill.execute_notebook(str(source), str(target), engine_name=ENGINE, km=km, kernel_name="python3",
                                           language="python", progress_bar=False, request_save_on_cell_execute=False,
                                           parameters={"dataset": str(dataset), "lang": lang, "since": since,
                                                       "until": until})
        except papermill.PapermillExecutionError as exc:
            raise ClpkitError(f"fleet page failed: {exc.ename}: {exc.evalue} (partial notebook in {target})") from None
        finally:
            pool.close()
    page = pages.export(target, show_code=show_code, lang=lang, title=t("fleet", lang))
    (out / "fleet.html").write_text(page, encoding="utf-8")
    return out / "fleet.html"

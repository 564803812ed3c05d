"""One event table for a whole log collection, on one corrected clock.

:func:`events` merges what every server recorded into one frame sorted by
time: the alert log, the cluster's syslog lines, the warnings and errors of
the module logs, and the completed group / resource / monitor actions of the
cluster statistics. Columns: see :data:`SCHEMA`.

Time. Every server writes its local wall-clock time without a zone. The
zone is a parameter (``tz``: one IANA name for all servers or a dict per
server) and defaults to **UTC**, i.e. the servers are assumed to run on
UTC unless told otherwise; syslog lines that wrote their own UTC offset
(RFC 3339 / 5424) use it instead. ``time`` is timezone-aware UTC after the
clock correction; ``local_time`` is the time as the server wrote it.

Clock drift. Servers' clocks disagree, and a timeline that interleaves two
servers is only right once that is corrected. :func:`estimate_offsets`
measures each server's clock against a reference server from events that
both servers record at (nearly) the same real moment:

- ``alert_replica``: the alert-sync service copies every alert into every
  server's alert log. The copy's ``logged`` time is taken to be the
  receiving server's clock (an assumption: the alert-log layout is
  inferred, SPEC 3.6), the original's ``logged`` time the sending server's;
  their difference is the offset plus a transfer delay of milliseconds.
- ``heartbeat_loss``: when a heartbeat link breaks, each server reports the
  other's heartbeat as stopped (nm 4, ``Resource <hb> of server <peer> has
  stopped``) after the same timeout.
- ``failover``: a group stopping on one server and starting on the other
  (cluster statistics Stop / Start-Move rows, or rc 21 / rc 10 messages).
  The handover takes a moment, so each such pair over-states the offset in
  its direction; failovers both ways cancel out, and this kind is used only
  when the other two give nothing.

Each pair yields ``clock(b) - clock(a)``; the estimate per server pair is
the median of each direction (a to b, b to a), averaged so that a delay
adding in the direction of travel cancels out, reported with the number of
pairs and their spread (max - min), and every
pair is listed as evidence (source and line on both sides). Servers are
chained to the reference through the pairs available. :func:`events`
applies the estimate unless ``offsets`` are given, and shows what it applied
in ``clock_offset_s``.

>>> sorted(SCHEMA)[:4]
['clock_offset_s', 'event_id', 'group', 'kind']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Iterable, Mapping

import polars as pl

#: The event table's columns.
SCHEMA = pl.Schema(
    {
        "time": pl.Datetime("ms", "UTC"),
        "server": pl.String,
        "source": pl.String,
        "line": pl.Int64,
        "kind": pl.String,
        "module": pl.String,
        "event_id": pl.Int64,
        "level": pl.String,
        "resource": pl.String,
        "group": pl.String,
        "monitor": pl.String,
        "message": pl.String,
        "local_time": pl.Datetime("ms"),
        "clock_offset_s": pl.Float64,
    }
)

EVIDENCE_SCHEMA = pl.Schema(
    {
        "method": pl.String,
        "what": pl.String,
        "server_a": pl.String,
        "time_a": pl.Datetime("ms", "UTC"),
        "source_a": pl.String,
        "line_a": pl.Int64,
        "server_b": pl.String,
        "time_b": pl.Datetime("ms", "UTC"),
        "source_b": pl.String,
        "line_b": pl.Int64,
        "delta_s": pl.Float64,
    }
)

SUMMARY_SCHEMA = pl.Schema(
    {
        "server": pl.String,
        "offset_s": pl.Float64,
        "via": pl.String,
        "method": pl.String,
        "pairs": pl.Int64,
        "spread_s": pl.Float64,
    }
)

#: Methods in order of trust; a weaker one is used for a server pair only when no stronger one has pairs.
METHODS = ("alert_replica", "heartbeat_loss", "failover")

#: Module-log levels taken into the event table by default (the info lines are the bulk of the logs).
MODULE_LOG_LEVELS = ("W", "E")

_LEVELS = {"I": "info", "W": "warning", "E": "error", "INFO": "info", "WARNING": "warning", "WARN": "warning",
           "ERROR": "error", "ERR": "error", "CRITICAL": "error", "NOTICE": "info"}
_RESULT_LEVELS = {"success": "info", "warning": "warning", "failure": "error", "timeout": "error", "cancel": "warning"}

_NAME = r"([A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)"
_GROUP_PATTERNS = (rf"(?i)\bgroup\s*\(\s*{_NAME}\s*\)", rf"(?i)\bgroup\s+{_NAME}")
_RESOURCE_PATTERNS = (
    rf"(?:Activating|Stopping|activating|stopping|deactivating)\s+{_NAME}\s+resource",
    rf"(?i)\bresource\s*\(\s*{_NAME}\s*\)",
    rf"Restarting resource\s+{_NAME}",
)
_MONITOR_PATTERNS = (rf"(?i)\bmonitoring\s+{_NAME}", rf"(?i)\bmonitor(?: resource)?\s+{_NAME}\s+(?:detected|error|status)")
_HEARTBEAT = rf"Resource\s+{_NAME}\s+of\s+server\s+{_NAME}\s+has\s+stopped"


@dataclass
class OffsetEstimate:
    """Each server's clock offset against ``reference`` (seconds; positive = ahead), with its evidence."""

    reference: str | None
    offsets: dict[str, float]
    summary: pl.DataFrame = field(repr=False)
    evidence: pl.DataFrame = field(repr=False)

    def describe(self) -> str:
        """One line per server: offset, how it was found, how many pairs and their spread."""
        lines = [f"reference clock: {self.reference}"]
        for row in self.summary.iter_rows(named=True):
            if row["server"] == self.reference:
                continue
            if row["offset_s"] is None:
                lines.append(f"{row['server']}: no shared event with the other servers; offset unknown (0 applied)")
                continue
            lines.append(
                f"{row['server']}: {row['offset_s']:+.3f} s via {row['via']} "
                f"({row['method']}, {row['pairs']} pair(s), spread {row['spread_s']:.3f} s)"
            )
        return "\n".join(lines)


def events(
    bundle,
    offsets: Mapping[str, float | timedelta] | None = None,
    *,
    tz: str | Mapping[str, str] = "UTC",
    module_log_levels: Iterable[str] | None = MODULE_LOG_LEVELS,
) -> pl.DataFrame:
    """The bundle's events on one clock, sorted by time (see the module docstring).

    ``offsets`` maps a server to its clock's lead over the reference
    (seconds or timedelta); missing servers get 0. Without it the offsets
    of :func:`estimate_offsets` are applied. ``module_log_levels`` picks the
    module-log lines taken (None: every entry line).
    """
    raw = raw_events(bundle, tz=tz, module_log_levels=module_log_levels)
    if offsets is None:
        applied = estimate_offsets(bundle, tz=tz, _events=raw).offsets
    else:
        applied = {k: (v.total_seconds() if isinstance(v, timedelta) else float(v)) for k, v in offsets.items()}
    return apply_offsets(raw, applied)


def apply_offsets(frame: pl.DataFrame, offsets: Mapping[str, float]) -> pl.DataFrame:
    """Subtract each server's clock offset from ``time`` and record it in ``clock_offset_s``."""
    shift = pl.col("server").replace_strict(dict(offsets), default=0.0, return_dtype=pl.Float64)
    out = frame.with_columns(shift.alias("clock_offset_s")).with_columns(
        (pl.col("time") - pl.duration(milliseconds=(pl.col("clock_offset_s") * 1000).round(0).cast(pl.Int64))).alias("time")
    )
    return out.sort("time", "server", "source", "line", nulls_last=True).select(SCHEMA.names()).cast(dict(SCHEMA))


def raw_events(
    bundle,
    *,
    tz: str | Mapping[str, str] = "UTC",
    module_log_levels: Iterable[str] | None = MODULE_LOG_LEVELS,
) -> pl.DataFrame:
    """The merged events before any clock correction (``clock_offset_s`` is 0)."""
    present = set(bundle.tables())
    parts = []
    alerts = bundle.table("alert_log") if "alert_log" in present else None
    if alerts is not None:
        parts.append(_from_alerts(alerts, list(bundle.servers)))
    if "syslog" in present:
        parts.append(_from_syslog(bundle.table("syslog"), alerts))
    if "module_log" in present:
        parts.append(_from_module_log(bundle.table("module_log"), module_log_levels))
    if "cluster_stats" in present:
        parts.append(_from_cluster_stats(bundle.table("cluster_stats")))
    parts = [p for p in parts if p.height]
    if not parts:
        return SCHEMA.to_frame()
    df = _drop_repeats(_syslog_years(pl.concat(parts, how="diagonal_relaxed")))
    df = _names(df)
    df = _to_utc(df, tz)
    df = df.with_columns(pl.lit(0.0).alias("clock_offset_s"))
    return df.sort("time", "server", "source", "line", nulls_last=True).select(SCHEMA.names()).cast(dict(SCHEMA))


# --- building the rows -------------------------------------------------------------------------


def _level(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_uppercase().replace_strict(_LEVELS, default=expr.str.to_lowercase(), return_dtype=pl.String)


def _from_alerts(alerts: pl.DataFrame, servers: list[str]) -> pl.DataFrame:
    """Alerts, once each: a replica (host other than the file's server) is kept only when
    the originating server's own alert log is not in the bundle."""
    good = alerts.filter(pl.col("problem").is_null() | pl.col("time").is_not_null())
    host = pl.coalesce(pl.col("host"), pl.col("server"))
    own = good.filter(host == pl.col("server"))
    replicas = good.filter(host != pl.col("server"), ~pl.col("host").is_in(servers))
    replicas = replicas.unique(["host", "module", "event_id", "message", "time"], keep="first", maintain_order=True)
    df = pl.concat([own, replicas])
    return df.select(
        pl.col("time").alias("local_time"),
        host.alias("server"),
        "source",
        "line",
        pl.lit("alert_log").alias("kind"),
        pl.col("module").str.to_lowercase(),
        "event_id",
        _level(pl.col("level")).alias("level"),
        "message",
        pl.lit(None, pl.Int32).alias("utc_offset"),
    )


def _from_syslog(syslog: pl.DataFrame, alerts: pl.DataFrame | None) -> pl.DataFrame:
    """Cluster syslog lines; a line repeating an alert of the same server (same event and
    message within 5 s) is left out, the alert log holding it already."""
    df = syslog.filter(pl.col("time").is_not_null()).select(
        pl.col("time").alias("local_time"),
        "server",
        "source",
        "line",
        pl.lit("syslog").alias("kind"),
        "module",
        "event_id",
        pl.lit(None, pl.String).alias("level"),
        "message",
        "utc_offset",
        pl.col("year_from") if "year_from" in syslog.columns else pl.lit(None, pl.String).alias("year_from"),
    )
    if alerts is not None and alerts.height and df.height:
        keys = alerts.filter(pl.col("time").is_not_null()).select(
            pl.col("server"), pl.col("module").str.to_lowercase(), "event_id", "message",
            pl.col("time").alias("alert_time"),
        ).sort("alert_time")
        df = df.with_row_index("_i")
        matched = (
            df.drop_nulls(["module", "event_id", "message"])
            .sort("local_time")
            .join_asof(
                keys, left_on="local_time", right_on="alert_time", by=["server", "module", "event_id", "message"],
                strategy="nearest", tolerance=timedelta(seconds=5), check_sortedness=False,
            )
            .filter(pl.col("alert_time").is_not_null())["_i"]
        )
        df = df.filter(~pl.col("_i").is_in(matched.implode())).drop("_i")
    return df.with_columns(_catalog_level())


def _catalog_level() -> pl.Expr:
    """Level of a syslog line from the event catalog when it is available (null otherwise)."""
    try:
        from clpkit import catalog
    except ImportError:
        return pl.col("level")
    cat = catalog.load().select(
        (pl.col("module") + ":" + pl.col("event_id").cast(pl.String)).alias("key"), "level"
    )
    mapping = dict(zip(cat["key"], cat["level"]))
    key = pl.col("module") + ":" + pl.col("event_id").cast(pl.String)
    return pl.coalesce(pl.col("level"), key.replace_strict(mapping, default=None, return_dtype=pl.String)).alias("level")


def _from_module_log(logs: pl.DataFrame, levels: Iterable[str] | None) -> pl.DataFrame:
    """The loose module logs' lines. The copies inside emergency archives (``archive`` set) are left
    out: they are snapshots of the same logs, so their lines are already events of the loose files."""
    df = logs.filter(pl.col("continues").is_null(), pl.col("time").is_not_null())
    if "archive" in df.columns:
        df = df.filter(pl.col("archive").is_null())
    if levels is not None:
        df = df.filter(pl.col("level").is_in(list(levels)))
    return df.select(
        pl.col("time").alias("local_time"),
        "server",
        "source",
        "line",
        pl.lit("module_log").alias("kind"),
        "module",
        pl.lit(None, pl.Int64).alias("event_id"),
        _level(pl.col("level")).alias("level"),
        pl.col("text").alias("message"),
        pl.lit(None, pl.Int32).alias("utc_offset"),
    )


def _from_cluster_stats(stats: pl.DataFrame) -> pl.DataFrame:
    """One event per completed action, at its end time; groups and resources are rc's, monitors rm's."""
    # a monitor's routine successful run is no event; its failures, warnings and timeouts are
    df = stats.filter(
        pl.coalesce("end_time", "date").is_not_null(),
        ~((pl.col("category") == "monitor") & (pl.col("result").str.to_lowercase() == "success")),
    )
    category = pl.col("category")
    name = pl.col("name")
    message = pl.format(
        "{} {} {}: {} in {} ms (started {}{})",
        category.fill_null("action"),
        name.fill_null("?"),
        pl.col("action").fill_null("?"),
        pl.col("result").fill_null("?"),
        pl.col("elapsed_time_ms").cast(pl.String).fill_null("?"),
        pl.col("start_time").dt.strftime("%H:%M:%S%.3f").fill_null("?"),
        pl.when(pl.col("return_code").is_not_null())
        .then(pl.format(", return code {}", pl.col("return_code")))
        .otherwise(pl.lit("")),
    )
    return df.select(
        pl.coalesce("end_time", "date").alias("local_time"),
        "server",
        "source",
        "line",
        pl.lit("cluster_stats").alias("kind"),
        pl.when(category == "monitor").then(pl.lit("rm")).when(category.is_in(["group", "resource"])).then(pl.lit("rc")).alias("module"),
        pl.lit(None, pl.Int64).alias("event_id"),
        pl.col("result").str.to_lowercase().replace_strict(_RESULT_LEVELS, default=None, return_dtype=pl.String).alias("level"),
        message.alias("message"),
        pl.lit(None, pl.Int32).alias("utc_offset"),
        pl.when(category == "group").then(name).alias("group"),
        pl.when(category == "resource").then(name).alias("resource"),
        pl.when(category == "monitor").then(name).alias("monitor"),
    )


def _syslog_years(df: pl.DataFrame) -> pl.DataFrame:
    """Correct the year of syslog files whose year was a guess (``year_from`` ``now``: no date in the
    file or its name, no mtime) by whole years, to the years of the same server's other events.

    The other logs carry their year, so a syslog file guessed into the current year while the rest of
    the collection is from an earlier year is moved back by the whole years between their medians.
    """
    if "year_from" not in df.columns:
        return df
    guessed = pl.col("year_from") == "now"
    if not df.select(guessed.any()).item():
        return df.drop("year_from")
    year = timedelta(days=365.2425)
    others = df.filter(pl.col("kind") != "syslog")
    fixes = []
    for (server, source), part in df.filter(guessed).group_by("server", "source"):
        ref = others.filter(pl.col("server") == server)["local_time"]
        ref = ref if ref.len() else others["local_time"]
        if ref.len() == 0:
            continue
        k = round((ref.median() - part["local_time"].median()) / year)
        if k:
            fixes.append((source, k))
    if not fixes:
        return df.drop("year_from")
    shift = pl.col("source").replace_strict(dict(fixes), default=0, return_dtype=pl.Int64)
    return df.with_columns(
        pl.when(guessed & (shift != 0)).then(pl.col("local_time").dt.offset_by(pl.format("{}y", shift))).otherwise(pl.col("local_time")).alias("local_time")
    ).drop("year_from")


def _drop_repeats(df: pl.DataFrame) -> pl.DataFrame:
    """Module-log lines that repeat another event of the same server (same text within 1 s) are left out:
    the ``.err`` log repeats the ``.log`` lines, and both repeat the alerts."""
    is_log = pl.col("kind") == "module_log"
    logs = df.filter(is_log).with_row_index("_i")
    if logs.height == 0:
        return df
    logs = logs.with_columns(
        (pl.col("source").str.contains(r"\.err(?:\.|$)")).alias("_err")
    ).sort("_err")  # the .log copy first
    logs = logs.unique(["server", "module", "local_time", "message"], keep="first", maintain_order=True)
    others = df.filter(~is_log).select("server", "message", pl.col("local_time").alias("_t")).sort("_t")
    if others.height:
        hit = (
            logs.sort("local_time")
            .join_asof(others, left_on="local_time", right_on="_t", by=["server", "message"],
                       strategy="nearest", tolerance=timedelta(seconds=1), check_sortedness=False)
            .filter(pl.col("_t").is_not_null())["_i"]
        )
        logs = logs.filter(~pl.col("_i").is_in(hit.implode()))
    return pl.concat([df.filter(~is_log), logs.drop("_i", "_err")], how="diagonal_relaxed")


def _first_match(patterns: tuple[str, ...]) -> pl.Expr:
    return pl.coalesce(*(pl.col("message").str.extract(p, 1) for p in patterns))


def _names(df: pl.DataFrame) -> pl.DataFrame:
    """Resource, group and monitor names found in the message (kept when already known)."""
    for column, patterns in (("group", _GROUP_PATTERNS), ("resource", _RESOURCE_PATTERNS), ("monitor", _MONITOR_PATTERNS)):
        found = _first_match(patterns)
        if column in df.columns:
            df = df.with_columns(pl.coalesce(pl.col(column), found).alias(column))
        else:
            df = df.with_columns(found.alias(column))
    return df


def _to_utc(df: pl.DataFrame, tz: str | Mapping[str, str]) -> pl.DataFrame:
    """Local wall-clock times to UTC: the line's own offset when written, else the server's zone."""
    zone_of = {} if isinstance(tz, str) else dict(tz)
    default = tz if isinstance(tz, str) else "UTC"
    zone = pl.col("server").replace_strict(zone_of, default=default, return_dtype=pl.String) if zone_of else pl.lit(default)
    df = df.with_columns(zone.alias("_zone"))
    parts = []
    for (name,), part in df.group_by("_zone", maintain_order=True):
        zoned = (
            pl.col("local_time")
            .dt.replace_time_zone(name, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
        )
        fixed = (pl.col("local_time") - pl.duration(minutes=pl.col("utc_offset").cast(pl.Int64))).dt.replace_time_zone("UTC")
        time = pl.when(pl.col("utc_offset").is_not_null()).then(fixed).otherwise(zoned)
        parts.append(part.with_columns(time.dt.cast_time_unit("ms").alias("time")))
    if not parts:
        return df.with_columns(pl.lit(None, pl.Datetime("ms", "UTC")).alias("time")).drop("_zone")
    return pl.concat(parts, how="vertical_relaxed").drop("_zone")


# --- clock offsets -----------------------------------------------------------------------------


def estimate_offsets(
    bundle,
    *,
    reference: str | None = None,
    tz: str | Mapping[str, str] = "UTC",
    window: timedelta = timedelta(minutes=30),
    _events: pl.DataFrame | None = None,
) -> OffsetEstimate:
    """Each server's clock offset against ``reference`` (default: the first server with evidence).

    ``window`` bounds how far apart two servers' records of the same moment
    may be (the largest offset that can be found).
    """
    servers = list(bundle.servers)
    ev = _events if _events is not None else raw_events(bundle, tz=tz, module_log_levels=None)
    pairs = [_alert_pairs(bundle, servers, tz), _heartbeat_pairs(ev, window), _failover_pairs(bundle, ev, tz, window)]
    evidence = pl.concat([p for p in pairs if p.height] or [EVIDENCE_SCHEMA.to_frame()], how="vertical_relaxed")
    evidence = evidence.cast(dict(EVIDENCE_SCHEMA)).sort("method", "time_a")
    return _solve(servers, evidence, reference)


def _solve(servers: list[str], evidence: pl.DataFrame, reference: str | None) -> OffsetEstimate:
    """Median per server pair (strongest method only), then chain from the reference."""
    # every pair as clock(hi) - clock(lo) for the server pair (lo, hi) in name order
    swap = pl.col("server_a") > pl.col("server_b")
    canon = evidence.select(
        "method",
        pl.when(swap).then("server_b").otherwise("server_a").alias("lo"),
        pl.when(swap).then("server_a").otherwise("server_b").alias("hi"),
        pl.when(swap).then(-pl.col("delta_s")).otherwise("delta_s").alias("d"),
        swap.alias("reverse"),
    )
    graph: dict[str, dict[str, tuple[float, str, int, float]]] = {s: {} for s in servers}
    for (lo, hi), grp in canon.group_by(["lo", "hi"]):
        for method in METHODS:
            pick = grp.filter(pl.col("method") == method)
            sel = pick["d"]
            if sel.len():
                # the median of each direction, averaged: a delay that always adds in the
                # direction of travel (alert transfer, failover handover) cancels out
                medians = [float(part["d"].median()) for _, part in pick.group_by("reverse")]
                d, n, spread = sum(medians) / len(medians), sel.len(), float(sel.max() - sel.min())
                graph.setdefault(lo, {})[hi] = (d, method, n, spread)
                graph.setdefault(hi, {})[lo] = (-d, method, n, spread)
                break
    if reference is None:
        reference = next((s for s in servers if graph.get(s)), servers[0] if servers else None)
    offsets: dict[str, float] = {}
    rows = []
    if reference is not None:
        offsets[reference] = 0.0
        rows.append((reference, 0.0, "reference", None, 0, 0.0))
        queue = [reference]
        while queue:
            x = queue.pop(0)
            for y, (d, m, n, spread) in sorted(graph.get(x, {}).items()):
                if y in offsets:
                    continue
                offsets[y] = offsets[x] + d
                via = x if x == reference else f"{x} (chained)"
                rows.append((y, round(offsets[y], 3), via, m, n, spread))
                queue.append(y)
    for s in servers:
        if s not in offsets:
            rows.append((s, None, None, None, 0, None))
    summary = pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")
    return OffsetEstimate(reference, {k: round(v, 3) for k, v in offsets.items()}, summary, evidence)


def _side(df: pl.DataFrame, suffix: str) -> list[pl.Expr]:
    return [
        pl.col("server").alias(f"server_{suffix}"),
        pl.col("time").alias(f"time_{suffix}"),
        pl.col("source").alias(f"source_{suffix}"),
        pl.col("line").alias(f"line_{suffix}"),
    ]


def _delta() -> pl.Expr:
    return ((pl.col("time_b") - pl.col("time_a")).dt.total_milliseconds() / 1000.0).alias("delta_s")


def _alert_pairs(bundle, servers: list[str], tz) -> pl.DataFrame:
    """An alert's original (host == file's server) and its replica on another server.

    An alert line holds two times: the origin server's and the holder's
    record of it. Which of the two columns is which is not published, so
    the pair is found by the time the two copies share (the origin's), and
    the offset is the difference of the other one: with both columns
    compared, ``(t1' - t1) + (t2' - t2)`` is that difference whichever
    column is shared. (The difference is taken on the written times, so
    this method assumes both servers write in the same time zone.)
    """
    if "alert_log" not in set(bundle.tables()):
        return EVIDENCE_SCHEMA.to_frame()
    alerts = bundle.table("alert_log").filter(pl.col("logged").is_not_null(), pl.col("time").is_not_null())
    if alerts.height == 0:
        return EVIDENCE_SCHEMA.to_frame()
    local = alerts.select(
        "server", "source", "line", "host", "module", "event_id", "message",
        pl.col("time").alias("t1"),
        pl.col("logged").alias("t2"),
        pl.col("time").alias("local_time"),
        pl.lit(None, pl.Int32).alias("utc_offset"),
    )
    local = _to_utc(local, tz)
    key = ["host", "module", "event_id", "message"]
    original = local.filter(pl.col("host") == pl.col("server"))
    replica = local.filter(pl.col("host") != pl.col("server"), pl.col("host").is_in(servers))
    joined = original.select(*key, "t1", "t2", *_side(original, "a")).join(
        replica.select(*key, pl.col("t1").alias("r1"), pl.col("t2").alias("r2"), *_side(replica, "b")),
        on=key, how="inner", nulls_equal=True,
    ).filter((pl.col("t1") == pl.col("r1")) | (pl.col("t2") == pl.col("r2")))
    delta = ((pl.col("r1") - pl.col("t1")) + (pl.col("r2") - pl.col("t2"))).dt.total_milliseconds() / 1000.0
    return joined.select(
        pl.lit("alert_replica").alias("method"),
        pl.format("{} {} {}", pl.col("module"), pl.col("event_id"), pl.col("message")).alias("what"),
        *EVIDENCE_SCHEMA.names()[2:10],
        delta.alias("delta_s"),
    )


def _nearest_pairs(left: pl.DataFrame, right: pl.DataFrame, by: list[str], window: timedelta, method: str, what: pl.Expr) -> pl.DataFrame:
    """Each left row with the right row nearest in time (same ``by`` keys, within ``window``)."""
    if left.height == 0 or right.height == 0:
        return EVIDENCE_SCHEMA.to_frame()
    a = left.select(*by, *_side(left, "a"), pl.col("time").alias("_t")).sort("_t")
    b = right.select(*by, *_side(right, "b"), pl.col("time").alias("_t")).sort("_t")
    joined = a.join_asof(b, on="_t", by=by, strategy="nearest", tolerance=window, check_sortedness=False).filter(pl.col("time_b").is_not_null())
    # one right row answers one left row: keep the closest use of each
    joined = joined.with_columns(_delta()).sort(pl.col("delta_s").abs()).unique(["source_b", "line_b"], keep="first")
    return joined.select(pl.lit(method).alias("method"), what.alias("what"), *EVIDENCE_SCHEMA.names()[2:10], "delta_s")


def _heartbeat_pairs(ev: pl.DataFrame, window: timedelta) -> pl.DataFrame:
    """A heartbeat reported stopped by each side about the other."""
    hb = ev.with_columns(pl.col("message").str.extract_groups(_HEARTBEAT).struct.rename_fields(["hb", "peer"]).alias("_h")).unnest("_h")
    hb = hb.filter(pl.col("hb").is_not_null(), pl.col("peer") != pl.col("server"))
    hb = hb.unique(["server", "hb", "peer", "time"], keep="first")
    if hb.height == 0:
        return EVIDENCE_SCHEMA.to_frame()
    frames = []
    servers = sorted(set(hb["server"]))
    for i, a in enumerate(servers):
        for b in servers[i + 1 :]:
            left = hb.filter(pl.col("server") == a, pl.col("peer") == b)
            right = hb.filter(pl.col("server") == b, pl.col("peer") == a)
            frames.append(_nearest_pairs(left, right, ["hb"], window, "heartbeat_loss", pl.format("heartbeat {} lost", pl.col("hb"))))
    return pl.concat(frames, how="vertical_relaxed") if frames else EVIDENCE_SCHEMA.to_frame()


_STOP_MESSAGE = r"Stopping group\s+(\S+?)\s+has completed"
_START_MESSAGE = r"Activating group\s+(\S+?)\s+has started"


#: Resource and group actions closer together than this on one server belong to one run (a failover's stops).
RUN_GAP = timedelta(seconds=60)


def _failover_pairs(bundle, ev: pl.DataFrame, tz, window: timedelta) -> pl.DataFrame:
    """Group resources stopping on one server, then starting on another.

    Pairs: the end of a run of resource/group stops on server a with the
    beginning of a run of starts on server b (cluster statistics), and the
    messages rc 21 (group stop completed) with rc 10 (group start begun).
    A failover row (Move) is not used: its start is the start of the whole
    failover, before the stops.
    """
    msgs = ev.filter(pl.col("kind") != "cluster_stats").select(
        "server", "source", "line", "time",
        pl.col("message").str.extract(_STOP_MESSAGE, 1).alias("stop"),
        pl.col("message").str.extract(_START_MESSAGE, 1).alias("start"),
    )
    stops = [msgs.filter(pl.col("stop").is_not_null()).select("server", "source", "line", "time", pl.col("stop").alias("g"))]
    starts = [msgs.filter(pl.col("start").is_not_null()).select("server", "source", "line", "time", pl.col("start").alias("g"))]
    if "cluster_stats" in set(bundle.tables()):
        acts = bundle.table("cluster_stats").filter(
            pl.col("category").is_in(["group", "resource"]), pl.col("start_time").is_not_null(), pl.col("end_time").is_not_null()
        )
        for action, out, last in (("Stop", stops, True), ("Start", starts, False)):
            runs = _runs(acts.filter(pl.col("action") == action), last)
            if runs.height:
                out.append(_to_utc(runs, tz).select("server", "source", "line", "time", pl.lit("resources").alias("g")))
    stop = pl.concat(stops, how="vertical_relaxed")
    start = pl.concat(starts, how="vertical_relaxed")
    frames = []
    for a in sorted(set(stop["server"].drop_nulls())):
        for b in sorted(set(start["server"].drop_nulls()) - {a}):
            frames.append(
                _nearest_pairs(
                    stop.filter(pl.col("server") == a), start.filter(pl.col("server") == b), ["g"], window,
                    "failover", pl.format("{} stopped on {}, started on {}", pl.col("g"), pl.col("server_a"), pl.col("server_b")),
                )
            )
    return pl.concat(frames, how="vertical_relaxed") if frames else EVIDENCE_SCHEMA.to_frame()


def _runs(rows: pl.DataFrame, last: bool) -> pl.DataFrame:
    """Per server, runs of actions less than RUN_GAP apart: the end of the last (stops) or the start of the first."""
    if rows.height == 0:
        return rows.select("server", "source", "line", pl.col("end_time").alias("local_time"), pl.lit(None, pl.Int32).alias("utc_offset"))
    rows = rows.sort("server", "start_time").with_columns(
        ((pl.col("start_time") - pl.col("end_time").shift(1).over("server")) > RUN_GAP)
        .fill_null(True)
        .cum_sum()
        .over("server")
        .alias("_run")
    )
    pick = pl.col("end_time").arg_max() if last else pl.col("start_time").arg_min()
    column = "end_time" if last else "start_time"
    return rows.group_by("server", "_run", maintain_order=True).agg(
        pl.col("source").get(pick), pl.col("line").get(pick), pl.col(column).get(pick).alias("local_time")
    ).select("server", "source", "line", "local_time", pl.lit(None, pl.Int32).alias("utc_offset"))

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

Clock drift. Servers' clocks disagree; :mod:`clpkit.clock` estimates each
server's offset once, from every event of the bundle (all levels), with an
interval and the pairs behind it. :func:`events` applies that estimate
(or the ``offsets`` given, or none with ``clock="raw"``) and shows what it
applied in ``clock_offset_s``.

>>> sorted(SCHEMA)[:4]
['clock_offset_s', 'event_id', 'group', 'kind']
"""

from __future__ import annotations

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


def events(
    bundle,
    offsets: Mapping[str, float | timedelta] | None = None,
    *,
    tz: str | Mapping[str, str] = "UTC",
    module_log_levels: Iterable[str] | None = MODULE_LOG_LEVELS,
    clock: str = "estimate",
) -> pl.DataFrame:
    """The bundle's events on one clock, sorted by time (see the module docstring).

    ``offsets`` maps a server to its clock's lead over the reference
    (seconds or timedelta); missing servers get 0. Without it the offsets
    of :func:`clpkit.clock.estimate_offsets` are applied, estimated once from
    every event (all levels), whatever ``module_log_levels`` keeps for the
    table; ``clock="raw"`` applies none (the times as the servers wrote them).
    ``module_log_levels`` picks the module-log lines taken (None: every entry line).
    """
    from clpkit import clock as clock_mod

    every = raw_events(bundle, tz=tz, module_log_levels=None)
    applied = clock_mod.resolve(bundle, every, offsets=offsets, mode=clock, tz=tz)[1]
    return apply_offsets(keep_levels(every, module_log_levels), applied)


def keep_levels(frame: pl.DataFrame, module_log_levels: Iterable[str] | None) -> pl.DataFrame:
    """Only the module-log lines of the given levels (letters as the logs write them); other kinds stay."""
    if module_log_levels is None:
        return frame
    wanted = [_LEVELS.get(x.upper(), x.lower()) for x in module_log_levels]
    return frame.filter((pl.col("kind") != "module_log") | pl.col("level").is_in(wanted))


def raw_events(
    bundle,
    *,
    tz: str | Mapping[str, str] = "UTC",
    module_log_levels: Iterable[str] | None = MODULE_LOG_LEVELS,
) -> pl.DataFrame:
    """The merged events before any clock correction (``clock_offset_s`` is 0)."""
    # a kind the bundle lacks is its table's empty frame (clpkit.formats.table_schema): no branch per kind
    alerts = bundle.table("alert_log")
    # the large tables are read for the rows that become events only (Bundle.rows: never held whole)
    parts = [
        _from_alerts(alerts, list(bundle.servers)),
        _from_syslog(bundle.table("syslog"), alerts),
        _from_module_log(bundle.rows("module_log", LOOSE_LOG_ENTRIES, feeders=False), module_log_levels),
        _from_cluster_stats(bundle.rows("cluster_stats", ACTIONS)),
    ]
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


def _from_syslog(syslog: pl.DataFrame, alerts: pl.DataFrame) -> pl.DataFrame:
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
        "year_from",
    )
    if alerts.height and df.height:
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
    """Level of a syslog line: its own, else the event catalog's for its module and event id (null when neither)."""
    from clpkit import catalog

    cat = catalog.load().select(
        (pl.col("module") + ":" + pl.col("event_id").cast(pl.String)).alias("key"), "level"
    )
    mapping = dict(zip(cat["key"], cat["level"]))
    key = pl.col("module") + ":" + pl.col("event_id").cast(pl.String)
    return pl.coalesce(pl.col("level"), key.replace_strict(mapping, default=None, return_dtype=pl.String)).alias("level")


#: The module-log rows that can be events: the loose logs' timed entry lines. The copies inside emergency
#: archives (``archive`` set) are left out: they are snapshots of the same logs, so their lines are already
#: events of the loose files.
LOOSE_LOG_ENTRIES = pl.col("continues").is_null() & pl.col("time").is_not_null() & pl.col("archive").is_null()

#: The cluster-statistics rows that are events: completed actions, but no monitor's routine successful run.
ACTIONS = pl.coalesce("end_time", "date").is_not_null() & ~(
    (pl.col("category") == "monitor") & (pl.col("result").str.to_lowercase() == "success")
)


def _from_module_log(logs: pl.DataFrame, levels: Iterable[str] | None) -> pl.DataFrame:
    """The loose module logs' lines (:data:`LOOSE_LOG_ENTRIES`)."""
    df = logs.filter(LOOSE_LOG_ENTRIES)
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
    df = stats.filter(ACTIONS)
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




# The clock lives in clpkit.clock; these names stay importable from here.
from clpkit.clock import (  # noqa: E402,F401
    EVIDENCE_SCHEMA,
    METHODS,
    SUMMARY_SCHEMA,
    OffsetEstimate,
    apply_offsets,
    estimate_offsets,
)

"""The one clock of clpkit: how far each server's clock runs ahead, with an interval and the evidence.

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
chained to the reference through the pairs available. :func:`clpkit.events.events`
applies the estimate unless ``offsets`` are given, and shows what it applied
in ``clock_offset_s``.

The estimate is made once, from every event of the bundle (all levels:
:func:`estimate_offsets` builds its own event table unless handed one),
so the event table, the findings and ``clpkit explain`` apply the same
offsets. Each offset comes with an interval (``low_s``/``high_s`` in the
summary, :meth:`OffsetEstimate.interval`) so that an explanation can say
where a skew could change the order of two things on different servers;
``--clock raw`` (:func:`resolve` with ``mode="raw"``) shows the servers'
own times instead.

>>> SUMMARY_SCHEMA.names()[-2:]
['low_s', 'high_s']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Mapping

import polars as pl

from clpkit.problems import ClpkitError

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
        "low_s": pl.Float64,
        "high_s": pl.Float64,
    }
)

#: Methods in order of trust; a weaker one is used for a server pair only when no stronger one has pairs.
METHODS = ("alert_replica", "heartbeat_loss", "failover")

#: Methods in order of trust; a weaker one is used for a server pair only when no stronger one has pairs.
METHODS = ("alert_replica", "heartbeat_loss", "failover")


@dataclass
class OffsetEstimate:
    """Each server's clock offset against ``reference`` (seconds; positive = ahead), with its evidence."""

    reference: str | None
    offsets: dict[str, float]
    summary: pl.DataFrame = field(repr=False)
    evidence: pl.DataFrame = field(repr=False)

    def interval(self, server: str) -> tuple[float, float] | None:
        """The range the server's offset lies in (seconds), None when unknown."""
        row = self.summary.filter(pl.col("server") == server)
        if row.height == 0 or row["low_s"][0] is None:
            return None
        return float(row["low_s"][0]), float(row["high_s"][0])

    def uncertainty(self, a: str, b: str) -> float:
        """How far the corrected order of an event on ``a`` and one on ``b`` may be off (seconds).

        The width of each server's offset interval around its estimate, the
        larger side, summed for the two servers; unknown offsets count as
        infinite (no order between the two servers can be trusted).
        """
        if a == b:
            return 0.0
        total = 0.0
        for s in (a, b):
            if s == self.reference:
                continue
            span = self.interval(s)
            if span is None:
                return float("inf")
            est = self.offsets[s]
            total += max(est - span[0], span[1] - est)
        return total

    def to_dict(self) -> dict:
        """JSON-able: reference, offsets, the per-server summary with intervals, every pair."""
        return {
            "reference": self.reference,
            "offsets": self.offsets,
            "summary": self.summary.to_dicts(),
            "pairs": _jsonable(self.evidence),
        }

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
                f"in [{row['low_s']:+.3f}, {row['high_s']:+.3f}] s "
                f"({row['method']}, {row['pairs']} pair(s), spread {row['spread_s']:.3f} s)"
            )
        return "\n".join(lines)


def apply_offsets(frame: pl.DataFrame, offsets: Mapping[str, float]) -> pl.DataFrame:
    """Subtract each server's clock offset from ``time`` and record it in ``clock_offset_s``."""
    from clpkit.events import SCHEMA

    shift = pl.col("server").replace_strict(dict(offsets), default=0.0, return_dtype=pl.Float64)
    out = frame.with_columns(shift.alias("clock_offset_s")).with_columns(
        (pl.col("time") - pl.duration(milliseconds=(pl.col("clock_offset_s") * 1000).round(0).cast(pl.Int64))).alias("time")
    )
    return out.sort("time", "server", "source", "line", nulls_last=True).select(SCHEMA.names()).cast(dict(SCHEMA))


#: ``--clock`` values: apply the estimate, or show the servers' own (uncorrected) times.
CLOCK_MODES = ("estimate", "raw")


def resolve(bundle, every: pl.DataFrame | None = None, *, offsets=None, mode: str = "estimate",
            tz: str | Mapping[str, str] = "UTC") -> tuple[OffsetEstimate, dict[str, float]]:
    """The estimate (always computed, for its evidence) and the offsets to apply.

    ``offsets`` given by the user replace the estimate; ``mode="raw"`` applies
    none. ``every``: the bundle's raw events of all levels, when already built.
    """
    if mode not in CLOCK_MODES:
        raise ClpkitError(f"--clock {mode!r}: expected one of {', '.join(CLOCK_MODES)}")
    estimate = estimate_offsets(bundle, tz=tz, _events=every)
    if mode == "raw":
        return estimate, {s: 0.0 for s in bundle.servers}
    if offsets is not None:
        return estimate, {k: (v.total_seconds() if isinstance(v, timedelta) else float(v)) for k, v in offsets.items()}
    return estimate, dict(estimate.offsets)


def _events_mod():
    from clpkit import events

    return events


def _jsonable(frame: pl.DataFrame) -> list[dict]:
    times = [pl.col(n).dt.to_string("%Y-%m-%dT%H:%M:%S%.3f%:z") for n, t in frame.schema.items() if isinstance(t, pl.Datetime)]
    return frame.with_columns(times).to_dicts()


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
    from clpkit.events import raw_events

    servers = list(bundle.servers)
    # every level: a heartbeat report the table would leave out is still evidence
    ev = _events if _events is not None else raw_events(bundle, tz=tz, module_log_levels=None)
    pairs = [_alert_pairs(bundle, servers, tz), _heartbeat_pairs(ev, window), _failover_pairs(bundle, ev, tz, window)]
    evidence = pl.concat([p for p in pairs if p.height] or [EVIDENCE_SCHEMA.to_frame()], how="vertical_relaxed")
    evidence = evidence.cast(dict(EVIDENCE_SCHEMA)).sort("method", "time_a")
    return _solve(servers, evidence, reference, heartbeat_jitter_s(getattr(bundle, "config", None))[0])


#: How far apart two servers may report the same heartbeat loss when clp.conf does not give the
#: heartbeat interval (``/root/cluster/heartbeat/interval``): a clpkit assumption of 3 s (the
#: interval of the sample and real-world configurations; the guide does not publish a default).
HEARTBEAT_JITTER_DEFAULT_S = 3.0


def heartbeat_jitter_s(config) -> tuple[float, str]:
    """The heartbeat interval in seconds (clp.conf stores ms) and where it came from."""
    raw = config.get("/root/cluster/heartbeat/interval") if config is not None else None
    try:
        return float(raw) / 1000.0, "/root/cluster/heartbeat/interval"
    except (TypeError, ValueError):
        return HEARTBEAT_JITTER_DEFAULT_S, "assumed (not in clp.conf)"


def _one_sided(pick: pl.DataFrame) -> tuple[float, float]:
    """Bounds from pairs whose delay only adds in the direction of travel (alert copies, handovers).

    canonical d = clock(hi) - clock(lo): a forward pair (lo -> hi) is offset + delay,
    so the offset is at most its smallest; a reverse pair is offset - delay, so at least its largest.
    """
    forward = pick.filter(~pl.col("reverse"))["d"]
    backward = pick.filter(pl.col("reverse"))["d"]
    upper = float(forward.min()) if forward.len() else float("inf")
    lower = float(backward.max()) if backward.len() else float("-inf")
    return lower, upper


def _pair_interval(grp: pl.DataFrame, method: str, jitter_s: float) -> tuple[float, float]:
    """Where the offset of one server pair lies, from the pairs of the chosen method,
    narrowed by the one-sided bounds of every delay-only method.

    Heartbeat losses: each side reports after the same timeout, counted from
    heartbeats that arrive once per heartbeat interval, so each pair is right
    to within that interval. Alert copies and failover handovers: the delay
    only adds in the direction of travel (see :func:`_one_sided`); with pairs
    only one way the other side falls back to the range of the pairs.
    """
    pick = grp.filter(pl.col("method") == method)
    lo, hi = float(pick["d"].min()), float(pick["d"].max())
    if method == "heartbeat_loss":
        lo, hi = lo - jitter_s, hi + jitter_s
    else:
        lower, upper = _one_sided(pick)
        if lower <= upper:
            lo = lower if lower != float("-inf") else lo
            hi = upper if upper != float("inf") else hi
    for other in ("alert_replica", "failover"):
        part = grp.filter(pl.col("method") == other)
        if other == method or part.height == 0:
            continue
        lower, upper = _one_sided(part)
        if max(lo, lower) <= min(hi, upper):
            lo, hi = max(lo, lower), min(hi, upper)
    return lo, hi


def _solve(servers: list[str], evidence: pl.DataFrame, reference: str | None,
           jitter_s: float = HEARTBEAT_JITTER_DEFAULT_S) -> OffsetEstimate:
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
    graph: dict[str, dict[str, tuple[float, str, int, float, float, float]]] = {s: {} for s in servers}
    for (lo, hi), grp in canon.group_by(["lo", "hi"]):
        for method in METHODS:
            pick = grp.filter(pl.col("method") == method)
            sel = pick["d"]
            if sel.len():
                # the median of each direction, averaged: a delay that always adds in the
                # direction of travel (alert transfer, failover handover) cancels out
                medians = [float(part["d"].median()) for _, part in pick.group_by("reverse")]
                d, n, spread = sum(medians) / len(medians), sel.len(), float(sel.max() - sel.min())
                a, b = _pair_interval(grp, method, jitter_s)
                a, b = min(a, d), max(b, d)
                graph.setdefault(lo, {})[hi] = (d, method, n, spread, d - a, b - d)
                graph.setdefault(hi, {})[lo] = (-d, method, n, spread, b - d, d - a)
                break
    if reference is None:
        reference = next((s for s in servers if graph.get(s)), servers[0] if servers else None)
    offsets: dict[str, float] = {}
    below: dict[str, float] = {}
    above: dict[str, float] = {}
    rows = []
    if reference is not None:
        offsets[reference], below[reference], above[reference] = 0.0, 0.0, 0.0
        rows.append((reference, 0.0, "reference", None, 0, 0.0, 0.0, 0.0))
        queue = [reference]
        while queue:
            x = queue.pop(0)
            for y, (d, m, n, spread, minus, plus) in sorted(graph.get(x, {}).items()):
                if y in offsets:
                    continue
                offsets[y] = offsets[x] + d
                # a chained server inherits the uncertainty of every link to the reference
                below[y], above[y] = below[x] + minus, above[x] + plus
                via = x if x == reference else f"{x} (chained)"
                rows.append((y, round(offsets[y], 3), via, m, n, spread,
                             round(offsets[y] - below[y], 3), round(offsets[y] + above[y], 3)))
                queue.append(y)
    for s in servers:
        if s not in offsets:
            rows.append((s, None, None, None, 0, None, None, None))
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
    local = _events_mod()._to_utc(local, tz)
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
    hb = ev.with_columns(pl.col("message").str.extract_groups(_events_mod()._HEARTBEAT).struct.rename_fields(["hb", "peer"]).alias("_h")).unnest("_h")
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


#: The cluster-statistics rows a failover pair is looked for in (a small part of the table: no monitor run).
GROUP_AND_RESOURCE_ACTIONS = (
    pl.col("category").is_in(["group", "resource"]) & pl.col("start_time").is_not_null() & pl.col("end_time").is_not_null()
)

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
        acts = bundle.rows("cluster_stats", GROUP_AND_RESOURCE_ACTIONS)
        for action, out, last in (("Stop", stops, True), ("Start", starts, False)):
            runs = _runs(acts.filter(pl.col("action") == action), last)
            if runs.height:
                out.append(_events_mod()._to_utc(runs, tz).select("server", "source", "line", "time", pl.lit("resources").alias("g")))
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

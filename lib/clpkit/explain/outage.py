"""Time out of service per group, from the explained incidents: total and its phases.

Out of service from the last good sign (a monitor's last successful run
before its error, else the incident's first abnormal event, e.g. a lost
server's last record) to the group's start completing. Phases: detection
(to the decision: recovery or final action, the others seeing a server
leave, partition resolution), stop (the
group's stop on the source), unmount and fsck (the mirror statistics'
``Unmount Time, Last`` on the source and ``Fsck Time, Last`` on the
destination after the incident, SPEC 3.2) and start (the group's start on
the destination). An incident counts when its group's start completed; a
group left stopped is reported with no end.

>>> percentile([10.0, 20.0, 30.0, 40.0], 0.5)
25.0
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from clpkit.explain import Incident
from clpkit.explain.model import RULES

PHASES = ("detection", "stop", "unmount", "fsck", "start")
_DECISIONS = ("recovery", "final_action", "heartbeat", "partition", "request")


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (the one polars' quantile 'linear' gives)."""
    if not values:
        return None
    return float(pl.Series(values).quantile(q, "linear"))


def _mirror_last(bundle, tz: str, offsets: dict[str, float]) -> pl.DataFrame:
    if "mirror_stats" not in set(bundle.tables()):
        return pl.DataFrame()
    from clpkit.findings import _true_utc, mirror_rows

    # the rows the findings read too (read once per bundle), not the whole table of 44 columns
    frame = mirror_rows(bundle).select("server", "time", "source", "line", "unmount_time_last", "fsck_time_last")
    return _true_utc(frame, ["time"], tz, offsets).sort("time")


def _after(mirror: pl.DataFrame, server: str, t, column: str) -> tuple[float | None, str | None]:
    """The first mirror sample of ``server`` within 5 minutes after ``t`` whose ``column`` changed."""
    if mirror.is_empty() or column not in mirror.columns:
        return None, None
    rows = mirror.filter(pl.col("server") == server)
    before = rows.filter(pl.col("time") <= t).tail(1)
    after = rows.filter(pl.col("time") > t, pl.col("time") <= t + timedelta(minutes=5))
    old = before[column][0] if before.height else None
    for r in after.iter_rows(named=True):
        if r[column] is not None and r[column] != old:
            return float(r[column]), f"{r['source']}:{r['line']}"
    return None, None


def outages(bundle, incidents: list[Incident], estimate, tz: str = "UTC") -> list[dict]:
    """One record per incident that took a group out of service: times, phases, evidence."""
    return [r for r in records(bundle, incidents, estimate, tz) if r is not None]


def records(bundle, incidents: list[Incident], estimate, tz: str = "UTC") -> list[dict | None]:
    """:func:`outages`, one entry per incident (None: it took no group out of service)."""
    mirror = _mirror_last(bundle, tz, estimate.offsets if estimate is not None else {})
    return [_record(inc, mirror) for inc in incidents]


def _record(inc: Incident, mirror: pl.DataFrame) -> dict | None:
    """One incident's out-of-service record, None when it took no group out of service."""
    if inc.group is None or inc.cause in ("unexplained", "monitor_restart", "heartbeat_path_loss", "mirror_disconnect"):
        return None
    stops = [lk for lk in inc.links if lk.step == "stop" and lk.until]
    starts = [lk for lk in inc.links if lk.step == "start"]
    lost = [lk for lk in inc.links if lk.step == "heartbeat"]
    if not stops and not lost and not any(lk.until for lk in starts):
        return None
    first = inc.links[0]
    # a monitor's error is reported some time after its last good run: the service was out since then
    lead = first.timing.observed_s if first.step == "detection" and first.timing is not None and first.timing.rule == RULES["monitor_detection"] else 0.0
    began = inc.start - timedelta(seconds=lead)
    decision = next((lk for lk in inc.links[1:] if lk.step in _DECISIONS), stops[0] if stops else None)
    phases = {p: None for p in PHASES}
    evidence = [e for lk in inc.links for e in lk.evidence[:2]]
    phases["detection"] = round((decision.time - began).total_seconds(), 3) if decision else None
    group_stop = next((lk for lk in stops if inc.group in lk.text["en"]), None)
    if group_stop:
        phases["stop"] = round((group_stop.until - group_stop.time).total_seconds(), 3)
        phases["unmount"], ref = _after(mirror, group_stop.server, group_stop.time, "unmount_time_last")
        evidence += [ref] if ref else []
    done = next((lk for lk in starts if lk.until), None)
    if done:
        phases["start"] = round((done.until - done.time).total_seconds(), 3)
        phases["fsck"], ref = _after(mirror, done.server, done.time, "fsck_time_last")
        evidence += [ref] if ref else []
    return {
        "group": inc.group, "cause": inc.cause, "time": began, "server": done.server if done else inc.links[0].server,
        "end": done.until if done else None,
        "duration_s": round((done.until - began).total_seconds(), 3) if done else None,
        "phases": phases, "evidence": list(dict.fromkeys(evidence)),
    }


def summary(records: list[dict]) -> pl.DataFrame:
    """Per group: count, p50 and p95 of the time out of service and of each phase (seconds)."""
    rows = []
    for group in sorted({r["group"] for r in records}):
        mine = [r for r in records if r["group"] == group]
        done = [r["duration_s"] for r in mine if r["duration_s"] is not None]
        row = {"group": group, "count": len(mine), "p50_s": percentile(done, 0.5), "p95_s": percentile(done, 0.95)}
        for phase in PHASES:
            values = [r["phases"][phase] for r in mine if r["phases"][phase] is not None]
            row[f"{phase}_p50_s"] = percentile(values, 0.5)
        rows.append(row)
    schema = {"group": pl.String, "count": pl.Int64, "p50_s": pl.Float64, "p95_s": pl.Float64,
              **{f"{p}_p50_s": pl.Float64 for p in PHASES}}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)

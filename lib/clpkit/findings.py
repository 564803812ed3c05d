"""Findings: what went wrong in a bundle, each with the rows that show it.

A finding is one row: when, on which server, how bad, a stable ``code``, a
title and detail in the reader's language, the group/resource/monitor it is
about, a duration when it has one, and ``evidence`` (``file:line`` of every
row it was drawn from) so that a reader can check it.

The structured statistics (``cluster_stats``: one row per completed group,
resource and monitor action, SPEC 3.4) carry most of it; the event table
(alert log, syslog, module logs) adds what only messages say: why a server
went down, daemon starts, mirror breaks. Times are true UTC: each server's
rows are corrected by the clock offset the event table estimated, so that a
failover's stop on one server and start on the other line up.

Detectors are small functions of frames, so each can be tested on a few rows:

>>> import datetime as dt
>>> t = lambda s: dt.datetime(2026, 11, 20, 3, 12, s)
>>> stats = pl.DataFrame({
...     "server": ["sv1", "sv1", "sv2"], "category": ["monitor", "group", "group"],
...     "name": ["genw1", "failover1", "failover1"], "action": ["Monitor", "Stop", "Move"],
...     "result": ["Failure", "Success", "Success"],
...     "start_time": [t(0), t(5), t(12)], "end_time": [t(1), t(11), t(40)],
...     "source": ["genw.cur", "group.cur", "group.cur"], "line": [7, 3, 2]})
>>> f = group_failovers(stats, lang="en")
>>> f.select("code", "server", "group", "duration_s").rows()
[('failover', 'sv2', 'failover1', 35.0)]
>>> f["title"][0]
'Group failover1 failed over from sv1 to sv2 in 35.0 s'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl

FINDINGS_SCHEMA = pl.Schema(
    {
        "time": pl.Datetime("ms", "UTC"),
        "server": pl.String,
        "severity": pl.String,  # critical, error, warning, info
        "code": pl.String,
        "title": pl.String,
        "detail": pl.String,
        "group": pl.String,
        "resource": pl.String,
        "monitor": pl.String,
        "duration_s": pl.Float64,
        "evidence": pl.List(pl.String),
    }
)

SEVERITY_ORDER = ("critical", "error", "warning", "info")

#: Title and detail of each finding code, in English and Japanese (our words).
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "failover": {
        "en": (
            "Group {group} failed over from {src} to {dst} in {duration:.1f} s",
            "Stopped on {src} at {stop}, started on {dst} at {end}.{cause}",
        ),
        "ja": (
            "グループ {group} が {src} から {dst} へフェイルオーバ ({duration:.1f} 秒)",
            "{src} で {stop} に停止し、{dst} で {end} に起動完了。{cause}",
        ),
    },
    "group_move": {
        "en": (
            "Group {group} moved from {src} to {dst} in {duration:.1f} s",
            "No failure was recorded before the move: most likely an operator's move.",
        ),
        "ja": (
            "グループ {group} が {src} から {dst} へ移動 ({duration:.1f} 秒)",
            "移動前に異常の記録はありません。運用者による移動と思われます。",
        ),
    },
    "resource_failure": {
        "en": ("Resource {resource} failed to {verb} on {server}", "{result} after {elapsed:.1f} s (return code {rc})."),
        "ja": ("リソース {resource} の{verb_ja}に失敗 ({server})", "{elapsed:.1f} 秒後に {result} (戻り値 {rc})。"),
    },
    "resource_stall": {
        "en": (
            "Resource {resource} stalled while {verb_ing} on {server}",
            "The {verb} did not finish within its timeout ({elapsed:.1f} s): "
            "the stall action configured for the cluster applies ({action}).",
        ),
        "ja": (
            "リソース {resource} の{verb_ja}がストール ({server})",
            "タイムアウト ({elapsed:.1f} 秒) 以内に完了しませんでした。ストール発生時動作: {action}。",
        ),
    },
    "monitor_error": {
        "en": (
            "Monitor {monitor} reported {count} error(s) on {server}",
            "From {first} to {last}; results: {results}.",
        ),
        "ja": (
            "モニタ {monitor} が異常を {count} 回検出 ({server})",
            "{first} から {last} まで。結果: {results}。",
        ),
    },
    "server_down": {
        "en": ("Server {server} went down: {condition}", "Final action configured: {action}. {message}"),
        "ja": ("サーバ {server} がダウン: {condition}", "設定されている最終動作: {action}。{message}"),
    },
    "startup_sync": {
        "en": (
            "Servers started {spread:.0f} s apart, more than the startup sync wait ({wait:.0f} s)",
            "Daemon starts: {starts}. The later server started after the others stopped waiting.",
        ),
        "ja": (
            "サーバの起動時刻の差 ({spread:.0f} 秒) が起動同期待ち時間 ({wait:.0f} 秒) を超えました",
            "デーモン起動: {starts}。後から起動したサーバは待ち合わせ時間を過ぎていました。",
        ),
    },
    "mirror_break": {
        "en": ("Mirror {resource} broke on {server}", "{message}"),
        "ja": ("ミラー {resource} が破損 ({server})", "{message}"),
    },
    "mirror_recovered": {
        "en": ("Mirror {resource} recovered on {server}", "{message}"),
        "ja": ("ミラー {resource} が復帰 ({server})", "{message}"),
    },
    "ack_near_timeout": {
        "en": (
            "Sync Ack Time max of {resource} reached {pct:.0f} % of the Ack timeout on {server}",
            "Peak {peak:.0f} ms against an Ack timeout of {limit:.0f} ms.",
        ),
        "ja": (
            "{resource} の Sync Ack Time 最大値が Ack タイムアウトの {pct:.0f} % に到達 ({server})",
            "最大 {peak:.0f} ms (Ack タイムアウト {limit:.0f} ms)。",
        ),
    },
}

_VERBS = {
    "Start": ("start", "starting", "活性"),
    "Stop": ("stop", "stopping", "非活性"),
}

#: How close (share of the window) a failure must be to a group stop to be its cause.
CAUSE_WINDOW = dt.timedelta(minutes=10)
#: A stop and a later start of a group further apart than this are not one failover.
FAILOVER_WINDOW = dt.timedelta(minutes=30)
#: Monitor failures closer than this belong to one episode.
EPISODE_GAP = dt.timedelta(minutes=10)
#: Startup sync wait when clp.conf does not say (guide L4069-4092: 5 minutes).
DEFAULT_SYNC_WAIT_S = 300.0
#: Share of the Ack timeout from which a Sync Ack Time peak becomes a finding.
ACK_WARN_RATIO = 0.7


def _text(code: str, lang: str, **values: Any) -> tuple[str, str]:
    title, detail = TEXTS[code].get(lang, TEXTS[code]["en"])
    return title.format(**values), detail.format(**values)


def _row(time, server, severity, code, lang, *, evidence, group=None, resource=None, monitor=None,
         duration_s=None, **values) -> dict[str, Any]:
    title, detail = _text(code, lang, server=server, group=group, resource=resource, monitor=monitor, **values)
    return {
        "time": time, "server": server, "severity": severity, "code": code, "title": title, "detail": detail,
        "group": group, "resource": resource, "monitor": monitor, "duration_s": duration_s,
        "evidence": list(evidence),
    }


def _frame(rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    rows = list(rows)
    if not rows:
        return FINDINGS_SCHEMA.to_frame()
    frame = pl.DataFrame(rows, schema={**FINDINGS_SCHEMA, "time": pl.Datetime("ms")})
    if frame.schema["time"].time_zone is None:
        frame = frame.with_columns(pl.col("time").dt.replace_time_zone("UTC"))
    return frame.cast(FINDINGS_SCHEMA)


def _where(row: dict[str, Any]) -> str:
    return f"{row['source']}:{row['line']}"


def _fmt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def group_failovers(stats: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """A group stopped on one server and started on another: a failover or a move.

    It is a failover when a monitor or resource failure on the source server
    precedes the stop by at most :data:`CAUSE_WINDOW`, a move otherwise.
    Duration is from the start of the stop to the end of the start.
    """
    groups = stats.filter(pl.col("category") == "group").sort("start_time").to_dicts()
    failures = stats.filter(
        pl.col("category").is_in(["monitor", "resource"]) & pl.col("result").is_in(["Failure", "Timeout"])
    ).to_dicts()
    out = []
    last_stop: dict[str, dict[str, Any]] = {}
    for row in groups:
        name = row["name"]
        if row["action"] == "Stop":
            last_stop[name] = row
            continue
        stop = last_stop.get(name)
        if row["action"] not in ("Start", "Move") or stop is None or stop["server"] == row["server"]:
            continue
        if row["start_time"] - stop["end_time"] > FAILOVER_WINDOW:
            continue
        del last_stop[name]
        causes = [
            f for f in failures
            if f["server"] == stop["server"] and stop["start_time"] - CAUSE_WINDOW <= f["start_time"] <= stop["start_time"]
        ]
        duration = (row["end_time"] - stop["start_time"]).total_seconds()
        values = dict(src=stop["server"], dst=row["server"], duration=duration, stop=_fmt(stop["start_time"]),
                      end=_fmt(row["end_time"]))
        evidence = [_where(stop), _where(row)] + [_where(c) for c in causes]
        if causes:
            first = causes[0]
            cause = f" {first['name']} ({first['category']}) {first['result']} at {_fmt(first['start_time'])}."
            out.append(_row(stop["start_time"], row["server"], "warning", "failover", lang, evidence=evidence,
                            group=name, duration_s=duration, cause=cause, **values))
        else:
            out.append(_row(stop["start_time"], row["server"], "info", "group_move", lang, evidence=evidence,
                            group=name, duration_s=duration, **values))
    return _frame(out)


def resource_failures(stats: pl.DataFrame, stall_action: str = "not known", lang: str = "en") -> pl.DataFrame:
    """Resource start/stop rows that ended in Failure (failed) or Timeout (stalled)."""
    rows = stats.filter(
        (pl.col("category") == "resource") & pl.col("result").is_in(["Failure", "Timeout"])
    ).sort("start_time").to_dicts()
    out = []
    for row in rows:
        verb, verb_ing, verb_ja = _VERBS.get(row["action"], (row["action"].lower(),) * 2 + (row["action"],))
        elapsed = (row["end_time"] - row["start_time"]).total_seconds()
        common = dict(evidence=[_where(row)], resource=row["name"], duration_s=elapsed, verb=verb,
                      verb_ing=verb_ing, verb_ja=verb_ja, elapsed=elapsed)
        if row["result"] == "Timeout":
            out.append(_row(row["start_time"], row["server"], "error", "resource_stall", lang,
                            action=stall_action, **common))
        else:
            out.append(_row(row["start_time"], row["server"], "error", "resource_failure", lang,
                            result=row["result"], rc=row.get("return_code") or "-", **common))
    return _frame(out)


def monitor_errors(stats: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Monitor Failure/Timeout rows, one finding per episode of consecutive errors."""
    rows = stats.filter(
        (pl.col("category") == "monitor") & pl.col("result").is_in(["Failure", "Timeout"])
    ).sort("server", "name", "start_time").to_dicts()
    episodes: list[list[dict[str, Any]]] = []
    for row in rows:
        last = episodes[-1][-1] if episodes else None
        if last and (last["server"], last["name"]) == (row["server"], row["name"]) and \
                row["start_time"] - last["start_time"] <= EPISODE_GAP:
            episodes[-1].append(row)
        else:
            episodes.append([row])
    out = []
    for ep in episodes:
        first, last = ep[0], ep[-1]
        results = ", ".join(sorted({r["result"] for r in ep}))
        out.append(_row(first["start_time"], first["server"], "error", "monitor_error", lang,
                        evidence=[_where(r) for r in ep], monitor=first["name"], count=len(ep),
                        first=_fmt(first["start_time"]), last=_fmt(last["end_time"]), results=results,
                        duration_s=(last["end_time"] - first["start_time"]).total_seconds()))
    return _frame(out)


def startup_sync(starts: pl.DataFrame, sync_wait_s: float = DEFAULT_SYNC_WAIT_S, lang: str = "en") -> pl.DataFrame:
    """Servers whose cluster daemons started further apart than the startup sync wait.

    ``starts`` holds one row per daemon start (time, server, source, line).
    Starts closer than an hour to each other are one cluster start.
    """
    rows = starts.sort("time").to_dicts()
    clusters: list[list[dict[str, Any]]] = []
    for row in rows:
        if clusters and row["time"] - clusters[-1][0]["time"] <= dt.timedelta(hours=1):
            clusters[-1].append(row)
        else:
            clusters.append([row])
    out = []
    for boot in clusters:
        first = {}
        for r in boot:
            first.setdefault(r["server"], r)
        if len(first) < 2:
            continue
        ordered = sorted(first.values(), key=lambda r: r["time"])
        spread = (ordered[-1]["time"] - ordered[0]["time"]).total_seconds()
        if spread > sync_wait_s:
            starts_txt = ", ".join(f"{r['server']} {_fmt(r['time'])}" for r in ordered)
            out.append(_row(ordered[-1]["time"], ordered[-1]["server"], "warning", "startup_sync", lang,
                            evidence=[_where(r) for r in ordered], spread=spread, wait=sync_wait_s,
                            starts=starts_txt, duration_s=spread))
    return _frame(out)


def ack_near_timeout(mirror: pl.DataFrame, ack_timeout_ms: dict[str, float], lang: str = "en") -> pl.DataFrame:
    """Peaks of Sync Ack Time max at or above :data:`ACK_WARN_RATIO` of the mirror's Ack timeout.

    ``ack_timeout_ms`` maps the mirror (``nmpN`` or resource name) to its Ack timeout in ms.
    """
    if mirror.is_empty() or "sync_ack_time_max" not in mirror.columns:
        return _frame([])
    peaks = (
        mirror.filter(pl.col("sync_ack_time_max").is_not_null())
        .sort("sync_ack_time_max", descending=True)
        .group_by("server", "mirror", maintain_order=True)
        .first()
        .to_dicts()
    )
    out = []
    for p in peaks:
        limit = ack_timeout_ms.get(p["mirror"])
        if not limit:
            continue
        ratio = p["sync_ack_time_max"] / limit
        if ratio >= ACK_WARN_RATIO:
            out.append(_row(p["time"], p["server"], "warning", "ack_near_timeout", lang, evidence=[_where(p)],
                            resource=p.get("resource") or p["mirror"], pct=100 * ratio,
                            peak=p["sync_ack_time_max"], limit=limit))
    return _frame(out)


def combine(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """All findings in time order, the most severe first among equal times."""
    frames = [p for p in parts if not p.is_empty()]
    if not frames:
        return FINDINGS_SCHEMA.to_frame()
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return (
        pl.concat(frames)
        .with_columns(pl.col("severity").replace_strict(rank, default=len(rank)).alias("_rank"))
        .sort("time", "_rank", maintain_order=True)
        .drop("_rank")
    )

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

#: The one severity order, most severe first (CLI, reports, counts and charts).
SEVERITY_ORDER = ("critical", "error", "warning", "info")
LANGS = ("en", "ja")

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
        "ja": ("ミラー {resource} のミラーブレイク ({server})", "{message}"),
    },
    "mirror_recovered": {
        "en": ("Mirror {resource} recovered on {server}", "{message}"),
        "ja": ("ミラー {resource} が復帰 ({server})", "{message}"),
    },
    "server_down_risk": {
        "en": ("Server {server} came close to going down: {condition}", "{message}"),
        "ja": ("サーバ {server} がダウン条件に近づきました: {condition}", "{message}"),
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
    "heartbeat_lost": {
        "en": ("Heartbeat {hb} from {peer} lost on {server}", "{message}{paths}"),
        "ja": ("{server} で {peer} からのハートビート {hb} が途絶", "{message}{paths}"),
    },
    "heartbeat_restored": {
        "en": ("Heartbeat {hb} from {peer} restored on {server}{after}", "{message}"),
        "ja": ("{server} で {peer} からのハートビート {hb} が回復{after_ja}", "{message}"),
    },
    "server_left": {
        "en": ("Server {peer} left the cluster ({how})", "Seen by {seen}."),
        "ja": ("サーバ {peer} がクラスタから離脱 ({how_ja})", "検出: {seen}。"),
    },
    "server_joined": {
        "en": ("Server {peer} joined the cluster", "Seen by {seen}."),
        "ja": ("サーバ {peer} がクラスタに参加", "検出: {seen}。"),
    },
    "np_resolved": {
        "en": ("Network partition resolved on {server}: {outcome}",
               "Heartbeats lost before it: {paths}. NP action in clp.conf: {action}."),
        "ja": ("{server} でネットワークパーティションを解決: {outcome}",
               "直前に途絶したハートビート: {paths}。clp.conf の NP 発生時動作: {action}。"),
    },
    "out_of_service": {
        "en": ("Group {group} out of service for {duration}", "Cause: {cause}. Phases: {phases}."),
        "ja": ("グループ {group} が {duration} 停止", "原因: {cause}。内訳: {phases_ja}。"),
    },
    # Settings checks (observed peaks against clp.conf and system limits; formerly the reports' own).
    "mirror.send_queue_near_limit": {
        "en": ("Send Queue reached {pct:.0f} % of the configured queue size",
               "{mirror}: {statistic} {observed:g}, {setting} {current:g}."),
        "ja": ("送信キューが設定値の {pct:.0f} % に達しました", "{mirror}: {statistic} {observed:g}、{setting} {current:g}。"),
    },
    "mirror.unmount_near_timeout": {
        "en": ("Unmount took {pct:.0f} % of the unmount timeout", "{mirror}: {statistic} {observed:g}, {setting} {current:g}."),
        "ja": ("アンマウントにタイムアウトの {pct:.0f} % の時間がかかりました",
               "{mirror}: {statistic} {observed:g}、{setting} {current:g}。"),
    },
    "mirror.fsck_near_timeout": {
        "en": ("fsck took {pct:.0f} % of the fsck timeout", "{mirror}: {statistic} {observed:g}, {setting} {current:g}."),
        "ja": ("fsck にタイムアウトの {pct:.0f} % の時間がかかりました",
               "{mirror}: {statistic} {observed:g}、{setting} {current:g}。"),
    },
    "mirror.mdc_hb_slow": {
        "en": ("MDC heartbeat time exceeded {limit:g} s", "{mirror}: {observed:g} s."),
        "ja": ("MDC ハートビート時間が {limit:g} 秒を超えました", "{mirror}: {observed:g} 秒。"),
    },
    "system.near_limit": {
        "en": ("{resource} reached {pct:.0f} % of its limit", "{resource}: max {pct:g} %."),
        "ja": ("{resource} が上限の {pct:.0f} % に達しました", "{resource}: 最大 {pct:g} %。"),
    },
    "monitor.near_timeout": {
        "en": ("Monitor {monitor} used {pct:.0f} % of its timeout", "{monitor}: max {max_s:g} s / {timeout_s:g} s."),
        "ja": ("監視 {monitor} がタイムアウトの {pct:.0f} % を使用しました", "{monitor}: 最大 {max_s:g} 秒 / {timeout_s:g} 秒。"),
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
#: How far a cause may seem to follow its effect when two servers' clocks are compared.
CLOCK_TOLERANCE = dt.timedelta(seconds=5)
#: Monitor failures closer than this belong to one episode.
EPISODE_GAP = dt.timedelta(minutes=10)
#: Startup sync wait when clp.conf does not say (guide L4069-4092: 5 minutes).
DEFAULT_SYNC_WAIT_S = 300.0
#: Share of the Ack timeout from which a Sync Ack Time peak becomes a finding.
ACK_WARN_RATIO = 0.7
#: Share of a system limit (open files, threads…) from which its peak becomes a finding.
NEAR_LIMIT_PCT = 80.0
#: A monitor whose slowest run leaves less than this share of its timeout becomes a finding.
HEADROOM_WARN_PCT = 20.0


def check_lang(lang: str) -> str:
    """``lang`` when the texts have it (en, ja); else a one-line ClpkitError."""
    from clpkit.problems import ClpkitError

    if lang not in LANGS:
        raise ClpkitError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def text(code: str, lang: str, **values: Any) -> tuple[str, str]:
    """The title and detail of a finding code in ``lang`` (the one translation table)."""
    title, detail = TEXTS[code][check_lang(lang)]
    return title.format(**values), detail.format(**values)


_text = text


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
    """A time for a finding's text: with its offset when it has a zone (the servers' zone, see :func:`findings`)."""
    return t.isoformat(sep=" ", timespec="seconds") if t.tzinfo else t.strftime("%Y-%m-%d %H:%M:%S")


#: The statistics rows :func:`group_failovers`, :func:`resource_failures` and :func:`monitor_errors` read.
FINDING_STATS = (pl.col("category") == "group") | (
    pl.col("category").is_in(["monitor", "resource"]) & pl.col("result").is_in(["Failure", "Timeout"])
)


def group_failovers(stats: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """A group stopped on one server and started on another: a failover or a move.

    It is a failover when a monitor or resource failure on the source server
    precedes the stop by at most :data:`CAUSE_WINDOW`, a move otherwise.
    Duration is from the start of the stop to the end of the start. Rows are
    taken in the order they ended: the destination writes its Start/Move row
    when the failover completes, and that row may begin before the source's
    Stop row does (SPEC 3.4).
    """
    groups = stats.filter(pl.col("category") == "group").sort("end_time").to_dicts()
    failures = stats.filter(
        pl.col("category").is_in(["monitor", "resource"]) & pl.col("result").is_in(["Failure", "Timeout"])
    ).sort("end_time").to_dicts()
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
        began = min(stop["start_time"], row["start_time"])
        causes = [
            f for f in failures
            if f["server"] == stop["server"] and began - CAUSE_WINDOW <= f["end_time"] <= began + CLOCK_TOLERANCE
        ]
        duration = (row["end_time"] - began).total_seconds()
        values = dict(src=stop["server"], dst=row["server"], duration=duration, stop=_fmt(stop["start_time"]),
                      end=_fmt(row["end_time"]))
        evidence = [_where(stop), _where(row)] + [_where(c) for c in causes]
        if causes:
            first = causes[0]
            cause = f" {first['name']} ({first['category']}) {first['result']} at {_fmt(first['end_time'])}."
            out.append(_row(began, row["server"], "warning", "failover", lang, evidence=evidence,
                            group=name, duration_s=duration, cause=cause, **values))
        else:
            out.append(_row(began, row["server"], "info", "group_move", lang, evidence=evidence,
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
    """Monitor Failure/Timeout rows, one finding per episode of consecutive errors.

    A monitor run's error is known when the run ends, so the finding is dated
    by the end of its first failed run.
    """
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
        out.append(_row(first["end_time"], first["server"], "error", "monitor_error", lang,
                        evidence=[_where(r) for r in ep], monitor=first["name"], count=len(ep),
                        first=_fmt(first["end_time"]), last=_fmt(last["end_time"]), results=results,
                        duration_s=(last["end_time"] - first["end_time"]).total_seconds()))
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
    return (
        pl.concat(frames)
        .with_columns(severity_rank().alias("_rank"))
        .sort("time", "_rank", maintain_order=True, nulls_last=True)
        .drop("_rank")
    )


def severity_rank() -> pl.Expr:
    """The severity's place in :data:`SEVERITY_ORDER` (0 = most severe), for sorting."""
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return pl.col("severity").replace_strict(rank, default=len(rank), return_dtype=pl.Int32)


def most_severe_first(found: pl.DataFrame) -> pl.DataFrame:
    """Findings ordered by severity, then time (a page's table)."""
    return found.sort(severity_rank(), "time", nulls_last=True, maintain_order=True)


def severity_counts(found: pl.DataFrame) -> pl.DataFrame:
    """Findings per severity, every severity present (zero when none), in :data:`SEVERITY_ORDER`.

    >>> dict(severity_counts(pl.DataFrame({"severity": ["error", "error"]})).iter_rows())
    {'critical': 0, 'error': 2, 'warning': 0, 'info': 0}
    """
    counts = found.group_by("severity").agg(pl.len().cast(pl.Int64).alias("count"))
    return (
        pl.DataFrame({"severity": list(SEVERITY_ORDER)})
        .join(counts, on="severity", how="left", maintain_order="left")
        .with_columns(pl.col("count").fill_null(0))
    )


# --- from the event table --------------------------------------------------------------------


def _condition_label(condition: str, lang: str) -> str:
    from clpkit.catalog import SERVER_DOWN_CONDITIONS

    en, ja, _lines = SERVER_DOWN_CONDITIONS.get(condition, (condition, condition, ""))
    return ja if lang == "ja" else en


def server_downs(ev: pl.DataFrame, final_action: dict[tuple[str, str | None], str], lang: str = "en") -> pl.DataFrame:
    """Events that the catalog ties to a server-down condition (SPEC 4), with the configured final action.

    ``final_action`` maps (condition, resource-or-monitor name or None) to the
    action clp.conf configures for it. A warning-level event (e.g. a userw
    delay warning) only shows the server came close: ``server_down_risk``.
    """
    from clpkit import catalog

    cat = catalog.load().filter(pl.col("server_down_condition").is_not_null())
    keys = cat.select("module", "event_id", "level", "server_down_condition", "condition_when")
    hits = ev.join(keys.rename({"level": "catalog_level"}), on=["module", "event_id"], how="inner")
    out = []
    for row in hits.sort("time").iter_rows(named=True):
        condition = catalog.condition_of(row["module"], row["event_id"], row["message"] or "")
        if condition is None:
            continue
        target = row["resource"] or row["monitor"]
        action = final_action.get((condition, target)) or final_action.get((condition, None)) or "not configured in clp.conf"
        risk = row["catalog_level"] == "warning"
        out.append(_row(row["time"], row["server"], "warning" if risk else "critical",
                        "server_down_risk" if risk else "server_down", lang,
                        evidence=[_where(row)], resource=row["resource"], monitor=row["monitor"],
                        group=row["group"], condition=_condition_label(condition, lang), action=action,
                        message=f"{row['module']} {row['event_id']}: {row['message']}"))
    return _frame(out)


def mirror_breaks(ev: pl.DataFrame, mirror_monitors: dict[str, str], lang: str = "en") -> pl.DataFrame:
    """Mirror monitor errors (a broken mirror) and completed mirror recoveries.

    ``mirror_monitors`` maps a mirror monitor (mdw/hdw) to the mirror it
    watches. A break is the first error of a monitor; the next recovery of
    that mirror closes it and gives its duration.
    """
    errors = ev.filter(
        pl.col("monitor").is_in(list(mirror_monitors)) & (pl.col("level") == "error") & (pl.col("kind") != "cluster_stats")
    ).sort("time")
    recoveries = ev.filter(
        pl.col("module").is_in(["mdadmn", "hdadmn"]) & (pl.col("event_id") == 6)
    ).sort("time")
    out = []
    open_breaks: dict[str, dt.datetime] = {}
    for row in errors.iter_rows(named=True):
        mirror = mirror_monitors[row["monitor"]]
        if mirror in open_breaks:
            continue
        open_breaks[mirror] = row["time"]
        out.append(_row(row["time"], row["server"], "error", "mirror_break", lang, evidence=[_where(row)],
                        resource=mirror, monitor=row["monitor"], message=row["message"]))
    for row in recoveries.iter_rows(named=True):
        mirror = row["resource"] or next((m for m in set(mirror_monitors.values()) if m in (row["message"] or "")), None)
        since = open_breaks.pop(mirror, None) if mirror else None
        duration = (row["time"] - since).total_seconds() if since else None
        out.append(_row(row["time"], row["server"], "info", "mirror_recovered", lang, evidence=[_where(row)],
                        resource=mirror, duration_s=duration, message=row["message"]))
    return _frame(out)


# --- the whole bundle ------------------------------------------------------------------------


_HB_TEXT = r"Resource\s+(\S+)\s+of\s+server\s+(\S+)\s+has\s+(?:stopped|started)"


def heartbeat_paths(ev: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Each heartbeat path lost (nm 4) and restored (nm 3), per reporting server and peer, with the loss's duration."""
    rows = ev.filter(pl.col("module") == "nm", pl.col("event_id").is_in([3, 4])).sort("time")
    out: list[dict[str, Any]] = []
    open_: dict[tuple, dict] = {}
    import re

    for r in rows.iter_rows(named=True):
        m = re.search(_HB_TEXT, r["message"] or "")
        if not m:
            continue
        hb, peer = m.group(1), m.group(2)
        key = (r["server"], hb, peer)
        if r["event_id"] == 4:
            same = rows.filter(pl.col("event_id") == 4, pl.col("server") == r["server"],
                               pl.col("message").str.contains(f"of server {peer} "),
                               (pl.col("time") - r["time"]).abs() <= dt.timedelta(seconds=10))
            paths = f" ({same.height} path(s) lost from {peer} at once)" if same.height > 1 else ""
            open_[key] = r
            out.append(_row(r["time"], r["server"], "warning", "heartbeat_lost", lang, evidence=[_where(r)],
                            hb=hb, peer=peer, message=r["message"], paths=paths))
        else:
            since = open_.pop(key, None)
            took = (r["time"] - since["time"]).total_seconds() if since else None
            out.append(_row(r["time"], r["server"], "info", "heartbeat_restored", lang,
                            evidence=[_where(r)] + ([_where(since)] if since else []), hb=hb, peer=peer,
                            duration_s=took, message=r["message"],
                            after=f" after {took:.0f} s" if took is not None else "",
                            after_ja=f" ({took:.0f} 秒後)" if took is not None else ""))
    return _frame(out)


def server_membership(ev: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """A server leaving (nm 2) or joining (nm 1) as the others saw it, one finding per server and minute.

    A leave right after the server's own daemon stop (pm 2) is planned (info);
    one without it is a server lost (warning).
    """
    import re

    out = []
    for eid, code, pattern in ((2, "server_left", r"Server\s+(\S+)\s+has been stopped"), (1, "server_joined", r"Server\s+(\S+)\s+has started")):
        rows = ev.filter(pl.col("module") == "nm", pl.col("event_id") == eid).sort("time").to_dicts()
        seen: dict[str, list[dict]] = {}
        for r in rows:
            m = re.search(pattern, r["message"] or "")
            if not m or m.group(1) == r["server"]:
                continue
            peer = m.group(1)
            batch = seen.setdefault(peer, [])
            if batch and r["time"] - batch[-1][0]["time"] > dt.timedelta(minutes=1):
                batch.append([r])
            elif batch:
                batch[-1].append(r)
            else:
                batch.append([r])
        for peer, batches in seen.items():
            for group in batches:
                first = group[0]
                values = dict(peer=peer, seen=", ".join(sorted({g["server"] for g in group})))
                severity = "info"
                if code == "server_left":
                    planned = ev.filter(pl.col("server") == peer, pl.col("module") == "pm", pl.col("event_id") == 2,
                                        pl.col("time") <= first["time"], pl.col("time") >= first["time"] - dt.timedelta(minutes=2))
                    severity = "info" if planned.height else "warning"
                    values.update(how="its cluster services stopped" if planned.height else "lost: no shutdown of its own was recorded",
                                  how_ja="クラスタサービス停止による" if planned.height else "自身の停止記録なし")
                out.append(_row(first["time"], peer, severity, code, lang, evidence=[_where(g) for g in group], **values))
    return _frame(out)


def np_resolutions(ev: pl.DataFrame, np_action: str, lang: str = "en") -> pl.DataFrame:
    """Network partition resolution (nm 30/31/32/40/42/43): which heartbeats were lost before it and what was done."""
    import re

    rows = ev.filter(pl.col("module") == "nm", pl.col("event_id").is_in([30, 31, 32, 40, 42, 43])).sort("time")
    out = []
    for r in rows.iter_rows(named=True):
        lost = ev.filter(pl.col("module") == "nm", pl.col("event_id") == 4, pl.col("time") <= r["time"],
                         pl.col("time") >= r["time"] - dt.timedelta(minutes=5))
        paths = sorted({f"{m.group(1)} ({row['server']} from {m.group(2)})" for row in lost.iter_rows(named=True)
                        if (m := re.search(_HB_TEXT, row["message"] or ""))})
        out.append(_row(r["time"], r["server"], "error", "np_resolved", lang,
                        evidence=[_where(r)] + [_where(x) for x in lost.iter_rows(named=True)],
                        outcome=r["message"], paths=", ".join(paths) or "none recorded", action=np_action))
    return _frame(out)


def out_of_service(records: list[dict], lang: str = "en") -> pl.DataFrame:
    """One finding per incident that took a group out of service (see :mod:`clpkit.explain.outage`)."""
    names = {"detection": "検出", "stop": "停止", "unmount": "アンマウント", "fsck": "fsck", "start": "起動"}
    out = []
    for r in records:
        known = {k: v for k, v in r["phases"].items() if v is not None}
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in known.items()) or "not recorded"
        phases_ja = "、".join(f"{names[k]} {v:.1f} 秒" for k, v in known.items()) or "記録なし"
        duration = f"{r['duration_s']:.1f} s" if r["duration_s"] is not None else "until the end of the logs"
        if lang == "ja":
            duration = f"{r['duration_s']:.1f} 秒" if r["duration_s"] is not None else "ログの終わりまで"
        out.append(_row(r["time"], r["server"], "warning", "out_of_service", lang, evidence=r["evidence"], group=r["group"],
                        duration_s=r["duration_s"], duration=duration, cause=r["cause"], phases=phases, phases_ja=phases_ja))
    return _frame(out)


def _true_utc(frame: pl.DataFrame, columns: list[str], tz: str, offsets: dict[str, float]) -> pl.DataFrame:
    """Server-local naive times to true UTC: the zone, then minus the server's clock lead."""
    lead = pl.col("server").replace_strict(offsets, default=0.0, return_dtype=pl.Float64)
    shift = pl.duration(milliseconds=(lead * 1000).round(0).cast(pl.Int64))
    return frame.with_columns(
        (pl.col(c).dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null").dt.convert_time_zone("UTC") - shift)
        .dt.cast_time_unit("ms")
        for c in columns
    )


def _final_actions(config) -> dict[tuple[str, str | None], str]:
    """(condition, resource/monitor name or None) → the final action clp.conf configures."""
    from clpkit.config import CONDITION_SETTINGS, setting_matches

    out: dict[tuple[str, str | None], str] = {}
    for fa in config.final_actions() if config is not None else []:
        for condition, wanted in CONDITION_SETTINGS.items():
            if setting_matches(fa["setting"], wanted):
                out.setdefault((condition, fa["name"]), str(fa["action"]))
    return out


def _mirror_settings(config) -> tuple[dict[str, float], dict[str, str]]:
    """Ack timeout in ms per mirror key (``nmpN`` and resource name), and mirror monitors → mirror."""
    ack: dict[str, float] = {}
    monitors: dict[str, str] = {}
    if config is None:
        return ack, monitors
    for name in config.mirrors():
        m = config.mirror(name)
        if m["acktimeout"] is None:  # a Windows cluster: no Linux default is assumed
            continue
        limit = float(m["acktimeout"]) * 1000  # clp.conf: seconds; statistics: ms
        ack[name] = limit
        if m.get("nmppath"):
            ack[str(m["nmppath"]).rsplit("/", 1)[-1].lower()] = limit
    for mon in config.monitors:
        if mon.type in ("mdw", "hdw"):
            monitors[mon.name] = mon.target or mon.params.get("parameters/object") or mon.name
    return ack, monitors


#: The cluster-statistics columns the findings and the explainer read; the others (the raw text, the
#: file's date column, the monitor type) are never held for them: a quarter of a cluster is millions of runs.
STATS_COLUMNS = ("category", "name", "action", "result", "return_code", "start_time", "end_time",
                 "elapsed_time_ms", "server", "source", "line")
GOOD_ROWS = pl.col("raw").is_null()
#: The columns of :data:`STATS_COLUMNS` held as ``pl.Categorical`` (a few values repeated on every row;
#: ``name`` stays text: the headroom joins it with clp.conf's monitor names).
STATS_CATEGORICAL = ("category", "action", "result", "server", "source")


def good_stats(bundle) -> pl.DataFrame:
    """The good cluster-statistics rows, :data:`STATS_COLUMNS` only (read once per bundle, file by file).

    The texts repeated on millions of rows (:data:`STATS_CATEGORICAL`: the file's name, the server,
    the category, action and result) are ``pl.Categorical``, 4 bytes a row: their values read as
    text, and a frame built from a part of it casts them back (:func:`as_text`).
    """
    return bundle.rows("cluster_stats", GOOD_ROWS, STATS_COLUMNS, categorical=STATS_CATEGORICAL)


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """A part of :func:`good_stats` with its texts as ``pl.String``, as in the table."""
    return frame.with_columns(pl.col(c).cast(pl.String) for c in STATS_CATEGORICAL if c in frame.columns)


def _statistics_columns(kind: str, keys: Iterable[str], statistics: Iterable[str]) -> list[str]:
    """``keys``, then the columns of table ``kind`` named by ``statistics`` (the reports' names, as
    :func:`clpkit.report.data.column` matches them)."""
    from clpkit import formats
    from clpkit.report.data import column

    schema = formats.table_schema(kind).to_frame()
    named = (column(schema, s) for s in statistics)
    return list(dict.fromkeys([*keys, *(c for c in named if c is not None)]))


def mirror_rows(bundle) -> pl.DataFrame:
    """The good mirror-statistics rows, only the columns the Ack and settings checks and the explainer's
    out-of-service records (:mod:`clpkit.explain.outage`) read (read once per bundle).

    Eight servers over 90 days write a quarter of a million rows of 44 columns: the
    whole table is never held for the findings.
    """
    from clpkit.report import mirror

    keys = ("time", "mirror", "server", "source", "line", "sync_ack_time_max", "unmount_time_last", "fsck_time_last")
    columns = _statistics_columns("mirror_stats", keys, (c.statistic for c in mirror.CHECKS))
    return bundle.rows("mirror_stats", GOOD_ROWS, columns)


def system_rows(bundle) -> pl.DataFrame:
    """The good system-statistics rows, only the columns the limit checks read (the usage of each limit)."""
    from clpkit.report import system

    keys = ("time", "server", "source")
    columns = _statistics_columns("system_stats", keys, (c for pair in system.LIMITS.values() for c in pair))
    return bundle.rows("system_stats", GOOD_ROWS, columns)


_STATS_ROWS = {"cluster_stats": good_stats, "mirror_stats": mirror_rows, "system_stats": system_rows}


def _stats(bundle, kind: str, lo: dt.datetime | None, hi: dt.datetime | None) -> pl.DataFrame:
    """Good rows of a statistics table in the servers' local period [lo, hi) (naive bounds)."""
    frame = _STATS_ROWS[kind](bundle)
    col = "time" if "time" in frame.columns else "end_time"
    if lo is not None:
        frame = frame.filter(pl.col(col) >= lo)
    if hi is not None:
        frame = frame.filter(pl.col(col) < hi)
    return frame


def _peak_row(frame: pl.DataFrame, column: str | None) -> dict[str, Any] | None:
    if column is None or frame.is_empty():
        return None
    return frame.sort(column, descending=True, nulls_last=True).row(0, named=True)


def settings_checks(bundle, lo: dt.datetime | None = None, hi: dt.datetime | None = None, *, tz: str = "UTC",
                    offsets: dict[str, float] | None = None, lang: str = "en") -> pl.DataFrame:
    """Observed peaks near what clp.conf or the system allows: mirror queue and timeouts, system limits, monitors.

    ``lo``/``hi`` are naive bounds in the servers' local time (the statistics'
    own clock). The comparisons themselves live with the report that shows
    them (:mod:`clpkit.report.mirror`, ``system``, ``cluster``); this turns
    their results into findings. Sync Ack Time peaks are
    :func:`ack_near_timeout`'s, not repeated here.
    """
    from clpkit.report import cluster as cluster_report
    from clpkit.report import data, mirror, system

    tables = set(bundle.tables())
    rows: list[dict[str, Any]] = []
    offsets = offsets or {}
    codes = {"sendqueuesize": "mirror.send_queue_near_limit", "umount_timeout": "mirror.unmount_near_timeout",
             "fsck_timeout": "mirror.fsck_near_timeout"}
    # the monitors first (listed last): their millions of runs are summed before the other tables are read
    monitor_rows: list[dict[str, Any]] = []
    if "cluster_stats" in tables:
        cs = _stats(bundle, "cluster_stats", lo, hi)
        # the columns the headroom reads: its filter copies a few columns of millions of runs, not all
        runs_read = cs.select("category", "name", "action", "result", "elapsed_time_ms", "server")
        heads = cluster_report.monitor_headroom(runs_read, cluster_report.monitor_timeouts(bundle.config))
        del runs_read
        for r in heads.filter(pl.col("headroom_pct") < HEADROOM_WARN_PCT).iter_rows(named=True):
            runs = cs.filter((pl.col("category") == "monitor") & (pl.col("name") == r["name"]))
            peak = _peak_row(runs.with_columns((pl.col("end_time") - pl.col("start_time")).alias("_d")), "_d")
            monitor_rows.append(_row(peak and peak["end_time"], peak and peak["server"], "warning",
                                     "monitor.near_timeout", lang, evidence=[_where(peak)] if peak else [],
                                     monitor=r["name"], max_s=r["max_s"], timeout_s=r["timeout_s"],
                                     pct=100.0 - r["headroom_pct"]))
    if "mirror_stats" in tables:
        ms = _stats(bundle, "mirror_stats", lo, hi)
        rec = mirror.recommendations(ms, mirror.mirror_settings(bundle.config), lang)
        for r in mirror.needs_action(rec).iter_rows(named=True):
            code = codes.get(r["setting"])
            if code is None:
                continue
            peak = _peak_row(ms.filter(pl.col("mirror") == r["mirror"]), data.column(ms, r["statistic"]))
            rows.append(_row(peak and peak["time"], peak and peak["server"], "warning", code, lang,
                             evidence=[_where(peak)] if peak else [], resource=r["mirror"], mirror=r["mirror"],
                             statistic=r["statistic"], observed=r["observed"], setting=r["setting"],
                             current=r["current"], pct=r["usage_pct"]))
        slow = rec.filter(pl.col("statistic").str.starts_with("MDC HB") & (pl.col("observed") > mirror.MDC_HB_LIMIT_S))
        for r in slow.iter_rows(named=True):
            peak = _peak_row(ms.filter(pl.col("mirror") == r["mirror"]), data.column(ms, r["statistic"]))
            rows.append(_row(peak and peak["time"], peak and peak["server"], "warning", "mirror.mdc_hb_slow", lang,
                             evidence=[_where(peak)] if peak else [], resource=r["mirror"], mirror=r["mirror"],
                             observed=r["observed"], limit=mirror.MDC_HB_LIMIT_S))
    if "system_stats" in tables:
        ss = _stats(bundle, "system_stats", lo, hi)
        for r in system.limit_usage(ss, lang).filter(pl.col("max_pct") >= NEAR_LIMIT_PCT).iter_rows(named=True):
            sources = ss.filter(pl.col("server") == r["server"])["source"].unique(maintain_order=True).to_list()
            rows.append(_row(None, r["server"], "warning", "system.near_limit", lang, evidence=sources,
                             resource=r["resource"], pct=r["max_pct"]))
    found = _frame_local(rows + monitor_rows)
    return _true_utc(found, ["time"], tz, offsets) if found.height else FINDINGS_SCHEMA.to_frame()


def _frame_local(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows whose times are the servers' naive local time (converted by the caller)."""
    if not rows:
        return FINDINGS_SCHEMA.to_frame()
    return pl.DataFrame(rows, schema={**FINDINGS_SCHEMA, "time": pl.Datetime("ms")})


def _outages(bundle, tz: str, offsets, lang: str, explained=None) -> pl.DataFrame:
    """Time out of service per incident, from the explainer's causal chains (``explained``: explain's result)."""
    from clpkit.explain import explain
    from clpkit.explain.outage import outages

    incidents, estimate = explained if explained is not None else explain(bundle, tz=tz, offsets=offsets)
    return out_of_service(outages(bundle, incidents, estimate, tz), lang)


def findings(bundle, *, offsets: dict[str, float] | None = None, tz: str | None = None, lang: str = "en",
             sync_wait_s: float = DEFAULT_SYNC_WAIT_S, since: str | dt.datetime | None = None,
             until: str | dt.datetime | None = None) -> pl.DataFrame:
    """Every finding of a bundle, on the event table's corrected clock (see the module docstring).

    This is the one findings system: ``clpkit findings``, the summary and the
    incident page all call it. ``tz`` is the servers' time zone (their files
    carry none; default: the bundle's :attr:`~clpkit.bundle.Bundle.zone`);
    ``offsets`` the clock leads to apply instead of the estimate;
    ``sync_wait_s`` the startup sync wait (the guide's default of 5 minutes:
    the clp.conf key is not published, so it is not read from the
    configuration). ``since``/``until`` bound the period: an ISO text without
    an offset is in the servers' zone, like ``--since``; a finding is kept
    when its time is in ``[since, until)``; a settings check is computed
    over the statistics of the period.

    It is :func:`timed_findings` (the whole collection) cut to the period by
    :func:`in_period`; ``clpkit report`` computes the first once per run and
    each page the second.
    """
    check_lang(lang)
    tz = _zone_name(bundle, tz)
    timed, applied = timed_findings(bundle, offsets=offsets, tz=tz, lang=lang, sync_wait_s=sync_wait_s)
    return in_period(bundle, timed, applied, tz=tz, lang=lang, since=since, until=until)


def _zone_name(bundle, tz: str | None) -> str:
    from clpkit import zone as zones

    return zones.check(tz) if tz else bundle.zone.name


def timed_findings(bundle, *, offsets: dict[str, float] | None = None, tz: str | None = None, lang: str = "en",
                   sync_wait_s: float = DEFAULT_SYNC_WAIT_S, events: pl.DataFrame | None = None,
                   explained=None) -> tuple[pl.DataFrame, dict[str, float]]:
    """The findings that have a time, over the whole collection, and the clock offsets applied (server -> s).

    ``events`` (:func:`clpkit.events.events` with the same ``offsets`` and
    ``tz``) and ``explained`` (:func:`clpkit.explain.explain`'s incidents and
    estimate) are taken when the caller has them already.
    """
    from clpkit import events as events_mod

    check_lang(lang)
    tz = _zone_name(bundle, tz)
    tables = set(bundle.tables())
    # the outages first: the explainer's own events and statistics are dropped before the events are read
    outages = _outages(bundle, tz, offsets, lang, explained)
    ev = events if events is not None else events_mod.events(bundle, offsets=offsets, tz=tz)
    applied = dict(ev.group_by("server").agg(pl.col("clock_offset_s").first()).iter_rows())
    # Detectors see true times in the servers' zone, so the times in their texts read as the servers' clocks.
    ev = ev.with_columns(pl.col("time").dt.convert_time_zone(tz))
    config = bundle.config
    ack, mirror_monitors = _mirror_settings(config)
    if not mirror_monitors:
        mirror_monitors = {m: m for m in ev["monitor"].drop_nulls().unique() if m.startswith(("mdw", "hdw"))}
    final_actions = _final_actions(config)
    stall = final_actions.get(("activation_stall", None), "not known")
    np_action = next((str(fa["action"]) for fa in (config.final_actions() if config is not None else []) if fa["setting"] == "npaction"), "not known")
    parts = [
        server_downs(ev, final_actions, lang),
        mirror_breaks(ev, mirror_monitors, lang),
        heartbeat_paths(ev, lang),
        server_membership(ev, lang),
        np_resolutions(ev, np_action, lang),
        outages,
        startup_sync(ev.filter((pl.col("module") == "pm") & (pl.col("event_id") == 1)), sync_wait_s, lang),
    ]
    if "cluster_stats" in tables:
        stats = as_text(good_stats(bundle).filter(FINDING_STATS))
        stats = _true_utc(stats, ["start_time", "end_time"], tz, applied)
        stats = stats.with_columns(pl.col("start_time", "end_time").dt.convert_time_zone(tz))
        parts += [group_failovers(stats, lang), resource_failures(stats, stall, lang), monitor_errors(stats, lang)]
    if "mirror_stats" in tables and ack:
        mirror = _true_utc(mirror_rows(bundle), ["time"], tz, applied)
        mirror = mirror.with_columns(pl.col("time").dt.convert_time_zone(tz))
        parts.append(ack_near_timeout(mirror, ack, lang))
    return combine(parts), applied


def in_period(bundle, timed: pl.DataFrame, applied: dict[str, float], *, tz: str | None = None, lang: str = "en",
              since: str | dt.datetime | None = None, until: str | dt.datetime | None = None) -> pl.DataFrame:
    """:func:`timed_findings` of ``[since, until)``, and the settings checks over that period's statistics."""
    from clpkit import zone as zones

    tz = _zone_name(bundle, tz)
    zone = zones.Zone(tz, "")
    lo, hi = (zones.bound(b, zone, o) if isinstance(b, str) else b for b, o in ((since, "since"), (until, "until")))
    lo_local, hi_local = (None if b is None else b.astimezone(zones.tzinfo(zone)).replace(tzinfo=None) for b in (lo, hi))
    if lo is not None:
        timed = timed.filter(pl.col("time") >= lo)
    if hi is not None:
        timed = timed.filter(pl.col("time") < hi)
    checks = settings_checks(bundle, lo_local, hi_local, tz=tz, offsets=applied, lang=lang)
    return combine([timed, checks])

"""The rules that turn events into causal chains (one function per kind of first abnormal event).

Roots, in time order: a monitor error (rm 9), a resource start or stop
failure (rc 32 / rc 42 without the stall detail), a group move (rc 50), a
userw delay warning (userw 1), a heartbeat loss (nm 4) and the start of
shutdown monitoring (pm 3). Each rule follows what the servers wrote next
and cites the clp.conf settings that decided it; the rows a chain uses are
not roots again. Error-level events no chain used become ``unexplained``
incidents.
"""

from __future__ import annotations

import re
from datetime import timedelta

import polars as pl

from clpkit.explain import Incident, Link, Timing
from clpkit.explain.model import RULES, detection_bound
from clpkit.i18n import final_action

_FINAL = {15, 16, 17, 35, 37, 39, 41, 43, 45, 47, 210}  # rm ids of monitor final actions (catalog)
_DEACT_FINAL = {224, 225, 280, 281, 282, 283, 284, 285, 286, 287}
_NP = {30, 31, 32, 40, 42, 43}
_HB = re.compile(r"Resource\s+(\S+)\s+of\s+server\s+(\S+)\s+has\s+(stopped|started)")
_LEFT = re.compile(r"Server\s+(\S+)\s+has been stopped")
_DEST = re.compile(r"Server\s+(\S+)\s+has been set as the destination")
_STALL = "99 :"
S = timedelta(seconds=1)


def T(en: str, ja: str) -> dict[str, str]:
    return {"en": en, "ja": ja}


#: The cluster-statistics columns the rules read (:meth:`Context.stat_rows`, :meth:`Context.where`, :func:`last_sign`).
EXPLAIN_STATS = ("server", "name", "action", "result", "start_time", "end_time", "source", "line")


class Context:
    """The bundle's events and statistics on one clock, clp.conf, and what the chains used."""

    def __init__(self, bundle, tz, clock, offsets):
        from clpkit import clock as clock_mod
        from clpkit import events as events_mod

        every = events_mod.raw_events(bundle, tz=tz, module_log_levels=None)
        self.estimate, applied = clock_mod.resolve(bundle, every, offsets=offsets, mode=clock, tz=tz)
        self.applied = applied
        ev = events_mod.apply_offsets(events_mod.keep_levels(every, events_mod.MODULE_LOG_LEVELS), applied)
        self.rows = ev.with_row_index("_i").to_dicts()
        self.keyed = [r for r in self.rows if r["event_id"] is not None]
        self.config = bundle.config
        self.stats = self._stats(bundle, tz, applied)
        self.used: set[tuple[str, int]] = set()
        self.seen = self._seen(ev)

    def _stats(self, bundle, tz, applied) -> pl.DataFrame | None:
        """The cluster statistics rows as a frame, sorted by end time (None when there are none).

        Kept in polars and queried by :meth:`stat_rows`: a month of one
        cluster is a million monitor runs, too many to hold as dicts.
        """
        if "cluster_stats" not in set(bundle.tables()):
            return None
        from clpkit.findings import _true_utc, good_stats

        frame = good_stats(bundle).select(EXPLAIN_STATS)  # the columns the rules read: a smaller copy to sort
        if frame["end_time"].null_count():  # a filter copies every row: only when there is something to drop
            frame = frame.filter(pl.col("end_time").is_not_null())
        return _true_utc(frame, ["start_time", "end_time"], tz if isinstance(tz, str) else "UTC", applied).sort("end_time")

    def _seen(self, ev: pl.DataFrame) -> pl.DataFrame:
        """server, time, source, line: every time a server wrote something (events and statistics rows), sorted."""
        frames = [ev.select(pl.col("server").cast(pl.Categorical), "time", pl.col("source").cast(pl.Categorical),
                            "line")]  # server and source categorical, as the statistics' columns
        if self.stats is not None:
            frames.append(self.stats.select("server", pl.col("end_time").alias("time"), "source", "line"))
        return pl.concat(frames, how="vertical_relaxed").sort("server", "time", "source", "line")

    # --- lookups ---------------------------------------------------------------------------
    def find_all(self, module, ids, *, server=None, after=None, before=None, text=None, not_server=None):
        ids = {ids} if isinstance(ids, int) else set(ids)
        out = []
        for r in self.keyed:
            if r["module"] != module or r["event_id"] not in ids:
                continue
            if server is not None and r["server"] != server:
                continue
            if not_server is not None and r["server"] == not_server:
                continue
            if after is not None and r["time"] < after:
                continue
            if before is not None and r["time"] > before:
                continue
            if text is not None and text not in (r["message"] or ""):
                continue
            out.append(r)
        return out

    def find(self, module, ids, **kw):
        hits = self.find_all(module, ids, **kw)
        return hits[0] if hits else None

    def where(self, *rows) -> list[str]:
        out = []
        for r in rows:
            if r is None:
                continue
            self.used.add((r["source"], r["line"]))
            ref = f"{r['source']}:{r['line']}"
            if ref not in out:
                out.append(ref)
        return out

    def setting(self, path: str, default_note: str | None = None) -> dict:
        value = self.config.get(path) if self.config is not None else None
        out = {"path": path, "value": value}
        if value is None:
            out["note"] = default_note or "not in clp.conf"
        return out

    def monitor(self, name):
        for m in self.config.monitors if self.config is not None else []:
            if m.name == name:
                return m
        return None

    def resource_type(self, name):
        for r in self.config.resources if self.config is not None else []:
            if r.name == name:
                return r.type
        return None

    def group_of(self, resource=None):
        groups = self.config.groups if self.config is not None else []
        for g in groups:
            if resource is None or any(n == resource for _, n in g.resources):
                return g.name
        return None

    def stat_rows(self, *, server=None, name=None, action=None, results=None, after=None, before=None, last=False):
        """Statistics rows (dicts, by end time) matching every condition given; bounds are inclusive.

        ``last``: only the latest of them (a month of successful runs is not turned into dicts for one).
        """
        if self.stats is None:
            return []
        cond = [pl.col(c) == v for c, v in (("server", server), ("name", name), ("action", action)) if v is not None]
        if results is not None:
            cond.append(pl.col("result").is_in(list(results)))
        if after is not None:
            cond.append(pl.col("end_time") >= after)
        if before is not None:
            cond.append(pl.col("end_time") <= before)
        found = self.stats.filter(*cond) if cond else self.stats
        return (found.tail(1) if last else found).to_dicts()

    def get(self, path):
        return self.config.get(path) if self.config is not None else None

    def seconds(self, path) -> float | None:
        value = self.config.get(path) if self.config is not None else None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None


# --- shared pieces of chains ---------------------------------------------------------------


def detection(ctx: Context, row: dict) -> Link:
    """A monitor's failed runs and its error report (rm 9), against interval x (retry + 1) + timeout."""
    name, server, t = row["monitor"], row["server"], row["time"]
    m = ctx.monitor(name)
    base = f"/root/monitor/{m.type}@{name}" if m else f"/root/monitor/?@{name}"
    interval, timeout = (m.interval, m.timeout) if m else (None, None)
    retry = (m.recovery.get("reconfirmation") if m else None) or 0
    settings = [ctx.setting(f"{base}/polling/interval"), ctx.setting(f"{base}/polling/timeout"),
                ctx.setting(f"{base}/polling/reconfirmation", "not in clp.conf (0 assumed)")]
    window = timedelta(seconds=detection_bound(interval or 60, retry, timeout or 60) + (interval or 60))
    failed = ctx.stat_rows(server=server, name=name, results=("Failure", "Timeout"), after=t - window, before=t + 2 * S)
    timing = None
    evidence = ctx.where(*failed, row)
    if failed and interval and timeout:
        ok = ctx.stat_rows(server=server, name=name, results=("Success",), before=failed[0]["start_time"], last=True)
        if ok:
            last = ok[-1]
            evidence = ctx.where(last) + evidence
            observed = (t - last["end_time"]).total_seconds()
            timing = Timing(round(observed, 3), float(retry * interval), detection_bound(interval, retry, timeout),
                            T(f"interval {interval} s x (retry {retry} + 1) + timeout {timeout} s",
                              f"間隔 {interval} s x (リトライ回数 {retry} + 1) + タイムアウト {timeout} s"), RULES["monitor_detection"])
    n = len(failed)
    text = T(f"{name} on {server} failed {n} run(s) in a row (retry count {retry}) and reported an error: {row['message']}",
             f"{server} の {name} が {n} 回続けて失敗し (リトライ回数 {retry})、異常を報告: {row['message']}")
    note = None
    if failed and n != retry + 1:
        note = T(f"clp.conf's retry count {retry} means {retry + 1} failed runs; {n} were recorded.",
                 f"clp.conf のリトライ回数 {retry} なら失敗は {retry + 1} 回のはずですが、記録は {n} 回です。")
    return Link(t, server, "detection", text, evidence, settings, timing, note)


def stop_link(ctx: Context, server: str, group: str, after, reason: dict) -> tuple[Link | None, object]:
    """The group's stop on a server (rc 20 .. rc 21), the md unmount against its timeout."""
    begun = ctx.find("rc", 20, server=server, after=after - 2 * S, before=after + 600 * S, text=group)
    done = ctx.find("rc", 21, server=server, after=(begun or {"time": after})["time"], before=after + 900 * S, text=group)
    if begun is None and done is None:
        return None, after
    timing, settings = None, [reason]
    for md in _mirror_names(ctx, group):
        path = f"/root/resource/md@{md}/parameters/umount/timeout"
        settings.append(ctx.setting(path, "not in clp.conf (300 s default, SPEC 3.7)"))
        rows = ctx.stat_rows(server=server, name=md, action="Stop", after=after - 2 * S, before=after + 900 * S)
        limit = ctx.seconds(path) or 300.0
        if rows:
            took = (rows[0]["end_time"] - rows[0]["start_time"]).total_seconds()
            ctx.where(rows[0])
            timing = Timing(round(took, 3), None, limit, T(f"unmount of {md} <= umount timeout {limit:.0f} s",
                                                           f"{md} のアンマウント <= アンマウントタイムアウト {limit:.0f} s"), RULES["resource_timeout"])
    t_done = (done or begun)["time"]
    took = (t_done - (begun or done)["time"]).total_seconds()
    failed = [r for r in ctx.find_all("rc", 42, server=server, after=(begun or done)["time"], before=t_done) if _STALL not in (r["message"] or "")]
    retried = ctx.find_all("rc", 220, server=server, after=(begun or done)["time"], before=t_done)
    extra_en = extra_ja = ""
    for res in dict.fromkeys(r["resource"] for r in failed if r["resource"]):
        rtype = ctx.resource_type(res) or "?"
        settings.append(ctx.setting(f"/root/resource/{rtype}@{res}/deact/retry"))
        n = sum(1 for r in failed if r["resource"] == res)
        extra_en += f"; {res} failed to stop {n} time(s) and was retried (deact/retry {ctx.get(f'/root/resource/{rtype}@{res}/deact/retry')})"
        extra_ja += f"。{res} の停止に {n} 回失敗しリトライ (deact/retry {ctx.get(f'/root/resource/{rtype}@{res}/deact/retry')})"
    link = Link((begun or done)["time"], server, "stop",
                T(f"{group} stopped on {server} in {took:.1f} s{extra_en}", f"{server} で {group} を停止 ({took:.1f} 秒){extra_ja}"),
                ctx.where(begun, *failed, *retried, done), settings, timing, until=done["time"] if done else None)
    return link, t_done


def start_link(ctx: Context, group: str, after, *, not_server=None, server=None) -> tuple[Link | None, dict | None]:
    """The group's start (rc 60/10 .. rc 61/11) on the next server, with its failover policy."""
    begun = ctx.find("rc", (60, 10), server=server, not_server=not_server, after=after - 5 * S, before=after + 900 * S, text=group)
    if begun is None:
        return None, None
    dst = begun["server"]
    done = ctx.find("rc", (61, 11), server=dst, after=begun["time"], before=begun["time"] + 1800 * S, text=group)
    settings = [ctx.setting(f"/root/group@{group}/policy@{dst}/order", "no failover policy in clp.conf (server priority applies)")]
    timing = None
    for md in _mirror_names(ctx, group):
        mount = ctx.seconds(f"/root/resource/md@{md}/parameters/mount/timeout") or 120.0
        fsck = ctx.seconds(f"/root/resource/md@{md}/parameters/fsck/timeout") or 7200.0
        settings += [ctx.setting(f"/root/resource/md@{md}/parameters/mount/timeout"),
                     ctx.setting(f"/root/resource/md@{md}/parameters/fsck/timeout")]
        rows = ctx.stat_rows(server=dst, name=md, action="Start", after=begun["time"], before=begun["time"] + 1800 * S)
        if rows:
            took = (rows[0]["end_time"] - rows[0]["start_time"]).total_seconds()
            ctx.where(rows[0])
            timing = Timing(round(took, 3), None, mount + fsck, T(f"start of {md} <= mount timeout {mount:.0f} s + fsck timeout {fsck:.0f} s",
                                                                f"{md} の起動 <= マウントタイムアウト {mount:.0f} s + fsck タイムアウト {fsck:.0f} s"),
                            RULES["resource_timeout"])
    order = ctx.get(f"/root/group@{group}/policy@{dst}/order")
    if done is not None:
        took = (done["time"] - begun["time"]).total_seconds()
        text = T(f"{group} started on {dst} (failover policy order {order}) in {took:.1f} s",
                 f"{dst} で {group} を起動 (フェイルオーバポリシー順位 {order}、{took:.1f} 秒)")
    else:
        text = T(f"{group} began to start on {dst} (failover policy order {order}) and did not complete",
                 f"{dst} で {group} の起動を開始したが完了しなかった (フェイルオーバポリシー順位 {order})")
    return Link(begun["time"], dst, "start", text, ctx.where(begun, done), settings, timing,
                until=done["time"] if done else None), done


def _mirror_names(ctx: Context, group: str) -> list[str]:
    if ctx.config is None:
        return []
    for g in ctx.config.groups:
        if g.name == group:
            return [n for t, n in g.resources if t == "md"]
    return []


def last_sign(ctx: Context, server: str, before) -> tuple | None:
    """(time, source, line) of the server's last record at or before ``before``."""
    seen = ctx.seen.filter(pl.col("server") == server, pl.col("time") <= before).tail(1)
    return seen.select("time", "source", "line").row(0) if seen.height else None


def cadence(ctx: Context, server: str, last) -> float:
    """The largest gap between the server's own records in the 5 minutes before its last one."""
    times = ctx.seen.filter(pl.col("server") == server, pl.col("time").is_between(last - 300 * S, last))["time"]
    gaps = times.diff().drop_nulls()
    return gaps.max().total_seconds() if gaps.len() else 0.0


def lost_server(ctx: Context, peer: str, around, group: str | None) -> list[Link]:
    """The others report every heartbeat of ``peer`` lost, then its leave; timed against the heartbeat timeout."""
    reports = ctx.find_all("nm", 4, after=around - 60 * S, before=around + 120 * S, text=f"of server {peer} ")
    leaves = ctx.find_all("nm", 2, after=around - 60 * S, before=around + 180 * S, text=f"Server {peer} ")
    leaves = [r for r in leaves if r["server"] != peer]
    if not leaves:
        return []
    first = leaves[0]
    last = last_sign(ctx, peer, (reports[0] if reports else first)["time"])
    timeout_ms = ctx.seconds("/root/cluster/heartbeat/timeout")
    interval_ms = ctx.seconds("/root/cluster/heartbeat/interval")
    timing, evidence = None, []
    if last is not None:
        evidence.append(f"{last[1]}:{last[2]}")
    u = ctx.estimate.uncertainty(peer, first["server"])
    note = None
    if u == float("inf"):
        note = T(f"{peer}'s clock offset is unknown (no event shared with the others), so its times cannot be compared with theirs.",
                 f"{peer} の時計のずれが不明 (他サーバと共通の事象がない) のため、時刻を比較できません。")
    elif last is not None and timeout_ms and interval_ms:
        timeout, interval = timeout_ms / 1000, interval_ms / 1000
        gap = cadence(ctx, peer, last[0])
        observed = (first["time"] - last[0]).total_seconds()
        timing = Timing(round(observed, 3), round(timeout - interval - u, 3), round(timeout + interval + gap + u, 3),
                        T(f"heartbeat timeout {timeout:.0f} s - interval {interval:g} s .. + interval + {gap:.1f} s between {peer}'s last records"
                          + (f", +-{u:.2f} s clock skew" if u else ""),
                          f"ハートビートタイムアウト {timeout:.0f} s - 間隔 {interval:g} s .. + 間隔 + {peer} の最後の記録どうしの間隔 {gap:.1f} s"
                          + (f"、時計のずれ +-{u:.2f} s" if u else "")),
                        RULES["heartbeat_timeout"])
    reporters = sorted({r["server"] for r in leaves})
    link = Link((reports[0] if reports else first)["time"], first["server"], "heartbeat",
                T(f"{', '.join(reporters)} lost every heartbeat of {peer} and saw it leave the cluster",
                  f"{', '.join(reporters)} が {peer} の全ハートビートを失い、{peer} のクラスタ離脱を検出"),
                evidence + ctx.where(*reports, *leaves),
                [ctx.setting("/root/cluster/heartbeat/timeout"), ctx.setting("/root/cluster/heartbeat/interval")], timing, note)
    links = [link]
    if group:
        start, _ = start_link(ctx, group, first["time"], not_server=peer)
        if start:
            links.append(start)
    return links


def shutdown_links(ctx: Context, server: str, after) -> list[Link]:
    """The server's cluster services stop (pm 23/25, pm 2) and the others see it leave (nm 2)."""
    req = ctx.find("pm", (23, 25), server=server, after=after - 2 * S, before=after + 300 * S)
    down = ctx.find("pm", 2, server=server, after=after - 2 * S, before=after + 300 * S)
    if down is None:
        return []
    leaves = [r for r in ctx.find_all("nm", 2, after=down["time"] - 5 * S, before=down["time"] + 120 * S, text=f"Server {server} ")
              if r["server"] != server]
    what = "reboot" if req is not None and req["event_id"] == 25 else "shut down"
    return [Link((req or down)["time"], server, "stop",
                 T(f"{server}'s cluster services stopped and the OS is to {what}; {len(leaves)} other server(s) saw it leave",
                   f"{server} のクラスタサービスが停止し OS を{'再起動' if what == 'reboot' else 'シャットダウン'}。他の {len(leaves)} 台が離脱を検出"),
                 ctx.where(req, down, *leaves), [ctx.setting("/root/cluster/heartbeat/timeout")])]


def end_state(ctx: Context, group: str | None, links: list[Link]) -> dict[str, str]:
    starts = [lk for lk in links if lk.step == "start" and "did not complete" not in lk.text["en"]]
    if group and starts:
        return T(f"{group} runs on {starts[-1].server}", f"{group} は {starts[-1].server} で稼働")
    if group and any(lk.step == "stop" for lk in links):
        return T(f"{group} is stopped", f"{group} は停止")
    return T("the groups kept running where they were", "グループは元のサーバで稼働を継続")


# --- the rules -----------------------------------------------------------------------------


def rule_monitor(ctx: Context, row: dict) -> Incident | None:
    name, src, t = row["monitor"], row["server"], row["time"]
    m = ctx.monitor(name)
    if m is not None and m.type in ("mdw", "hdw"):
        return rule_mirror(ctx, row)
    base = f"/root/monitor/{m.type}@{name}" if m else f"/root/monitor/?@{name}"
    group = (m.recovery.get("target") if m else None) or ctx.group_of()
    links = [detection(ctx, row)]
    horizon = t + 300 * S
    restart = ctx.find("rm", 13, server=src, after=t, before=horizon, text=name)
    fover = ctx.find("rm", 14, server=src, after=t, before=horizon, text=name)
    stopped = ctx.find("rm", 12, server=src, after=t, before=horizon, text=name)
    final = ctx.find("rm", _FINAL, server=src, after=t, before=horizon, text=name)
    if restart is not None:
        res = (restart["message"] or "").split()[2] if len((restart["message"] or "").split()) > 2 else None
        begun = ctx.find("rc", 80, server=src, after=restart["time"] - S, before=horizon)
        done = ctx.find("rc", 81, server=src, after=restart["time"], before=horizon + 600 * S)
        links.append(Link(restart["time"], src, "recovery",
                          T(f"recovery action: restart {res} on {src} (reactivation threshold {m.recovery.get('restart_threshold') if m else '?'})",
                            f"回復動作: {src} で {res} を再起動 (再活性化しきい値 {m.recovery.get('restart_threshold') if m else '?'})"),
                          ctx.where(restart, begun, done), [ctx.setting(f"{base}/emergency/threshold/restart")]))
        normal = ctx.find("rm", 26, server=src, after=restart["time"], before=horizon + 900 * S, text=name)
        if normal is not None:
            links.append(Link(normal["time"], src, "end", T(f"{name} back to normal", f"{name} が正常に復帰"), ctx.where(normal),
                              [ctx.setting(f"{base}/polling/interval")]))
        return Incident("monitor_restart", group, [src], links,
                        T(f"{res} restarted on {src}; {group} kept running there", f"{src} で {res} を再起動し、{group} は稼働を継続"))
    if fover is not None:
        links.append(Link(fover["time"], src, "recovery",
                          T(f"recovery action: fail {group} over (failover threshold {m.recovery.get('failover_threshold') if m else '?'})",
                            f"回復動作: {group} をフェイルオーバ (フェイルオーバしきい値 {m.recovery.get('failover_threshold') if m else '?'})"),
                          ctx.where(fover), [ctx.setting(f"{base}/emergency/threshold/fo")]))
        dest = ctx.find("rc", 64, server=src, after=fover["time"] - S, before=horizon, text=group)
        stop, t_stop = stop_link(ctx, src, group, fover["time"], ctx.setting(f"{base}/emergency/threshold/fo"))
        if stop:
            stop.evidence = ctx.where(dest) + stop.evidence
            links.append(stop)
        start, done = start_link(ctx, group, t_stop, not_server=src)
        stop_req = ctx.find("cl", 2, after=fover["time"], before=(done["time"] if done else horizon + 900 * S), text="cluster")
        if start:
            links.append(start)
        if stop_req is not None and done is None:
            return _cluster_stop(ctx, links, stop_req, group, start)
        return Incident("monitor_failover", group, sorted({lk.server for lk in links}), links, end_state(ctx, group, links))
    if stopped is not None:
        links.append(Link(stopped["time"], src, "final_action",
                          T(f"final action: stop group {group} (thresholds: reactivation {m.recovery.get('restart_threshold') if m else '?'}, failover {m.recovery.get('failover_threshold') if m else '?'}; action {m.recovery.get('final_action') if m else '?'})",
                            f"最終動作: グループ {group} を停止 (動作: {final_action(m.recovery.get('final_action'), 'ja') if m else '?'})"),
                          ctx.where(stopped), [ctx.setting(f"{base}/emergency/action"), ctx.setting(f"{base}/emergency/threshold/fo")]))
        stop, _ = stop_link(ctx, src, group, stopped["time"], ctx.setting(f"{base}/emergency/action"))
        if stop:
            links.append(stop)
        return Incident("monitor_stop_group", group, [src], links, end_state(ctx, group, links))
    if final is not None:
        links.append(Link(final["time"], src, "final_action",
                          T(f"final action on {src}: {m.recovery.get('final_action') if m else final['message']}",
                            f"{src} の最終動作: {final_action(m.recovery.get('final_action'), 'ja') if m else final['message']}"),
                          ctx.where(final), [ctx.setting(f"{base}/emergency/action")]))
        stop, t_stop = stop_link(ctx, src, group, final["time"], ctx.setting(f"{base}/emergency/action"))
        if stop:
            links.append(stop)
        links += shutdown_links(ctx, src, t_stop)
        start, _ = start_link(ctx, group, t_stop, not_server=src)
        if start:
            links.append(start)
        return Incident("monitor_shutdown", group, sorted({lk.server for lk in links}), links, end_state(ctx, group, links))
    return None


def _cluster_stop(ctx: Context, links: list[Link], req: dict, group: str, start: Link | None) -> Incident:
    failed = ctx.find("rc", 62, after=req["time"] - 30 * S, before=req["time"] + 600 * S, text=group)
    links.append(Link(req["time"], req["server"], "request",
                      T(f"an operator asked to stop the cluster ({req['message']}) while the failover was under way",
                        f"フェイルオーバの途中で運用者がクラスタ停止を要求 ({req['message']})"),
                      ctx.where(req, failed), [{"path": None, "value": None, "note": "an operator's request: no setting decides it"}]))
    where = start.server if start else req["server"]
    stop, t_stop = stop_link(ctx, where, group, req["time"], ctx.setting(f"/root/group@{group}/policy@{where}/order"))
    if stop:
        links.append(stop)
    downs = ctx.find_all("pm", 2, after=req["time"], before=req["time"] + 600 * S)
    if downs:
        links.append(Link(downs[0]["time"], downs[0]["server"], "end",
                          T(f"cluster services stopped on {len(downs)} server(s)", f"{len(downs)} 台でクラスタサービスが停止"),
                          ctx.where(*downs), [ctx.setting("/root/cluster/heartbeat/timeout")]))
    return Incident("cluster_stop_during_failover", group, sorted({lk.server for lk in links}), links,
                    T(f"{group} is stopped and the cluster is down", f"{group} は停止し、クラスタは停止"))


def rule_mirror(ctx: Context, row: dict) -> Incident:
    name = row["monitor"]
    m = ctx.monitor(name)
    base = f"/root/monitor/{m.type}@{name}" if m else f"/root/monitor/?@{name}"
    t = row["time"]
    errors = [r for r in ctx.find_all("rm", 9, after=t - 120 * S, before=t + 300 * S) if r["monitor"] == name]
    links = []
    for server in dict.fromkeys(r["server"] for r in errors):
        first = next(r for r in errors if r["server"] == server)
        link = detection(ctx, first)
        link.settings.append(ctx.setting(f"{base}/emergency/action"))
        links.append(link)
        ctx.where(*[r for r in errors if r["server"] == server])
    target = m.target if m else None
    begun = ctx.find("mdadmn", 17, after=t, before=t + 7200 * S) or ctx.find("mdw", 17, after=t, before=t + 7200 * S)
    done = ctx.find("mdadmn", 6, after=t, before=t + 14400 * S)
    mode = ctx.find("mdadmn", 7, after=t, before=t + 7200 * S)
    md_base = f"/root/resource/md@{target}/parameters" if target else "/root/resource/md@?/parameters"
    if begun is not None:
        links.append(Link(begun["time"], begun["server"], "mirror",
                          T(f"mirror recovery of {target} began ({mode['message'] if mode else 'mode not recorded'})",
                            f"{target} のミラー復帰を開始 ({mode['message'] if mode else '方式の記録なし'})"),
                          ctx.where(ctx.find("mdw", 17, after=t, before=t + 7200 * S), mode, begun),
                          [ctx.setting(f"{md_base}/nmppath")]))
    if done is not None:
        took = (done["time"] - begun["time"]).total_seconds() if begun else None
        normal = ctx.find_all("rm", 26, after=done["time"], before=done["time"] + 900 * S, text=name)
        links.append(Link(done["time"], done["server"], "end",
                          T(f"mirror recovery of {target} completed" + (f" after {took:.0f} s" if took else ""),
                            f"{target} のミラー復帰が完了" + (f" ({took:.0f} 秒)" if took else "")),
                          ctx.where(done, *normal), [ctx.setting(f"{base}/polling/interval")]))
    state = T(f"mirror {target} back in sync; no failover (the monitor's final action: {m.recovery.get('final_action') if m else '?'})",
              f"ミラー {target} は同期状態に復帰。フェイルオーバなし (モニタの最終動作: {final_action(m.recovery.get('final_action'), 'ja') if m else '?'})") if done else \
        T(f"mirror {target} still broken at the end of the logs", f"ミラー {target} はログの終わりまで異常のまま")
    return Incident("mirror_disconnect", ctx.group_of(target), sorted({lk.server for lk in links}), links, state)


def _attempts(ctx: Context, row: dict, eid: int, kind: str):
    """A resource's failed start (rc 32, ``act``) or stop (rc 42, ``deact``) attempts against its retry count."""
    res, src, t = row["resource"], row["server"], row["time"]
    base = f"/root/resource/{ctx.resource_type(res) or '?'}@{res}"
    fails = [r for r in ctx.find_all("rc", eid, server=src, after=t, before=t + 600 * S)
             if r["resource"] == res and _STALL not in (r["message"] or "")]
    retry = int(ctx.get(f"{base}/{kind}/retry") or 0)
    note = None if len(fails) == retry + 1 else T(f"{kind}/retry {retry} means {retry + 1} attempts; {len(fails)} were recorded.",
                                                  f"{kind}/retry {retry} なら試行は {retry + 1} 回ですが、記録は {len(fails)} 回です。")
    return res, src, t, base, ctx.group_of(res), fails, retry, note


def rule_activation(ctx: Context, row: dict) -> Incident | None:
    if _STALL in (row["message"] or ""):
        return None
    res, src, t, base, group, fails, retry, note = _attempts(ctx, row, 32, "act")
    begun = ctx.find("rc", 10, server=src, after=t - 600 * S, before=t, text=group)
    links = [Link(t, src, "detection",
                  T(f"{res} failed to start on {src} {len(fails)} time(s) (retry count {retry}): {row['message']}",
                    f"{src} で {res} の活性に {len(fails)} 回失敗 (リトライ回数 {retry}): {row['message']}"),
                  ctx.where(begun, *fails, *ctx.stat_rows(server=src, name=res, action="Start", results=("Failure",), after=t - S, before=t + 600 * S)),
                  [ctx.setting(f"{base}/act/retry")], note=note)]
    move = ctx.find("rc", 201, server=src, after=t, before=t + 900 * S, text=res)
    if move is None:
        return None
    failed_group = ctx.find("rc", 12, server=src, after=move["time"], before=move["time"] + 600 * S, text=group)
    links.append(Link(move["time"], src, "recovery",
                      T(f"failover of {group} because {res} did not start (failover threshold act/fo {ctx.get(f'{base}/act/fo')})",
                        f"{res} が起動しないため {group} をフェイルオーバ (act/fo {ctx.get(f'{base}/act/fo')})"),
                      ctx.where(move, failed_group), [ctx.setting(f"{base}/act/fo"), ctx.setting(f"{base}/act/action")]))
    start, _ = start_link(ctx, group, move["time"], not_server=src)
    if start:
        links.append(start)
    return Incident("activation_failure", group, sorted({lk.server for lk in links}), links, end_state(ctx, group, links))


def rule_deactivation(ctx: Context, row: dict, move: dict | None = None) -> Incident | None:
    if _STALL in (row["message"] or ""):
        return None
    res, src, t, base, group, fails, retry, note = _attempts(ctx, row, 42, "deact")
    links = []
    if move is not None:
        links.append(Link(move["time"], src, "request", T(f"{group} began to move away from {src}", f"{src} から {group} の移動を開始"),
                          ctx.where(move), [ctx.setting(f"/root/group@{group}/policy@{src}/order")]))
    again = ctx.find_all("rc", 220, server=src, after=t, before=t + 600 * S)
    links.append(Link(t, src, "detection",
                      T(f"{res} failed to stop on {src} {len(fails)} time(s) (retry count {retry}): {row['message']}",
                        f"{src} で {res} の非活性に {len(fails)} 回失敗 (リトライ回数 {retry}): {row['message']}"),
                      ctx.where(*fails, *again, *ctx.stat_rows(server=src, name=res, action="Stop", results=("Failure",), after=t - S, before=t + 600 * S)),
                      [ctx.setting(f"{base}/deact/retry")], note=note))
    final = ctx.find("rc", _DEACT_FINAL, server=src, after=t, before=t + 900 * S, text=res)
    if final is None:
        return None
    action = next((fa["action"] for fa in (ctx.config.final_actions() if ctx.config is not None else []) if fa["name"] == res and fa["setting"] == "deact/action"), "?")
    links.append(Link(final["time"], src, "final_action", T(f"final action for {res}: {action}", f"{res} の最終動作: {final_action(action, 'ja')}"),
                      ctx.where(final), [ctx.setting(f"{base}/deact/action")]))
    links += shutdown_links(ctx, src, final["time"])
    start, _ = start_link(ctx, group, final["time"], not_server=src)
    if start:
        links.append(start)
    return Incident("deactivation_failure", group, sorted({lk.server for lk in links}), links, end_state(ctx, group, links))


def rule_move(ctx: Context, row: dict) -> Incident | None:
    src, t = row["server"], row["time"]
    group = row["group"] or ctx.group_of()
    for fail in ctx.find_all("rc", 42, server=src, after=t, before=t + 600 * S):
        if _STALL not in (fail["message"] or ""):
            return rule_deactivation(ctx, fail, move=row)
    links = [Link(t, src, "request", T(f"{group} began to move away from {src} with no failure before it (an operator's move)",
                                       f"異常の記録なしに {src} から {group} の移動を開始 (運用者による移動)"),
                  ctx.where(row), [{"path": None, "value": None, "note": "an operator's request: no setting decides it"}])]
    stop, t_stop = stop_link(ctx, src, group, t, ctx.setting(f"/root/group@{group}/policy@{src}/order"))
    if stop:
        links.append(stop)
    start, _ = start_link(ctx, group, t_stop, not_server=src)
    if start:
        links.append(start)
    done = ctx.find("rc", 51, after=t, before=t + 1800 * S, text=group)
    ctx.where(done)
    return Incident("group_move", group, sorted({lk.server for lk in links}), links, end_state(ctx, group, links))


def rule_userw(ctx: Context, row: dict) -> Incident | None:
    server, t = row["server"], row["time"]
    name = row["monitor"] or (row["message"] or "").split("monitoring ")[-1].split(".")[0]
    m = ctx.monitor(name)
    base = f"/root/monitor/userw@{name}"
    timeout = m.timeout if m else None
    horizon = t + ((timeout or 300) + 300) * S
    leaves = [r for r in ctx.find_all("nm", 2, after=t, before=horizon, text=f"Server {server} ") if r["server"] != server]
    if not leaves:
        return None
    links = [Link(t, server, "detection", T(f"{name} on {server} ran late: user space was stalling ({row['message']})",
                                           f"{server} の {name} が遅延: ユーザ空間がストールしかけた ({row['message']})"),
                  ctx.where(row), [ctx.setting(f"{base}/polling/timeout"), ctx.setting(f"{base}/polling/interval")],
                  note=T("the clp.conf path of userw's action on timeout (reset or panic) is not published.",
                         "userw のタイムアウト発生時動作 (リセットまたはパニック) の clp.conf パスは公開されていません。"))]
    last = last_sign(ctx, server, leaves[0]["time"])
    if last is not None and timeout:
        observed = (last[0] - t).total_seconds()
        links.append(Link(last[0], server, "final_action",
                          T(f"{server} wrote nothing more: reset or panicked by the user-space monitor",
                            f"{server} の記録が途絶: ユーザ空間モニタによりリセットまたはパニック"),
                          [f"{last[1]}:{last[2]}"], [ctx.setting(f"{base}/polling/timeout")],
                          Timing(round(observed, 3), None, float(timeout), T(f"last record <= warning + userw timeout {timeout} s", f"最後の記録 <= 警告 + userw タイムアウト {timeout} s"),
                                 RULES["userw_timeout"])))
    links += lost_server(ctx, server, leaves[0]["time"], ctx.group_of())
    return Incident("userspace_stall", ctx.group_of(), sorted({lk.server for lk in links}), links, end_state(ctx, ctx.group_of(), links))


def rule_heartbeat(ctx: Context, row: dict) -> Incident | None:
    m = _HB.search(row["message"] or "")
    if not m:
        return None
    hb, peer = m.group(1), m.group(2)
    reporter, t = row["server"], row["time"]
    np = ctx.find("nm", _NP, after=t - 30 * S, before=t + 300 * S)
    if np is not None:
        return _partition(ctx, row, np)
    leaves = [r for r in ctx.find_all("nm", 2, after=t - 5 * S, before=t + 60 * S, text=f"Server {peer} ") if r["server"] != peer]
    if leaves:
        group = ctx.group_of()
        links = lost_server(ctx, peer, t, group)
        if not links:
            return None
        last = last_sign(ctx, peer, t)
        if last is not None:
            links.insert(0, Link(last[0], peer, "detection",
                                 T(f"{peer} stopped writing anything without a shutdown (panic or power loss)",
                                   f"{peer} がシャットダウンなしに記録を停止 (パニックまたは電源断)"),
                                 [f"{last[1]}:{last[2]}"], [ctx.setting("/root/cluster/heartbeat/interval")]))
        return Incident("server_down", group, sorted({lk.server for lk in links}), links, end_state(ctx, group, links))
    # one path: both sides' reports, then its return
    lost = ctx.find_all("nm", 4, after=t - 5 * S, before=t + 60 * S, text=f"Resource {hb} of server ")
    lost = [r for r in lost if _HB.search(r["message"]).group(2) in (peer, reporter) and r["server"] in (peer, reporter)]
    back = ctx.find_all("nm", 3, after=t, before=t + 86400 * S, text=f"Resource {hb} of server ")
    back = [r for r in back if r["server"] in (peer, reporter) and _HB.search(r["message"]).group(2) in (peer, reporter)][:2]
    settings = [ctx.setting("/root/cluster/heartbeat/timeout"), ctx.setting(f"/root/heartbeat/lankhb@{hb}/priority", "not a LAN heartbeat in clp.conf")]
    links = [Link(t, reporter, "heartbeat", T(f"heartbeat {hb} between {reporter} and {peer} lost (the other paths stayed up)",
                                             f"{reporter} と {peer} の間のハートビート {hb} が途絶 (他の経路は維持)"),
                  ctx.where(*lost), settings,
                  note=T("the moment the path broke is not recorded, so no time is predicted.", "経路が切れた時刻は記録されないため、時間の予測はありません。"))]
    if back:
        took = (back[0]["time"] - t).total_seconds()
        links.append(Link(back[0]["time"], back[0]["server"], "end", T(f"heartbeat {hb} restored after {took:.0f} s", f"ハートビート {hb} が {took:.0f} 秒後に回復"),
                          ctx.where(*back), [ctx.setting("/root/cluster/heartbeat/interval")]))
    return Incident("heartbeat_path_loss", None, sorted({reporter, peer}), links,
                    T("every server stayed in the cluster", "全サーバがクラスタに残った"))


def _partition(ctx: Context, row: dict, np: dict) -> Incident:
    t = row["time"]
    lost = ctx.find_all("nm", 4, after=t - 30 * S, before=np["time"] + S)
    paths = sorted({_HB.search(r["message"]).group(1) for r in lost if _HB.search(r["message"] or "")})
    sides = sorted({r["server"] for r in lost})
    np_paths = [p for p in (ctx.config.children("/root/networkpartition") if ctx.config is not None else []) if "@" in p]
    links = [Link(t, row["server"], "heartbeat", T(f"every heartbeat path ({', '.join(paths)}) between {', '.join(sides)} lost on both sides",
                                                  f"{', '.join(sides)} の間の全ハートビート経路 ({', '.join(paths)}) が双方で途絶"),
                  ctx.where(*lost), [ctx.setting("/root/cluster/heartbeat/timeout")] +
                  [ctx.setting(f"/root/heartbeat/lankhb@{p}/priority") for p in paths])]
    victim = np["server"]
    links.append(Link(np["time"], victim, "partition",
                      T(f"network partition resolution on {victim}: {np['message']}", f"{victim} でネットワークパーティション解決: {np['message']}"),
                      ctx.where(np), [ctx.setting("/root/cluster/networkpartition/npaction")] +
                      [ctx.setting(f"/root/networkpartition/{p}/priority") for p in np_paths],
                      note=T("how long the resolution takes is not published; no time is predicted.", "解決にかかる時間は公開されていないため、予測しません。")))
    group = ctx.group_of()
    stop, t_stop = stop_link(ctx, victim, group, np["time"], ctx.setting("/root/cluster/networkpartition/npaction"))
    if stop:
        links.append(stop)
    links += shutdown_links(ctx, victim, t_stop)
    start, _ = start_link(ctx, group, t_stop, not_server=victim)
    if start:
        links.append(start)
    return Incident("network_partition", group, sorted({lk.server for lk in links} | set(sides)), links, end_state(ctx, group, links))


def rule_shutdown_monitor(ctx: Context, row: dict) -> Incident | None:
    server, t = row["server"], row["time"]
    reboot = ctx.find("pm", 25, server=server, after=t - 600 * S, before=t)
    boot = ctx.find("pm", 1, server=server, after=t, before=t + 7200 * S)
    if boot is None or reboot is not None:
        return None  # a shutdown that ended the server's logs, or a reboot asked for: nothing abnormal
    req = ctx.find("cl", 2, server=server, after=t - 600 * S, before=t)
    group = ctx.group_of()
    links = []
    if req is not None:
        links.append(Link(req["time"], server, "request", T(f"an operator asked {server} to shut down ({req['message']})",
                                                            f"運用者が {server} のシャットダウンを要求 ({req['message']})"),
                          ctx.where(req), [{"path": None, "value": None, "note": "an operator's request: no setting decides it"}]))
    stop, t_stop = stop_link(ctx, server, group, (req or row)["time"], ctx.setting(f"/root/group@{group}/policy@{server}/order"))
    if stop:
        links.append(stop)
    links += shutdown_links(ctx, server, t_stop)
    start, _ = start_link(ctx, group, t_stop, not_server=server)
    if start:
        links.append(start)
    joins = [r for r in ctx.find_all("nm", 1, after=boot["time"], before=boot["time"] + 600 * S, text=f"Server {server} ") if r["server"] != server]
    gone = (boot["time"] - t).total_seconds()
    links.append(Link(t, server, "final_action", T(f"the OS shutdown of {server} was being watched (shutdown monitoring) and did not finish",
                                                  f"{server} の OS シャットダウンは監視下にあり、完了しなかった"),
                      ctx.where(row), [ctx.setting("/root/cluster/heartbeat/timeout")], note=T(RULES["shutdown_monitor"], "シャットダウン監視のタイムアウトの clp.conf パスは公開されていないため、予測しません。")))
    links.append(Link(boot["time"], server, "end", T(f"{server} booted again by itself {gone:.0f} s later (reset, not powered off) and rejoined",
                                                    f"{server} が {gone:.0f} 秒後に自ら再起動 (電源断ではなくリセット) しクラスタに復帰"),
                      ctx.where(boot, *joins), [ctx.setting("/root/cluster/heartbeat/interval")]))
    links.sort(key=lambda lk: lk.time)
    return Incident("shutdown_stall", group, sorted({lk.server for lk in links}), links, end_state(ctx, group, links))


ROOTS = {("rm", 9): rule_monitor, ("rc", 32): rule_activation, ("rc", 42): rule_deactivation, ("rc", 50): rule_move,
         ("userw", 1): rule_userw, ("nm", 4): rule_heartbeat, ("pm", 3): rule_shutdown_monitor}


def _skew(ctx: Context, links: list[Link]) -> None:
    """Mark the links whose order against the previous one a clock skew within the interval could reverse."""
    for a, b in zip(links, links[1:]):
        if a.server == b.server:
            continue
        u = ctx.estimate.uncertainty(a.server, b.server)
        gap = (b.time - a.time).total_seconds()
        if abs(gap) <= u:
            spans = {s: ctx.estimate.interval(s) for s in (a.server, b.server)}
            b.skew = {"after": a.step, "gap_s": round(gap, 3), "uncertainty_s": round(u, 3) if u != float("inf") else None,
                      "offsets": {s: list(v) if v else None for s, v in spans.items()}}


def _absorb(ctx: Context, incidents: list[Incident]) -> None:
    """Warnings and errors no chain used, on an incident's servers while it ran, belong to it: each becomes
    evidence of the link it happened under (e.g. a resource stop that failed once and succeeded on retry).
    An incident naming the row's monitor or resource is preferred, then the shortest one."""
    for r in ctx.rows:
        if r["level"] not in ("error", "warning") or (r["source"], r["line"]) in ctx.used:
            continue
        fits = [i for i in incidents if i.start <= r["time"] <= i.end and r["server"] in i.servers]
        if not fits:
            continue
        names = [n for n in (r["monitor"], r["resource"]) if n]
        fits.sort(key=lambda i: (not any(n in lk.text["en"] for lk in i.links for n in names), i.end - i.start))
        link = [lk for lk in fits[0].links if lk.time <= r["time"]][-1]
        link.evidence += ctx.where(r)


def _unexplained(ctx: Context) -> list[Incident]:
    left = [r for r in ctx.rows if r["level"] == "error" and (r["source"], r["line"]) not in ctx.used]
    out, batch = [], []
    for r in left:
        if batch and r["time"] - batch[-1]["time"] > timedelta(minutes=10):
            out.append(batch)
            batch = []
        batch.append(r)
    if batch:
        out.append(batch)
    incidents = []
    for rows in out:
        links = [Link(r["time"], r["server"], "seen", T(r["message"] or "", r["message"] or ""), [f"{r['source']}:{r['line']}"], [])
                 for r in rows[:20]]
        seen = [{"time": r["time"].isoformat(), "server": r["server"], "module": r["module"], "event_id": r["event_id"],
                 "message": r["message"], "evidence": f"{r['source']}:{r['line']}"} for r in rows]
        incidents.append(Incident("unexplained", None, sorted({r["server"] for r in rows}), links,
                                  T("not known: no rule of clpkit fits what was seen", "不明: clpkit のどの規則にも当てはまりません"), seen))
    return incidents


def find_incidents(bundle, *, tz="UTC", clock="estimate", offsets=None):
    ctx = Context(bundle, tz, clock, offsets)
    incidents = []
    for row in ctx.keyed:
        rule = ROOTS.get((row["module"], row["event_id"]))
        if rule is None or (row["source"], row["line"]) in ctx.used:
            continue
        before = set(ctx.used)
        incident = rule(ctx, row)
        if incident is None:
            ctx.used = before
            continue
        incident.links.sort(key=lambda lk: lk.time)
        _skew(ctx, incident.links)
        incidents.append(incident)
    _absorb(ctx, incidents)
    incidents += _unexplained(ctx)
    incidents.sort(key=lambda i: i.start)
    return incidents, ctx.estimate

"""The discrete things that happen in the story, as records every sink can render.

A :class:`Happening` is one line a cluster module writes: to its module log,
and, when it carries an event id, to the alert log and syslog as the catalog
says. A :class:`StatRow` is one row of the cluster statistics. Periodic data
(mirror/system samples, monitor runs, heartbeat chatter) is not built here but
vectorised in :mod:`clpkit.samples.stats` and :mod:`clpkit.samples.logs`.

>>> hs, rows = build(["sv1", "sv2"], *window(1))
>>> [h.message for h in hs if h.event == ("rm", 9) and h.server == "sv1"][0]
'Detected an error in monitoring genw1. (99 : Timeout)'
>>> sorted({r.kind for r in rows})
['exec', 'fip', 'group', 'md']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from clpkit import catalog
from clpkit.samples.story import INCIDENT, MDW_FAILURE_MS, MONITORS, RESOURCES, maintenance, next_run, runs_on, window  # noqa: F401

# Events that go to syslog only (the vendor list leaves their alert flag empty).
_SYSLOG_ONLY = {("rc", 30), ("rc", 31), ("rc", 40), ("rc", 41)}

#: Process ids of the cluster modules (module log name -> pid), per server index.
PIDS = {"pm": 1201, "nm": 1245, "rc": 1288, "rm": 1302, "mdagent": 1333, "trnsv": 1367, "apisv": 1390}


@dataclass
class Happening:
    time: datetime  # true time
    server: str
    log: str  # module log it goes to: rc, rm, nm, pm, mdagent...
    level: str  # I, W, E
    message: str
    event: tuple[str, int] | None = None  # (module type, event id) when it is an alert/syslog event
    more: list[str] = field(default_factory=list)  # continuation lines in the module log
    alert: bool = False
    syslog: bool = False


@dataclass
class StatRow:
    """One cluster statistics row (perf/cluster/<category>/<kind>.cur), times in true time."""

    server: str
    category: str  # group | monitor (resources live in perf/cluster/group/ too)
    kind: str  # group, fip, md, exec, genw...
    name: str
    action: str
    result: str
    start: datetime
    end: datetime
    return_code: str = ""


def fill(module: str, event_id: int, *args: object) -> str:
    """The catalog message template with %1 %2 ... filled in."""
    text = catalog.lookup(module, event_id)["message"]
    for i in range(len(args), 0, -1):
        text = text.replace(f"%{i}", str(args[i - 1]))
    return text


_LEVEL_LETTER = {"info": "I", "warning": "W", "error": "E"}


class _Builder:
    def __init__(self) -> None:
        self.items: list[Happening] = []
        self.rows: list[StatRow] = []

    def log(self, t: datetime, server: str, log: str, level: str, text: str, more: list[str] | None = None) -> None:
        self.items.append(Happening(t, server, log, level, text, more=more or []))

    def event(self, t: datetime, server: str, module: str, eid: int, *args: object, log: str | None = None, more=None) -> None:
        row = catalog.lookup(module, eid)
        key = (module, eid)
        self.items.append(
            Happening(
                t,
                server,
                log or module,
                _LEVEL_LETTER[row["level"]],
                fill(module, eid, *args),
                event=key,
                more=more or [],
                alert=key not in _SYSLOG_ONLY,
                syslog=True,
            )
        )

    def stat(self, *args, **kw) -> None:
        self.rows.append(StatRow(*args, **kw))

    # --- composite steps -------------------------------------------------
    def resource(self, server: str, name: str, action: str, t0: datetime, seconds: float, result: str = "Success", rc: str = "") -> datetime:
        """Start or stop one group resource: rc events, module log lines, a statistics row."""
        kind = RESOURCES[name][0]
        t1 = t0 + timedelta(seconds=seconds)
        begin, done = (30, 31) if action == "Start" else (40, 41)
        self.event(t0, server, "rc", begin, name)
        if result == "Success":
            self.event(t1, server, "rc", done, name)
        self.stat(server, "group", kind, name, action, result, t0, t1, rc)
        return t1 + timedelta(milliseconds=10)


def build(servers: list[str], start: datetime, end: datetime) -> tuple[list[Happening], list[StatRow]]:
    """Every discrete happening of the story inside [start, end), and the cluster statistics rows."""
    b = _Builder()
    _maintenance_restart(b, servers, start)
    if start <= INCIDENT.burst_start < end:
        _incident(b)
    items = [h for h in b.items if start <= h.time < end]
    rows = [r for r in b.rows if start <= r.end < end]
    return items, rows


def _maintenance_restart(b: _Builder, servers: list[str], start: datetime) -> None:
    m = maintenance(start, servers)
    s = lambda t, sec: t + timedelta(seconds=sec)  # noqa: E731
    # Shut down: the administrator's request, the group stops on sv1, services stop.
    b.event(s(m.group_stop, -0.21), "sv1", "cl", 2, "cluster", "clpcl", log="pm")
    g0 = s(m.group_stop, 0.0)
    b.event(g0, "sv1", "rc", 20, "failover1")
    t = s(g0, 0.01)
    for name in reversed(list(RESOURCES)):
        t = b.resource("sv1", name, "Stop", t, {"exec1": 2.31, "md1": 1.56, "fip1": 0.51}[name])
    b.event(t, "sv1", "rc", 21, "failover1")
    b.stat("sv1", "group", "group", "failover1", "Stop", "Success", g0, t)
    for name in servers:
        down = m.services_down[name]
        for mon, (mtype, *_rest) in MONITORS.items():
            if runs_on(mon, name, active="sv1"):
                b.event(s(down, -2.0), name, "rm", 2, mon)
        b.event(s(down, -1.0), name, "pm", 2)
        if name in ("sv1", "sv2"):
            b.event(s(down, -1.5), name, "mdagent", 3)
    for name in servers[1:]:
        b.event(s(m.services_down["sv1"], 0.8), name, "nm", 2, "sv1")
    # Boot: services start, startup sync, servers see each other, the group starts on sv1.
    for name in servers:
        up = m.cluster_up[name]
        b.event(up, name, "pm", 1)
        if name in ("sv1", "sv2"):
            b.event(s(up, 0.4), name, "mdagent", 1)
        b.event(s(up, 0.9), name, "nm", 5)
        b.log(s(up, 1.0), name, "nm", "I", f"startup sync: waiting up to 300 s for {len(servers) - 1} other server(s) (since {_ymd(up)})")
    last_up = max(m.cluster_up.values())
    for name in servers:
        for other in servers:
            if other != name:
                b.event(s(last_up, 1.2 + 0.1 * servers.index(other)), name, "nm", 1, other)
        b.event(s(last_up, 1.6), name, "nm", 6)
    g1 = m.group_start
    b.event(g1, "sv1", "rc", 10, "failover1")
    t = s(g1, 0.02)
    for name in RESOURCES:
        if name == "md1":
            b.event(s(t, 0.4), "sv1", "md", 2, "/dev/NMP1", log="rc")
            b.event(s(t, 2.75), "sv1", "md", 3, "/dev/NMP1", log="rc")
        t = b.resource("sv1", name, "Start", t, RESOURCES[name][1])
    b.event(t, "sv1", "rc", 11, "failover1")
    b.stat("sv1", "group", "group", "failover1", "Start", "Success", g1, t)
    for name in servers:
        for mon in MONITORS:
            if runs_on(mon, name, active="sv1"):
                b.event(s(t, 0.3 + 0.05 * list(MONITORS).index(mon)), name, "rm", 1, mon)


def _ymd(t: datetime) -> str:
    return t.strftime("%Y/%m/%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def _incident(b: _Builder) -> None:
    i = INCIDENT
    s = lambda t, sec: t + timedelta(seconds=sec)  # noqa: E731
    # The burst: heartbeat delay, then the mirror-connect heartbeat times out on both sides.
    b.event(s(i.heartbeat_lost, -171.0), "sv2", "lankhb", 71, "lankhb2", "sv1", 90, 100, 7830, 80, log="nm")
    b.event(i.heartbeat_lost, "sv2", "nm", 4, i.heartbeat, "sv1")
    b.event(s(i.heartbeat_lost, 0.41), "sv1", "nm", 4, i.heartbeat, "sv2")
    b.log(s(i.heartbeat_lost, 0.02), "sv2", "nm", "W", "lankhb2: no heartbeat from sv1 for 90 s (last received 2026/01/01 03:04:01.180)")
    b.event(i.monitor_delay_warning, "sv1", "rm", 71, "genw1", 60, 100, 5212, 80)
    # The monitor error and the decision to fail over.
    b.event(i.monitor_error, "sv1", "rm", 9, "genw1", 99, "Timeout")
    b.log(s(i.monitor_error, 0.01), "sv1", "rm", "E", f"genw1: monitor process did not answer within 60 s (run started {_ymd(s(i.monitor_error, -60.0))})")
    b.event(i.failover_start, "sv1", "rm", 14, "failover1", "genw1")
    b.event(s(i.failover_start, 0.05), "sv1", "rc", 64, "sv2", "failover1", "genw1 error")
    g0 = s(i.failover_start, 0.06)
    b.event(g0, "sv1", "rc", 20, "failover1")
    b.log(s(g0, 0.001), "sv1", "rc", "I", f"failover1: failover requested at {_ymd(i.failover_start)} by rm (genw1)")
    # exec1 fails to stop once (the application hung on I/O), then stops on retry.
    t = s(g0, 0.01)
    b.event(t, "sv1", "rc", 40, "exec1")
    b.event(
        i.exec_stop_failed, "sv1", "rc", 42, "exec1", 1, "exit code 1",
        more=["    ++ /opt/app/bin/appctl stop --wait 3", "    アプリケーションの停止がタイムアウトしました (pid 4711)"],
    )
    b.stat("sv1", "group", "exec", "exec1", "Stop", "Failure", t, i.exec_stop_failed, "1")
    b.event(s(i.exec_stop_failed, 0.008), "sv1", "rc", 220, "exec1", "exec1")
    t = b.resource("sv1", "exec1", "Stop", s(i.exec_stop_failed, 0.018), 3.46)
    b.log(s(t, 0.001), "sv1", "rc", "I", "md1: unmounting /mnt/md1 (dirty pages are being flushed)")
    t = b.resource("sv1", "md1", "Stop", t, i.unmount_time_s)
    t = b.resource("sv1", "fip1", "Stop", t, 0.54)
    b.event(t, "sv1", "rc", 21, "failover1")
    b.stat("sv1", "group", "group", "failover1", "Stop", "Success", g0, t)
    for mon in ("fipw1", "genw1"):
        b.event(s(t, 0.02), "sv1", "rm", 2, mon)
    # sv2 takes over.
    t = s(t, 0.18)
    b.event(t, "sv2", "rc", 60, "failover1")
    t = b.resource("sv2", "fip1", "Start", s(t, 0.01), 2.13)
    b.event(s(t, 0.3), "sv2", "md", 2, "/dev/NMP1", log="rc")
    b.event(s(t, 0.3 + i.fsck_time_s), "sv2", "md", 3, "/dev/NMP1", log="rc")
    t = b.resource("sv2", "md1", "Start", t, (i.mirror_break - t).total_seconds())
    t = b.resource("sv2", "exec1", "Start", t, 5.34, )
    b.event(i.failover_end, "sv2", "rc", 61, "failover1")
    b.stat("sv2", "group", "group", "failover1", "Move", "Success", s(i.failover_start, 0.05), i.failover_end)
    for mon in ("fipw1", "genw1"):
        b.event(s(i.failover_end, 0.3 + 0.05 * (mon == "genw1")), "sv2", "rm", 1, mon)
    b.log(s(i.failover_end, 0.01), "sv2", "rc", "I", "アプリケーションを起動しました (exec1)")
    # The mirror break: data still queued on sv1 never reached sv2.
    for server, code, detail in (
        ("sv2", 53, "The mirror disk of the other server is abnormal.(md1)"),
        ("sv1", 54, "The local mirror disk is abnormal.(md1)"),
    ):
        t_err = next_run("mdw1", server, i.mirror_break) + timedelta(milliseconds=MDW_FAILURE_MS)
        b.event(t_err, server, "rm", 9, "mdw1", code, detail)
        t_ok = next_run("mdw1", server, i.mirror_recovery_end) + timedelta(milliseconds=40)
        b.event(t_ok, server, "rm", 26, "mdw1")
    b.event(i.heartbeat_restored, "sv2", "nm", 3, i.heartbeat, "sv1")
    b.event(s(i.heartbeat_restored, 0.37), "sv1", "nm", 3, i.heartbeat, "sv2")
    r0 = i.mirror_recovery_start
    b.event(r0, "sv2", "mdw", 17, "md1", log="mdagent")
    b.event(s(r0, 0.2), "sv2", "mdadmn", 7, "FAST", "md1", log="mdagent")
    b.event(s(r0, 0.3), "sv2", "mdadmn", 17, "md1", 1824522240, log="mdagent")
    b.event(i.mirror_recovery_end, "sv2", "mdadmn", 6, "md1", log="mdagent")

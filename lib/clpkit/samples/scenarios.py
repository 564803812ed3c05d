"""Failure scenarios for ``clpkit samples --scenario NAME``: one incident class per name, random from a seed.

A simulation of CLUSTERPRO X, not output of the product. Each scenario builds a
cluster of 2-8 servers (from the seed unless given) with one failover group
``failover1`` (fip1, md1, exec1; the mirror between the group's two policy
servers), monitors genw1 / fipw1 / mdw1 / userw1 with random polling settings,
two LAN heartbeats, random clock skew per server, and one incident at a random
moment. It writes what the servers would log: module logs, alert logs (synced
to every server), syslog (cluster lines plus unrelated system lines), cluster
statistics (every monitor run), mirror statistics and clp.conf.

The incident's ground truth (:class:`Truth`) is returned to the caller and
never written into the collection. The scenario names are the ``cause``
vocabulary of ``clpkit explain``.

Timing follows clpkit's model of the product (SPEC 3.7 settings; what the
guide does not publish is marked [I] in :mod:`clpkit.explain.model`): a
monitor fails ``retry + 1`` runs in a row, one interval apart, before its
error is reported; a heartbeat is reported lost ``timeout`` after the last
one received.

>>> sorted(SCENARIOS)[:3]
['activation_failure', 'cluster_stop_during_failover', 'deactivation_failure']
>>> len(SCENARIOS) >= 12
True
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from clpkit import catalog
from clpkit.samples.happenings import PIDS, Happening, StatRow, fill
from clpkit.samples.logs import alert_log, hash_small, module_line, system_noise
from clpkit.samples.stats import CLUSTER_HEADER, MIRROR_HEADER, cluster_lines, event_frame

_LETTER = {"info": "I", "warning": "W", "error": "E"}
_SYSLOG_ONLY = {("rc", 30), ("rc", 31), ("rc", 40), ("rc", 41)}
GROUP = "failover1"
RESOURCES = [("fip", "fip1"), ("md", "md1"), ("exec", "exec1")]
HEARTBEATS = ["lankhb1", "lankhb2"]


@dataclass
class Monitor:
    type: str
    name: str
    interval: int
    timeout: int
    retry: int
    target: str
    where: str  # active | mirror | all
    restart: int = 0  # emergency/threshold/restart
    fo: int = 0  # emergency/threshold/fo
    action: int = 1  # emergency/action (config.MONITOR_ACTIONS)


@dataclass
class Cluster:
    """The simulated cluster's settings (what clp.conf says)."""

    servers: list[str]
    policy: list[str]  # failover1's servers in priority order (the mirror pair)
    monitors: dict[str, Monitor]
    hb_interval_ms: int
    hb_timeout_ms: int
    act: dict[str, tuple[int, int, int]]  # resource -> (retry, fo, action)
    deact: dict[str, tuple[int, int]]  # resource -> (retry, action)
    npaction: int = 2
    pingnp: bool = False


@dataclass
class Truth:
    """What really happened (true times), for tests; never written into the collection."""

    scenario: str
    servers: list[str]
    offsets: dict[str, float]
    fault: datetime
    source: str
    target: str | None
    notes: dict = field(default_factory=dict)


class Sim:
    """Collects the happenings, statistics rows and monitor runs of one scenario (true time)."""

    def __init__(self, cluster: Cluster, start: datetime, rng: random.Random) -> None:
        self.c, self.start, self.rng = cluster, start, rng
        self.items: list[Happening] = []
        self.rows: list[StatRow] = []
        self.dead: dict[str, datetime] = {}  # server -> when it stopped writing anything
        self.mon_stop: dict[tuple[str, str], datetime] = {}  # (server, monitor) -> routine runs end
        self.mon_from: dict[tuple[str, str], datetime] = {}  # (server, monitor) -> routine runs begin
        self.hb_down: list[tuple[str, str, datetime, datetime | None]] = []  # (hb, between "a|b", from, to)
        self.mirror_last: dict[str, list[tuple[datetime, str, float]]] = {}
        self.spans: list[tuple[str, str, datetime, datetime]] = []  # closed spans of routine runs
        self.deaths: list[tuple[str, datetime]] = []  # every time a server went down, even if it came back
        self.revivals: list[tuple[str, datetime]] = []

    def down_at(self, server, t) -> bool:
        """Whether the server was down at t (after a death and before its next boot, if any)."""
        for s_, died in self.deaths:
            back = next((b for s2, b in self.revivals if s2 == s_ and b > died), None)
            if s_ == server and died <= t and (back is None or t < back):
                return True
        return False

    def resume(self, server, name, t) -> None:
        """Routine runs of a monitor start (again) at t; a span that ended before is kept."""
        key = (server, name)
        if key in self.mon_from and key in self.mon_stop:
            self.spans.append((server, name, self.mon_from[key], self.mon_stop.pop(key)))
        self.mon_stop.pop(key, None)
        self.mon_from[key] = t

    def at(self, t: datetime, s: float) -> datetime:
        return t + timedelta(seconds=s)

    def jitter(self, lo: float, hi: float) -> float:
        return round(self.rng.uniform(lo, hi), 3)

    def event(self, t, server, module, eid, *args, log=None) -> None:
        row = catalog.lookup(module, eid)
        key = (module, eid)
        self.items.append(Happening(t, server, log or module, _LETTER[row["level"]], fill(module, eid, *args),
                                    event=key, alert=key not in _SYSLOG_ONLY, syslog=True))

    def log(self, t, server, log, level, text) -> None:
        self.items.append(Happening(t, server, log, level, text))

    def stat(self, server, kind, name, action, result, t0, t1, rc="") -> None:
        self.rows.append(StatRow(server, "group", kind, name, action, result, t0, t1, rc))

    def monitor_row(self, server, name, result, t0, t1, rc="") -> None:
        self.rows.append(StatRow(server, "monitor", self.c.monitors[name].type, name, "Monitor", result, t0, t1, rc))

    # --- composite steps -------------------------------------------------------------------
    def start_resource(self, server, rtype, name, t, seconds=None, result="Success", detail=None) -> datetime:
        seconds = seconds if seconds is not None else self.jitter(1.0, 4.0)
        t1 = self.at(t, seconds)
        self.event(t, server, "rc", 30, name)
        if rtype == "md" and result == "Success":
            fsck = self.jitter(2.0, 14.0)
            self.event(self.at(t, 0.3), server, "md", 2, "/dev/NMP1", log="rc")
            self.event(self.at(t, 0.3 + fsck), server, "md", 3, "/dev/NMP1", log="rc")
            t1 = self.at(t, 0.6 + fsck + self.jitter(0.5, 2.0))
            self.mirror_last.setdefault(server, []).append((self.at(t, 0.3 + fsck), "fsck", fsck))
        if result == "Success":
            self.event(t1, server, "rc", 31, name)
        else:
            self.event(t1, server, "rc", 32, name, *detail)
        self.stat(server, rtype, name, "Start", result, t, t1, "" if result == "Success" else str(detail[0]))
        return self.at(t1, 0.01)

    def stop_resource(self, server, rtype, name, t, seconds=None, result="Success", detail=None) -> datetime:
        seconds = seconds if seconds is not None else (self.jitter(3.0, 40.0) if rtype == "md" else self.jitter(0.4, 4.0))
        t1 = self.at(t, seconds)
        self.event(t, server, "rc", 40, name)
        if result == "Success":
            self.event(t1, server, "rc", 41, name)
            if rtype == "md":
                self.mirror_last.setdefault(server, []).append((t1, "unmount", seconds))
        else:
            self.event(t1, server, "rc", 42, name, *detail)
        self.stat(server, rtype, name, "Stop", result, t, t1, "" if result == "Success" else str(detail[0]))
        return self.at(t1, 0.01)

    def group_stop(self, server, t, *, skip_event=False) -> datetime:
        g0 = t
        if not skip_event:
            self.event(t, server, "rc", 20, GROUP)
        t = self.at(t, 0.01)
        for rtype, name in reversed(RESOURCES):
            t = self.stop_resource(server, rtype, name, t)
        self.event(t, server, "rc", 21, GROUP)
        self.stat(server, "group", GROUP, "Stop", "Success", g0, t)
        self.monitors_off(server, t, ("active",))
        return self.at(t, 0.05)

    def group_start(self, server, t, *, failover_from=None, began=None) -> datetime:
        g0 = t
        self.event(t, server, "rc", 60 if failover_from else 10, GROUP)
        t = self.at(t, 0.01)
        for rtype, name in RESOURCES:
            t = self.start_resource(server, rtype, name, t)
        self.event(t, server, "rc", 61 if failover_from else 11, GROUP)
        self.stat(server, "group", GROUP, "Move" if failover_from else "Start", "Success", began or g0, t)
        self.monitors_on(server, t, ("active",))
        return t

    def monitors_off(self, server, t, where=("active", "mirror", "all")) -> None:
        for name, m in self.c.monitors.items():
            if m.where in where and (server, name) in self.mon_from and (server, name) not in self.mon_stop:
                self.mon_stop[(server, name)] = t
                if server not in self.dead:
                    self.event(self.at(t, 0.02), server, "rm", 2, name)

    def monitors_on(self, server, t, where=("active",)) -> None:
        for name, m in self.c.monitors.items():
            if m.where in where:
                self.resume(server, name, self.at(t, 0.3))
                self.event(self.at(t, 0.3), server, "rm", 1, name)

    def failover(self, src, dst, t, reason) -> datetime:
        """Stop on src, start on dst (a failover decided on src at ``t``)."""
        self.event(t, src, "rc", 64, dst, GROUP, reason)
        t = self.group_stop(src, self.at(t, 0.05))
        return self.group_start(dst, self.at(t, self.jitter(0.1, 0.4)), failover_from=src, began=t)

    def server_dies(self, server, t) -> None:
        """The server stops writing at t (panic, power off, reset)."""
        self.dead[server] = t
        self.deaths.append((server, t))
        for name in self.c.monitors:
            if (server, name) in self.mon_from:
                self.mon_stop.setdefault((server, name), t)

    def others_detect_down(self, server, last_heartbeat: datetime) -> datetime:
        """Every other server reports each heartbeat of ``server`` lost after the timeout, then its leave."""
        timeout = self.c.hb_timeout_ms / 1000
        latest = last_heartbeat
        for other in self.alive(exclude=server):
            t = self.at(last_heartbeat, timeout + self.jitter(0.05, self.c.hb_interval_ms / 1000))
            for k, hb in enumerate(HEARTBEATS):
                self.event(self.at(t, 0.01 * k), other, "nm", 4, hb, server)
            self.event(self.at(t, 0.05), other, "nm", 2, server)
            latest = max(latest, self.at(t, 0.05))
        self.hb_down.append(("*", server, last_heartbeat, None))
        return latest

    def alive(self, exclude=None) -> list[str]:
        return [s for s in self.c.servers if s not in self.dead and s != exclude]

    def shutdown(self, server, t, reboot=False) -> datetime:
        """The cluster stops its services and the OS goes down (a clean leave for the others)."""
        self.event(t, server, "pm", 25 if reboot else 23)
        self.monitors_off(server, self.at(t, 0.5))
        self.event(self.at(t, 1.0), server, "pm", 2)
        for other in self.alive(exclude=server):
            self.event(self.at(t, 1.8 + self.jitter(0.0, 0.3)), other, "nm", 2, server)
        self.server_dies(server, self.at(t, 4.0))
        return self.at(t, 2.2)

    def monitor_failure(self, server, name, fault: datetime, result="Failure", code=(1, "target is not responding")) -> datetime:
        """Failed runs from the first run after ``fault`` until the error is reported (rm 9): retry + 1 runs."""
        m = self.c.monitors[name]
        first = self.next_run(server, name, fault)
        t = first
        for k in range(m.retry + 1):
            took = m.timeout if result == "Timeout" else self.jitter(0.02, 0.4)
            end = self.at(t, took)
            self.monitor_row(server, name, result, t, end, "" if result == "Timeout" else str(code[0]))
            t = self.at(t, m.interval)
        self.mon_stop[(server, name)] = first
        detected = self.at(end, 0.01)
        detail = (99, "Timeout") if result == "Timeout" else code
        self.event(detected, server, "rm", 9, name, *detail)
        return detected

    def next_run(self, server, name, t: datetime) -> datetime:
        m = self.c.monitors[name]
        base = self.mon_from.get((server, name), self.start)
        k = -(-(t - base).total_seconds() // m.interval)
        return base + timedelta(seconds=k * m.interval)


# ---------------------------------------------------------------- the scenarios


def _primary(sim: Sim) -> tuple[str, str]:
    return sim.c.policy[0], sim.c.policy[1]


def _genw_error(sim: Sim, fault: datetime, restart: int, fo: int, action: int, result: str = "Failure"):
    """genw1 configured with these recovery settings fails on the group's server: (source, next server, rm 9 time)."""
    src, dst = _primary(sim)
    m = sim.c.monitors["genw1"]
    m.restart, m.fo, m.action = restart, fo, action
    return src, dst, sim.monitor_failure(src, "genw1", fault, result=result)


def s_monitor_restart(sim: Sim, fault: datetime) -> Truth:
    src, _, t = _genw_error(sim, fault, 1, 1, 1)
    m = sim.c.monitors["genw1"]
    sim.event(sim.at(t, 0.05), src, "rm", 13, "exec1", "genw1")
    sim.event(sim.at(t, 0.06), src, "rc", 80, "exec1")
    t1 = sim.stop_resource(src, "exec", "exec1", sim.at(t, 0.07))
    t2 = sim.start_resource(src, "exec", "exec1", t1)
    sim.event(t2, src, "rc", 81, "exec1")
    sim.resume(src, "genw1", sim.at(t2, 1.0))
    sim.event(sim.at(t2 + timedelta(seconds=m.interval), 1.2), src, "rm", 26, "genw1")
    return Truth("monitor_restart", sim.c.servers, {}, fault, src, None, {"detected": t, "recovered": t2})


def s_monitor_failover(sim: Sim, fault: datetime, result="Failure") -> Truth:
    src, dst, t = _genw_error(sim, fault, 0, 1, 1, result)
    sim.event(sim.at(t, 0.05), src, "rm", 14, GROUP, "genw1")
    end = sim.failover(src, dst, sim.at(t, 0.1), "genw1 error")
    return Truth("monitor_failover", sim.c.servers, {}, fault, src, dst, {"detected": t, "end": end})


def s_monitor_stop_group(sim: Sim, fault: datetime) -> Truth:
    src, _, t = _genw_error(sim, fault, 0, 0, 2)
    sim.event(sim.at(t, 0.05), src, "rm", 12, GROUP, "genw1")
    end = sim.group_stop(src, sim.at(t, 0.1))
    return Truth("monitor_stop_group", sim.c.servers, {}, fault, src, None, {"detected": t, "end": end})


def s_monitor_shutdown(sim: Sim, fault: datetime) -> Truth:
    reboot = sim.rng.random() < 0.5
    src, dst, t = _genw_error(sim, fault, 0, 0, 5 if reboot else 4)
    sim.event(sim.at(t, 0.05), src, "rm", 17 if reboot else 16, "genw1")
    t = sim.group_stop(src, sim.at(t, 0.1))
    left = sim.shutdown(src, t, reboot=reboot)
    end = sim.group_start(dst, sim.at(left, sim.jitter(0.5, 2.0)), failover_from=src, began=t)
    return Truth("monitor_shutdown", sim.c.servers, {}, fault, src, dst, {"reboot": reboot, "end": end})


def s_activation_failure(sim: Sim, fault: datetime) -> Truth:
    """The group stopped for maintenance; the operator starts it and exec1 fails to start, retries, fails over."""
    src, dst = _primary(sim)
    retry = sim.rng.randint(0, 2)
    sim.c.act["exec1"] = (retry, 1, 1)
    g = sim.group_stop(src, sim.at(fault, -600))
    sim.event(fault, src, "rc", 10, GROUP)
    t = sim.at(fault, 0.01)
    for rtype, name in RESOURCES[:-1]:
        t = sim.start_resource(src, rtype, name, t)
    for _ in range(retry + 1):
        t = sim.start_resource(src, "exec", "exec1", t, result="Failure", detail=(1, "exit code 1"))
    sim.event(t, src, "rc", 201, GROUP, dst, "exec1")
    t = sim.at(t, 0.05)
    for rtype, name in reversed(RESOURCES[:-1]):
        t = sim.stop_resource(src, rtype, name, t)
    sim.event(t, src, "rc", 12, GROUP)
    end = sim.group_start(dst, sim.at(t, 0.3), failover_from=src, began=fault)
    return Truth("activation_failure", sim.c.servers, {}, fault, src, dst, {"retry": retry, "end": end, "stopped": g})


def s_deactivation_failure(sim: Sim, fault: datetime) -> Truth:
    """An operator's move: exec1 fails to stop, retried, then the final action shuts the server down."""
    src, dst = _primary(sim)
    retry = sim.rng.randint(0, 1)
    sim.c.deact["exec1"] = (retry, 4)
    sim.event(fault, src, "rc", 50, GROUP)
    sim.event(sim.at(fault, 0.01), src, "rc", 20, GROUP)
    t = sim.at(fault, 0.02)
    for k in range(retry + 1):
        if k:
            sim.event(t, src, "rc", 220, "exec1", "exec1")
        t = sim.stop_resource(src, "exec", "exec1", t, result="Failure", detail=(1, "exit code 1"))
    sim.event(t, src, "rc", 224, "exec1")
    t = sim.at(t, 0.2)
    for rtype, name in reversed(RESOURCES[:-1]):
        t = sim.stop_resource(src, rtype, name, t)
    left = sim.shutdown(src, t)
    end = sim.group_start(dst, sim.at(left, sim.jitter(0.5, 2.0)), failover_from=src, began=fault)
    return Truth("deactivation_failure", sim.c.servers, {}, fault, src, dst, {"retry": retry, "end": end})


def s_heartbeat_path_loss(sim: Sim, fault: datetime) -> Truth:
    a, b = sim.rng.sample(sim.c.servers, 2)
    hb = sim.rng.choice(HEARTBEATS)
    timeout = sim.c.hb_timeout_ms / 1000
    lost = sim.at(fault, timeout)
    back = sim.at(fault, sim.rng.uniform(180, 900))
    for x, y in ((a, b), (b, a)):
        sim.event(sim.at(lost, sim.jitter(0.0, sim.c.hb_interval_ms / 1000)), x, "nm", 4, hb, y)
        sim.event(sim.at(back, sim.jitter(0.0, sim.c.hb_interval_ms / 1000)), x, "nm", 3, hb, y)
    sim.hb_down.append((hb, f"{a}|{b}", fault, back))
    return Truth("heartbeat_path_loss", sim.c.servers, {}, fault, a, b, {"heartbeat": hb, "restored": back})


def s_network_partition(sim: Sim, fault: datetime) -> Truth:
    """Every heartbeat path between the group's two servers breaks; NP resolution shuts the holder down."""
    src, dst = _primary(sim)
    sim.c.pingnp, sim.c.npaction = True, 2
    timeout = sim.c.hb_timeout_ms / 1000
    lost = sim.at(fault, timeout)
    for x, y in ((src, dst), (dst, src)):
        for k, hb in enumerate(HEARTBEATS):
            sim.event(sim.at(lost, sim.jitter(0.0, sim.c.hb_interval_ms / 1000) + 0.01 * k), x, "nm", 4, hb, y)
    sim.hb_down.append(("*", f"{src}|{dst}", fault, None))
    decided = sim.at(lost, sim.jitter(3.5, 6.0))
    sim.event(decided, src, "nm", 30, src)
    t = sim.group_stop(src, sim.at(decided, 0.1))
    left = sim.shutdown(src, t)
    end = sim.group_start(dst, sim.at(left, sim.jitter(0.5, 2.0)), failover_from=src, began=decided)
    return Truth("network_partition", sim.c.servers, {}, fault, src, dst, {"end": end})


def _crash_and_failover(sim: Sim, src: str, dst: str, t_dead: datetime) -> datetime:
    sim.server_dies(src, t_dead)
    seen = sim.others_detect_down(src, sim.at(t_dead, -sim.jitter(0.0, sim.c.hb_interval_ms / 1000)))
    return sim.group_start(dst, sim.at(seen, sim.jitter(0.3, 1.5)), failover_from=src, began=seen)


def s_server_down(sim: Sim, fault: datetime) -> Truth:
    src, dst = _primary(sim)
    end = _crash_and_failover(sim, src, dst, fault)
    return Truth("server_down", sim.c.servers, {}, fault, src, dst, {"end": end})


def s_userspace_stall(sim: Sim, fault: datetime) -> Truth:
    src, dst = _primary(sim)
    m = sim.c.monitors["userw1"]
    warn = sim.at(sim.next_run(src, "userw1", fault), m.interval)
    sim.event(warn, src, "userw", 1, "userw1", m.timeout, 1000, int(m.timeout * 1000 * 0.85), 80)
    end = _crash_and_failover(sim, src, dst, sim.at(fault, m.timeout))
    return Truth("userspace_stall", sim.c.servers, {}, fault, src, dst, {"end": end, "warned": warn})


def s_shutdown_stall(sim: Sim, fault: datetime) -> Truth:
    """The operator shuts one server down; the OS shutdown hangs and the shutdown monitor resets it; it boots again."""
    src, dst = _primary(sim)
    sim.event(fault, src, "cl", 2, "server", "clpdown", log="pm")
    t = sim.group_stop(src, sim.at(fault, 0.3))
    left = sim.shutdown(src, t)
    sim.event(sim.at(left, 0.5), src, "pm", 3)
    end = sim.group_start(dst, sim.at(left, sim.jitter(0.5, 2.0)), failover_from=src, began=t)
    back = sim.at(left, sim.rng.uniform(400, 700))
    sim.dead.pop(src)
    sim.revivals.append((src, back))
    sim.event(back, src, "pm", 1)
    for other in sim.alive(exclude=src):
        sim.event(sim.at(back, 5.0), other, "nm", 1, src)
    sim.monitors_on(src, sim.at(back, 6.0), ("mirror", "all"))
    return Truth("shutdown_stall", sim.c.servers, {}, fault, src, dst, {"end": end, "back": back})


def s_mirror_disconnect(sim: Sim, fault: datetime) -> Truth:
    src, dst = _primary(sim)
    m = sim.c.monitors["mdw1"]
    m.action = 1
    details = {src: (54, "The local mirror disk is abnormal.(md1)"), dst: (53, "The mirror disk of the other server is abnormal.(md1)")}
    seen = {}
    for server in (src, dst):
        seen[server] = sim.monitor_failure(server, "mdw1", fault, code=details[server])
    r0 = sim.at(max(seen.values()), sim.rng.uniform(60, 300))
    sim.event(r0, src, "mdw", 17, "md1", log="mdagent")
    sim.event(sim.at(r0, 0.2), src, "mdadmn", 7, "FAST", "md1", log="mdagent")
    sim.event(sim.at(r0, 0.3), src, "mdadmn", 17, "md1", sim.rng.randint(10**8, 10**10), log="mdagent")
    done = sim.at(r0, sim.rng.uniform(120, 600))
    sim.event(done, src, "mdadmn", 6, "md1", log="mdagent")
    for server in (src, dst):
        sim.resume(server, "mdw1", sim.at(done, 1.0))
        sim.event(sim.at(done, 1.0 + m.interval), server, "rm", 26, "mdw1")
    return Truth("mirror_disconnect", sim.c.servers, {}, fault, src, dst, {"recovered": done})


def s_group_move(sim: Sim, fault: datetime) -> Truth:
    src, dst = _primary(sim)
    sim.event(fault, src, "rc", 50, GROUP)
    t = sim.group_stop(src, sim.at(fault, 0.05))
    g0 = sim.at(t, 0.2)
    sim.event(g0, dst, "rc", 10, GROUP)
    t = sim.at(g0, 0.01)
    for rtype, name in RESOURCES:
        t = sim.start_resource(dst, rtype, name, t)
    sim.event(t, dst, "rc", 11, GROUP)
    sim.event(sim.at(t, 0.05), src, "rc", 51, GROUP)
    sim.stat(dst, "group", GROUP, "Move", "Success", fault, t)
    sim.monitors_on(dst, t, ("active",))
    return Truth("group_move", sim.c.servers, {}, fault, src, dst, {"end": t})


def s_cluster_stop_during_failover(sim: Sim, fault: datetime) -> Truth:
    src, dst, t = _genw_error(sim, fault, 0, 1, 1)
    sim.event(sim.at(t, 0.05), src, "rm", 14, GROUP, "genw1")
    sim.event(sim.at(t, 0.1), src, "rc", 64, dst, GROUP, "genw1 error")
    t = sim.group_stop(src, sim.at(t, 0.15))
    g0 = sim.at(t, 0.3)
    sim.event(g0, dst, "rc", 60, GROUP)
    t2 = sim.start_resource(dst, "fip", "fip1", sim.at(g0, 0.01))
    asked = sim.at(t2, sim.jitter(0.2, 1.0))
    sim.event(asked, dst, "cl", 2, "cluster", "clpcl", log="pm")
    t3 = sim.start_resource(dst, "md", "md1", t2)
    sim.event(sim.at(t3, 0.05), dst, "rc", 62, GROUP)
    t4 = sim.at(t3, 0.1)
    sim.event(t4, dst, "rc", 20, GROUP)
    t4 = sim.stop_resource(dst, "md", "md1", sim.at(t4, 0.01))
    t4 = sim.stop_resource(dst, "fip", "fip1", t4)
    sim.event(t4, dst, "rc", 21, GROUP)
    for k, server in enumerate(sim.alive()):
        sim.monitors_off(server, sim.at(t4, 0.5 + k))
        sim.event(sim.at(t4, 1.0 + k), server, "pm", 2)
    for server in list(sim.alive()):
        sim.server_dies(server, sim.at(t4, 10.0))
    return Truth("cluster_stop_during_failover", sim.c.servers, {}, fault, src, dst, {"asked": asked})


#: name -> (one line for ``--list``, builder)
SCENARIOS = {
    "monitor_restart": ("a monitor error; the recovery action restarts the resource in place", s_monitor_restart),
    "monitor_failover": ("a monitor error; the recovery action fails the group over", s_monitor_failover),
    "monitor_stop_group": ("a monitor error; the final action stops the group", s_monitor_stop_group),
    "monitor_shutdown": ("a monitor error; the final action shuts down or reboots the server", s_monitor_shutdown),
    "activation_failure": ("a resource fails to start, is retried, then the group fails over", s_activation_failure),
    "deactivation_failure": ("a resource fails to stop during a move; its final action shuts the server down", s_deactivation_failure),
    "heartbeat_path_loss": ("one heartbeat path is lost between two servers and restored", s_heartbeat_path_loss),
    "network_partition": ("every heartbeat path is lost; network partition resolution shuts a server down", s_network_partition),
    "server_down": ("a server panics or loses power; the others detect it and take the group over", s_server_down),
    "userspace_stall": ("user space stalls (userw); the server is reset; the others take over", s_userspace_stall),
    "shutdown_stall": ("an OS shutdown hangs; the shutdown monitor resets the server, which boots again", s_shutdown_stall),
    "mirror_disconnect": ("the mirror disconnects (mdw errors on both sides) and is recovered", s_mirror_disconnect),
    "group_move": ("an operator moves the group to another server", s_group_move),
    "cluster_stop_during_failover": ("an operator stops the cluster while a failover is under way", s_cluster_stop_during_failover),
}


# ---------------------------------------------------------------- the cluster and the files


def _cluster(rng: random.Random, n: int) -> Cluster:
    servers = [f"sv{i}" for i in range(1, n + 1)]
    policy = rng.sample(servers, 2)
    interval = rng.choice([15, 30, 60])
    monitors = {
        "fipw1": Monitor("fipw", "fipw1", 60, 120, rng.choice([0, 1]), "fip1", "active"),
        "genw1": Monitor("genw", "genw1", interval, rng.choice([30, 60, 90]), rng.choice([0, 1, 2]), "exec1", "active"),
        "mdw1": Monitor("mdw", "mdw1", rng.choice([10, 30]), 60, 0, "md1", "mirror"),
        "userw1": Monitor("userw", "userw1", 3, rng.choice([60, 90, 120]), 0, "", "all"),
    }
    return Cluster(servers, policy, monitors, hb_interval_ms=rng.choice([1000, 3000]), hb_timeout_ms=rng.choice([30000, 60000, 90000]),
                   act={"fip1": (0, 1, 1), "md1": (0, 1, 1), "exec1": (0, 1, 1)},
                   deact={"fip1": (0, 4), "md1": (0, 4), "exec1": (0, 4)})


def _ip(net: int, server: str) -> str:
    return f"192.168.{net}.{10 + int(server[2:])}"


def clp_conf(c: Cluster) -> bytes:
    """clp.conf of the simulated cluster (SPEC 3.7 layout)."""
    srv = []
    for k, name in enumerate(c.servers):
        devs = [f'<device id="0"><type>lan</type><info>{_ip(10, name)}</info></device>',
                f'<device id="1"><type>lan</type><info>{_ip(20, name)}</info></device>']
        if name in c.policy:
            devs.append(f'<device id="400"><type>mdc</type><info>{_ip(30, name)}</info></device>')
        srv.append(f'  <server name="{name}"><priority>{k}</priority>{"".join(devs)}</server>')
    mons = []
    for m in c.monitors.values():
        rel = f"<relation><type>grp</type><name>{GROUP}</name></relation>" if m.where == "active" else ""
        mons.append(
            f'    <{m.type} name="{m.name}"><polling><interval>{m.interval}</interval><timeout>{m.timeout}</timeout>'
            f"<reconfirmation>{m.retry}</reconfirmation></polling><target>{m.target}</target>{rel}"
            f"<emergency><action>{m.action}</action><threshold><restart>{m.restart}</restart><fo>{m.fo}</fo></threshold></emergency></{m.type}>"
        )
    res = []
    for rtype, name in RESOURCES:
        a_retry, a_fo, a_action = c.act[name]
        d_retry, d_action = c.deact[name]
        params = {"md": "<nmppath>/dev/NMP1</nmppath><mount><point>/mnt/md1</point><timeout>120</timeout></mount>"
                        "<umount><timeout>300</timeout></umount><fsck><timeout>7200</timeout></fsck><fs>ext4</fs>",
                  "exec": "<timeout><start>1800</start><stop>1800</stop></timeout>",
                  "fip": "<ip>192.168.10.100</ip>"}[rtype]
        res.append(f'    <{rtype} name="{name}"><parameters>{params}</parameters>'
                   f"<act><retry>{a_retry}</retry><fo>{a_fo}</fo><action>{a_action}</action></act>"
                   f"<deact><retry>{d_retry}</retry><action>{d_action}</action></deact></{rtype}>")
    policies = "".join(f'<policy name="{s}"><order>{k}</order></policy>' for k, s in enumerate(c.policy))
    np = '  <networkpartition><types name="pingnp"/><pingnp name="pingnp1"><priority>0</priority><target>192.168.10.1</target></pingnp></networkpartition>\n' if c.pingnp else ""
    text = f"""<?xml version="1.0" encoding="ASCII"?>
<!-- synthetic cluster written by clpkit samples (scenario); a simulation, not a real configuration -->
<root>
  <cluster><name>cluster1</name>
    <heartbeat><timeout>{c.hb_timeout_ms}</timeout><interval>{c.hb_interval_ms}</interval></heartbeat>
    <networkpartition><npaction>{c.npaction}</npaction></networkpartition>
    <rsctimeout><rsctoaction>2</rsctoaction></rsctimeout>
  </cluster>
{chr(10).join(srv)}
  <heartbeat><types name="lankhb"/>{"".join(f'<lankhb name="{h}"><priority>{k}</priority><device>{k}</device></lankhb>' for k, h in enumerate(HEARTBEATS))}</heartbeat>
{np}  <group name="{GROUP}"><type>failover</type>{policies}{"".join(f'<resource name="{t}@{n}"/>' for t, n in RESOURCES)}</group>
  <resource>
{chr(10).join(res)}
  </resource>
  <monitor>
{chr(10).join(mons)}
  </monitor>
</root>
"""
    return text.encode("ascii")


def _cluster_start(sim: Sim, start: datetime, active: str) -> None:
    """The window opens as the cluster starts: daemons, servers seeing each other, the group on its first server."""
    servers = sim.c.servers
    for k, server in enumerate(servers):
        sim.event(sim.at(start, -40 + 0.7 * k), server, "pm", 1)
    for server in servers:
        for k, other in enumerate(o for o in servers if o != server):
            sim.event(sim.at(start, -30 + 0.1 * k), server, "nm", 1, other)
    g0 = sim.at(start, -25)
    sim.event(g0, active, "rc", 10, GROUP)
    t = sim.at(g0, 0.01)
    for rtype, name in RESOURCES:
        t = sim.start_resource(active, rtype, name, t)
    sim.event(t, active, "rc", 11, GROUP)
    sim.stat(active, "group", GROUP, "Start", "Success", g0, t)
    for (server, name), t_on in sim.mon_from.items():
        sim.event(sim.at(t_on, -0.2), server, "rm", 1, name)


def _routine_runs(sim: Sim, end: datetime) -> None:
    """Every successful monitor run of every server, while each monitor runs."""
    spans = sim.spans + [(server, name, t0, sim.mon_stop.get((server, name), end)) for (server, name), t0 in sim.mon_from.items()]
    for server, name, t0, until in spans:
        m = sim.c.monitors[name]
        died = [t for s_, t in sim.deaths if s_ == server and t > t0]
        stop = min([until, end] + died[:1])
        t = t0
        k = 0
        while t < stop:
            took = 0.01 + 0.2 * ((hash_small(f"{server}:{name}:{k}") % 997) / 997)
            sim.monitor_row(server, name, "Success", t, sim.at(t, round(took, 3)))
            t = sim.at(t, m.interval)
            k += 1


def _heartbeat_chatter(sim: Sim, server: str, start: datetime, end: datetime) -> list[Happening]:
    """nm.log status lines every 30 s per peer (noise that also shows the paths' state)."""
    out = []
    stop = sim.dead.get(server, end)
    peers = [p for p in sim.c.servers if p != server]
    t = sim.at(start, 7 + int(server[2:]))
    while t < stop:
        if sim.down_at(server, t):
            t = sim.at(t, 30)
            continue
        for peer in peers:
            states = []
            for hb in HEARTBEATS:
                down = any(
                    (h in ("*", hb)) and (between == peer or set(between.split("|")) == {server, peer})
                    and a + timedelta(milliseconds=sim.c.hb_timeout_ms) <= t and (b is None or t < b)
                    for h, between, a, b in sim.hb_down
                ) or sim.down_at(peer, t)
                states.append(f"{hb}={'timeout' if down else 'ok'}")
            out.append(Happening(t, server, "nm", "I", f"hb {peer}: {' '.join(states)}"))
        t = sim.at(t, 30)
    return out


def _mirror_stats(sim: Sim, server: str, start: datetime, end: datetime, off: float) -> bytes:
    """nmp1.cur: a 60 s sample with the Unmount/Fsck Time Last values set by the md1 stops and starts."""
    changes = sorted(sim.mirror_last.get(server, []))
    last = {"unmount": 0.0, "fsck": 0.0}
    peak = {"unmount": 0.0, "fsck": 0.0}
    lines = [",".join(f'"{h}"' for h in MIRROR_HEADER)]
    t = sim.at(start, 17 + int(server[2:]))
    stop = sim.dead.get(server, end)
    k = 0
    while t < stop:
        if sim.down_at(server, t):
            t = sim.at(t, 60)
            continue
        while k < len(changes) and changes[k][0] <= t:
            _, what, value = changes[k]
            last[what], peak[what] = value, max(peak[what], value)
            k += 1
        stamp = (t + timedelta(seconds=off)).strftime("%Y/%m/%d %H:%M:%S")
        values = [stamp] + ["0"] * (len(MIRROR_HEADER) - 5) + [
            f"{peak['unmount']:.2f}", f"{last['unmount']:.2f}", f"{peak['fsck']:.2f}", f"{last['fsck']:.2f}"]
        lines.append(",".join(f'"{v}"' for v in values))
        t = sim.at(t, 60)
    return ("\n".join(lines) + "\n").encode()


def _syslog(server: str, items: list[Happening], noise_lines, off: float) -> bytes:
    from clpkit.samples.logs import _syslog_stamp

    rows = []
    for h in items:
        if h.server == server and h.syslog:
            module, eid = h.event
            t = h.time + timedelta(seconds=off)
            rows.append((t, f"{_syslog_stamp(t)} {server} clusterpro[{PIDS.get(h.log, 1400)}]: <type: {module}><event: {eid}> {h.message}"))
    merged = sorted(rows + noise_lines, key=lambda r: r[0])
    return ("\n".join(line for _, line in merged) + "\n").encode()


def generate_scenario(out_dir: str | os.PathLike, name: str, seed: int = 0, servers: int | None = None,
                      archive: bool = True) -> Truth:
    """Write the log collection of scenario ``name`` into ``out_dir`` and return its ground truth (not written)."""
    from clpkit.samples import tar_gz

    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}")
    rng = random.Random(f"{name}:{seed}")
    n = servers if servers is not None else rng.randint(2, 8)
    if not 2 <= n <= 8:
        raise ValueError("a scenario runs on 2 to 8 servers")
    cluster = _cluster(rng, n)
    start = datetime(2026, 3, 10, 8, 0) + timedelta(minutes=rng.randint(0, 600))
    fault = start + timedelta(seconds=rng.uniform(1800, 3600))
    end = fault + timedelta(minutes=45)
    offsets = {s: round(rng.uniform(-8.0, 8.0), 3) for s in cluster.servers}
    sim = Sim(cluster, start, rng)
    active = cluster.policy[0]
    for server in cluster.servers:
        for mname, m in cluster.monitors.items():
            if m.where == "all" or (m.where == "mirror" and server in cluster.policy) or (m.where == "active" and server == active):
                sim.mon_from[(server, mname)] = start + timedelta(seconds=rng.uniform(0, m.interval))
    _cluster_start(sim, start, active)
    truth = SCENARIOS[name][1](sim, fault)
    truth.offsets = offsets
    _routine_runs(sim, end)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    conf = clp_conf(cluster)
    for server in cluster.servers:
        off = offsets[server]
        files = _server_files(sim, server, start, end, off, offsets, conf, seed)
        collected = int((end - datetime(1970, 1, 1)).total_seconds())
        if archive:
            (out / f"{server}.tar.gz").write_bytes(tar_gz({f"{server}/{p}": (d, collected) for p, d in files.items()}))
        else:
            for rel, data in files.items():
                path = out / server / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    return truth


def _server_files(sim: Sim, server: str, start, end, off, offsets, conf, seed) -> dict[str, bytes]:
    items = [h for h in sim.items if h.time < end and (h.server not in sim.dead or h.time <= sim.dead[h.server])]
    files: dict[str, bytes] = {"etc/clp.conf": conf}
    mine = sorted([h for h in items if h.server == server] + _heartbeat_chatter(sim, server, start, end), key=lambda h: h.time)
    shift = timedelta(seconds=off)
    pid = lambda log: PIDS.get(log, 1400) + 37 * (int(server[2:]) - 1)  # noqa: E731
    for log in sorted({h.log for h in mine}):
        lines = [module_line(h.level, h.time + shift, pid(log), h.message) for h in mine if h.log == log]
        files[f"log/{log}.log.cur"] = ("\n".join(lines) + "\n").encode()
    until = sim.dead.get(server, end)
    received = [h for h in items if h.alert and h.time <= until]
    files["alert/log/alertlog.alt"] = alert_log(server, received, offsets).encode()
    noise = system_noise(server, start, until, off, seed)
    noise_lines = [(t + shift, line) for t, line in zip(noise["t"], noise["line"])]
    files["var/log/messages"] = _syslog(server, items, noise_lines, off)
    rows = [r for r in sim.rows if r.server == server and r.end < end]
    by_kind: dict[tuple[str, str], list[StatRow]] = {}
    for r in rows:
        by_kind.setdefault(("monitor" if r.category == "monitor" else "group", r.kind), []).append(r)
    for (cat, kind), part in sorted(by_kind.items()):
        body = cluster_lines(event_frame(part), off)
        files[f"perf/cluster/{cat}/{kind}.cur"] = (CLUSTER_HEADER + "\n" + "\n".join(body) + "\n").encode()
    if server in sim.c.policy:
        files["perf/disk/nmp1.cur"] = _mirror_stats(sim, server, start, end, off)
    return files


def describe() -> list[tuple[str, str]]:
    """(name, one line) of every scenario, for ``clpkit samples --list``."""
    return [(name, text) for name, (text, _) in SCENARIOS.items()]

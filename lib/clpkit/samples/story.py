"""The story the synthetic sample tells: who runs what, when, and the incident.

Everything here is in *true* time (naive, the servers' local time zone,
Asia/Tokyo). Each server writes its files with its own clock: true time plus
:attr:`Incident.offsets` (sv2 runs 4 s ahead), which gives a clock-offset
estimator something real to find.

The story, for a window of ``days`` days centred on 2026-01-01:

- window start: an administrator shuts the cluster down for maintenance
  (group stop on sv1, services stop, sv2 sees sv1 leave), both servers reboot
  and the cluster comes back (startup sync, group start on sv1);
- 2026-01-01 02:41: a burst of writes on sv1 fills the asynchronous mirror
  queue; Sync Ack Time climbs to 82 % of the Ack timeout, the mirror-connect
  heartbeat times out on both sides;
- 03:12:10: genw1 on sv1 times out; the resource monitor fails the group
  over to sv2; stopping exec1 fails once and succeeds on retry; md1 takes
  28 s to unmount; sv2 starts fip1, md1 (fsck) and exec1;
- the asynchronous data that never reached sv2 leaves the mirror broken
  (mdw1 errors on both servers) until the mirror recovery of 03:15-03:23.

>>> INCIDENT.group, INCIDENT.from_server, INCIDENT.to_server, INCIDENT.cause_monitor
('failover1', 'sv1', 'sv2', 'genw1')
>>> window(7)
(datetime.datetime(2025, 12, 29, 0, 0), datetime.datetime(2026, 1, 5, 0, 0))
>>> INCIDENT.sync_ack_peak_ms / (INCIDENT.ack_timeout_s * 1000) > 0.8
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: Day of the incident (true local time, Asia/Tokyo).
INCIDENT_DAY = datetime(2026, 1, 1)
TIMEZONE = "+09:00"


def _at(h: int, m: int, s: float) -> datetime:
    return INCIDENT_DAY + timedelta(hours=h, minutes=m, seconds=s)


@dataclass(frozen=True)
class Incident:
    """The injected incident, in true time, for tests and the sample README."""

    group: str = "failover1"
    from_server: str = "sv1"
    to_server: str = "sv2"
    cause_monitor: str = "genw1"
    cause_monitor_type: str = "genw"
    cause_result: str = "Timeout"
    burst_start: datetime = _at(2, 41, 0)
    burst_peak: datetime = _at(3, 11, 17)  # the sv1 mirror sample with the highest Sync Ack Time
    heartbeat_lost: datetime = _at(3, 5, 31.2)
    heartbeat: str = "lankhb2"
    monitor_delay_warning: datetime = _at(3, 10, 40.3)
    monitor_error: datetime = _at(3, 12, 10.12)
    failover_start: datetime = _at(3, 12, 10.25)
    exec_stop_failed: datetime = _at(3, 12, 13.402)
    failover_end: datetime = _at(3, 13, 7.94)
    heartbeat_restored: datetime = _at(3, 14, 31.6)
    mirror_break: datetime = _at(3, 13, 2.58)
    mirror_recovery_start: datetime = _at(3, 15, 2.0)
    mirror_recovery_end: datetime = _at(3, 23, 41.0)
    sync_ack_peak_ms: float = 82417.36
    ack_timeout_s: int = 100
    send_queue_peak: int = 1953
    send_queue_size: int = 2048
    unmount_time_s: float = 28.47
    fsck_time_s: float = 11.24
    offsets: dict = field(default_factory=lambda: {"sv1": 0.0, "sv2": 4.0})
    timezone: str = TIMEZONE


INCIDENT = Incident()


def window(days: int) -> tuple[datetime, datetime]:
    """Start and end (true time) of a ``days``-day sample; the incident day is always inside."""
    if days < 1:
        raise ValueError("days must be at least 1")
    start = INCIDENT_DAY - timedelta(days=days // 2)
    return start, start + timedelta(days=days)


def server_names(servers: int) -> list[str]:
    if servers < 2:
        raise ValueError("a mirror cluster needs at least 2 servers")
    return [f"sv{i}" for i in range(1, servers + 1)]


def clock_offsets(servers: int) -> dict[str, float]:
    """Seconds each server's clock runs ahead of true time (extra servers drift a little too)."""
    out = dict(INCIDENT.offsets)
    for i, name in enumerate(server_names(servers)[2:], start=3):
        out[name] = round(-1.5 * (i - 2), 1)
    return out


@dataclass(frozen=True)
class Maintenance:
    """The planned restart at the window start (true time)."""

    group_stop: datetime
    services_down: dict  # server -> time its cluster services are down
    boot: dict  # server -> time the OS starts the cluster services
    cluster_up: dict  # server -> time pm reports the cluster daemon started
    group_start: datetime


def maintenance(start: datetime, servers: list[str]) -> Maintenance:
    t = lambda s: start + timedelta(seconds=s)  # noqa: E731
    down = {name: t(65.0 + 6.5 * i) for i, name in enumerate(servers)}
    boot = {name: t(240.0 + 40.0 * i) for i, name in enumerate(servers)}
    up = {name: boot[name] + timedelta(seconds=21.3) for name in servers}
    return Maintenance(
        group_stop=t(60.21),
        services_down=down,
        boot=boot,
        cluster_up=up,
        group_start=max(up.values()) + timedelta(seconds=8.4),
    )


#: Monitors: name -> (type, interval s, timeout s, where it runs, target).
MONITORS = {
    "fipw1": ("fipw", 60, 120, "active", "fip1"),
    "genw1": ("genw", 30, 60, "active", "exec1"),
    "mdw1": ("mdw", 10, 60, "mirror", "md1"),
    "userw1": ("userw", 3, 90, "all", ""),
}

#: Group resources in start order: name -> (type, stop/start seconds in normal operation).
RESOURCES = {"fip1": ("fip", 2.1), "md1": ("md", 3.3), "exec1": ("exec", 3.3)}

#: Where in its interval each monitor runs on each server (seconds after a whole interval).
PHASES = {
    ("fipw1", "sv1"): 41.5, ("fipw1", "sv2"): 13.7,
    ("genw1", "sv1"): 10.12, ("genw1", "sv2"): 22.4,
    ("mdw1", "sv1"): 3.3, ("mdw1", "sv2"): 7.9,
    ("userw1", "sv1"): 1.1, ("userw1", "sv2"): 2.2,
}


def phase(monitor: str, server: str) -> float:
    return PHASES.get((monitor, server), 0.5)


def next_run(monitor: str, server: str, t: datetime) -> datetime:
    """The first scheduled run of a monitor on a server at or after ``t`` (true time).

    >>> next_run("genw1", "sv1", INCIDENT.monitor_error - timedelta(seconds=61))
    datetime.datetime(2026, 1, 1, 3, 11, 10, 120000)
    """
    interval = MONITORS[monitor][1]
    base = INCIDENT_DAY + timedelta(seconds=phase(monitor, server))
    k = -(-(t - base).total_seconds() // interval)
    return base + timedelta(seconds=k * interval)


#: How long a failing mdw1 run takes (ms), so the rm error lands on the row's end.
MDW_FAILURE_MS = 112


def runs_on(monitor: str, server: str, active: str) -> bool:
    """Whether a monitor runs on a server while ``active`` holds the group."""
    where = MONITORS[monitor][3]
    return where == "all" or (where == "mirror" and server in ("sv1", "sv2")) or (where == "active" and server == active)

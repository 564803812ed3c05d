"""Statistics files of the sample, built column-wise with polars (no per-row Python).

Mirror statistics (SPEC 3.2), system resource statistics (3.3) and cluster
statistics (3.4). Each builder returns the *lines* of a series (a polars
String Series, oldest first) in the writing server's clock; :func:`rotate`
cuts them into the generations a server would keep.

>>> lines = rotate(pl.Series(["a" * 6] * 5), header="h", limit=16)
>>> [g.decode().splitlines() for g in lines]
[['h', 'aaaaaa', 'aaaaaa'], ['h', 'aaaaaa']]
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import polars as pl

from clpkit.samples.happenings import Happening, StatRow
from clpkit.samples.story import INCIDENT, MDW_FAILURE_MS, MONITORS, next_run, runs_on

MB = 1024 * 1024
#: Mirror and system statistics rotate at 16 MB, two generations (guide, SPEC 3.1).
STATS_ROTATE_BYTES = 16 * MB
#: Cluster statistics file size per kind [I]: settable 1-99 MB; the default is not
#: published, so the sample uses the guide's own sizing example (group 1 MB,
#: resource 3 MB) and 20 MB for the monitors.
CLUSTER_ROTATE_BYTES = {"group": 1 * MB, "resource": 3 * MB, "monitor": 20 * MB}


def rotation_limits(rotate_mb: float | None = None) -> dict[str, int]:
    """Rotation sizes in bytes by kind (stats, group, resource, monitor), each capped at ``rotate_mb``.

    >>> rotation_limits(2)["stats"], rotation_limits()["stats"] == STATS_ROTATE_BYTES
    (2097152, True)
    """
    limits = {"stats": STATS_ROTATE_BYTES, **CLUSTER_ROTATE_BYTES}
    if rotate_mb:
        cap = int(rotate_mb * MB)
        limits = {k: min(v, cap) for k, v in limits.items()}
    return limits


def history_days(limit: int) -> int:
    """Days of statistics before the log window, enough to fill one whole generation.

    A mirror or system sample line is at most ~400 bytes; 1440 a day.
    """
    return -(-limit // (1440 * 150)) + 1

MIRROR_HEADER = [
    "Date", "Write, Total", "Write, Avg", "Read, Total", "Read, Avg",
    "Local Disk Write, Total", "Local Disk Write, Avg", "Local Disk Read, Total", "Local Disk Read, Avg",
    "Send, Total", "Send, Avg", "Compress Ratio", "Sync Time, Max", "Sync Time, Avg",
    "Sync Ack Time, Max", "Sync Ack Time, Cur", "Recovery Ack Time, Max", "Recovery Ack Time, Max2",
    "Recovery Ack Time, Cur", "Sync Diff, Max", "Sync Diff, Cur", "Send Queue, Max", "Send Queue, Max2",
    "Send Queue, Cur", "Request Queue, Max", "Request Queue, Max2", "Request Queue, Cur",
    "MDC HB Time, Max", "MDC HB Time, Max2", "MDC HB Time, Cur",
    "Local-Write Watiting Recovery-Read Time, Total", "Local-Write Watiting Recovery-Read Time, Total2",
    "Recovery-Read Waiting Local-Write Time, Total", "Recovery-Read Waiting Local-Write Time, Total2",
    "Unmount Time, Max", "Unmount Time, Last", "Fsck Time, Max", "Fsck Time, Last",
]

SYSTEM_HEADER = [
    "Date", "CPUCount", "CPUUtilization", "CPUTotal", "CPUUser", "CPUNice", "CPUSystem", "CPUIdle",
    "CPUIOWait", "CPUIntr", "CPUSoftIntr", "CPUSteal", "MemoryTotalSize", "MemoryCurrentSize",
    "MemoryBufSize", "MemoryCached", "MemoryMemFree", "MemoryDirty", "MemoryActive(file)",
    "MemoryInactive(file)", "MemoryShmem", "SwapTotalSize", "SwapCurrentSize", "ThreadLimitSize",
    "ThreadCurrentSize", "FileLimitSize", "FileCurrentSize", "FileLimitinode", "FileCurrentinode",
    "ProcessCurrentCount",
]

CLUSTER_HEADER = '"Date","Name","Action","Result","ReturnCode","StartTime","EndTime","ElapsedTime(ms)"'

# ---------------------------------------------------------------- helpers


def noise(seed: int, *salt: object, n: int) -> pl.Series:
    """n uniform numbers in [0, 1), the same for the same seed and salt on every run.

    SplitMix64 over the row index, in polars UInt64 arithmetic (which wraps),
    keyed by a SHA-256 of seed and salt: vectorised and stable across runs.

    >>> noise(0, "x", n=3).to_list() == noise(0, "x", n=3).to_list() != noise(1, "x", n=3).to_list()
    True
    >>> 0 <= noise(0, "y", n=1000).min() and noise(0, "y", n=1000).max() < 1
    True
    """
    key = int.from_bytes(hashlib.sha256(f"{seed}:{':'.join(map(str, salt))}".encode()).digest()[:8], "little")
    u64 = lambda v: pl.lit(v, dtype=pl.UInt64)  # noqa: E731
    z = pl.int_range(1, n + 1, dtype=pl.UInt64) * u64(0x9E3779B97F4A7C15) + u64(key)
    z = z.xor(z // u64(1 << 30)) * u64(0xBF58476D1CE4E5B9)
    z = z.xor(z // u64(1 << 27)) * u64(0x94D049BB133111EB)
    z = z.xor(z // u64(1 << 31))
    return pl.select(((z // u64(1 << 11)).cast(pl.Float64) / float(1 << 53)).alias("u")).to_series()


def intervals(toggles: list[tuple[datetime, bool]], initial: bool, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Turn on/off switch times into [a, b) intervals inside [start, end)."""
    out, on_since = [], start if initial else None
    for t, on in sorted(toggles):
        if on and on_since is None:
            on_since = t
        elif not on and on_since is not None:
            out.append((on_since, t))
            on_since = None
    if on_since is not None:
        out.append((on_since, end))
    return [(max(a, start), min(b, end)) for a, b in out if b > start and a < end]


def inside(col: str, spans: list[tuple[datetime, datetime]]) -> pl.Expr:
    """True where column ``col`` falls in any of the [a, b) spans."""
    expr = pl.lit(False)
    for a, b in spans:
        expr = expr | ((pl.col(col) >= a) & (pl.col(col) < b))
    return expr


def session(col: str, starts: list[datetime]) -> pl.Expr:
    """How many of ``starts`` lie at or before each time: a session number that resets running maxima."""
    expr = pl.lit(0)
    for t in starts:
        expr = expr + (pl.col(col) >= t).cast(pl.Int32)
    return expr


def grid(spans: list[tuple[datetime, datetime]], first: datetime, every_s: float) -> pl.Series:
    """Regular times first + k*every inside the spans (true time)."""
    step = timedelta(seconds=every_s)
    parts = []
    for a, b in spans:
        k = -(-(a - first).total_seconds() // every_s)
        t0 = first + k * step
        if t0 < b:
            parts.append(pl.datetime_range(t0, b, step, closed="left", eager=True, time_unit="ms"))
    if not parts:
        return pl.Series("t", [], dtype=pl.Datetime("ms"))
    return pl.concat(parts).rename("t")


def shifted(col: str, offset_s: float) -> pl.Expr:
    return pl.col(col) + pl.duration(milliseconds=round(offset_s * 1000))


def fmt_ms(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%Y/%m/%d %H:%M:%S%.3f")


def fmt_trunc2(expr: pl.Expr) -> pl.Expr:
    """Format with at most two decimals, truncated; a true zero is ``0`` (guide L1370-1382)."""
    hundredths = (expr * 100).floor().cast(pl.Int64)
    text = pl.format(
        "{}.{}", (hundredths // 100).cast(pl.String), (hundredths % 100).cast(pl.String).str.zfill(2)
    )
    return text.str.replace(r"\.?0+$", "").str.replace(r"^$", "0")


def rotate(lines: pl.Series, header: str | None, limit: int) -> list[bytes]:
    """Cut a series of lines into the kept generations ``[pre, cur]`` (or ``[cur]``).

    A file is started with ``header``; when it reaches ``limit`` bytes the next
    line opens a new generation. Two generations are kept; older ones are lost,
    as on a server.
    """
    head = (header + "\n") if header is not None else ""
    if lines.len() == 0:
        return [head.encode()]
    frame = pl.DataFrame({"line": lines}).with_columns(size=pl.col("line").str.len_bytes() + 1)
    budget = max(limit - len(head.encode()), 1)
    frame = frame.with_columns(gen=((pl.col("size").cum_sum() - pl.col("size")) // budget))
    last = frame["gen"].max()
    out = []
    for g in (last - 1, last):
        part = frame.filter(pl.col("gen") == g)["line"]
        if part.len():
            out.append((head + part.str.join("\n").item() + "\n").encode())
    return out


# ---------------------------------------------------------------- spans from the story


def toggles_of(items: list[Happening], server: str, on: tuple[str, int], off: tuple[str, int], arg: str | None = None):
    out = []
    for h in items:
        if h.server != server or h.event not in (on, off):
            continue
        if arg is not None and not h.message.startswith(f"Monitoring {arg} "):
            continue
        out.append((h.time, h.event == on))
    return out


def monitor_spans(items, server, monitor, start, end):
    initial = runs_on(monitor, server, active="sv1")
    return intervals(toggles_of(items, server, ("rm", 1), ("rm", 2), monitor), initial, start, end)


def agent_spans(items, server, start, end):
    return intervals(toggles_of(items, server, ("mdagent", 1), ("mdagent", 3)), True, start, end)


def service_spans(items, server, start, end):
    return intervals(toggles_of(items, server, ("pm", 1), ("pm", 2)), True, start, end)


def active_spans(rows: list[StatRow], server, start, end):
    """When this server holds md1 active: from an md1 Start to the next md1 Stop."""
    toggles = [(r.end if r.action == "Start" else r.start, r.action == "Start") for r in rows if r.server == server and r.name == "md1"]
    return intervals(toggles, server == "sv1", start, end)


# ---------------------------------------------------------------- mirror statistics


def mirror_lines(server: str, items, rows, start, end, offset_s: float, seed: int) -> pl.Series:
    """The lines of ``nmp1.cur`` on one server (header not included)."""
    i = INCIDENT
    agent = agent_spans(items, server, start, end)
    first = start + timedelta(seconds={"sv1": 17, "sv2": 43}.get(server, 29))
    t = grid(agent, first, 60)
    n = t.len()
    f = pl.DataFrame({"t": t}).with_columns(
        [noise(seed, server, "nmp", k, n=n).alias(f"u{k}") for k in range(8)]
    )
    active = active_spans(rows, server, start, end)
    stop_sv1 = next((r.start for r in rows if r.server == "sv1" and r.name == "md1" and r.action == "Stop" and r.start > i.burst_start), end)
    hour = pl.col("t").dt.hour() + pl.col("t").dt.minute() / 60
    ramp = ((pl.col("t") - i.burst_start).dt.total_seconds() / (i.burst_peak - i.burst_start).total_seconds())
    broken = (pl.col("t") >= i.mirror_break) & (pl.col("t") < i.mirror_recovery_end)
    recovering = (pl.col("t") >= i.mirror_recovery_start) & (pl.col("t") < i.mirror_recovery_end)
    rec_frac = ((pl.col("t") - i.mirror_recovery_start).dt.total_seconds() / (i.mirror_recovery_end - i.mirror_recovery_start).total_seconds())
    break_frac = ((pl.col("t") - i.mirror_break).dt.total_seconds() / (i.mirror_recovery_start - i.mirror_break).total_seconds())
    f = f.with_columns(
        act=inside("t", active),
        diurnal=0.3 + 0.7 * (-(((hour - 14) / 4.5) ** 2)).exp(),
        b=pl.when((pl.col("t") <= i.burst_peak) & (pl.col("t") < stop_sv1)).then(ramp.clip(0, 1)).otherwise(0.0),
        broken=broken,
        recovering=recovering,
        rec_frac=rec_frac.clip(0, 1),
        break_frac=break_frac.clip(0, 1),
        sess=session("t", [a for a, _ in agent]),
    )
    u = [pl.col(f"u{k}") for k in range(8)]
    b = pl.col("b")
    act = pl.col("act")
    w = 2.4e6 * pl.col("diurnal") * (0.75 + 0.5 * u[0]) * (1 + 24 * b.pow(1.5))
    r = 3.1e6 * pl.col("diurnal") * (0.7 + 0.6 * u[1]) * (1 + 2 * b)
    recovery_rate = 3.6e6 * (0.8 + 0.4 * u[2])
    in_sync = ~pl.col("broken")
    zero = pl.lit(0.0)
    when_act = lambda e: pl.when(act).then(e).otherwise(zero)  # noqa: E731
    ack_cur = (1.2 + 3.5 * u[3]) * (1 - b.pow(4)) + i.sync_ack_peak_ms * b.pow(4)
    sendq = (3 * u[4]).floor() + i.send_queue_peak * b.pow(2)
    diff_cur = pl.when(pl.col("broken")).then(
        pl.when(pl.col("recovering")).then(21000 * (1 - pl.col("rec_frac"))).otherwise(21000 * pl.col("break_frac"))
    ).otherwise(300 * b.pow(2)).floor()
    rec_cur = pl.when(pl.col("recovering")).then(18 + 40 * u[5]).otherwise(zero)
    hb_cur = 0.001 + 0.004 * u[6] + 1.84 * b.pow(3)
    reqq = (1 + 6 * u[7] * pl.col("diurnal") + 190 * b.pow(2)).floor()
    waits = pl.when(pl.col("recovering")).then(0.3 + 2 * u[5]).otherwise(zero)
    f = f.with_columns(
        write=when_act(w),
        read=when_act(r),
        ldw=pl.when(act).then(w).otherwise(pl.when(in_sync).then(w).when(pl.col("recovering")).then(recovery_rate).otherwise(zero)),
        ldr=pl.when(act).then(0.9 * r + pl.when(pl.col("recovering")).then(recovery_rate).otherwise(zero)).otherwise(zero),
        send=when_act(pl.when(in_sync).then(w).when(pl.col("recovering")).then(recovery_rate).otherwise(zero)),
        ratio=when_act(pl.lit(100.0)),
        sync_avg=when_act(0.0004 + 0.002 * u[2] + 0.9 * b.pow(3)),
        ack_cur=when_act(ack_cur),
        ack_int=when_act(ack_cur * (1 + 0.8 * u[4] * (1 - b))),
        rec_cur=when_act(rec_cur),
        diff_cur=when_act(diff_cur),
        sendq=when_act(sendq),
        reqq=reqq,
        hb_cur=hb_cur,
        waits=when_act(waits),
        unmount_last=_unmount_last(items, rows, server),
        fsck_last=_fsck_last(items, server),
    )
    f = f.with_columns(
        sync_max=pl.col("sync_avg") * (1.5 + 2 * u[0]),
        rec_max2=pl.col("rec_cur") * (1.2 + u[6]),
        sendq_max2=pl.col("sendq") + when_act((4 * u[5] * (1 - b)).floor()),
        reqq_max2=pl.col("reqq") + (3 * u[3]).floor(),
        hb_max2=pl.col("hb_cur") * (1 + u[1]),
        waits2=pl.col("waits") * (0.5 + 0.5 * u[7]),
    )
    running = lambda c: pl.col(c).cum_max().over("sess")  # noqa: E731
    f = f.with_columns(
        ack_max=running("ack_int"),
        rec_max=running("rec_max2"),
        diff_max=running("diff_cur"),
        sendq_max=running("sendq_max2"),
        reqq_max=running("reqq_max2"),
        hb_max=running("hb_max2"),
        waits_total=pl.col("waits").cum_sum().over("sess"),
        waits_total_b=(pl.col("waits2") * 0.7).cum_sum().over("sess"),
        unmount_max=running("unmount_last"),
        fsck_max=running("fsck_last"),
    )
    i64 = lambda c: pl.col(c).floor().cast(pl.Int64).cast(pl.String)  # noqa: E731
    tr = lambda c: fmt_trunc2(pl.col(c))  # noqa: E731
    cols = [
        shifted("t", offset_s).dt.strftime("%Y/%m/%d %H:%M:%S"),
        (pl.col("write") * 60).floor().cast(pl.Int64).cast(pl.String), i64("write"),
        (pl.col("read") * 60).floor().cast(pl.Int64).cast(pl.String), i64("read"),
        (pl.col("ldw") * 60).floor().cast(pl.Int64).cast(pl.String), i64("ldw"),
        (pl.col("ldr") * 60).floor().cast(pl.Int64).cast(pl.String), i64("ldr"),
        (pl.col("send") * 60).floor().cast(pl.Int64).cast(pl.String), i64("send"),
        i64("ratio"), tr("sync_max"), tr("sync_avg"),
        tr("ack_max"), tr("ack_cur"), tr("rec_max"), tr("rec_max2"), tr("rec_cur"),
        i64("diff_max"), i64("diff_cur"), i64("sendq_max"), i64("sendq_max2"), i64("sendq"),
        i64("reqq_max"), i64("reqq_max2"), i64("reqq"),
        tr("hb_max"), tr("hb_max2"), tr("hb_cur"),
        tr("waits_total"), tr("waits2"), tr("waits_total_b"), tr("waits2"),
        tr("unmount_max"), tr("unmount_last"), tr("fsck_max"), tr("fsck_last"),
    ]
    quoted = [pl.lit('"') + c + pl.lit('"') for c in cols]
    return f.select(pl.concat_str(quoted, separator=",").alias("line"))["line"]


def _stepped(changes: list[tuple[datetime, float]]) -> pl.Expr:
    """The latest value set at or before each sample time ``t`` (0 before the first change)."""
    expr = pl.lit(0.0)
    for t, value in sorted(changes):
        expr = pl.when(pl.col("t") >= t).then(pl.lit(value)).otherwise(expr)
    return expr


def _agent_starts(items, server) -> list[tuple[datetime, float]]:
    return [(h.time, 0.0) for h in items if h.server == server and h.event == ("mdagent", 1)]


def _unmount_last(items, rows, server) -> pl.Expr:
    """Unmount Time, Last: the duration of the latest md1 stop in this agent session."""
    stops = [(r.end, round((r.end - r.start).total_seconds(), 3)) for r in rows if r.server == server and r.name == "md1" and r.action == "Stop"]
    return _stepped(stops + _agent_starts(items, server))


def _fsck_last(items, server) -> pl.Expr:
    """Fsck Time, Last: from the md 2 (started) / md 3 (succeeded) pairs of this server."""
    changes, began = _agent_starts(items, server), None
    for h in sorted((h for h in items if h.server == server and h.event in (("md", 2), ("md", 3))), key=lambda h: h.time):
        if h.event == ("md", 2):
            began = h.time
        elif began is not None:
            changes.append((h.time, round((h.time - began).total_seconds(), 3)))
    return _stepped(changes)


# ---------------------------------------------------------------- system statistics


def system_lines(server: str, items, rows, start, end, offset_s: float, seed: int) -> pl.Series:
    """The lines of ``system.cur`` on one server (header not included)."""
    i = INCIDENT
    up = service_spans(items, server, start, end)
    first = start + timedelta(seconds={"sv1": 5, "sv2": 31}.get(server, 19))
    t = grid(up, first, 60)
    n = t.len()
    f = pl.DataFrame({"t": t}).with_columns([noise(seed, server, "sys", k, n=n).alias(f"u{k}") for k in range(6)])
    active = active_spans(rows, server, start, end)
    hour = pl.col("t").dt.hour() + pl.col("t").dt.minute() / 60
    ramp = ((pl.col("t") - i.burst_start).dt.total_seconds() / (i.burst_peak - i.burst_start).total_seconds())
    u = [pl.col(f"u{k}") for k in range(6)]
    f = f.with_columns(
        act=inside("t", active).cast(pl.Float64),
        diurnal=0.3 + 0.7 * (-(((hour - 14) / 4.5) ** 2)).exp(),
        b=pl.when(pl.col("t") <= i.failover_start).then(ramp.clip(0, 1)).otherwise(0.0),
    )
    total = 4 * 6000  # 4 CPUs x 60 s in 10 ms units, per sample
    b, act, d = pl.col("b"), pl.col("act"), pl.col("diurnal")
    busy = (0.04 + act * (0.12 + 0.35 * d) * (0.8 + 0.4 * u[0]) + 0.25 * b * act).clip(0, 0.97)
    iowait = (0.004 + act * 0.02 * u[1] + 0.55 * b.pow(2) * act).clip(0, 0.99 - busy)
    gib = 1024**3
    f = f.with_columns(
        user=(total * busy * 0.68).floor(),
        system=(total * busy * 0.24).floor(),
        intr=(total * busy * 0.02).floor(),
        soft=(total * busy * 0.06).floor(),
        iowait=(total * iowait).floor(),
        used=(1.6 * gib + act * (3.2 + 2.4 * d) * gib + 0.05 * gib * u[2]).floor(),
        cached=(2.5 * gib + act * 5.0 * gib * (0.6 + 0.4 * d) + 1.0 * gib * b).floor(),
        dirty=(act * (2e6 + 6e7 * u[3] * d) + 1.45 * gib * b.pow(2)).floor(),
        threads=(430 + act * (180 + 90 * d) + 20 * u[4]).floor(),
        files=(2900 + act * (1400 + 800 * d) + 50 * u[5]).floor(),
        procs=(205 + act * (28 + 12 * d) + 6 * u[4]).floor(),
    )
    f = f.with_columns(idle=(total - pl.col("user") - pl.col("system") - pl.col("intr") - pl.col("soft") - pl.col("iowait")))
    f = f.with_columns(util=(100 * (total - pl.col("idle") - pl.col("iowait")) / total))
    mem_total = 16 * gib
    s = lambda e: e.cast(pl.Int64).cast(pl.String)  # noqa: E731
    cols = [
        shifted("t", offset_s).dt.strftime("%Y/%m/%d %H:%M:%S"),
        pl.lit("4"), fmt_trunc2(pl.col("util")), pl.lit(str(total)),
        s(pl.col("user")), pl.lit("0"), s(pl.col("system")), s(pl.col("idle")), s(pl.col("iowait")),
        s(pl.col("intr")), s(pl.col("soft")), pl.lit("0"),
        pl.lit(str(mem_total)), s(pl.col("used")), s(pl.lit(268435456) + (pl.col("used") / 97).floor()),
        s(pl.col("cached")), s(pl.lit(mem_total) - pl.col("used") - pl.col("cached")).str.replace("^-.*", "0"),
        s(pl.col("dirty")), s((pl.col("cached") * 0.61).floor()), s((pl.col("cached") * 0.33).floor()),
        pl.lit("402653184"), pl.lit(str(4 * gib)), s((pl.lit(1048576) * (2 + 3 * u[2])).floor()),
        pl.lit("127488"), s(pl.col("threads")), pl.lit("1609632"), s(pl.col("files")),
        pl.lit("1048576"), s((pl.col("files") * 27.5).floor()), s(pl.col("procs")),
    ]
    return f.select(pl.concat_str(cols, separator=",").alias("line"))["line"]


# ---------------------------------------------------------------- cluster statistics


def monitor_frame(server: str, monitor: str, items, start, end, seed: int) -> pl.DataFrame:
    """One row per run of a monitor on a server: start, end (true time), result, return code."""
    i = INCIDENT
    _mtype, interval, timeout, _where, _target = MONITORS[monitor]
    spans = monitor_spans(items, server, monitor, start, end)
    first = next_run(monitor, server, start)
    t = grid(spans, first, interval)
    n = t.len()
    f = pl.DataFrame({"t": t}).with_columns(noise(seed, server, monitor, n=n).alias("u"))
    base_ms = {"fipw1": 40, "genw1": 180, "mdw1": 35, "userw1": 2}[monitor]
    elapsed = base_ms * (0.6 + 0.8 * pl.col("u")) + base_ms * 3 * (pl.col("u") > 0.997).cast(pl.Float64)
    result, code = pl.lit("Success"), pl.lit("")
    if monitor == "genw1" and server == i.from_server:
        hung = i.monitor_error - timedelta(seconds=timeout)
        ramp = ((pl.col("t") - i.burst_start).dt.total_seconds() / (hung - i.burst_start).total_seconds()).clip(0, 1)
        elapsed = elapsed + 25000 * ramp.pow(6)
        # While the hung run waits for its timeout and the group is failing over, no new run starts.
        f = f.filter((pl.col("t") <= hung) | (pl.col("t") > i.failover_end))
        is_hung = pl.col("t") == hung
        elapsed = pl.when(is_hung).then(pl.lit(timeout * 1000.0)).otherwise(elapsed)
        result = pl.when(is_hung).then(pl.lit("Timeout")).otherwise(result)
    if monitor == "mdw1" and server in (i.from_server, i.to_server):
        bad = (pl.col("t") >= next_run(monitor, server, i.mirror_break)) & (pl.col("t") < next_run(monitor, server, i.mirror_recovery_end))
        elapsed = pl.when(bad).then(pl.lit(float(MDW_FAILURE_MS))).otherwise(elapsed)
        result = pl.when(bad).then(pl.lit("Failure")).otherwise(result)
        code = pl.when(bad).then(pl.lit("1")).otherwise(code)
    f = f.with_columns(ms=elapsed.floor().cast(pl.Int64), result=result, rc=code)
    return f.select(
        pl.lit(monitor).alias("name"), pl.lit("Monitor").alias("action"), "result", "rc",
        pl.col("t").alias("start"), (pl.col("t") + pl.duration(milliseconds=pl.col("ms"))).alias("end"), "ms",
    ).filter(pl.col("end") < end)


def event_frame(rows: list[StatRow]) -> pl.DataFrame:
    """Group/resource rows of the story as the same frame shape as :func:`monitor_frame`."""
    return pl.DataFrame(
        {
            "name": [r.name for r in rows],
            "action": [r.action for r in rows],
            "result": [r.result for r in rows],
            "rc": [r.return_code for r in rows],
            "start": [r.start for r in rows],
            "end": [r.end for r in rows],
            "ms": [round((r.end - r.start).total_seconds() * 1000) for r in rows],
        },
        schema={"name": pl.String, "action": pl.String, "result": pl.String, "rc": pl.String,
                "start": pl.Datetime("ms"), "end": pl.Datetime("ms"), "ms": pl.Int64},
    )


def cluster_lines(frame: pl.DataFrame, offset_s: float) -> pl.Series:
    """Cluster statistics lines in the layout of the guide (an empty ReturnCode is left unquoted)."""
    q = lambda e: pl.lit('"') + e + pl.lit('"')  # noqa: E731
    frame = frame.sort("end", "name")
    return frame.select(
        pl.concat_str(
            [
                q(fmt_ms(shifted("end", offset_s))), q(pl.col("name")), q(pl.col("action")), q(pl.col("result")),
                pl.when(pl.col("rc") == "").then(pl.lit("")).otherwise(q(pl.col("rc"))),
                q(fmt_ms(shifted("start", offset_s))), q(fmt_ms(shifted("end", offset_s))),
                q(pl.col("ms").cast(pl.String)),
            ],
            separator=",",
        ).alias("line")
    )["line"]

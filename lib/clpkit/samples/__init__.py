"""A synthetic, deterministic log collection of a 2-node mirror cluster (``clpkit samples``).

This is a simulation of CLUSTERPRO X, not output of the product: the layouts
follow SPEC 3 and its evidence levels (guide [G], public code [P], inferred
[I]); the values are made up to tell one story (see :mod:`clpkit.samples.story`):
servers sv1/sv2, group ``failover1`` (fip1, md1 on ``/dev/NMP1``, exec1),
monitors genw1, mdw1, fipw1, userw1, and one incident: a write burst, a genw1
timeout on sv1, a failover to sv2 and a mirror break with its recovery.
:data:`INCIDENT` holds its times (true time) and the clock offsets (sv2 writes
everything 4 s ahead).

``generate(out, days=1)`` writes ``out/sv1.tar.gz`` and ``out/sv2.tar.gz``
(or folders with ``archive=False``). The same arguments give the same bytes.

>>> import tarfile, tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     out = generate(tmp, days=1, rotate_mb=1)
...     names = tarfile.open(out / "sv2.tar.gz").getnames()
>>> "sv2/perf/cluster/group/group.cur" in names, "sv2/perf/disk/nmp1.cur" in names
(True, True)
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from clpkit.samples import conf, logs, stats
from clpkit.samples.happenings import build
from clpkit.samples.story import INCIDENT, MONITORS, RESOURCES, Incident, clock_offsets, server_names, window

__all__ = ["INCIDENT", "Incident", "generate", "window", "server_files"]

_JST = timedelta(hours=9)
_MODULE_LOGS = ["pm", "nm", "rc", "rm", "mdagent", "apisv"]


def _epoch(local: datetime) -> int:
    """Seconds since the epoch of a naive Asia/Tokyo time (file mtimes in archives and folders)."""
    return int((local - _JST - datetime(1970, 1, 1)).total_seconds())


def generate(
    out_dir: str | os.PathLike,
    servers: int = 2,
    days: int = 7,
    seed: int = 0,
    archive: bool = True,
    rotate_mb: float | None = None,
    full_size: bool = True,
    cluster: str = "cluster1",
) -> Path:
    """Write a sample log collection into ``out_dir`` and return it.

    One ``<server>.tar.gz`` per server (members under ``<server>/``) or, with
    ``archive=False``, one folder per server. ``rotate_mb`` caps every
    statistics rotation size (16 MB for mirror and system statistics, the
    cluster statistics file sizes), so that a small sample still shows full
    ``.pre`` generations. Mirror and system statistics start well before the
    log window (the cluster ran before it), so their ``.pre`` is full;
    ``full_size=False`` starts them with the window instead. ``cluster`` is
    the cluster's name in clp.conf and clpstat (a fleet of samples needs
    one name per cluster).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = server_names(servers)
    start, end = window(days)
    items, rows = build(names, start, end)
    offsets = clock_offsets(servers)
    limits = stats.rotation_limits(rotate_mb)
    for name in names:
        files = server_files(name, names, items, rows, start, end, offsets, seed, limits, full_size, cluster)
        if archive:
            (out / f"{name}.tar.gz").write_bytes(tar_gz({f"{name}/{p}": v for p, v in files.items()}))
        else:
            for rel, (data, mtime) in files.items():
                path = out / name / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                os.utime(path, (mtime, mtime))
    return out


def server_files(name, names, items, rows, start, end, offsets, seed, limits, full_size=True,
                 cluster="cluster1") -> dict[str, tuple[bytes, int]]:
    """Every file of one server's collection: relative path -> (bytes, mtime)."""
    off = offsets[name]
    collected = _epoch(end + timedelta(seconds=off) - timedelta(seconds=30))
    files: dict[str, tuple[bytes, int]] = {}

    def put(path: str, data: bytes, mtime: int = collected) -> None:
        files[path] = (data, mtime)

    def put_series(path: str, generations: list[bytes]) -> None:
        for gen, data in zip((".pre", ".cur")[-len(generations):], generations):
            put(path + gen, data)

    # Statistics.
    history = start - timedelta(days=stats.history_days(limits["stats"]) if full_size else 0)
    if name in ("sv1", "sv2"):
        lines = stats.mirror_lines(name, items, rows, history, end, off, seed)
        put_series("perf/disk/nmp1", stats.rotate(lines, ",".join(f'"{h}"' for h in stats.MIRROR_HEADER), limits["stats"]))
    lines = stats.system_lines(name, items, rows, history, end, off, seed)
    put_series("log/system/system", stats.rotate(lines, ",".join(stats.SYSTEM_HEADER), limits["stats"]))
    mine = [r for r in rows if r.server == name]
    for kind in ["group", *sorted({r[0] for r in RESOURCES.values()})]:
        part = [r for r in mine if r.kind == kind]
        if part:
            cat = "group" if kind == "group" else "resource"
            put_series(f"perf/cluster/group/{kind}", stats.rotate(stats.cluster_lines(stats.event_frame(part), off), stats.CLUSTER_HEADER, limits[cat]))
    for mtype in sorted({m[0] for m in MONITORS.values()}):
        frames = [stats.monitor_frame(name, mon, items, start, end, seed) for mon, spec in MONITORS.items() if spec[0] == mtype]
        frame = pl.concat(frames)
        if frame.height:
            frame = _tail_for(frame, limits["monitor"])
            put_series(f"perf/cluster/monitor/{mtype}", stats.rotate(stats.cluster_lines(frame, off), stats.CLUSTER_HEADER, limits["monitor"]))
    # Module logs, their error extracts, the emergency archives.
    peers = [p for p in names if p != name]
    rendered: dict[str, pl.DataFrame] = {}
    for log in _MODULE_LOGS:
        frame = logs.module_log_frame(name, log, items, start, off)
        if log == "nm":
            frame = pl.concat([frame, logs.heartbeat_chatter(name, peers, items, start, end, off, seed)])
        if frame.height:
            rendered[log] = frame.sort("t", maintain_order=True)
    for log, frame in rendered.items():
        enc = logs.RC_LOG_ENCODING.get(name, "ascii") if log == "rc" else "ascii"
        put_series(f"log/{log}.log", [g.decode().encode(enc) for g in stats.rotate(frame["line"], None, logs.LOG_ROTATE_BYTES)])
        errors = frame.filter(pl.col("line").str.contains(r"^[EW] "))
        if errors.height:
            put(f"log/{log}.err.cur", ("\n".join(errors["line"]) + "\n").encode(enc))
    for path, data, mtime in _elogs(name, items, rendered, off):
        put(path, data, mtime)
    for fname, text in logs.service_logs(name, start, names, off).items():
        put(f"log/{fname}", text.encode())
    # Alert log, syslog.
    put("alert/log/alertlog.alt", logs.alert_log(name, items, offsets).encode())
    sys_frame = pl.concat([logs.cluster_syslog(name, items, start, off), logs.system_noise(name, start, end, off, seed)])
    for fname, text in logs.syslog_files(name, sys_frame, start, end).items():
        put(f"var/log/{fname}", text.encode())
    # Configuration and saved command outputs.
    put("etc/clp.conf", conf.clp_conf(names, cluster), _epoch(start))
    put("clpstat.txt", conf.clpstat(names, name, cluster).encode())
    if name in ("sv1", "sv2"):
        put("clpmdstat_md1.txt", conf.clpmdstat(names).encode())
    return dict(sorted(files.items()))


def _tail_for(frame: pl.DataFrame, limit: int) -> pl.DataFrame:
    """Drop the runs that two rotated generations could not hold anyway (keeps formatting cheap)."""
    keep = 2 * limit // 100 + 1000  # a monitor row is always longer than 100 bytes
    return frame.sort("end").tail(keep) if frame.height > keep else frame


def _elogs(name, items, rendered, off):
    """elog_<mod><g>.tar.gz: the module logs as they stood at each error, newest is generation 0."""
    triggers = [(h.time, "rm") for h in items if h.server == name and h.event == ("rm", 9)]
    triggers += [(h.time, "rc") for h in items if h.server == name and h.event == ("rc", 42)]
    out = []
    for mod in ("rc", "rm"):
        times = sorted((t for t, m in triggers if m == mod), reverse=True)
        for g, t in enumerate(times):
            members = {}
            for log, frame in rendered.items():
                part = frame.filter(pl.col("t") <= t + timedelta(milliseconds=500))
                if part.height:
                    enc = logs.RC_LOG_ENCODING.get(name, "ascii") if log == "rc" else "ascii"
                    mtime = _epoch(part["t"][-1] + timedelta(seconds=off))
                    members[f"log/{log}.log.cur"] = (("\n".join(part["line"]) + "\n").encode(enc), mtime)
            stamp = _epoch(t + timedelta(seconds=off + 1))
            out.append((f"log/elog_{mod}{g}.tar.gz", tar_gz(members), stamp))
    return out


def tar_gz(members: dict[str, tuple[bytes, int]]) -> bytes:
    """A gzip-compressed tar with fixed owners and header times: the same input gives the same bytes.

    Small archives are compressed tightly (level 6); big ones fast (level 1),
    which keeps a month-long collection quick to write.
    """
    raw = io.BytesIO()
    level = 6 if sum(len(data) for data, _ in members.values()) < 64 * 1024 * 1024 else 1
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=level) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            dirs = sorted({str(Path(p).parent) for p in members} - {"."})
            every = set()
            for d in dirs:
                parts = Path(d).parts
                every.update("/".join(parts[: k + 1]) for k in range(len(parts)))
            first = min(m for _, m in members.values()) if members else 0
            for d in sorted(every):
                info = tarfile.TarInfo(d)
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, first
                _owner(info)
                tar.addfile(info)
            for path, (data, mtime) in sorted(members.items()):
                info = tarfile.TarInfo(path)
                info.size, info.mode, info.mtime = len(data), 0o644, mtime
                _owner(info)
                tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def _owner(info: tarfile.TarInfo) -> None:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"

"""Text logs of the sample: module logs, service logs, syslog, alert log, emergency archives.

Every line is stamped with the writing server's clock (true time + offset).
Layouts follow SPEC 3.5-3.6, which are inferred [I] for module/service logs
and alert log: ``I 26/01/01 03:12:10.310[   1288] text`` for module logs,
``<seq> <date> <time> <date> <time> <host> <module> <id> <level> <message>``
for the alert log (first time: written here, second: at the origin server),
classic syslog with ``clusterpro``/``expresscls`` idents plus one RFC 5424
line.

>>> module_line("I", datetime(2026, 1, 1, 3, 12, 10, 310000), 1288, "hello")
'I 26/01/01 03:12:10.310[   1288] hello'
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from clpkit.samples.happenings import PIDS, Happening
from clpkit.samples.stats import grid, inside, noise, service_spans, shifted
from clpkit.samples.story import INCIDENT, maintenance

#: Module logs rotate at this size [I] (the product's per-module size is settable).
LOG_ROTATE_BYTES = 1024 * 1024
#: Text encoding of each server's rc.log [I]: sv1 runs an EUC-JP locale, sv2 a Shift_JIS one.
RC_LOG_ENCODING = {"sv1": "euc_jp", "sv2": "shift_jis"}
SERVICES = ["evt", "trn", "md", "main", "webmgr", "alert"]
_LEVEL_WORD = {"I": "Info", "W": "Warning", "E": "Error"}


def module_line(level: str, t: datetime, pid: int, text: str) -> str:
    return f"{level} {t.strftime('%y/%m/%d %H:%M:%S')}.{t.microsecond // 1000:03d}[{pid:>7}] {text}"


def _pid(server: str, log: str, t: datetime, boot: datetime) -> int:
    base = PIDS.get(log, 1400) + 37 * (int(server[2:]) - 1)
    return base if t >= boot else base + 15000


def module_log_frame(server: str, log: str, items: list[Happening], start: datetime, offset_s: float) -> pl.DataFrame:
    """Lines (t true, text) of one module log from the story's happenings."""
    boot = maintenance(start, [server]).boot[server]
    off = timedelta(seconds=offset_s)
    rows = []
    for h in items:
        if h.server == server and h.log == log:
            text = module_line(h.level, h.time + off, _pid(server, log, h.time, boot), h.message)
            rows.append((h.time, "\n".join([text, *h.more])))
    return pl.DataFrame(rows, schema={"t": pl.Datetime("ms"), "line": pl.String}, orient="row")


def heartbeat_chatter(server: str, peers: list[str], items, start, end, offset_s: float, seed: int) -> pl.DataFrame:
    """nm.log status lines every 10 s per peer (the bulk of nm.log), vectorised."""
    up = service_spans(items, server, start, end)
    boot = maintenance(start, [server]).boot[server]
    frames = []
    for k, peer in enumerate(peers):
        t = grid(up, start + timedelta(seconds=7 + 3 * k), 10)
        n = t.len()
        lost = [(INCIDENT.heartbeat_lost, INCIDENT.heartbeat_restored)] if {server, peer} == {"sv1", "sv2"} else []
        f = pl.DataFrame({"t": t}).with_columns(
            noise(seed, server, peer, "hb1", n=n).alias("u1"), noise(seed, server, peer, "hb2", n=n).alias("u2")
        )
        pid = pl.when(pl.col("t") >= boot).then(pl.lit(PIDS["nm"])).otherwise(pl.lit(PIDS["nm"] + 15000)) + 37 * (int(server[2:]) - 1)
        hb2 = pl.when(inside("t", lost)).then(pl.lit("timeout")).otherwise(
            pl.format("ok({}ms)", (1 + 4 * pl.col("u2")).floor().cast(pl.Int64))
        )
        f = f.select(
            "t",
            pl.format(
                "I {}[{}] hb {}: lankhb1=ok({}ms) lankhb2={}",
                shifted("t", offset_s).dt.strftime("%y/%m/%d %H:%M:%S%.3f"),
                pid.cast(pl.String).str.pad_start(7),
                pl.lit(peer),
                (1 + 3 * pl.col("u1")).floor().cast(pl.Int64),
                hb2,
            ).alias("line"),
        )
        frames.append(f)
    return pl.concat(frames) if frames else pl.DataFrame(schema={"t": pl.Datetime("ms"), "line": pl.String})


def join_lines(frame: pl.DataFrame) -> pl.Series:
    return frame.sort("t", maintain_order=True)["line"]


# ---------------------------------------------------------------- service logs


_SERVICE_STEPS = {
    "evt": ["clusterpro_evt: {verb}", "event service clpevt {state}"],
    "trn": ["clusterpro_trn: {verb}", "transaction server clptrnsv {state}"],
    "md": ["clusterpro_md: {verb}", "mirror driver liscal (major 218) {drv}", "mirror agent {state}"],
    "main": [
        "clusterpro: {verb}",
        "keepalive driver clpka (major 10, minor 241) {drv}",
        "kernel-mode LAN heartbeat driver clpkhb (major 10, minor 240) {drv}",
        "cluster daemon {state}",
    ],
    "webmgr": ["clusterpro_webmgr: {verb}", "Cluster WebUI server {state} (port 29003)"],
    "alert": ["clusterpro_alertsync: {verb}", "alert synchronization {state} (port 29003/udp)"],
}


def service_logs(server: str, start: datetime, servers: list[str], offset_s: float) -> dict[str, str]:
    """init_<svc>.start.cur / .stop.cur: the maintenance stop (reverse order) and the boot."""
    m = maintenance(start, servers)
    off = timedelta(seconds=offset_s)
    out = {}
    has_mirror = server in ("sv1", "sv2")
    for action, t0, order in (("stop", m.services_down[server] - timedelta(seconds=0.5), list(reversed(SERVICES))),
                              ("start", m.boot[server], SERVICES)):
        for k, svc in enumerate(order):
            t = t0 + timedelta(seconds=2.2 * k + 0.137)
            pid = 980 + 11 * SERVICES.index(svc) + (0 if action == "start" else 22000)
            words = {"verb": "starting" if action == "start" else "stopping",
                     "state": "started" if action == "start" else "stopped",
                     "drv": "loaded" if action == "start" else "unloaded"}
            lines = []
            steps = _SERVICE_STEPS[svc] if (svc != "md" or has_mirror) else ["clusterpro_md: {verb}", "no mirror disk resource on this server, nothing to do"]
            for j, step in enumerate(steps):
                lines.append(module_line("I", t + off + timedelta(milliseconds=173 * j), pid, step.format(**words)))
            lines.append(module_line("I", t + off + timedelta(milliseconds=173 * len(steps) + 41), pid, f"{action} OK (exit 0)"))
            out[f"init_{svc}.{action}.cur"] = "\n".join(lines) + "\n"
    return out


# ---------------------------------------------------------------- syslog


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_IDENT = {"sv1": ("clusterpro", False), "sv2": ("expresscls", True)}


def _syslog_stamp(t: datetime) -> str:
    return f"{_MONTHS[t.month - 1]} {t.day:>2} {t:%H:%M:%S}"


def cluster_syslog(server: str, items: list[Happening], start: datetime, offset_s: float) -> pl.DataFrame:
    """This server's cluster events as syslog lines (t true, line)."""
    ident, with_pid = _IDENT.get(server, ("clusterpro", True))
    boot = maintenance(start, [server]).boot[server]
    off = timedelta(seconds=offset_s)
    rows = []
    for h in items:
        if h.server != server or not h.syslog:
            continue
        module, eid = h.event
        body = f"<type: {module}><event: {eid}> {h.message}"
        t = h.time + off
        pid = _pid(server, h.log, h.time, boot)
        if server == "sv2" and h.event == ("rc", 61):
            # One line arrives in RFC 5424 form (e.g. relayed by another rsyslog with that template).
            line = f"<13>1 {t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}{INCIDENT.timezone} {server} {ident} {pid} - - {body}"
        else:
            tag = f"{ident}[{pid}]" if (with_pid or h.level == "E") else ident
            line = f"{_syslog_stamp(t)} {server} {tag}: {body}"
        rows.append((h.time, line))
    return pl.DataFrame(rows, schema={"t": pl.Datetime("ms"), "line": pl.String}, orient="row")


#: Unrelated system lines and how often each appears (relative weight).
_NOISE_LINES = [
    (10, "systemd[1]: Started Session {a} of user root."),
    (10, "CROND[{p}]: (root) CMD (/usr/lib64/sa/sa1 1 1)"),
    (3, "chronyd[812]: Selected source 192.168.10.1"),
    (4, "sshd[{p}]: Accepted publickey for admin from 192.168.10.50 port {a} ssh2"),
    (4, "systemd-logind[901]: New session {a} of user admin."),
    (2, "systemd[1]: Starting dnf makecache..."),
    (2, "systemd[1]: dnf-makecache.service: Succeeded."),
    (0.2, "kernel: e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None"),
    (0.5, "rsyslogd[1022]: imjournal: {a} messages lost due to rate-limiting"),
    (1.5, "app[3456]: 夜間バッチ処理が完了しました (ジョブ {a})"),
    (0.3, "auditd[788]: Audit daemon rotating log files"),
    (5, "dbus-daemon[833]: [system] Successfully activated service 'org.freedesktop.nm_dispatcher'"),
    (3, "NetworkManager[845]: <info>  [{a}.1234] manager: NetworkManager state is now CONNECTED_GLOBAL"),
]
#: A daily cron job that mentions the product without being a cluster event.
_DAILY_LINE = "CROND[{p}]: (root) CMD (/opt/nec/clusterpro/bin/clplogcc -t type6 -o /var/tmp/clplog > /dev/null 2>&1)"


def _template(template: str, a: pl.Expr, p: pl.Expr) -> pl.Expr:
    pieces = template.replace("{a}", "\0a\0").replace("{p}", "\0p\0").split("\0")
    return pl.concat_str([a if x == "a" else p if x == "p" else pl.lit(x) for x in pieces if x != ""])


def _stamp(local: pl.Expr) -> pl.Expr:
    return pl.concat_str([local.dt.strftime("%b "), local.dt.day().cast(pl.String).str.pad_start(2), local.dt.strftime(" %H:%M:%S")])


def system_noise(server: str, start: datetime, end: datetime, offset_s: float, seed: int) -> pl.DataFrame:
    """Unrelated system lines, about four a minute, plus one daily cron line, vectorised."""
    t = grid([(start, end)], start + timedelta(seconds=3.7), 13)
    n = t.len()
    f = pl.DataFrame({"t": t}).with_columns(
        noise(seed, server, "sys1", n=n).alias("u"), noise(seed, server, "sys2", n=n).alias("v")
    ).filter(pl.col("u") > 0.12)
    a = (pl.col("u") * 90000).floor().cast(pl.Int64).cast(pl.String)
    p = (pl.col("v") * 30000 + 2000).floor().cast(pl.Int64).cast(pl.String)
    total = sum(w for w, _ in _NOISE_LINES)
    pick, upper = pl.lit(0, dtype=pl.Int32), 0.0
    for weight, _ in _NOISE_LINES[:-1]:
        upper += weight / total
        pick = pick + (pl.col("v") >= upper).cast(pl.Int32)
    f = f.with_columns(pick=pick)
    body = _template(_NOISE_LINES[0][1], a, p)
    for k, (_, template) in enumerate(_NOISE_LINES[1:], start=1):
        body = pl.when(pl.col("pick") == k).then(_template(template, a, p)).otherwise(body)
    daily = grid([(start, end)], start + timedelta(hours=2, seconds=1), 86400)
    d = pl.DataFrame({"t": daily}).with_columns(noise(seed, server, "daily", n=daily.len()).alias("v"))
    d = d.select("t", _template(_DAILY_LINE, pl.lit(""), (pl.col("v") * 30000 + 2000).floor().cast(pl.Int64).cast(pl.String)).alias("body"))
    f = pl.concat([f.select("t", body.alias("body")), d])
    return f.select("t", pl.concat_str([_stamp(shifted("t", offset_s)), pl.lit(f" {server} "), pl.col("body")]).alias("line"))


def syslog_files(server: str, frame: pl.DataFrame, start: datetime, end: datetime) -> dict[str, str]:
    """Split /var/log/messages by the weekly logrotate run (Thursdays 03:20) into messages-YYYYMMDD + messages."""
    frame = frame.sort("t", maintain_order=True)
    cuts = []
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        if day.weekday() == 3:
            cut = day.replace(hour=3, minute=20)
            if start < cut < end:
                cuts.append(cut)
        day += timedelta(days=1)
    out, lower = {}, None
    for cut in cuts:
        part = frame.filter((pl.col("t") < cut) & (pl.col("t") >= lower if lower else pl.lit(True)))
        out[f"messages-{cut:%Y%m%d}"] = part["line"].str.join("\n").item() + "\n" if part.height else ""
        lower = cut
    rest = frame.filter(pl.col("t") >= lower) if lower else frame
    out["messages"] = rest["line"].str.join("\n").item() + "\n" if rest.height else ""
    return out


# ---------------------------------------------------------------- alert log


def alert_log(server: str, items: list[Happening], offsets: dict[str, float]) -> str:
    """alertlog.alt on one server: every server's alerts, synchronised (receive time, origin time)."""
    rows = []
    for h in items:
        if not h.alert:
            continue
        delay = 0.0 if h.server == server else 0.041 + 0.013 * (hash_small(h.message) % 17)
        received = h.time + timedelta(seconds=delay + offsets[server])
        origin = h.time + timedelta(seconds=offsets[h.server])
        rows.append((received, origin, h))
    rows.sort(key=lambda r: r[0])
    lines = []
    for seq, (received, origin, h) in enumerate(rows, start=1):
        module, eid = h.event
        lines.append(
            f"{seq} {received:%Y/%m/%d %H:%M:%S}.{received.microsecond // 1000:03d} "
            f"{origin:%Y/%m/%d %H:%M:%S}.{origin.microsecond // 1000:03d} "
            f"{h.server} {module} {eid} {_LEVEL_WORD[h.level]} {h.message}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def hash_small(text: str) -> int:
    """A small deterministic hash (Python's hash() is salted per process)."""
    return sum((k + 1) * ord(c) for k, c in enumerate(text[:40]))

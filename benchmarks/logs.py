"""Throughput of the module-log and syslog parsers beside a pure-Python ``re`` loop.

Run: ``.venv/bin/python benchmarks/logs.py [--mb 64] [--only syslog]``. Writes realistic
files of about ``--mb`` megabytes each into a temporary directory, parses
each with clpkit (polars string operations) and with a plain loop of
``re.match`` + ``datetime`` per line over the same bytes, and prints MB/s
and the ratio. Targets: at least 150 MB/s (issue 11, polars only; wall
clock) and at least 8x the loop (issue 3 section 8); the output says whether
each is met. Each timing is the best of ``--repeat`` runs; ``cpu ratio``
compares CPU seconds (all threads) and ``MB/cpu-s`` is megabytes per CPU
second: both are less affected by other load than the wall-clock figures.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

from clpkit.formats import module_log, syslog

MODULES = ["rc", "nm", "rm", "pm", "apisv", "mdagent"]
TEXTS = [
    "rc: activating resource {r} of group failover{g}",
    "rc: resource {r} activated (elapsed {n} ms)",
    "nm: heartbeat lankhb{g} from sv{g} received, seq {n}",
    "rm: monitor genw{g} status normal ({n})",
    "apisv: request {n} from clpstat accepted",
    "mdagent: mirror md{g} sync diff {n} bytes",
]


def module_log_text(target: int, rng: random.Random) -> str:
    out, size, t = [], 0, 1795480000.0
    while size < target:
        t += rng.random() * 0.5
        d = datetime.fromtimestamp(t)
        line = "{} {}.{:03d}[{:>7}] {}".format(
            rng.choice("IIIIIIWE"),
            d.strftime("%y/%m/%d %H:%M:%S"),
            int(d.microsecond / 1000),
            rng.randint(1000, 40000),
            rng.choice(TEXTS).format(r=f"exec{rng.randint(1, 9)}", g=rng.randint(1, 4), n=rng.randint(0, 99999)),
        )
        if rng.random() < 0.02:
            line += "\n    detail: return code {} (continuation line)".format(rng.randint(0, 99))
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) + "\n"


def syslog_text(target: int, rng: random.Random) -> str:
    others = [
        "kernel: e1000e: eth{g} NIC Link is Up 1000 Mbps Full Duplex",
        "systemd[1]: Started Session {n} of user root.",
        "sshd[{n}]: Accepted publickey for admin from 10.0.0.{g} port {n} ssh2",
        "crond[{n}]: (root) CMD (run-parts /etc/cron.hourly)",
    ]
    ours = [
        "clusterpro[{n}]: <type: rc><event: 40> Starting failover{g} group.",
        "clusterpro: <type: rm><event: 9> Monitor genw{g} detected an error. (11 : timeout)",
        "expresscls[{n}]: <type: nm><event: 2> Server sv{g} has stopped.",
    ]
    out, size, t = [], 0, 1795480000.0
    while size < target:
        t += rng.random() * 0.5
        d = datetime.fromtimestamp(t)
        body = rng.choice(ours if rng.random() < 0.3 else others).format(g=rng.randint(1, 4), n=rng.randint(100, 60000))
        line = f"{d.strftime('%b %d %H:%M:%S')} sv1 {body}"
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) + "\n"


_MODULE_RE = re.compile(r"^([A-Z]) (\d\d)/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\[\s*(\d+)\] ?(.*)$")


def loop_module_log(data: bytes) -> int:
    """The plain approach: decode, split, one re.match and one datetime per line."""
    rows, parent = [], None
    lines = data.decode("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        m = _MODULE_RE.match(line)
        if m:
            ts = datetime(2000 + int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), int(m[7]), int(m[8]) * 1000)
            rows.append((ts, m[1], int(m[9]), m[10], None, n))
            parent = rows[-1]
        elif parent is not None:
            rows.append((parent[0], parent[1], parent[2], line, parent[5], n))
    return len(rows)


_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_SYSLOG_RE = re.compile(
    r"^([A-Z][a-z]{2})\s+(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) (clusterpro|expresscls)(?:\[(\d+)\])?: ?"
    r"(?:<type: ?([^>]*)><event: ?(\d+)> ?)?(.*)$"
)


def loop_syslog(data: bytes) -> int:
    rows, skipped = [], 0
    for line in data.decode("utf-8", errors="replace").split("\n"):
        m = _SYSLOG_RE.match(line)
        if not m:
            skipped += 1
            continue
        ts = datetime(2026, _MONTHS[m[1]], int(m[2]), int(m[3]), int(m[4]), int(m[5]))
        rows.append((ts, m[6], m[7], m[8] and int(m[8]), m[9], m[10] and int(m[10]), m[11]))
    return len(rows)


def best(fn, repeat: int) -> tuple[float, float]:
    """Best wall-clock seconds and the CPU seconds (all threads) of that run."""
    runs = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t0, time.process_time() - c0))
    return min(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=64, help="size of each generated file in MB (default 64)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["module_log", "syslog"], help="measure one format alone")
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "module_log": (Path(tmp) / "rc.log.cur", module_log_text(args.mb * 10**6, rng)),
            "syslog": (Path(tmp) / "messages", syslog_text(args.mb * 10**6, rng)),
        }  # both generated in this order, so that --only measures the same bytes
        if args.only:
            files = {args.only: files[args.only]}
        for path, text in files.values():
            path.write_text(text)
        load = os.getloadavg()[0]
        print(f"{os.cpu_count()} CPUs, load average {load:.1f} (wall-clock figures drop when other work shares the CPUs)")
        print(
            f"{'format':<11} {'MB':>6} {'rows':>9} {'clpkit s':>9} {'MB/s':>7} {'MB/cpu-s':>8} {'loop s':>7} "
            f"{'loop MB/s':>9} {'ratio':>6} {'cpu ratio':>9}   targets ≥ 150 MB/s, ≥ 8x"
        )
        met = True
        for kind, (path, _text) in files.items():
            data = path.read_bytes()
            mb = len(data) / 1e6
            if kind == "module_log":
                ours = lambda: module_log.parse(data, source=str(path))  # noqa: E731
                loop = lambda: loop_module_log(data)  # noqa: E731
            else:
                ours = lambda: syslog.parse(data, source=str(path))  # noqa: E731
                loop = lambda: loop_syslog(data)  # noqa: E731
            rows = ours().height
            assert rows == loop(), f"{kind}: clpkit and the loop disagree on the row count"
            (t_ours, c_ours), (t_loop, c_loop) = best(ours, args.repeat), best(loop, max(1, args.repeat - 2))
            fast, multiple = mb / t_ours >= 150, t_loop / t_ours >= 8
            met &= fast and multiple
            print(
                f"{kind:<11} {mb:6.1f} {rows:9d} {t_ours:9.3f} {mb / t_ours:7.1f} {mb / c_ours:8.1f} {t_loop:7.3f} "
                f"{mb / t_loop:9.1f} {t_loop / t_ours:5.1f}x {c_loop / c_ours:8.1f}x"
                f"   {'ok' if fast else 'MISSED'}, {'ok' if multiple else 'MISSED'}"
            )
        print(f"targets: {'all met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()

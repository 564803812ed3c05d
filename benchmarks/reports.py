"""Benchmark: the whole report set, events and findings, side by side on two collection sizes.

Collections are written by ``clpkit samples --servers N --days D`` (one
.tar.gz per server) into ``DATA/samples-<N>x<D>/`` (``--data``, default
``benchmarks/_data``) and kept between runs (delete the folder to
regenerate; 8x90 is about 1 GB). Every command runs as its
own process tree, exactly as a user types it, and is measured from outside:

- wall seconds;
- peak RSS of any one process of the tree (``wait4`` rusage: the largest of
  the command and every kernel it started);
- peak RSS of the whole tree at once (the sum over its processes, sampled
  every 0.1 s with psutil).

``report`` runs twice into the same --out: the first run ingests the
collection into ``OUT/.dataset``, the second finds it unchanged and parses
nothing. ``events``/``findings --dataset`` read a dataset that ``clpkit ingest``
wrote from the same input just before (also measured): up to date, so
nothing is parsed. Targets (issue 15): every report succeeds; one process <= 1.5 GiB,
the whole run <= 3 GiB; ``events`` and ``findings`` <= 1 GiB; the report set
of 2 servers x 30 days <= 6 s wall on 2 cores.

    .venv/bin/python benchmarks/reports.py                 # 2x30 and 8x90 side by side
    .venv/bin/python benchmarks/reports.py --sizes 2x30    # one size only
    .venv/bin/python benchmarks/reports.py --data /tmp     # collections kept in /tmp
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
CLPKIT = [sys.executable, "-m", "clpkit"]
GIB = 1024**3
TARGETS = {"one process": 1.5 * GIB, "whole run": 3 * GIB, "events": 1 * GIB, "findings": 1 * GIB}
WALL_TARGET_2X30 = 6.0
COMMANDS = ("report", "report again", "events", "findings", "ingest", "events --dataset", "findings --dataset")


def collection(servers: int, days: int, data: Path) -> Path:
    """The generated collection of this size in ``data`` (written once, then reused)."""
    folder = data / f"samples-{servers}x{days}"
    if not folder.is_dir():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([*CLPKIT, "samples", "--out", str(tmp), "--servers", str(servers), "--days", str(days)],
                       check=True, stdout=subprocess.DEVNULL)
        tmp.rename(folder)
        print(f"generated {servers}x{days} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return folder


def measure(args: list[str]) -> dict:
    """Run one command; its exit code, wall seconds, peak RSS of one process and of the whole tree."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for p in tree:
                try:
                    total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            peak_tree = max(peak_tree, total)
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    one = usage.ru_maxrss * 1024  # KiB on Linux; the largest process of the tree
    return {"rc": proc.returncode, "wall": wall, "one": one, "tree": max(peak_tree, one),
            "cpu": usage.ru_utime + usage.ru_stime, "err": err.strip().splitlines()[-1:] if proc.returncode else []}


def bench(servers: int, days: int, data: Path) -> dict:
    bundle = collection(servers, days, data)
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    out = Path(tempfile.mkdtemp(prefix="clpkit-bench-"))
    try:
        rows = {"size_mb": size / 1e6}
        rows["report"] = measure([*CLPKIT, "report", str(bundle), "--out", str(out)])
        runs = sorted(p for p in out.iterdir() if (p / "run.json").is_file())
        rows["steps"] = json.loads((runs[-1] / "run.json").read_text())["seconds"] if runs else {}
        rows["report again"] = measure([*CLPKIT, "report", str(bundle), "--out", str(out)])
        rows["events"] = measure([*CLPKIT, "events", str(bundle)])
        rows["findings"] = measure([*CLPKIT, "findings", str(bundle)])
        # A dataset of this very input: the report's own (OUT/.dataset) was ingested from the archives it
        # unpacked under OUT/.unpacked, whose paths differ, so reading it with the archives would re-parse all.
        dataset = str(out / "own.dataset")
        rows["ingest"] = measure([*CLPKIT, "ingest", str(bundle), "--out", dataset])
        rows["events --dataset"] = measure([*CLPKIT, "events", str(bundle), "--dataset", dataset])
        rows["findings --dataset"] = measure([*CLPKIT, "findings", str(bundle), "--dataset", dataset])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return rows


def gib(n: float) -> str:
    return f"{n / GIB:.2f} GiB"


def table(results: dict[str, dict]) -> list[str]:
    names = list(results)
    lines = [f"{'':34s}" + "".join(f"{n:>22s}" for n in names)]

    def row(label: str, cell) -> None:
        lines.append(f"{label:34s}" + "".join(f"{cell(results[n]):>22s}" for n in names))

    row("collection on disk", lambda r: f"{r['size_mb']:.0f} MB")
    for cmd in COMMANDS:
        row(f"{cmd}: exit code", lambda r, c=cmd: str(r[c]["rc"]))
        row(f"{cmd}: wall", lambda r, c=cmd: f"{r[c]['wall']:.1f} s")
        row(f"{cmd}: CPU (all processes)", lambda r, c=cmd: f"{r[c]['cpu']:.1f} s")
        row(f"{cmd}: peak, one process", lambda r, c=cmd: gib(r[c]["one"]))
        if cmd.startswith("report"):
            row(f"{cmd}: peak, whole run", lambda r, c=cmd: gib(r[c]["tree"]))
    steps = sorted({s for r in results.values() for s in r["steps"]})
    for step in steps:
        row(f"  first run, {step}", lambda r, s=step: f"{r['steps'].get(s, 0):.1f} s")
    return lines


def verdicts(results: dict[str, dict]) -> list[str]:
    out = []
    for name, r in results.items():
        checks = [
            ("every report succeeds", r["report"]["rc"] == 0 and r["report again"]["rc"] == 0, ""),
            ("one process <= 1.5 GiB", max(r["report"]["one"], r["report again"]["one"]) <= TARGETS["one process"],
             gib(max(r["report"]["one"], r["report again"]["one"]))),
            ("whole run <= 3 GiB", max(r["report"]["tree"], r["report again"]["tree"]) <= TARGETS["whole run"],
             gib(max(r["report"]["tree"], r["report again"]["tree"]))),
            ("events <= 1 GiB", r["events"]["one"] <= TARGETS["events"], gib(r["events"]["one"])),
            ("findings <= 1 GiB", r["findings"]["one"] <= TARGETS["findings"], gib(r["findings"]["one"])),
            ("events --dataset <= 1 GiB", r["events --dataset"]["one"] <= TARGETS["events"],
             gib(r["events --dataset"]["one"])),
            ("findings --dataset <= 1 GiB", r["findings --dataset"]["one"] <= TARGETS["findings"],
             gib(r["findings --dataset"]["one"])),
        ]
        if name == "2x30":
            checks.append(("report set <= 6 s wall", r["report again"]["wall"] <= WALL_TARGET_2X30,
                           f"{r['report']['wall']:.1f} s first, {r['report again']['wall']:.1f} s unchanged"))
        for label, ok, figure in checks:
            out.append(f"{name}: {label:30s} {'PASS' if ok else 'FAIL'}  {figure}")
        for cmd in COMMANDS:
            if r[cmd]["err"]:
                out.append(f"{name}: {cmd} stderr: {r[cmd]['err'][0]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2x30,8x90", help="comma-separated SERVERSxDAYS (default: 2x30,8x90)")
    parser.add_argument("--data", type=Path, default=HERE / "_data",
                        help="folder of the generated collections (default: benchmarks/_data)")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",") if s]
    print(f"{os.cpu_count()} cores, {psutil.virtual_memory().total / GIB:.0f} GiB, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    results = {f"{n}x{d}": bench(n, d, args.data) for n, d in sizes}
    print("\n".join(table(results)))
    print(f"load average {os.getloadavg()[0]:.1f} at the end (the machine may be shared: CPU time is the fair figure)")
    print("\n".join(verdicts(results)))


if __name__ == "__main__":
    main()

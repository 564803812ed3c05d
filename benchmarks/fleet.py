"""Fleet benchmark (issue 15): several clusters into one dataset, then the fleet page on DuckDB.

Generates ``--clusters`` sample collections (``clpkit samples --cluster cN
--servers S --days D``, alternating 2 and ``--servers`` servers; each has
servers sv1, sv2… so the clusters share server names), then prints, each
in a fresh process:

- ``clpkit ingest c1 c2 … --out DS`` with its findings table (the CLI's
  default) and with ``--no-findings``: wall seconds, peak RSS of the
  process, rows written;
- a second ``clpkit ingest`` on the unchanged inputs (every part reused);
- each DuckDB query of the fleet page (``clpkit.fleet``) on that dataset,
  best of ``--repeat``, in this process;
- ``clpkit fleet DS --out DIR``: wall seconds and peak RSS of the largest
  of its processes (the command or its kernel).

No target is set for the fleet by the issue; the figures say what a fleet
costs. Run: ``.venv/bin/python benchmarks/fleet.py`` (``--help`` for options).
The collections go to ``benchmarks/_data/fleet-*`` (not tracked) and are
reused when already there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLPKIT = [sys.executable, "-m", "clpkit"]


#: Runs a command and prints, last on stderr, the peak RSS (KiB) of its largest process (the command or a kernel).
PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)")


def run(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (MiB) of the largest process of one command, in a fresh process."""
    clock = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, *args], capture_output=True, text=True)
    wall = time.perf_counter() - clock
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr}")
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024
    return wall, peak, done


def collections(data: Path, clusters: int, servers: int, days: int) -> list[Path]:
    paths = []
    for i in range(1, clusters + 1):
        n = 2 if i % 2 else servers
        path = data / f"fleet-c{i}-{n}x{days}"
        if not path.is_dir():
            run([*CLPKIT, "samples", "--out", str(path), "--servers", str(n), "--days", str(days), "--seed", str(i),
                 "--cluster", f"c{i}"])
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=3)
    parser.add_argument("--servers", type=int, default=4, help="servers of every second cluster (the others have 2)")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, default=HERE / "_data")
    opts = parser.parse_args()

    inputs = collections(opts.data, opts.clusters, opts.servers, opts.days)
    size = sum(p.stat().st_size for d in inputs for p in d.rglob("*") if p.is_file()) / 2**20
    print(f"fleet: {opts.clusters} clusters, {opts.days} days, {size:.0f} MB of collections")
    out = opts.data / "fleet-dataset"
    for label, extra in (("ingest --no-findings", ["--no-findings"]), ("ingest (with findings)", [])):
        shutil.rmtree(out, ignore_errors=True)
        wall, peak, done = run([*CLPKIT, "ingest", *map(str, inputs), "--out", str(out), *extra])
        summary = json.loads(done.stdout)
        rows = sum(t["rows"] for t in summary["tables"].values())
        print(f"  {label:<28} {wall:7.1f} s   peak RSS {peak:6.0f} MiB   {rows:,} rows")
    wall, _, done = run([*CLPKIT, "ingest", *map(str, inputs), "--out", str(out)])
    print(f"  {'ingest again (unchanged)':<28} {wall:7.1f} s   files {json.loads(done.stdout)['files']}")

    from clpkit import fleet

    con = fleet.connect(out)
    names = fleet.clusters(con)["cluster"].to_list()
    queries = {"clusters": lambda: fleet.clusters(con), "findings_by_severity": lambda: fleet.findings_by_severity(con, names),
               "headroom": lambda: fleet.headroom(con), "failovers": lambda: fleet.failovers(con),
               "row_counts": lambda: fleet.row_counts(con)}
    for name, query in queries.items():
        best = min(_timed(query) for _ in range(opts.repeat))
        print(f"  duckdb {name:<21} {best * 1000:7.0f} ms")
    page = opts.data / "fleet-page"
    wall, peak, _ = run([*CLPKIT, "fleet", str(out), "--out", str(page)])
    print(f"  {'clpkit fleet (page)':<28} {wall:7.1f} s   peak RSS {peak:6.0f} MiB")


def _timed(query) -> float:
    clock = time.perf_counter()
    query()
    return time.perf_counter() - clock


if __name__ == "__main__":
    main()

"""Benchmark: every report on a generated 30-day, 2-server bundle.

Target (issue 4): all reports render in under 60 s on the project machine.
Prints the size of the bundle, the time of each step and the total; the
generated bundle is kept in benchmarks/_data/ between runs (delete it to
regenerate).

    .venv/bin/python benchmarks/reports.py [--days 30]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from clpkit import samples
from clpkit.report.runner import run_reports

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()

    bundle = HERE / "_data" / f"bundle-{args.days}d"
    if not bundle.exists():
        t0 = time.perf_counter()
        samples.generate(bundle, days=args.days)
        print(f"generated {args.days}-day bundle in {time.perf_counter() - t0:.1f} s")
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    servers = sorted(p.name for p in bundle.iterdir() if p.is_dir() or p.suffix in (".gz", ".tgz", ".zip", ".tar"))
    print(f"bundle: {bundle.name}, servers {servers}, {size / 1e6:.1f} MB")

    out = Path(tempfile.mkdtemp(prefix="clpkit-bench-"))
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    try:
        t0 = time.perf_counter()
        run_dir = run_reports(bundle, out)
        total = time.perf_counter() - t0
        cpu = _cpu_seconds() - cpu_before
        run = json.loads((run_dir / "run.json").read_text())
        pages = {p.name: p.stat().st_size for p in sorted(run_dir.glob("*.html"))}
    finally:
        shutil.rmtree(out, ignore_errors=True)
    for step, seconds in run["seconds"].items():
        page = pages.get(f"{step}.html")
        size_text = f"  page {page / 1e6:5.2f} MB" if page else ""
        print(f"  {step:22s} {seconds:6.1f} s{size_text}")
    print(f"reports: {', '.join(run['reports'])}")
    print(f"CPU time, runner and kernels: {cpu:.1f} s on {os.cpu_count()} cores "
          f"(load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)")
    print(f"total: {total:.1f} s wall (target < 60 s) -> {'PASS' if total < 60 else 'FAIL'}")


def _cpu_seconds() -> float:
    """User + system time of this process and of its finished children (the kernels)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()

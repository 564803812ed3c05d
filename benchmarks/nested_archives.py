"""Nested emergency archives (issue 14): the total cap bounds time and memory.

Writes one server with three ``elog_rc<g>.tar.gz`` archives, each a few
hundred KB that inflate to ``--member-mib`` of module log (synthetic), opens
it with ``clpkit.open_bundle`` under ``Limits(max_nested_bytes=--cap-mib)``,
builds ``module_log`` and prints the rows read, how many archives the total
stopped, the wall time and the peak RSS of this process. Run it once with the
cap under the three archives' sum and once over it to see what the total
saves (each run in its own process: peak RSS only grows).

Run: ``nice -n 10 .venv/bin/python benchmarks/nested_archives.py --member-mib 60 --cap-mib 100``
"""

from __future__ import annotations

import argparse
import gzip
import io
import resource
import tarfile
import tempfile
import time
from pathlib import Path

import polars as pl

import clpkit
from clpkit.archive import Limits

LINE = b"I 26/11/24 03:00:01.100[   1201] rc: a line of the emergency log, repeated to fill it\n"


def emergency_archive(member_bytes: int) -> bytes:
    data = (LINE * (member_bytes // len(LINE) + 1))[:member_bytes]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("log/rc.log.cur")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), compresslevel=9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--member-mib", type=int, default=60, help="inflated size of each archive's module log")
    parser.add_argument("--cap-mib", type=int, default=Limits().max_nested_bytes >> 20, help="Limits.max_nested_bytes")
    args = parser.parse_args()
    archive = emergency_archive(args.member_mib << 20)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp, "sv1", "log")
        log.mkdir(parents=True)
        for g in range(3):
            (log / f"elog_rc{g}.tar.gz").write_bytes(archive)
        start = time.perf_counter()
        with clpkit.open_bundle(log.parent, limits=Limits(max_nested_bytes=args.cap_mib << 20)) as b:
            rows = b.table("module_log").height
            capped = b.problems.filter(pl.col("reason").str.contains("emergency archives")).height
        wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    print(f"3 archives of {len(archive) >> 10} KB, {args.member_mib} MiB inflated each; cap {args.cap_mib} MiB")
    print(f"rows {rows}  archives stopped by the total {capped}  wall {wall:.1f} s  peak RSS {peak} MiB")


if __name__ == "__main__":
    main()

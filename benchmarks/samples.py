"""How fast ``clpkit samples`` writes a large collection, and how large it is.

Prints, for a 30-day, 2-server collection at the product's rotation sizes
(written as folders, then as archives): wall and CPU seconds (the machine
may be shared: CPU time is the fair figure), MB written, and the size of the
mirror and system statistics generations (near 16 MB each).

    .venv/bin/python benchmarks/samples.py [--days 30] [--servers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from clpkit import samples

MB = 1e6


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _size_hint(out: Path, archive: bool) -> str:
    if not archive:
        return "uncompressed"
    import tarfile

    inner = sum(m.size for p in out.glob("*.tar.gz") for m in tarfile.open(p).getmembers())
    return f"{inner / MB:.1f} MB uncompressed inside"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--servers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for archive in (False, True):
            out = Path(tmp) / ("archives" if archive else "folders")
            t0, c0 = time.perf_counter(), time.process_time()
            samples.generate(out, servers=args.servers, days=args.days, archive=archive)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            size = _size(out)
            what = "archives (.tar.gz)" if archive else "folders"
            print(
                f"{args.days} days, {args.servers} servers as {what}: {seconds:.1f} s wall, {cpu:.1f} s CPU, "
                f"{size / MB:.1f} MB written ({_size_hint(out, archive)})"
            )
            if not archive:
                for rel in ("sv1/perf/disk/nmp1.pre", "sv1/perf/disk/nmp1.cur", "sv1/log/system/system.pre", "sv1/log/system/system.cur"):
                    print(f"  {rel}: {(out / rel).stat().st_size / MB:.1f} MB")


if __name__ == "__main__":
    main()

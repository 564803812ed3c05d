"""Ingest benchmark (issue 2 §7): how fast and how lean the statistics ingest is.

Generates a large two-server log collection (30 days; mirror and system
statistics near their 16 MB rotation size; 200 MB or more in all), then
prints, measured in this run on the same bytes:

- per statistics format: MB/s of the clpkit parser, of plain
  ``polars.read_csv`` (the practical limit) and of a pure-Python ``csv``
  loop (what a quick script does: csv.reader, float(), strptime());
- the whole ingest (``clpkit ingest`` into a Parquet dataset, in a fresh
  process) in MB/s, against the same pure-Python loop;
- the peak RSS of that ingest process, against the peak RSS of a process
  that only holds the largest file set (one rotation series: the bytes of
  all its generations and their parsed frames) in memory.

Targets: every statistics format ≥ 0.7× polars.read_csv; the whole ingest
≥ 10× the pure-Python loop; ingest peak RSS ≤ 2× the largest file set.

Run: ``.venv/bin/python benchmarks/ingest.py`` (add ``--help`` for options).
The generated collection goes to ``benchmarks/_data/`` (not tracked) and is
reused when already there. Timings are the best of ``--repeat`` runs,
interleaved, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from clpkit import formats

HERE = Path(__file__).resolve().parent
STATS_KINDS = ("mirror_stats", "system_stats", "cluster_stats")
MB = 1e6


# --- the collection --------------------------------------------------------------------


def generate(out: Path, days: int, servers: int, seed: int) -> str:
    """Write the collection into ``out``; say what wrote it."""
    try:
        from clpkit import samples
    except ImportError:
        synthetic_collection(out, days, servers, seed)
        return "benchmark's own writer (clpkit.samples not available)"
    samples.generate(out, servers=servers, days=days, seed=seed, full_size=True)
    return f"clpkit.samples (days={days}, servers={servers}, seed={seed}, full_size=True)"


def synthetic_collection(out: Path, days: int, servers: int, seed: int, mirrors: int = 3) -> None:
    """Statistics files of the right shapes and sizes, written column-wise with polars.

    Per server: ``mirrors`` mirror series and the system series, each a full
    ``.pre`` (16 MB, the rotation size) and a ``.cur`` holding the last
    ``days``; a few small cluster statistics files.
    """
    from clpkit.formats import cluster_stats, mirror_stats, system_stats

    end = dt.datetime(2026, 11, 1)
    for s in range(1, servers + 1):
        root = out / f"sv{s}"
        for m in range(1, mirrors + 1):
            _series(root / "perf/disk", f"nmp{m}", mirror_stats.FIELDS, end, days, seed + 100 * s + m)
        _series(root / "log/system", "system", system_stats.FIELDS, end, days, seed + 100 * s)
        for folder, stem in [("group", "group"), ("group", "exec"), ("group", "md"), ("monitor", "genw")]:
            path = root / "perf/cluster" / folder / f"{stem}.cur"
            path.parent.mkdir(parents=True, exist_ok=True)
            header, *rows = cluster_stats.SAMPLE.splitlines()
            path.write_text("\n".join([header, *(rows * 2000)]) + "\n")


def _series(folder: Path, stem: str, fields, end: dt.datetime, days: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    minutes = days * 24 * 60
    cur = _frame(fields, end - dt.timedelta(minutes=minutes), minutes, seed)
    (folder / f"{stem}.cur").write_bytes(cur)
    rows_per_mb = minutes / (len(cur) / MB)
    pre_rows = int(16 * 2**20 / MB * rows_per_mb * 0.99)
    pre = _frame(fields, end - dt.timedelta(minutes=minutes + pre_rows), pre_rows, seed + 1)
    (folder / f"{stem}.pre").write_bytes(pre)


def _frame(fields, start: dt.datetime, rows: int, seed: int) -> bytes:
    """One CSV file: a timestamp every 60 s and pseudo-random values, every field quoted."""
    time = (pl.lit(start) + pl.duration(minutes=pl.col("i"))).dt.strftime("%Y/%m/%d %H:%M:%S")
    exprs = [time.alias(fields[0].headers[0])]
    for n, f in enumerate(fields[1:]):
        h = (pl.col("i") + n * 7919).hash(seed)
        zeros, decimals, byte_counts, counts = pl.lit(0), (h % 100_000) / 100, h % 10_000_000_000, h % 64
        exprs.append([zeros, decimals, byte_counts, counts][n % 4].alias(f.headers[0]))
    frame = pl.DataFrame({"i": pl.int_range(rows, dtype=pl.Int64, eager=True)}).select(exprs)
    return frame.write_csv(quote_style="always").encode()


def statistics_files(root: Path) -> dict[str, list[Path]]:
    """The statistics files below ``root`` by kind (archives are extracted first by the caller)."""
    found: dict[str, list[Path]] = {k: [] for k in STATS_KINDS}
    for path in sorted(root.rglob("*")):
        spec = formats.detect(path.name) if path.is_file() else None
        if spec is not None and spec.kind in found:
            found[spec.kind].append(path)
    return found


# --- the references --------------------------------------------------------------------


def python_csv_loop(data: bytes) -> int:
    """What a quick script does: decode, csv.reader, float() every number, strptime() every time."""
    rows = 0
    reader = csv.reader(io.StringIO(data.decode("utf-8", "replace")))
    next(reader, None)
    out = []
    for row in reader:
        values = []
        for value in row:
            try:
                values.append(float(value))
            except ValueError:
                for layout in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S.%f"):
                    try:
                        values.append(dt.datetime.strptime(value, layout))
                        break
                    except ValueError:
                        continue
                else:
                    values.append(value)
        out.append(values)
        rows += 1
    return rows


def _reads_plainly(data: bytes) -> bool:
    try:
        pl.read_csv(data)
        return True
    except pl.exceptions.PolarsError:
        return False


def best_of(repeat: int, *calls) -> list[float]:
    """Best wall time of each call over ``repeat`` interleaved rounds."""
    best = [float("inf")] * len(calls)
    for _ in range(repeat):
        for i, call in enumerate(calls):
            start = time.perf_counter()
            call()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def per_format(files: dict[str, list[Path]], repeat: int, loop_mb: float) -> dict[str, dict]:
    """MB/s of the parser, polars.read_csv and the Python loop, per statistics kind."""
    results = {}
    for kind, paths in files.items():
        if not paths:
            continue
        blobs = [(p, p.read_bytes()) for p in paths]
        size = sum(len(b) for _, b in blobs)

        def clpkit_parse():
            for p, b in blobs:
                formats.parse_bytes(kind, b, source=str(p), server="sv")

        # Plain read_csv guesses dtypes from the first 100 rows; where a later row
        # breaks the guess it raises, and the reference reads with a full-file guess.
        options = [{} if _reads_plainly(b) else {"infer_schema_length": None} for _, b in blobs]

        def polars_read_csv():
            for (_, b), opts in zip(blobs, options):
                pl.read_csv(b, **opts)

        t_parse, t_polars = best_of(repeat, clpkit_parse, polars_read_csv)
        # The Python loop is slow and linear in size: time it on the first loop_mb of the kind.
        subset, subset_size = [], 0
        for _, b in blobs:
            if subset_size >= loop_mb * MB:
                break
            subset.append(b)
            subset_size += len(b)
        start = time.perf_counter()
        for b in subset:
            python_csv_loop(b)
        t_loop = time.perf_counter() - start
        results[kind] = {
            "full_guess": sum(1 for o in options if o),
            "files": len(blobs),
            "mb": size / MB,
            "clpkit": size / MB / t_parse,
            "read_csv": size / MB / t_polars,
            "python": subset_size / MB / t_loop,
            "python_mb": subset_size / MB,
        }
        del blobs
    return results


# --- the whole ingest and the memory reference, each in a fresh process ------------------

# ru_maxrss survives fork and exec on Linux (a child would report this process's peak);
# VmHWM in /proc/self/status is the child's own.
_PEAK = """
def peak_rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

_INGEST_CHILD = _PEAK + """
import json, sys, time
from clpkit.ingest import ingest
start = time.perf_counter()
summary = ingest(sys.argv[1], sys.argv[2], progress=False)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "maxrss_kb": peak_rss_kb(),
                  "summary": summary, "what": "clpkit.ingest.ingest into a Parquet dataset"}))
"""

# Until clpkit.ingest exists: every statistics file parsed one after the other (parsers only).
_PARSE_ALL_CHILD = _PEAK + """
import json, sys, time
from pathlib import Path
from clpkit import formats
start = time.perf_counter()
rows = {}
for path in sorted(Path(sys.argv[1]).rglob("*")):
    spec = formats.detect(path.name) if path.is_file() else None
    if spec is not None:
        df = formats.parse_file(path, kind=spec.kind, server=path.relative_to(sys.argv[1]).parts[0])
        rows[spec.kind] = rows.get(spec.kind, 0) + df.height
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "maxrss_kb": peak_rss_kb(),
                  "summary": {"rows": rows}, "what": "every file through formats.parse_file (no clpkit.ingest yet)"}))
"""

_HOLD_CHILD = _PEAK + """
import json, sys
from clpkit import formats
paths = sys.argv[2:]
held = [(p, open(p, "rb").read()) for p in paths]
frames = [formats.parse_bytes(sys.argv[1], b, source=p, server="sv") for p, b in held]
print(json.dumps({"maxrss_kb": peak_rss_kb(),
                  "rows": sum(f.height for f in frames)}))
"""

_IMPORT_CHILD = _PEAK + """
import json
import clpkit.formats.mirror_stats, clpkit.formats.system_stats, clpkit.formats.cluster_stats
print(json.dumps({"maxrss_kb": peak_rss_kb()}))
"""


def child(code: str, *args: str) -> dict:
    res = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def largest_file_set(files: dict[str, list[Path]]) -> tuple[str, list[Path], int]:
    """The rotation series (one server, one series, every generation) with the most bytes."""
    sets: dict[tuple[str, str], list[Path]] = {}
    for kind, paths in files.items():
        for p in paths:
            sets.setdefault((kind, str(p.parent) + "/" + formats.generation(p.name)[0]), []).append(p)
    (kind, _), paths = max(sets.items(), key=lambda kv: sum(p.stat().st_size for p in kv[1]))
    return kind, paths, sum(p.stat().st_size for p in paths)


# --- report ------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=HERE / "_data" / "ingest", help="where the collection goes")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="timing rounds (best is kept)")
    ap.add_argument("--loop-mb", type=float, default=24.0, help="MB per format fed to the Python loop")
    ap.add_argument("--regenerate", action="store_true")
    args = ap.parse_args(argv)

    bundle = args.data / "bundle"
    if args.regenerate or not bundle.is_dir():
        bundle.mkdir(parents=True, exist_ok=True)
        how = generate(bundle, args.days, args.servers, args.seed)
    else:
        how = f"reused {bundle}"
    files = statistics_files(bundle)
    total = sum(p.stat().st_size for ps in files.values() for p in ps)
    print(f"collection: {bundle} ({how})")
    for kind, paths in files.items():
        size = sum(p.stat().st_size for p in paths)
        print(f"  {kind:14s} {len(paths):3d} files {size / MB:8.1f} MB  largest {max((p.stat().st_size for p in paths), default=0) / MB:5.1f} MB")
    print(f"  statistics in all: {total / MB:.1f} MB (target ≥ 200 MB: {verdict(total >= 200 * MB)})")

    print(f"\nper format (best of {args.repeat}; Python loop on the first ~{args.loop_mb:g} MB of each)")
    print(f"  {'kind':14s} {'MB':>7s} {'clpkit MB/s':>12s} {'read_csv MB/s':>14s} {'ratio':>6s} {'python MB/s':>12s}  target ≥ 0.7×")
    rates = per_format(files, args.repeat, args.loop_mb)
    for kind, r in rates.items():
        ratio = r["clpkit"] / r["read_csv"]
        print(
            f"  {kind:14s} {r['mb']:7.1f} {r['clpkit']:12.1f} {r['read_csv']:14.1f} {ratio:6.2f} {r['python']:12.2f}"
            f"  {verdict(ratio >= 0.7)}"
        )
        if r["full_guess"]:
            print(f"  ({r['full_guess']} {kind} files broke read_csv's 100-row dtype guess; read with a full-file guess)")

    python_seconds = sum(r["mb"] / r["python"] for r in rates.values())
    python_rate = sum(r["mb"] for r in rates.values()) / python_seconds
    try:
        import clpkit.ingest  # noqa: F401
    except ImportError:
        run = child(_PARSE_ALL_CHILD, bundle)
    else:
        with tempfile.TemporaryDirectory(dir=args.data) as out:
            run = child(_INGEST_CHILD, bundle, out)
    size_all = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    ingest_rate = size_all / MB / run["seconds"]
    print(f"\nwhole ingest ({run['what']}, fresh process)")
    print(f"  {size_all / MB:.1f} MB in {run['seconds']:.2f} s = {ingest_rate:.1f} MB/s;"
          f" pure-Python loop {python_rate:.2f} MB/s -> {ingest_rate / python_rate:.1f}× (target ≥ 10×: "
          f"{verdict(ingest_rate >= 10 * python_rate)})")
    print(f"  summary: {json.dumps(run['summary'])[:300]}")

    kind, paths, set_size = largest_file_set(files)
    held = child(_HOLD_CHILD, kind, *paths)
    base = child(_IMPORT_CHILD)
    print("\npeak RSS")
    print(f"  after imports only:            {base['maxrss_kb'] / 1024:7.1f} MiB")
    print(f"  largest file set held:         {held['maxrss_kb'] / 1024:7.1f} MiB"
          f"  ({kind}, {len(paths)} files, {set_size / MB:.1f} MB, {held['rows']} rows)")
    print(f"  whole ingest:                  {run['maxrss_kb'] / 1024:7.1f} MiB"
          f"  -> {run['maxrss_kb'] / held['maxrss_kb']:.2f}× (target ≤ 2×: "
          f"{verdict(run['maxrss_kb'] <= 2 * held['maxrss_kb'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

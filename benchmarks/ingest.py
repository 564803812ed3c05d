"""Ingest benchmark (issue 2 §7, issue 11): how fast and how lean the statistics ingest is.

First, command line to command line (issue 11): one 64 MB file per statistics
format (``--cli-mb``), built by tiling the sample generator's rows with fresh
timestamps, parsed by ``clpkit parse FILE --summary`` in a fresh process and
by a fresh process running plain ``polars.read_csv(FILE)`` (with
``infer_schema=False`` where the default 100-row dtype guess raises). Both
sides pay for starting Python and importing what they need.
Target: every format ≥ 0.5× that reference (wall time, best of ``--repeat``).

Then, on a generated collection:

Generates a large two-server log collection (30 days; mirror and system
statistics near their 16 MB rotation size; 200 MB or more in all), then
prints, measured in this run on the same bytes:

- per statistics format: MB/s of the clpkit parser, of plain
  ``polars.read_csv`` (the practical limit) and of a pure-Python ``csv``
  loop (what a quick script does: csv.reader, float(), strptime());

The read_csv reference is ``pl.read_csv(data)`` with its defaults, for every
file of a kind when it reads them all. Its dtype guess looks at the first 100
rows only, so a file whose first decimal comes later (a counter that is 0 for
hours, then 2.35) makes it raise. For such a kind the reference is
``pl.read_csv(data, infer_schema=False)`` for every file of the kind: what a
user writes when the guess fails and still plain read_csv (every column as
text: the cost of tokenizing the bytes). The other way out,
``infer_schema_length=None``, guesses over the whole file first and is several
times slower, which would flatter the parser; it is not used. The output says
which reference each kind got.
- the whole ingest (``clpkit ingest`` into a Parquet dataset, in a fresh
  process) in MB/s, against the same pure-Python loop;
- the peak RSS of that ingest process, against the peak RSS of a process
  that only holds the largest file set (one rotation series: the bytes of
  all its generations and their parsed frames) in memory.

Targets: every statistics format ≥ 0.5× polars.read_csv (command line to
command line, above; the in-process figures are printed beside it); the whole ingest
≥ 10× the pure-Python loop; ingest peak RSS ≤ 2× the largest file set.

Run: ``.venv/bin/python benchmarks/ingest.py`` (add ``--help`` for options;
``--cli-only`` runs the first part alone).
On a busy machine ``POLARS_MAX_THREADS=1`` (inherited by the child processes)
gives steadier ratios: both sides then lose nothing to thread contention.
The generated collection goes to ``benchmarks/_data/`` (not tracked) and is
reused when already there. Timings are the best of ``--repeat`` runs,
interleaved file by file, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import resource
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
    """Write the collection into ``out`` (one folder per server); say how."""
    from clpkit import samples

    samples.generate(out, servers=servers, days=days, seed=seed, archive=False)
    return f"clpkit.samples.generate(days={days}, servers={servers}, seed={seed}, archive=False)"


def statistics_only(bundle: Path, out: Path) -> Path:
    """A view of ``bundle`` holding only its statistics files (hard links, same tree)."""
    for kind, paths in statistics_files(bundle).items():
        for p in paths:
            target = out / p.relative_to(bundle)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(p, target)
    return out


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
    """What a quick script does: csv.reader, each column converted as its first value suggests.

    float() for numbers, datetime.strptime() for timestamps, text left as is;
    a value that does not convert is kept as text (no error handling beyond that).
    """
    reader = csv.reader(io.StringIO(data.decode("utf-8", "replace")))
    next(reader, None)
    first = next(reader, None)
    if first is None:
        return 0
    converters = [_converter(v) for v in first]
    rows = [first]
    for row in reader:
        values = []
        for convert, value in zip(converters, row):
            try:
                values.append(convert(value))
            except ValueError:
                values.append(value)
        rows.append(values)
    return len(rows)


def _converter(value: str):
    for layout in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S.%f"):
        try:
            dt.datetime.strptime(value, layout)
            return lambda v, layout=layout: dt.datetime.strptime(v, layout)
        except ValueError:
            pass
    try:
        float(value)
        return float
    except ValueError:
        return str


def _reads_plainly(data: bytes) -> bool:
    try:
        pl.read_csv(data)
        return True
    except pl.exceptions.PolarsError:
        return False


#: The read_csv reference of a kind: plain when it reads every file, else every column as text.
REFERENCES = {"plain": {}, "infer_schema=False": {"infer_schema": False}}


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

        # Plain read_csv guesses dtypes from the first 100 rows; where a later row breaks
        # the guess it raises, and the whole kind is read with every column as text.
        failing = sum(1 for _, b in blobs if not _reads_plainly(b))
        reference = "infer_schema=False" if failing else "plain"
        opts = REFERENCES[reference]
        t_parse = t_polars = t_dates = 0.0
        for p, b in blobs:  # file by file, so load changes hit all three alike
            best = best_of(
                repeat,
                lambda: formats.parse_bytes(kind, b, source=str(p), server="sv"),
                lambda: pl.read_csv(b, **opts),
                lambda: pl.read_csv(b, try_parse_dates=True, **opts),  # context: polars parsing the times
            )
            t_parse, t_polars, t_dates = t_parse + best[0], t_polars + best[1], t_dates + best[2]
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
            "reference": reference,
            "failing": failing,
            "files": len(blobs),
            "mb": size / MB,
            "clpkit": size / MB / t_parse,
            "read_csv": size / MB / t_polars,
            "read_csv_dates": size / MB / t_dates,
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


class ChildFailed(Exception):
    pass


def child(code: str, *args: str) -> dict:
    res = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)
    if res.returncode != 0:
        raise ChildFailed(res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_ingest(bundle: Path, work: Path) -> tuple[dict, Path]:
    """``clpkit.ingest.ingest`` of the collection in a fresh process; of its statistics alone if that fails."""
    with tempfile.TemporaryDirectory(dir=work) as out:
        try:
            return child(_INGEST_CHILD, bundle, out), bundle
        except ChildFailed as exc:
            print(f"\n  !! ingest of the whole collection failed: {exc}")
            print("  !! (not a statistics parser; measuring the ingest of the statistics files alone)")
    only = statistics_only(bundle, work / "statistics-only")
    with tempfile.TemporaryDirectory(dir=work) as out:
        return child(_INGEST_CHILD, only, out), only


def largest_file_set(files: dict[str, list[Path]]) -> tuple[str, list[Path], int]:
    """The rotation series (one server, one series, every generation) with the most bytes."""
    sets: dict[tuple[str, str], list[Path]] = {}
    for kind, paths in files.items():
        for p in paths:
            sets.setdefault((kind, str(p.parent) + "/" + formats.generation(p.name)[0]), []).append(p)
    (kind, _), paths = max(sets.items(), key=lambda kv: sum(p.stat().st_size for p in kv[1]))
    return kind, paths, sum(p.stat().st_size for p in paths)


# --- command line to command line, one 64 MB file per format (issue 11) --------------------

#: Rows of the sample generator tiled into the large files (the time columns are rewritten).
_TEMPLATE_DAYS = 2


def _template_rows(kind: str) -> tuple[str, pl.DataFrame]:
    """The header line and the body (as text columns) of one generated file of ``kind``."""
    from clpkit import samples

    with tempfile.TemporaryDirectory() as tmp:
        samples.generate(Path(tmp), servers=2, days=_TEMPLATE_DAYS, seed=3, archive=False)
        paths = statistics_files(Path(tmp))[kind]
        path = max(paths, key=lambda p: p.stat().st_size)
        data = path.read_bytes()
    header = data.split(b"\n", 1)[0].decode()
    body = pl.read_csv(data, infer_schema=False, quote_char='"')
    return header, body


def large_file(kind: str, target: int, path: Path) -> Path:
    """``path``: about ``target`` bytes of ``kind``, the template's rows cycled under new times.

    Times advance 60 s a row (mirror, system: the sampling interval) or 7 s
    (cluster: one completed action), with milliseconds where the cluster
    writes them, so that no two rows share a timestamp.
    """
    if path.is_file() and path.stat().st_size >= target:
        return path
    header, body = _template_rows(kind)
    line_bytes = sum(len(",".join(r)) for r in body.head(200).fill_null("").rows()) / min(200, body.height) + 12
    n = int(target / line_bytes * 1.3) + 1  # generous, cut to size below
    index = pl.int_range(0, n, eager=True)
    rows = body.select(pl.all().gather(index % body.height)).with_columns(index.alias("_i"))
    i = pl.col("_i")
    base = pl.datetime(2025, 1, 1, time_unit="ms")
    q = lambda e: pl.lit('"') + e + pl.lit('"')  # noqa: E731
    if kind == "cluster_stats":
        start = base + pl.duration(milliseconds=i * 7_000 + (i * 37) % 1000)
        elapsed = pl.col("ElapsedTime(ms)").cast(pl.Int64)
        end = start + pl.duration(milliseconds=elapsed)
        ms = lambda e: e.dt.strftime("%Y/%m/%d %H:%M:%S%.3f")  # noqa: E731
        rc = pl.col("ReturnCode")
        line = pl.concat_str(
            [q(ms(end)), q(pl.col("Name")), q(pl.col("Action")), q(pl.col("Result")),
             pl.when(rc.is_null() | (rc == "")).then(pl.lit("")).otherwise(q(rc)),
             q(ms(start)), q(ms(end)), q(elapsed.cast(pl.String))],
            separator=",",
        )
    else:
        stamp = (base + pl.duration(seconds=i * 60)).dt.strftime("%Y/%m/%d %H:%M:%S")
        quoted = header.startswith('"')
        cells = [stamp] + [pl.col(c).fill_null("") for c in body.columns[1:]]
        line = pl.concat_str([q(c) if quoted else c for c in cells], separator=",")
    lines = rows.select(line.alias("line"))["line"]
    lines = lines.filter((lines.str.len_bytes() + 1).cum_sum() <= target - len(header) - 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((header + "\n" + "\n".join(lines.to_list()) + "\n").encode())
    return path


_READ_CSV_CHILD = """
import sys, polars as pl
opts = {"infer_schema": False} if sys.argv[2] == "text" else {}
print(pl.read_csv(sys.argv[1], **opts).height)
"""

#: The file names that make each kind (cluster statistics count inside a monitor/ folder).
_LARGE_NAMES = {"mirror_stats": "perf/disk/nmp1.cur", "system_stats": "log/system/system.cur",
                "cluster_stats": "perf/cluster/monitor/genw.cur"}  # fmt: skip


def _run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, all threads) and stdout of one child process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: .pyc cached
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise ChildFailed(res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, res.stdout


def cli_to_cli(work: Path, target_mb: float, repeat: int) -> bool:
    """``clpkit parse FILE --summary`` against a ``polars.read_csv(FILE)`` process; True when every target is met.

    The target is judged on wall time; CPU time (all threads) is printed beside it, as it
    says more on a machine other work shares.
    """
    clpkit = str(Path(sys.executable).with_name("clpkit"))
    load = os.getloadavg()[0]
    print(f"command line to command line: one {target_mb:g} MB file per format (best of {repeat};"
          f" load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"  {'kind':14s} {'MB':>6s} {'rows':>8s} {'clpkit s':>9s} {'read_csv s':>10s} {'ratio':>6s}"
          f" {'cpu ratio':>9s}   target ≥ 0.5× (wall)")
    met = True
    for kind, name in _LARGE_NAMES.items():
        path = large_file(kind, int(target_mb * MB), work / f"{target_mb:g}mb" / name)
        mode = "plain" if _reads_plainly(path.read_bytes()) else "text"
        ours_cmd = [clpkit, "parse", str(path), "--summary"]
        ref_cmd = [sys.executable, "-c", _READ_CSV_CHILD, str(path), mode]
        _run(ours_cmd), _run(ref_cmd)  # warm-up: page cache, .pyc files
        ours, ref = [float("inf")] * 2, [float("inf")] * 2
        for _ in range(repeat):
            wall, cpu, out = _run(ours_cmd)
            ours, rows = [min(ours[0], wall), min(ours[1], cpu)], json.loads(out)
            wall, cpu, _ = _run(ref_cmd)
            ref = [min(ref[0], wall), min(ref[1], cpu)]
        ratio, cpu_ratio = ref[0] / ours[0], ref[1] / ours[1]
        met &= ratio >= 0.5 and rows["rejected"] == 0
        note = "" if mode == "plain" else "  (read_csv with infer_schema=False: the 100-row guess raises)"
        print(f"  {kind:14s} {path.stat().st_size / MB:6.1f} {rows['rows']:8d} {ours[0]:9.2f} {ref[0]:10.2f}"
              f" {ratio:6.2f} {cpu_ratio:9.2f}   {verdict(ratio >= 0.5)}"
              + (f" ({rows['rejected']} rows rejected!)" if rows["rejected"] else "") + note)
    return met


# --- report ------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=HERE / "_data" / "ingest", help="where the collection goes")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="timing rounds (best is kept)")
    ap.add_argument("--loop-mb", type=float, default=16.0, help="MB per format fed to the Python loop")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--cli-mb", type=float, default=64.0, help="size of each file of the command-line comparison")
    ap.add_argument("--cli-only", action="store_true", help="run the command-line comparison alone")
    args = ap.parse_args(argv)

    cli_met = cli_to_cli(args.data, args.cli_mb, args.repeat)
    print(f"  command-line targets: {'all met' if cli_met else 'MISSED'}\n")
    if args.cli_only:
        return 0 if cli_met else 1

    bundle = args.data / "bundle"
    if args.regenerate or not bundle.is_dir():
        bundle.mkdir(parents=True, exist_ok=True)
        how = generate(bundle, args.days, args.servers, args.seed)
    else:
        how = f"reused {bundle}"
    files = statistics_files(bundle)
    total = sum(p.stat().st_size for ps in files.values() for p in ps)
    print(f"collection: {bundle} ({how}); polars threads: {pl.thread_pool_size()}")
    for kind, paths in files.items():
        size = sum(p.stat().st_size for p in paths)
        print(f"  {kind:14s} {len(paths):3d} files {size / MB:8.1f} MB  largest {max((p.stat().st_size for p in paths), default=0) / MB:5.1f} MB")
    print(f"  statistics in all: {total / MB:.1f} MB (target ≥ 200 MB: {verdict(total >= 200 * MB)})")

    print(f"\nper format (best of {args.repeat}; Python loop on the first ~{args.loop_mb:g} MB of each)")
    print(f"  {'kind':14s} {'MB':>7s} {'clpkit':>8s} {'read_csv':>9s} {'ratio':>6s} {'python':>7s}"
          f"   (in process; MB/s; context: read_csv with try_parse_dates)")
    rates = per_format(files, args.repeat, args.loop_mb)
    for kind, r in rates.items():
        ratio = r["clpkit"] / r["read_csv"]
        print(
            f"  {kind:14s} {r['mb']:7.1f} {r['clpkit']:8.1f} {r['read_csv']:9.1f} {ratio:6.2f} {r['python']:7.2f}"
            f"   ({r['read_csv_dates']:.1f})"
        )
        print(f"  {'':14s} read_csv reference: {r['reference']}"
              + (f" ({r['failing']} of {r['files']} files break the default 100-row dtype guess)" if r["failing"] else ""))

    python_seconds = sum(r["mb"] / r["python"] for r in rates.values())
    python_rate = sum(r["mb"] for r in rates.values()) / python_seconds
    run, ingested = run_ingest(bundle, args.data)
    size_all = sum(p.stat().st_size for p in ingested.rglob("*") if p.is_file())
    ingest_rate = size_all / MB / run["seconds"]
    print(f"\nwhole ingest of {ingested} ({run['what']}, fresh process)")
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

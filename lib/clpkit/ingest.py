"""A bundle as a Parquet dataset: one table per kind, hive-partitioned by server.

Layout written by :func:`ingest` (``DIR`` is the output folder)::

    DIR/_clpkit_manifest.json                   what was parsed, with fingerprints
    DIR/mirror_stats/server=sv1/part-<id>.parquet   rows of one file
    DIR/problems/server=sv1/part-<id>.parquet       that file's problems
    DIR/problems/server=sv1/bundle.parquet          refused archive members…

polars (``pl.scan_parquet("DIR/mirror_stats", hive_partitioning=True)``),
DuckDB (``read_parquet('DIR/mirror_stats/**/*.parquet', hive_partitioning=true)``)
and Spark read it as is: the ``server`` column lives in the folder name only,
every part of a table has the same columns in the same order, and the
manifest's leading underscore keeps Spark from reading it.

Incremental runs. Each file is one part, so a file whose fingerprint (size,
modification time, SHA-256 of its first 64 KiB) and position in its rotation
series are unchanged keeps its part without being parsed again. Rotation
duplicates are dropped when a part is written: the part of a newer generation
holds its rows minus those equal to the rows stored for the generation before
it (the same rule as :meth:`clpkit.bundle.Bundle.table`). A part therefore
depends on its older sibling too: when a generation is parsed again, every
newer generation of that series is parsed again; when only ``.cur`` grew, it
alone is parsed and compared with the stored ``.pre`` part. Parts of files
that left the bundle are removed.

A file's rows come from :meth:`clpkit.bundle.Bundle.load`, the step the
bundle's own tables are built with, so a file gives one part per table it
fills: an emergency archive ``elog_*.tar.gz`` its member list (``elog``)
and the module logs inside it (``module_log``, with the archive columns).
The summary's ``skipped`` is the number of lines the files skipped (unrelated
syslog lines, blank lines, repeated headers; see :attr:`clpkit.bundle.Bundle.skipped`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import polars as pl
from tqdm import tqdm

from clpkit import formats
from clpkit.bundle import Bundle, BundleFile, combine, drop_boundary_duplicates, open_bundle
from clpkit.problems import ClpkitError, problems_frame, rejected_rows

MANIFEST = "_clpkit_manifest.json"
MANIFEST_VERSION = 4  # 4: parts and rows per table a file fills; skipped lines of every kind
PROBLEMS_TABLE = "problems"
HEAD_BYTES = 64 * 1024
#: Partition value of rows without a server (Hive's and Spark's spelling of null).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def fingerprint(path: str | os.PathLike) -> dict:
    """Size, modification time and a hash of the head: enough to tell a file changed."""
    st = os.stat(path)
    with open(path, "rb") as fh:
        head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "head_sha256": head}


def part_name(server: str, source: str) -> str:
    """The file name of a file's part: stable, short, safe in any file system.

    >>> part_name("sv1", "sv1.tar.gz/perf/disk/nmp1.cur")
    'part-...parquet'
    """
    return f"part-{hashlib.sha1(f'{server}/{source}'.encode()).hexdigest()[:16]}.parquet"


def partition(table: str, server: str | None) -> str:
    """``table/server=<name>``, the name percent-encoded as Hive does.

    >>> partition("mirror_stats", "sv1"), partition("problems", None)
    ('mirror_stats/server=sv1', 'problems/server=__HIVE_DEFAULT_PARTITION__')
    """
    value = NULL_PARTITION if server is None else quote(server, safe="")
    return f"{table}/server={value}"


def ingest(
    bundle: Bundle | str | os.PathLike | list,
    out: str | os.PathLike,
    *,
    servers=None,
    limits=None,
    progress: bool | None = None,
    prune: bool = False,
) -> dict:
    """Write or update the dataset in ``out``; return the summary printed by ``clpkit ingest``.

    ``bundle`` is an open :class:`~clpkit.bundle.Bundle` or what
    :func:`~clpkit.bundle.open_bundle` accepts (with ``servers`` and ``limits``).
    ``progress`` shows a bar on stderr; by default only when stderr is a terminal.

    Servers already in the dataset but absent from this input keep their
    rows (one collection per server, ingested one after the other, builds
    up one dataset); ``prune`` removes them. Only one ingest writes a
    dataset at a time: a second one raises :class:`ClpkitError` at once.
    Every file is written under a temporary name and renamed, so a full
    disk or a kill leaves complete parts only.
    """
    with locked(Path(out)):
        if isinstance(bundle, Bundle):
            return _Ingest(bundle, Path(out), progress, prune).run()
        with open_bundle(bundle, servers=servers, limits=limits) as opened:
            return _Ingest(opened, Path(out), progress, prune).run()


LOCK = ".clpkit-ingest.lock"
_HELD: set[Path] = set()  # datasets this process holds (the CLI takes the lock before it opens the bundle)


@contextmanager
def locked(out: Path):
    """Hold ``out/.clpkit-ingest.lock`` (flock: released by the kernel however the process ends).

    A second holder refuses at once with one line rather than waiting an
    unknown time behind a long ingest (cron jobs would pile up).
    """
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    key = out.resolve()
    if key in _HELD:
        yield
        return
    with open(out / LOCK, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ClpkitError(f"{out}: another clpkit ingest is writing this dataset; run again when it has finished") from None
        _HELD.add(key)
        try:
            yield
        except BaseException:
            if created:  # a refused input leaves no empty dataset behind that looks like a result
                _remove_if_only_lock(out)
            raise
        finally:
            _HELD.discard(key)
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_if_only_lock(out: Path) -> None:
    """Remove ``out`` when this run created it and wrote nothing but the lock."""
    try:
        if [p.name for p in out.iterdir()] == [LOCK]:
            (out / LOCK).unlink()
            out.rmdir()
    except OSError:
        pass


class _Ingest:
    def __init__(self, bundle: Bundle, out: Path, progress: bool | None, prune: bool = False):
        self.bundle, self.out, self.prune = bundle, out, prune
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.old = self._load_manifest()
        self.new: dict[tuple[str, str], dict] = {}  # (server, source) -> manifest entry
        self.parsed = self.reused = 0
        self.touched: set[str] = set()

    def _load_manifest(self) -> dict[tuple[str, str], dict]:
        path = self.out / MANIFEST
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        if data.get("version") != MANIFEST_VERSION:
            return {}
        return {(e["server"], e["source"]): e for e in data.get("files", [])}

    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        for stale in self.out.glob("*/server=*/.tmp-*"):
            stale.unlink()
        groups = [g for kind in self.bundle.tables() for g in self.bundle.series(kind)]
        total = sum(len(g) for g in groups)
        with tqdm(total=total, disable=not self.progress, file=sys.stderr, unit="file", desc="ingest") as bar:
            for group in groups:
                self._series(group, bar)
        present = set(self.bundle.servers)
        removed = [key for key in self.old if key not in self.new and (self.prune or key[0] in present)]
        for key in self.old:
            if key not in self.new and key not in removed:
                self.new[key] = self.old[key]  # a server this input does not hold: kept as it was
        for key in removed:
            self._remove(self.old[key])
        self._bundle_problems()
        for kind in sorted(self.touched):
            self._harmonise(kind)
        self._sweep()
        self._write_manifest()
        return self._summary(len(removed))

    # --- one rotation series, oldest generation first ---
    def _series(self, group: list[BundleFile], bar) -> None:
        older: BundleFile | None = None
        older_kept: pl.DataFrame | None = None  # rows stored for the older file, when at hand
        older_parsed = False
        for f in group:
            fp = fingerprint(f.path)
            entry = self.old.get((f.server, f.source))
            reuse = (
                entry is not None
                and not older_parsed
                and entry["fingerprint"] == fp
                and entry["server"] == f.server
                and entry["kind"] == f.kind
                and entry["older"] == (older.source if older else None)
                and all((self.out / p).is_file() for p in _parts(entry))
            )
            if reuse:
                self.new[f.server, f.source] = entry
                self.reused += 1
                older_kept = None
                older_parsed = False
            else:
                if older is not None and older_kept is None:
                    older_kept = self._stored_rows(self.new[older.server, older.source], older.server)
                older_kept = self._parse(f, fp, older, older_kept)
                older_parsed = True
            older = f
            bar.update(1)

    def _parse(self, f: BundleFile, fp: dict, older: BundleFile | None, older_kept) -> pl.DataFrame | None:
        """Parse one file (rows the older generation already holds dropped), write one part per table."""
        self.parsed += 1
        loaded = self.bundle.load(f, older=older_kept)
        parts, rows = {}, {}
        found = [problems_frame(loaded.problems)]
        for table, frame in loaded.tables.items():
            if table != f.kind and frame.is_empty():
                continue
            self.touched.add(table)
            parts[table] = f"{partition(table, f.server)}/{part_name(f.server, f.source)}"
            rows[table] = frame.height
            self._write(frame.drop("server"), parts[table])
            found.append(rejected_rows(frame))
        found = pl.concat(found).unique(maintain_order=True)
        problems_part = None
        if found.height:
            problems_part = f"{partition(PROBLEMS_TABLE, f.server)}/{part_name(f.server, f.source)}"
            self._write(found.drop("server"), problems_part)
        previous = self.old.get((f.server, f.source))
        if previous:
            for old_part in _parts(previous):
                if old_part not in (*parts.values(), problems_part):
                    (self.out / old_part).unlink(missing_ok=True)
        self.touched.add(f.kind)
        self.new[f.server, f.source] = {
            "server": f.server,
            "source": f.source,
            "kind": f.kind,
            "fingerprint": fp,
            "older": older.source if older else None,
            "parts": parts,
            "rows": rows,
            "problems_part": problems_part,
            "problems": found.height,
            "skipped": sum(loaded.skipped.values()),
        }
        return loaded.frame

    def _stored_rows(self, entry: dict, server: str) -> pl.DataFrame | None:
        part = entry["parts"].get(entry["kind"])
        if not part:
            return None
        return pl.read_parquet(self.out / part).with_columns(pl.lit(server, pl.String).alias("server"))

    # --- files on disk ---
    def _write(self, frame: pl.DataFrame, rel: str) -> None:
        final = self.out / rel
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".tmp-{final.name}")
        try:
            frame.write_parquet(tmp)
            os.replace(tmp, final)
        except pl.exceptions.ComputeError as exc:  # polars' word for an I/O error while writing (a full disk)
            reason = str(exc).splitlines()[0].rpartition("IO error: ")[2]
            raise ClpkitError(f"{final}: cannot write the dataset: {reason}") from None
        finally:  # a full disk, a kill turned into SystemExit: no truncated file left
            tmp.unlink(missing_ok=True)

    def _remove(self, entry: dict) -> None:
        self.touched.add(entry["kind"])
        self.touched.update(entry["parts"])
        for rel in _parts(entry):
            (self.out / rel).unlink(missing_ok=True)

    def _bundle_problems(self) -> None:
        """Problems not tied to one parsed file (refused archive members…): rewritten every run."""
        found = problems_frame(self.bundle.input_problems)
        for old in (self.out / PROBLEMS_TABLE).glob("server=*/bundle.parquet"):
            if self._rewritten(old.parent.name):
                old.unlink()
        self.bundle_problem_count = found.height
        if found.is_empty():  # the table always exists, so that queries on it never fail
            self._write(found.drop("server"), f"{partition(PROBLEMS_TABLE, None)}/bundle.parquet")
        for (server,), rows in found.group_by("server", maintain_order=True):
            self._write(rows.drop("server"), f"{partition(PROBLEMS_TABLE, server)}/bundle.parquet")

    def _rewritten(self, folder: str) -> bool:
        """Whether this run rewrites the bundle problems of a ``server=…`` folder (kept servers keep theirs)."""
        kept = {quote(key[0], safe="") for key in self.new} - {quote(s, safe="") for s in self.bundle.servers}
        return self.prune or folder.removeprefix("server=") not in kept

    def _harmonise(self, kind: str) -> None:
        """Give every part of a table the same columns in the same order (readers need it)."""
        parts = sorted((self.out / kind).glob("server=*/part-*.parquet"))
        if not parts:
            return
        schemas = {p: pl.read_parquet_schema(p) for p in parts}
        union = combine([pl.Schema(s).to_frame() for s in schemas.values()], formats.table_schema(kind))
        wanted = union.schema
        for path, schema in schemas.items():
            if pl.Schema(schema) != wanted:
                frame = pl.read_parquet(path)
                frame = frame.with_columns(
                    pl.lit(None, dtype).alias(name) for name, dtype in wanted.items() if name not in frame.columns
                )
                self._write(frame.select(wanted.names()).cast(dict(wanted)), path.relative_to(self.out).as_posix())

    def _sweep(self) -> None:
        """Remove parts no manifest entry names (left by an interrupted run) and empty folders."""
        keep = {p for e in self.new.values() for p in _parts(e)}
        tables = {spec.kind for spec in formats.REGISTRY} | {PROBLEMS_TABLE}
        for table in tables:
            base = self.out / table
            if not base.is_dir():
                continue
            for part in base.glob("server=*/part-*.parquet"):
                if part.relative_to(self.out).as_posix() not in keep:
                    part.unlink()
            for folder in sorted(base.glob("server=*"), reverse=True):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            if not any(base.iterdir()):
                base.rmdir()

    def _write_manifest(self) -> None:
        tmp = self.out / f".tmp-{MANIFEST}"
        try:
            tmp.write_text(json.dumps({"version": MANIFEST_VERSION, "files": list(self.new.values())}, indent=1, sort_keys=True))
            os.replace(tmp, self.out / MANIFEST)
        finally:
            tmp.unlink(missing_ok=True)

    def _summary(self, removed: int) -> dict:
        tables: dict[str, dict] = {}
        for entry in self.new.values():
            for table, n in entry["rows"].items():
                t = tables.setdefault(table, {"rows": 0, "files": 0})
                t["rows"] += n
                t["files"] += 1
        order = [spec.kind for spec in formats.REGISTRY]
        return {
            "out": str(self.out),
            "servers": self.bundle.servers + sorted({k[0] for k in self.new} - set(self.bundle.servers)),
            "tables": {k: tables[k] for k in sorted(tables, key=order.index)},
            "files": {"parsed": self.parsed, "reused": self.reused, "removed": removed},
            "problems": self.bundle_problem_count + sum(e["problems"] for e in self.new.values()),
            "skipped": sum(e["skipped"] for e in self.new.values()),
        }


def _parts(entry: dict) -> list[str]:
    """The files a manifest entry wrote."""
    return [p for p in (*entry["parts"].values(), entry["problems_part"]) if p]


def read_table(out: str | os.PathLike, table: str) -> pl.LazyFrame:
    """One table of a dataset written by :func:`ingest`, ``server`` read from the folders."""
    return pl.scan_parquet(Path(out) / table, hive_partitioning=True, hive_schema={"server": pl.String})

"""Collections as one Parquet dataset: a table per kind, hive-partitioned by cluster and server.

Layout written by :func:`ingest` (``DIR`` is the output folder; docs/DATASET.md
lists every table's columns)::

    DIR/_clpkit_manifest.json                                what was parsed, with fingerprints
    DIR/mirror_stats/cluster=c1/server=sv1/part-<id>.parquet     rows of one file
    DIR/problems/cluster=c1/server=sv1/part-<id>.parquet         that file's problems
    DIR/problems/cluster=c1/server=sv1/bundle.parquet            refused archive members…
    DIR/findings/cluster=c1/findings.parquet                     the cluster's findings (CLI)

The cluster is the ``<cluster><name>`` of the input's clp.conf (an input
without one joins the one cluster the other inputs name, else the null
partition ``__HIVE_DEFAULT_PARTITION__``). Several inputs may be given: those
naming the same cluster are merged by server (refused when two of them hold a
server of the same name); each other cluster gets its own partition, so one
dataset holds a fleet. Servers of the same name in different clusters are
distinct rows (``cluster`` tells them apart).

polars (``pl.scan_parquet("DIR/mirror_stats", hive_partitioning=True)``),
DuckDB (``read_parquet('DIR/mirror_stats/**/*.parquet', hive_partitioning=true)``)
and Spark read it as is: ``cluster`` and ``server`` live in the folder names
only, every part of a table has the same columns in the same order, and the
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
that left the bundle are removed. Other clusters of the dataset, and servers
of the ingested cluster that this input lacks, keep their parts unless
``prune``.

A file's rows come from :meth:`clpkit.bundle.Bundle.load`, the step the
bundle's own tables are built with, so a file gives one part per table it
fills: an emergency archive ``elog_*.tar.gz`` its member list (``elog``)
and the module logs inside it (``module_log``, with the archive columns).
The summary's ``skipped`` is the number of lines the files skipped (unrelated
syslog lines, blank lines, repeated headers; see :attr:`clpkit.bundle.Bundle.skipped`).

``findings=True`` (``clpkit ingest`` does it unless ``--no-findings``) also
writes each ingested cluster's :func:`clpkit.findings.findings` (English
texts), computed from the dataset just written, for the fleet page
(:mod:`clpkit.fleet`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import polars as pl
from tqdm import tqdm

from clpkit import formats
from clpkit.bundle import Bundle, BundleFile, combine, drop_boundary_duplicates, open_bundle
from clpkit.problems import ClpkitError, problems_frame, rejected_rows

MANIFEST = "_clpkit_manifest.json"
MANIFEST_VERSION = 5  # 5: partitioned by cluster, then server; findings per cluster
PROBLEMS_TABLE = "problems"
FINDINGS_TABLE = "findings"
HEAD_BYTES = 64 * 1024
#: Partition value of rows without a server (Hive's and Spark's spelling of null).
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


#: A table's own column named like a partition column is stored under another name: readers would
#: otherwise merge it with the folder's value (clpstat's ``cluster``, the name the command printed).
STORED_AS = {"cluster": "file_cluster"}


def stored_schema(kind: str) -> pl.Schema:
    """The columns a part of table ``kind`` holds: its schema without ``server``, renamed by :data:`STORED_AS`.

    >>> "file_cluster" in stored_schema("clpstat"), "cluster" in stored_schema("clpstat")
    (True, False)
    """
    return pl.Schema({STORED_AS.get(c, c): t for c, t in formats.table_schema(kind).items() if c != "server"})


def to_stored(frame: pl.DataFrame) -> pl.DataFrame:
    """A table's rows as a part holds them (no ``server``; :data:`STORED_AS` applied)."""
    frame = frame.drop("server", strict=False)
    return frame.rename({c: n for c, n in STORED_AS.items() if c in frame.columns})


def from_stored(frame):
    """A part's rows (or a scan of parts) with the table's own column names back."""
    names = frame.collect_schema().names() if isinstance(frame, pl.LazyFrame) else frame.columns
    if "cluster" in names:  # the partition column: a bundle's tables have none
        frame = frame.drop("cluster")
    return frame.rename({n: c for c, n in STORED_AS.items() if n in names})


def fingerprint(path: str | os.PathLike) -> dict:
    """Size, modification time and a hash of the head: enough to tell a file changed."""
    st = os.stat(path)
    with open(path, "rb") as fh:
        head = hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "head_sha256": head}


def part_name(cluster: str | None, server: str, source: str) -> str:
    """The file name of a file's part: stable, short, safe in any file system.

    >>> part_name("c1", "sv1", "sv1.tar.gz/perf/disk/nmp1.cur")
    'part-...parquet'
    """
    return f"part-{hashlib.sha1(f'{cluster}/{server}/{source}'.encode()).hexdigest()[:16]}.parquet"


def _value(name: str | None) -> str:
    return NULL_PARTITION if name is None else quote(name, safe="")


def partition(table: str, cluster: str | None, server: str | None = None, *, servers: bool = True) -> str:
    """``table/cluster=<name>/server=<name>``, names percent-encoded as Hive does.

    >>> partition("mirror_stats", "c1", "sv1"), partition("problems", None, None)
    ('mirror_stats/cluster=c1/server=sv1', 'problems/cluster=__HIVE_DEFAULT_PARTITION__/server=__HIVE_DEFAULT_PARTITION__')
    >>> partition("findings", "c 1", servers=False)
    'findings/cluster=c%201'
    """
    folder = f"{table}/cluster={_value(cluster)}"
    return f"{folder}/server={_value(server)}" if servers else folder


def cluster_of(bundle: Bundle) -> str | None:
    """The cluster's name in the bundle's (first) clp.conf; None without one."""
    return getattr(bundle.config, "name", None) or None


@contextmanager
def open_inputs(inputs: Sequence, servers=None, limits=None, opener=open_bundle,
                ) -> Iterator[list[tuple[str | None, list[Bundle]]]]:
    """Open each input on its own and group them by cluster: ``[(cluster, [bundle, …]), …]``.

    Inputs naming the same cluster (one archive per server) are merged by
    server; two of them holding a server of the same name are refused, as
    are ``servers`` renames no input uses. An input without clp.conf joins
    the one cluster the others name (else it is the cluster ``None``).
    Given a list of names, ``servers`` names the servers of all inputs in
    order: they are then opened together, as one cluster. ``opener`` is
    :func:`~clpkit.bundle.open_bundle` or a context manager taking its
    arguments (the CLI's, which reports incomplete input on stderr).
    """
    with ExitStack() as stack:
        if servers is not None and not isinstance(servers, dict):
            bundles = [stack.enter_context(opener(list(inputs), servers=servers, limits=limits))]
        else:
            bundles = [stack.enter_context(opener(i, servers=servers, limits=limits, unknown_servers_ok=True))
                       for i in inputs]
            if servers:
                used = {k for b in bundles for k in (*b.renamed, *(r.origin for r in b._roots))}
                unknown = set(servers) - used
                if unknown:
                    found = ", ".join(s for b in bundles for s in b.servers)
                    raise ClpkitError(f"servers: no server or input named {', '.join(sorted(unknown))} (found: {found})")
        yield group_by_cluster(bundles)


def group_by_cluster(bundles: list[Bundle]) -> list[tuple[str | None, list[Bundle]]]:
    """``[(cluster, bundles)]`` in input order; see :func:`open_inputs` for the rules."""
    named = {b_id: cluster_of(b) for b_id, b in enumerate(bundles)}
    names = {n for n in named.values() if n is not None}
    fallback = next(iter(names)) if len(names) == 1 else None
    groups: dict[str | None, list[Bundle]] = {}
    for i, b in enumerate(bundles):
        groups.setdefault(named[i] if named[i] is not None else fallback, []).append(b)
    for cluster, members in groups.items():
        seen: dict[str, Bundle] = {}
        for b in members:
            for server in b.servers:
                if server in seen:
                    where = f"cluster {cluster!r}" if cluster is not None else "the inputs (no clp.conf names a cluster)"
                    raise ClpkitError(
                        f"{origin_of(seen[server])} and {origin_of(b)} both hold server {server!r} of {where}; "
                        "give one another name with --server FOUND=NAME, or ingest them into separate datasets")
                seen[server] = b
    return list(groups.items())


def origin_of(bundle: Bundle) -> str:
    """The input(s) a bundle was opened from, as given."""
    return ", ".join(dict.fromkeys(r.origin for r in bundle._roots))


def ingest(
    bundle: Bundle | str | os.PathLike | list,
    out: str | os.PathLike,
    *,
    servers=None,
    limits=None,
    progress: bool | None = None,
    prune: bool = False,
    findings: bool = False,
) -> dict:
    """Write or update the dataset in ``out``; return the summary printed by ``clpkit ingest``.

    ``bundle`` is an open :class:`~clpkit.bundle.Bundle`, a list of them, or
    one or several inputs :func:`~clpkit.bundle.open_bundle` accepts (with
    ``servers`` and ``limits``), each opened on its own and grouped by
    cluster (:func:`open_inputs`).
    ``progress`` shows a bar on stderr; by default only when stderr is a terminal.

    Servers already in the dataset but absent from this input keep their
    rows (one collection per server, ingested one after the other, builds
    up one dataset), and so do other clusters; ``prune`` removes them all,
    so that the dataset is exactly this input. ``findings`` writes each
    ingested cluster's findings table. Only one ingest writes a dataset at
    a time: a second one raises :class:`ClpkitError` at once.
    Every file is written under a temporary name and renamed, so a full
    disk or a kill leaves complete parts only.
    """
    with locked(Path(out)):
        if isinstance(bundle, Bundle) or (isinstance(bundle, list) and bundle and isinstance(bundle[0], Bundle)):
            bundles = [bundle] if isinstance(bundle, Bundle) else list(bundle)
            return _Ingest(group_by_cluster(bundles), Path(out), progress, prune, findings).run()
        inputs = [bundle] if isinstance(bundle, (str, os.PathLike)) else list(bundle)
        with open_inputs(inputs, servers=servers, limits=limits) as groups:
            return _Ingest(groups, Path(out), progress, prune, findings).run()


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
    def __init__(self, groups: list[tuple[str | None, list[Bundle]]], out: Path, progress: bool | None,
                 prune: bool = False, findings: bool = False):
        self.groups, self.out, self.prune, self.findings = groups, out, prune, findings
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.old, self.old_findings = self._load_manifest()
        self.new: dict[tuple[str | None, str, str], dict] = {}  # (cluster, server, source) -> manifest entry
        self.new_findings: dict[str | None, dict] = {}  # cluster -> {"part", "rows"}
        self.parsed = self.reused = 0
        self.touched: set[str] = set()
        self.present = {(cluster, s) for cluster, bundles in groups for b in bundles for s in b.servers}
        self.clusters = [cluster for cluster, _ in groups]

    def _load_manifest(self) -> tuple[dict, dict]:
        path = self.out / MANIFEST
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}, {}
        if data.get("version") != MANIFEST_VERSION:
            return {}, {}
        files = {(e["cluster"], e["server"], e["source"]): e for e in data.get("files", [])}
        return files, {e["cluster"]: e for e in data.get("findings", [])}

    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        for stale in self.out.glob("*/cluster=*/**/.tmp-*"):
            stale.unlink()
        work = [(cluster, b, g) for cluster, bundles in self.groups for b in bundles
                for kind in b.tables() for g in b.series(kind)]
        total = sum(len(g) for _, _, g in work)
        with tqdm(total=total, disable=not self.progress, file=sys.stderr, unit="file", desc="ingest") as bar:
            for cluster, b, group in work:
                self._series(cluster, b, group, bar)
        removed = [key for key in self.old if key not in self.new and (self.prune or key[:2] in self.present)]
        for key in self.old:
            if key not in self.new and key not in removed:
                self.new[key] = self.old[key]  # a server or cluster this input does not hold: kept as it was
        for key in removed:
            self._remove(self.old[key])
        self._bundle_problems()
        for kind in sorted(self.touched):
            self._harmonise(kind)
        if not self.prune:  # the findings of clusters not ingested now stay
            self.new_findings = {c: e for c, e in self.old_findings.items() if c not in self.clusters}
        self._write_manifest()  # the findings below read the dataset through it
        if self.findings:
            for cluster, bundles in self.groups:
                self._write_findings(cluster, bundles)
            self._write_manifest()
        self._sweep()
        return self._summary(len(removed))

    # --- one rotation series, oldest generation first ---
    def _series(self, cluster: str | None, bundle: Bundle, group: list[BundleFile], bar) -> None:
        older: BundleFile | None = None
        older_kept: pl.DataFrame | None = None  # rows stored for the older file, when at hand
        older_parsed = False
        for f in group:
            fp = fingerprint(f.path)
            entry = self.old.get((cluster, f.server, f.source))
            reuse = (
                entry is not None
                and not older_parsed
                and entry["fingerprint"] == fp
                and entry["kind"] == f.kind
                and entry["older"] == (older.source if older else None)
                and all((self.out / p).is_file() for p in _parts(entry))
            )
            if reuse:
                self.new[cluster, f.server, f.source] = entry
                self.reused += 1
                older_kept = None
                older_parsed = False
            else:
                if older is not None and older_kept is None:
                    older_kept = self._stored_rows(self.new[cluster, older.server, older.source], older.server)
                older_kept = self._parse(cluster, bundle, f, fp, older, older_kept)
                older_parsed = True
            older = f
            bar.update(1)

    def _parse(self, cluster: str | None, bundle: Bundle, f: BundleFile, fp: dict, older: BundleFile | None,
               older_kept) -> pl.DataFrame | None:
        """Parse one file (rows the older generation already holds dropped), write one part per table."""
        self.parsed += 1
        loaded = bundle.load(f, older=older_kept)
        parts, rows = {}, {}
        found = [problems_frame(loaded.problems)]
        name = part_name(cluster, f.server, f.source)
        for table, frame in loaded.tables.items():
            if table != f.kind and frame.is_empty():
                continue
            self.touched.add(table)
            parts[table] = f"{partition(table, cluster, f.server)}/{name}"
            rows[table] = frame.height
            self._write(to_stored(frame), parts[table])
            found.append(rejected_rows(frame))
        found = pl.concat(found).unique(maintain_order=True)
        problems_part = None
        if found.height:
            problems_part = f"{partition(PROBLEMS_TABLE, cluster, f.server)}/{name}"
            self._write(found.drop("server"), problems_part)
        previous = self.old.get((cluster, f.server, f.source))
        if previous:
            for old_part in _parts(previous):
                if old_part not in (*parts.values(), problems_part):
                    (self.out / old_part).unlink(missing_ok=True)
        self.touched.add(f.kind)
        self.new[cluster, f.server, f.source] = {
            "cluster": cluster,
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
        return from_stored(pl.read_parquet(self.out / part)).with_columns(pl.lit(server, pl.String).alias("server"))

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
        """Problems not tied to one parsed file (refused archive members…): rewritten every run.

        Those of servers (and clusters) this input does not hold are kept, unless ``prune``.
        """
        kept = {key[:2] for key in self.new} - self.present
        for old in (self.out / PROBLEMS_TABLE).glob("cluster=*/server=*/bundle.parquet"):
            where = (old.parent.parent.name.removeprefix("cluster="), old.parent.name.removeprefix("server="))
            ingested_cluster = where[0] in {_value(c) for c in self.clusters}
            keep = not self.prune and (where in {(_value(c), _value(s)) for c, s in kept} or not ingested_cluster)
            if not keep:
                old.unlink()
        for cluster, bundles in self.groups:
            found = pl.concat([problems_frame(b.input_problems) for b in bundles])
            if found.is_empty():  # the table always exists, so that queries on it never fail
                self._write(found.drop("server"), f"{partition(PROBLEMS_TABLE, cluster, None)}/bundle.parquet")
            for (server,), rows in found.group_by("server", maintain_order=True):
                self._write(rows.drop("server"), f"{partition(PROBLEMS_TABLE, cluster, server)}/bundle.parquet")

    def _harmonise(self, kind: str) -> None:
        """Give every part of a table the same columns in the same order (readers need it)."""
        parts = sorted((self.out / kind).glob("cluster=*/server=*/part-*.parquet"))
        if not parts:
            return
        schemas = {p: pl.read_parquet_schema(p) for p in parts}
        union = combine([pl.Schema(s).to_frame() for s in schemas.values()], stored_schema(kind))
        wanted = union.schema
        for path, schema in schemas.items():
            if pl.Schema(schema) != wanted:
                frame = pl.read_parquet(path)
                frame = frame.with_columns(
                    pl.lit(None, dtype).alias(name) for name, dtype in wanted.items() if name not in frame.columns
                )
                self._write(frame.select(wanted.names()).cast(dict(wanted)), path.relative_to(self.out).as_posix())

    def _write_findings(self, cluster: str | None, bundles: list[Bundle]) -> None:
        """The cluster's findings, computed from the dataset just written (every server of the cluster in it)."""
        from clpkit.dataset import DatasetBundle
        from clpkit.findings import FINDINGS_SCHEMA, findings

        roots = [r for b in bundles for r in b._roots]
        problems = [p for b in bundles for p in b.input_problems]
        view = DatasetBundle(roots, problems, [], self.out, bundles[0]._limits, cluster=cluster, whole_cluster=True)
        view._zone = bundles[0]._zone
        found = findings(view, lang="en")
        found = found.select(FINDINGS_SCHEMA.names()).cast(dict(FINDINGS_SCHEMA))
        rel = f"{partition(FINDINGS_TABLE, cluster, servers=False)}/findings.parquet"
        self._write(found, rel)
        self.new_findings[cluster] = {"cluster": cluster, "part": rel, "rows": found.height}

    def _sweep(self) -> None:
        """Remove parts no manifest entry names (left by an interrupted run, an older layout) and empty folders."""
        keep = {p for e in self.new.values() for p in _parts(e)}
        keep_findings = {e["part"] for e in self.new_findings.values()}
        tables = {spec.kind for spec in formats.REGISTRY} | {PROBLEMS_TABLE, FINDINGS_TABLE}
        for table in tables:
            base = self.out / table
            if not base.is_dir():
                continue
            for legacy in base.glob("server=*"):  # version 4 had no cluster level; its manifest was ignored
                shutil.rmtree(legacy, ignore_errors=True)
            for part in base.glob("cluster=*/server=*/part-*.parquet"):
                if part.relative_to(self.out).as_posix() not in keep:
                    part.unlink()
            for part in base.glob("cluster=*/findings.parquet"):
                if part.relative_to(self.out).as_posix() not in keep_findings:
                    part.unlink()
            for folder in sorted(base.glob("cluster=*/server=*"), reverse=True) + sorted(base.glob("cluster=*")):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            if not any(base.iterdir()):
                base.rmdir()

    def _write_manifest(self) -> None:
        tmp = self.out / f".tmp-{MANIFEST}"
        data = {"version": MANIFEST_VERSION, "files": list(self.new.values()),
                "findings": list(self.new_findings.values())}
        try:
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
            os.replace(tmp, self.out / MANIFEST)
        finally:
            tmp.unlink(missing_ok=True)

    def _summary(self, removed: int) -> dict:
        order = [spec.kind for spec in formats.REGISTRY]

        def tables_of(entries) -> dict:
            tables: dict[str, dict] = {}
            for entry in entries:
                for table, n in entry["rows"].items():
                    t = tables.setdefault(table, {"rows": 0, "files": 0})
                    t["rows"] += n
                    t["files"] += 1
            return {k: tables[k] for k in sorted(tables, key=order.index)}

        ingested = [s for _, bundles in self.groups for b in bundles for s in b.servers]
        clusters = list(dict.fromkeys([*self.clusters, *sorted({k[0] for k in self.new} - set(self.clusters),
                                                                key=lambda c: (c is None, c or ""))]))
        per_cluster = []
        for cluster in clusters:
            entries = [e for k, e in self.new.items() if k[0] == cluster]
            mine = [s for c, bundles in self.groups if c == cluster for b in bundles for s in b.servers]
            per_cluster.append({
                "cluster": cluster,
                "servers": list(dict.fromkeys([*mine, *sorted({e["server"] for e in entries} - set(mine))])),
                "tables": {k: v["rows"] for k, v in tables_of(entries).items()},
                "problems": self._bundle_problem_rows(cluster) + sum(e["problems"] for e in entries),
                "findings": self.new_findings[cluster]["rows"] if cluster in self.new_findings else None,
            })
        return {
            "out": str(self.out),
            "servers": list(dict.fromkeys([*ingested, *sorted({k[1] for k in self.new} - set(ingested))])),
            "tables": tables_of(self.new.values()),
            "files": {"parsed": self.parsed, "reused": self.reused, "removed": removed},
            "problems": sum(c["problems"] for c in per_cluster) + self._bundle_problem_rows(None, others=clusters),
            "skipped": sum(e["skipped"] for e in self.new.values()),
            "clusters": per_cluster,
        }

    def _bundle_problem_rows(self, cluster: str | None, others: list | None = None) -> int:
        """Rows of the ``bundle.parquet`` files of a cluster (with ``others``: of every cluster not in it)."""
        if others is None:
            files = (self.out / PROBLEMS_TABLE).glob(f"cluster={_value(cluster)}/server=*/bundle.parquet")
        else:
            names = {_value(c) for c in others}
            files = [p for p in (self.out / PROBLEMS_TABLE).glob("cluster=*/server=*/bundle.parquet")
                     if p.parent.parent.name.removeprefix("cluster=") not in names]
        return sum(pl.scan_parquet(p).select(pl.len()).collect().item() for p in files)


def _parts(entry: dict) -> list[str]:
    """The files a manifest entry wrote."""
    return [p for p in (*entry["parts"].values(), entry["problems_part"]) if p]


HIVE_SCHEMA = {"cluster": pl.String, "server": pl.String}


def read_table(out: str | os.PathLike, table: str) -> pl.LazyFrame:
    """One table of a dataset written by :func:`ingest`, ``cluster`` and ``server`` read from the folders."""
    hive = {"cluster": pl.String} if table == FINDINGS_TABLE else HIVE_SCHEMA
    return pl.scan_parquet(Path(out) / table, hive_partitioning=True, hive_schema=hive)

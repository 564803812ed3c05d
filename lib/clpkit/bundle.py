"""Open a log collection (folders, archives, an install root) as one set of tables.

:func:`open_bundle` accepts, alone or in a list:

- a folder holding one folder (or one archive) per server;
- one server's log collection, as a folder or a ``.tar.gz/.tgz/.tar/.zip``
  archive (extracted safely by :mod:`clpkit.archive`);
- an install root such as ``/opt/nec/clusterpro`` (recognised by its
  ``log/ perf/ alert/ etc/`` folders).

Files are found by base name anywhere below a server's root (SPEC 2) through
:func:`clpkit.formats.detect`; the exact inner tree of a collection is not
published, so no fixed path is assumed. The one exception is cluster
statistics, whose names (``fip.cur``, ``genw.cur``) are too generic: they count
only inside a ``group/`` or ``monitor/`` folder (``perf/cluster/group/``).

Server names come from the folder or archive name (``sv1.tar.gz`` → ``sv1``);
an install root named ``clusterpro`` takes the host's name, spelled as in its
``clp.conf`` when the host is listed there. ``servers=`` overrides any of them.

Every frame's ``source`` is the file's path below the input's own name
(``collection/sv1/perf/disk/nmp1.cur``, ``sv1.tar.gz/perf/disk/nmp1.cur``),
so it is the same wherever the collection lies or is extracted;
:mod:`clpkit.ingest` relies on that.

Tables are assembled from the format contract alone (:func:`clpkit.formats.scan_bytes`),
with no code for any one kind: a file's rows for other tables (the module
logs inside the emergency archives ``elog_<mod><g>.tar.gz``, whose
``source`` is ``<archive source>!<member>``) join those tables, and the
lines a file skipped (syslog's unrelated lines, blank lines, repeated
headers) are counted by reason in :attr:`Bundle.skipped`.
:meth:`Bundle.load` is the one step from a file to its rows, shared with
:mod:`clpkit.ingest`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import stat
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import polars as pl

from clpkit import formats
from clpkit.archive import Budget, Limits, archive_stem, extract, is_archive, readable_name, remove_tree
from clpkit.problems import PROBLEMS_SCHEMA, ClpkitError, ParseError, Problem, problems_frame, rejected_rows

if TYPE_CHECKING:
    from clpkit.zone import Zone

#: Folders of an install root (SPEC 2); two of them make a folder one server's root.
INSTALL_LAYOUT = ("log", "perf", "alert", "etc")
#: Name of the install folder; such a root is named after the host, not the folder.
INSTALL_DIR_NAME = "clusterpro"
#: Emergency log archives (SPEC 3.1) are files of a server, never a server of their own.
NESTED_ARCHIVE = re.compile(r"elog_.*")
#: Parent folders in which generic ``<type>.cur`` names are cluster statistics (SPEC 3.4).
CLUSTER_STATS_FOLDERS = frozenset({"group", "monitor"})
#: Columns that say where a row came from rather than what it holds.
LOCATION_COLUMNS = ("source", "line")
#: The line number of a log entry a continuation row belongs to: a location too (see drop_boundary_duplicates).
CONTINUES = "continues"

FILES_SCHEMA = pl.Schema(
    {
        "server": pl.String,
        "kind": pl.String,
        "series": pl.String,
        "age": pl.Int64,
        "path": pl.String,
        "size": pl.Int64,
        "source": pl.String,
    }
)

SKIPPED_SCHEMA = pl.Schema(
    {"server": pl.String, "source": pl.String, "lines": pl.Int64, "skipped": pl.Int64, "reason": pl.String}
)


@dataclass(frozen=True)
class BundleFile:
    """One recognised file of one server."""

    server: str
    kind: str
    series: str  # rotation series: nmp1 for nmp1.cur/.pre/.pre1
    age: int  # 0 for .cur, 1 for .pre, N+1 for .preN
    folder: str  # folder below the server's root, with / separators
    path: Path  # where the bytes are on disk now
    source: str  # stable display name: <input name>/<path below it>
    size: int

    @property
    def series_key(self) -> tuple[str, str, str, str]:
        """Files with the same key are generations of one series."""
        return (self.server, self.kind, self.folder, self.series)


@dataclass
class FileRows:
    """What one file gives the tables (:meth:`Bundle.load`).

    ``tables``: its rows for each table it fills, its own kind first (empty
    when the file could not be read); ``problems``: why it could not be read;
    ``lines`` and ``skipped`` (by reason): the format contract's counts.
    """

    file: BundleFile
    tables: dict[str, pl.DataFrame]
    problems: list[Problem]
    lines: int | None = None
    skipped: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def frame(self) -> pl.DataFrame | None:
        """The rows of the file's own kind, or None when it could not be read."""
        return self.tables.get(self.file.kind)


@dataclass
class _Root:
    """One server's root found in the inputs."""

    name: str
    path: Path
    label: str  # prefix of the sources of its files: <input name>[/<server folder or archive>]
    origin: str  # the input it came from, as given

    def __post_init__(self):
        self.name, self.label = readable_name(self.name), readable_name(self.label)


def open_bundle(
    path: str | os.PathLike | Sequence[str | os.PathLike],
    servers: dict[str, str] | Sequence[str] | None = None,
    limits: Limits | None = None,
    tz: str | Zone | None = None,
    problems: Sequence[Problem] = (),
    dataset: str | os.PathLike | None = None,
    unknown_servers_ok: bool = False,
) -> "Bundle":
    """Open one or several collections; see the module docstring for what is accepted.

    ``servers`` renames servers: a dict maps a found name (or an input path as
    given) to the name to use; a list names the servers found, in order.
    ``limits`` caps what the archives may inflate, in total (:class:`clpkit.archive.Limits`).
    ``tz`` is the zone the servers' clocks run on; without it :attr:`Bundle.zone`
    is detected from the collection (:mod:`clpkit.zone`). A
    :class:`~clpkit.zone.Zone` is taken as it is: one detected before, from the
    same collection (``clpkit report`` detects once for all its notebooks). ``problems`` are
    problems met before this call (a caller that extracted the archives itself).
    ``dataset``: the collection's Parquet dataset (:func:`clpkit.ingest.ingest`);
    tables are then read from it (:class:`clpkit.dataset.DatasetBundle`).
    ``unknown_servers_ok``: ``servers`` may name servers of other inputs (one
    call per input, as :func:`clpkit.ingest.open_inputs` does); the names
    this input used are in :attr:`Bundle.renamed`.
    """
    from clpkit import zone as zones

    inputs = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    if not inputs:
        raise ClpkitError("open_bundle: no input given")
    chosen = tz if isinstance(tz, zones.Zone) else zones.given(tz) if tz else None
    finder = _Finder(limits)
    try:
        roots: list[_Root] = []
        for item in inputs:
            roots += finder.discover(Path(item), str(item))
        renames = _rename(roots, servers, unknown_servers_ok)
    except BaseException:
        finder.cleanup()
        raise
    problems = [dataclasses.replace(p, server=renames.get(p.server, p.server)) for p in [*problems, *finder.problems]]
    if dataset is None:
        bundle = Bundle(roots, problems, finder.tmpdirs, limits)
    else:
        from clpkit.dataset import DatasetBundle

        bundle = DatasetBundle(roots, problems, finder.tmpdirs, dataset, limits)
    bundle._zone = chosen
    bundle.renamed = renames
    try:
        from clpkit.health import require_clusterpro

        require_clusterpro(bundle, ", ".join(str(i) for i in inputs))
    except ClpkitError:
        bundle.close()
        raise
    return bundle


class _Finder:
    """Walks the inputs down to server roots, extracting archives into private folders."""

    def __init__(self, limits: Limits | None):
        self.limits = limits
        self.budget = Budget((limits or Limits()).max_total_bytes)  # every archive of the inputs together
        self.tmpdirs: list[Path] = []
        self.problems: list[Problem] = []

    def cleanup(self) -> None:
        for tmp in self.tmpdirs:
            remove_tree(tmp)

    def discover(self, path: Path, origin: str) -> list[_Root]:
        if path.is_dir():
            name = path.resolve().name
            return self.classify(path, name, name, origin, prefix=f"{name}/")
        if path.is_file():
            if not is_archive(path):
                raise ClpkitError(f"{path}: neither a folder nor a .tar.gz/.tgz/.tar/.zip archive")
            return self.archive(path, path.name, origin)
        raise ClpkitError(f"{path}: no such file or folder")

    def archive(self, path: Path, label: str, origin: str) -> list[_Root]:
        """Extract one archive; a single server inside takes the archive's name."""
        tmp = Path(tempfile.mkdtemp(prefix="clpkit-bundle-"))
        self.tmpdirs.append(tmp)
        name = archive_stem(path)
        for p in extract(path, tmp, self.limits, self.budget):
            self.problems.append(dataclasses.replace(p, server=name, file=label))
        found = self.classify(tmp, label, name, origin, prefix=f"{label}/")
        if len(found) == 1:
            found[0].name = name
        return found

    def classify(self, folder: Path, label: str, name: str, origin: str, prefix: str) -> list[_Root]:
        """A folder is one server's root, or holds one folder or archive per server.

        ``label`` starts the sources when the folder is one server's root,
        ``prefix`` + child name when it holds several (the input's own name).
        """
        children = []
        for child in sorted(c for c in folder.iterdir() if not c.name.startswith(".")):
            if child.is_symlink():
                # Followed, a link could walk the whole filesystem or read a device; its target is read
                # under its own name when it is part of the input.
                where = prefix + child.name
                if not _inside(child, folder):
                    self.problems.append(Problem(None, where, None, _link_out(child)))
                continue
            children.append(child)
        layout = sum(c.is_dir() and c.name in INSTALL_LAYOUT for c in children)
        if layout >= 2 or any(not c.is_dir() and _is_server_file(c) for c in children):
            if folder.name == INSTALL_DIR_NAME and name == folder.name:
                name = _host_name(folder)
            return [_Root(name, folder, label, origin)]
        roots: list[_Root] = []
        for child in children:
            where = prefix + child.name
            if child.is_dir():
                if next(_candidates(child), None) is not None:
                    roots.append(_Root(child.name, child, where, origin))
                else:
                    self.problems.append(Problem(None, where, None, "no CLUSTERPRO file found; folder skipped"))
            elif is_archive(child) and not NESTED_ARCHIVE.match(child.name):
                roots += self.archive(child, where, origin)
        return roots


def _is_server_file(path: Path) -> bool:
    """A file the registry knows, or an emergency archive."""
    return _kind_of(path) is not None or bool(NESTED_ARCHIVE.match(path.name))


def _kind_of(path: Path) -> str | None:
    spec = formats.detect(path.name)
    if spec is None:
        return None
    if spec.kind == "cluster_stats" and path.parent.name not in CLUSTER_STATS_FOLDERS:
        return None
    return spec.kind


def _candidates(root: Path) -> Iterable[Path]:
    """Every entry below root named like a server file, in a stable order, hidden names skipped.

    Folder links are not walked (os.walk does not follow them), so a link to
    ``/`` cannot make us walk the filesystem; see :func:`_server_files`.
    """
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(folder, name)
                if _is_server_file(path) or name == "clp.conf":
                    yield path


def _server_files(root: Path, refused: list[tuple[Path, str]] | None = None) -> Iterable[Path]:
    """The candidates that are regular files of the collection; the others go to ``refused`` with why."""
    for path in _candidates(root):
        reason = not_readable(path, root)
        if reason is None:
            yield path
        elif refused is not None:
            refused.append((path, reason))


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _link_out(path: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return f"symbolic link to {target!r}, outside the collection: not followed"


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def not_readable(path: Path, root: Path) -> str | None:
    """Why a file found below ``root`` must not be read, or None for a regular file of the collection.

    Only regular files are read: a FIFO would block forever, a device
    (``/dev/zero``) never ends, and a link out of the collection
    (``/etc/shadow``) would put a file of this machine into the data.
    """
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            if not _inside(path, root):
                return _link_out(path)
            mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return f"{_file_type(mode)}, not a regular file: not read"
    return None


def read_capped(path: Path, cap: int) -> bytes:
    """A regular file's bytes, at most ``cap``; OSError (with a reason to show) otherwise.

    Opened without blocking and checked after opening, so a file swapped for a
    FIFO or a device after discovery cannot hang or flood the read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(f"{_file_type(mode)}, not a regular file: not read")
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise OSError(f"over the per-file cap of {cap} bytes: not read")
    return data


def _host_name(root: Path) -> str:
    """This host's name, spelled as in the root's clp.conf when it lists the host."""
    host = socket.gethostname().split(".")[0]
    conf = root / "etc" / "clp.conf"
    if conf.is_file():
        try:
            from clpkit import config

            listed = [s.name for s in config.load(conf).servers]
        except (ImportError, ClpkitError):
            listed = []
        for name in listed:
            if name.lower() == host.lower():
                return name
    return host


def _rename(roots: list[_Root], servers, unknown_ok: bool = False) -> dict[str, str]:
    """Apply the ``servers=`` override in place; return old → new names."""
    renames: dict[str, str] = {}
    found = [r.name for r in roots]
    if isinstance(servers, dict):
        unknown = set(servers) - set(found) - {r.origin for r in roots}
        if unknown and not unknown_ok:
            raise ClpkitError(
                f"servers: no server or input named {', '.join(sorted(unknown))} (found: {', '.join(found)})"
            )
        for root in roots:
            new = servers.get(root.name, servers.get(root.origin, root.name))
            renames[root.name] = new
            root.name = new
    elif servers is not None:
        names = list(servers)
        if len(names) != len(roots):
            raise ClpkitError(f"servers: {len(names)} names given for {len(roots)} servers found ({', '.join(found)})")
        for root, new in zip(roots, names):
            renames[root.name] = new
            root.name = new
    seen: dict[str, str] = {}
    for root in roots:
        if root.name in seen:
            raise ClpkitError(
                f"two inputs give server {root.name!r}: {seen[root.name]} and {root.label}; name them with servers="
            )
        seen[root.name] = root.label
    return renames


class Bundle:
    """The files of a collection and their tables; see :func:`open_bundle`.

    Tables are parsed on first use and cached. A file that cannot be read, an
    archive member refused and every row a parser kept raw become entries of
    :attr:`problems`; nothing else is lost. Use it as a context manager (or
    call :meth:`close`) to remove the folders archives were extracted into.
    """

    def __init__(self, roots: list[_Root], problems: list[Problem], tmpdirs: list[Path], limits: Limits | None = None):
        self._roots = roots
        self._limits = limits or Limits()
        self._nested = Budget(self._limits.max_nested_bytes)  # every emergency archive of the collection together
        self._nested_spent: dict[tuple[str, str], int] = {}  # (server, source) -> bytes it took of _nested
        self._bundle_problems = problems
        self._tables: dict[str, pl.DataFrame] = {}
        self._rows: dict[tuple, pl.DataFrame] = {}  # (kind, filter, columns) -> rows (see rows())
        self._rejected: dict[str, pl.DataFrame] = {}  # kind -> rejected rows of the files parsed for it
        self._file_problems: dict[tuple[str, str], list[Problem]] = {}  # (server, source)
        self._skipped: dict[tuple[str, str], tuple[int | None, dict[str, int]]] = {}  # -> (lines, skipped by reason)
        self._side: dict[str, list[pl.DataFrame]] = {}  # kind -> rows other kinds' files hold for it
        self._config_done = False
        self._config = None
        self._zone = None
        self._finalizer = weakref.finalize(self, _remove_all, list(tmpdirs))
        self._entries: list[BundleFile] = []
        self._confs: list[tuple[str, Path, str]] = []  # server, path, source of each clp.conf
        for root in roots:
            refused: list[tuple[Path, str]] = []
            for path in _server_files(root.path, refused):
                rel = path.relative_to(root.path).as_posix()
                if path.name == "clp.conf":
                    self._confs.append((root.name, path, readable_name(f"{root.label}/{rel}")))
                kind = _kind_of(path)
                if kind is None:
                    continue
                series, age = formats.generation(path.name)
                folder = path.parent.relative_to(root.path).as_posix()
                source = readable_name(f"{root.label}/{rel}")  # a name that is not UTF-8 is shown decoded
                self._entries.append(
                    BundleFile(root.name, kind, series, age, readable_name(folder), path, source, path.stat().st_size)
                )
            for path, reason in refused:
                source = readable_name(f"{root.label}/{path.relative_to(root.path).as_posix()}")
                self._bundle_problems.append(Problem(root.name, source, None, reason))

    # --- lifecycle ---
    def close(self) -> None:
        """Remove the temporary folders (extracted archives); tables already built stay usable."""
        self._finalizer()

    def forget(self) -> None:
        """Drop the tables and rows kept for the next calls (a caller done with them frees their memory)."""
        self._tables.clear()
        self._rows.clear()
        self._side.clear()

    def __enter__(self) -> "Bundle":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Bundle servers={self.servers} files={len(self._entries)}>"

    # --- what is there ---
    @property
    def servers(self) -> list[str]:
        """Server names, in the order they were found."""
        return [r.name for r in self._roots]

    @property
    def files(self) -> pl.DataFrame:
        """One row per recognised file: server, kind, series, age, path, size, source."""
        rows = [(f.server, f.kind, f.series, f.age, readable_name(str(f.path)), f.size, f.source) for f in self._entries]
        return pl.DataFrame(rows, schema=FILES_SCHEMA, orient="row")

    def entries(self, kind: str | None = None) -> list[BundleFile]:
        """The recognised files (of one kind), in discovery order."""
        return [f for f in self._entries if kind is None or f.kind == kind]

    def series(self, kind: str) -> list[list[BundleFile]]:
        """The files of a kind grouped by rotation series, each oldest → newest."""
        groups: dict[tuple, list[BundleFile]] = {}
        for f in self.entries(kind):
            groups.setdefault(f.series_key, []).append(f)
        return [sorted(g, key=lambda f: -f.age) for g in groups.values()]

    def tables(self) -> list[str]:
        """The kinds present, in registry order."""
        present = {f.kind for f in self._entries}
        present |= {kind for spec in formats.REGISTRY if spec.kind in present for kind in formats.feeds(spec.kind)}
        return [spec.kind for spec in formats.REGISTRY if spec.kind in present]

    # --- parsing ---
    def load(self, f: BundleFile, older: pl.DataFrame | None = None, tables: bool = True) -> FileRows:
        """Parse one file into its rows for every table it fills; never raises.

        ``older``: the rows kept from the generation before ``f`` in its
        series; rows equal to them are dropped from ``f``'s own rows
        (:func:`drop_boundary_duplicates`). Rows for other tables are never
        deduplicated (an archive is a snapshot). A file that cannot be read
        gives no tables and its problem. ``tables=False``: its own rows only
        (an archive is still inflated and checked, the logs inside not parsed).
        """
        try:
            data = read_capped(f.path, self._limits.max_file_bytes)
        except OSError as exc:
            reason = f"cannot read: {exc.strerror}" if exc.strerror else str(exc)
            return FileRows(f, {}, [Problem(f.server, f.source, None, reason)])
        # a file read again spends its share of the nested-archive budget once: it gives back what it took
        key = (f.server, f.source)
        self._nested.used -= self._nested_spent.pop(key, 0)
        before = self._nested.used
        try:
            parsed = formats.scan_bytes(f.kind, data, source=f.source, server=f.server, budget=self._nested,
                                        tables=tables)
        except ParseError as exc:
            return FileRows(f, {}, [Problem(f.server, f.source, exc.line, exc.reason)])
        except (Exception, pl.exceptions.PanicException) as exc:  # a parser bug must not stop the other files
            return FileRows(f, {}, [Problem(f.server, f.source, None, f"parser failed: {type(exc).__name__}: {exc}")])
        finally:
            self._nested_spent[key] = self._nested.used - before
        server = pl.lit(f.server, pl.String).alias("server")
        own = parsed.frame.with_columns(server)
        if older is not None:
            own = drop_boundary_duplicates(older, own)
        rows = {f.kind: own, **{kind: frame.with_columns(server) for kind, frame in parsed.tables.items()}}
        self._skipped[f.server, f.source] = (parsed.lines, dict(parsed.skipped))
        return FileRows(f, rows, [], parsed.lines, dict(parsed.skipped))

    def read(self, f: BundleFile) -> tuple[pl.DataFrame | None, list[Problem]]:
        """Parse one file (its own rows only); never raises: a file that cannot be read is (None, [its problem])."""
        rows = self.load(f)
        return rows.frame, rows.problems

    def skipped_in(self, f: BundleFile) -> int:
        """Lines of a file that are neither rows nor rejected rows (0 for a file not read yet)."""
        return sum(self._skipped.get((f.server, f.source), (None, {}))[1].values())

    def table(self, kind: str) -> pl.DataFrame:
        """All servers' rows of one kind, each series' generations joined oldest → newest.

        Rows of a newer generation equal to rows kept from the one before it
        (all columns but source and line) are dropped as rotation-boundary
        duplicates. A kind with no file gives the empty frame of
        :func:`clpkit.formats.table_schema`.

        The rows other formats' files hold for this table follow (the
        ``module_log`` table holds the module logs inside the emergency
        archives, with ``archive``, ``archive_module``, ``archive_generation``,
        null on the loose logs). An archive is a snapshot of the logs taken
        when an error happened, so its rows are a series of their own: they
        are not deduplicated against the loose logs nor against the other
        archives, and the same line can appear in both.
        """
        if kind not in self._tables:
            self._tables[kind] = self._assemble(kind, None)
            self._rejected[kind] = rejected_rows(self._tables[kind])
        return self._tables[kind]

    def rows(self, kind: str, where: pl.Expr, columns: Sequence[str] | None = None, *,
             feeders: bool = True, categorical: Sequence[str] = ()) -> pl.DataFrame:
        """``table(kind).filter(where).select(columns)``, without holding the whole table.

        A caller that needs a small part of a large table (the events need
        the loose module logs, not the copies inside the emergency archives;
        the monitors' failures, not their millions of successful runs) gets
        it file by file: each file's rows are filtered as soon as it is
        parsed (after the rotation-boundary rule, which sees the whole
        previous generation), so only the kept rows are ever held together.
        ``where`` must be row by row (no aggregation, no window). The result
        is kept for the next call with the same arguments; the rejected rows
        of every file parsed still reach :attr:`problems`.

        ``feeders=False`` says that ``where`` leaves out every row other
        formats' files hold for this table (the module logs inside the
        emergency archives have ``archive`` set): those files are then read
        for their problems only, the files inside them not parsed.

        ``categorical``: columns held as ``pl.Categorical`` (a text repeated
        on every row of a file, such as ``source``, then takes 4 bytes a row
        instead of its length: the same values, read back as text).
        """
        if kind in self._tables:
            frame = self._tables[kind].filter(where)
            return _narrow(frame.select(columns) if columns is not None else frame, categorical)
        key = (kind, where.meta.serialize(format="json"), tuple(columns) if columns is not None else None, feeders,
               tuple(categorical))
        if key not in self._rows:
            picked = list(columns) if columns is not None and set(columns) <= set(formats.table_schema(kind)) else None
            frame = self._assemble(kind, where, feeders, categorical, picked)
            self._rows[key] = frame.select(columns) if columns is not None and picked is None else frame
        return self._rows[key]

    def _assemble(self, kind: str, where: pl.Expr | None, feeders: bool = True,
                  categorical: Sequence[str] = (), columns: list[str] | None = None) -> pl.DataFrame:
        """Table ``kind`` (only its rows matching ``where`` when given, only ``columns``; see :meth:`rows`)."""
        schema = formats.table_schema(kind)
        frames = []
        rejected = []

        def keep(frame: pl.DataFrame) -> pl.DataFrame:
            if where is None:
                return frame
            rejected.append(rejected_rows(frame))
            # a column a file lacks is null in the table: the filter sees it so
            missing = [pl.lit(None, dtype).alias(name) for name, dtype in schema.items() if name not in frame.columns]
            frame = frame.with_columns(missing).filter(where)
            return _narrow(frame.select(columns) if columns is not None else frame, categorical)

        for group in self.series(kind):
            kept = None
            for f in group:
                rows = self.load(f, older=kept)
                self._file_problems[f.server, f.source] = rows.problems
                if rows.frame is None:
                    continue
                frames.append(keep(rows.frame))
                kept = rows.frame
                for other, frame in rows.tables.items():
                    if other != kind:
                        self._side.setdefault(other, []).append(frame)
        for feeder in formats.feeders(kind):
            if where is not None and not feeders:  # no row of theirs is wanted: their files read for problems
                if feeder not in self._tables:
                    self._side_rows(feeder, kind, keep, tables=False)
                continue
            if where is not None and feeder not in self._tables:  # its files read for this table's rows only
                frames += self._side_rows(feeder, kind, keep)
                continue
            self.table(feeder)  # its files' rows for this table are kept while it is built
            side = self._side.pop(kind, []) if where is None else self._side.get(kind, [])
            frames += [keep(frame) for frame in side if frame.height]
        if where is not None:
            self._rejected[kind] = pl.concat([*rejected, rejected_rows(schema.to_frame())])
        empty = _narrow(schema.to_frame(), categorical)
        if columns is not None:  # every file's frame has these columns already
            return pl.concat([*frames, empty.select(columns)], how="vertical_relaxed").rechunk()
        return combine([*frames, empty], schema)

    def _side_rows(self, feeder: str, kind: str, keep, tables: bool = True) -> list[pl.DataFrame]:
        """The rows for table ``kind`` in the files of ``feeder`` (the emergency archives' module logs),
        read as :meth:`table` reads them (their problems and rejected rows noted), their own rows not kept."""
        side, rejected = [], []
        for group in self.series(feeder):
            kept = None
            for f in group:
                rows = self.load(f, older=kept, tables=tables)
                self._file_problems[f.server, f.source] = rows.problems
                if rows.frame is None:
                    continue
                rejected.append(rejected_rows(rows.frame))
                kept = rows.frame
                frame = rows.tables.get(kind)
                if frame is not None and frame.height:
                    side.append(keep(frame))  # filtered at once: an archive's rows are never held together
        self._rejected.setdefault(feeder, pl.concat([*rejected, rejected_rows(formats.table_schema(feeder).to_frame())]))
        return side

    def scan(self, kind: str) -> pl.LazyFrame:
        """:meth:`table` as a LazyFrame (a dataset-backed bundle scans its Parquet parts instead)."""
        return self.table(kind).lazy()

    @property
    def skipped(self) -> pl.DataFrame:
        """server, source, lines, skipped, reason: per file and reason, the lines that are neither rows nor rejected.

        Skipped lines are expected (another program's syslog line, a blank
        line, a repeated CSV header), so they are counted here and never
        listed in :attr:`problems`; with them every line of every file is
        accounted for: ``lines`` = rows (good and rejected) + skipped, plus
        the header line of a statistics file. Parses every table.
        """
        for kind in self.tables():
            self.table(kind)
        rows = [
            (f.server, f.source, lines, n, reason)
            for f in self._entries
            if (f.server, f.source) in self._skipped
            for lines, counts in [self._skipped[f.server, f.source]]
            for reason, n in counts.items()
        ]
        return pl.DataFrame(rows, schema=SKIPPED_SCHEMA, orient="row")

    @property
    def input_problems(self) -> list[Problem]:
        """Problems met while opening the inputs: refused archive members, skipped folders."""
        return list(self._bundle_problems)

    def has_config(self) -> bool:
        """True when a clp.conf was found (read or not)."""
        return bool(self._confs)

    def problems_so_far(self) -> pl.DataFrame:
        """:attr:`problems` of the inputs and of the tables parsed until now (parses nothing)."""
        frames = [problems_frame(self._bundle_problems)]
        for found in self._file_problems.values():
            frames.append(problems_frame(found))
        frames += list(self._rejected.values())
        return pl.concat(frames).cast(dict(PROBLEMS_SCHEMA)).unique(maintain_order=True)

    @property
    def problems(self) -> pl.DataFrame:
        """server, file, line, reason: refused archive members, unreadable files, rejected rows.

        Parses every table present, so that the list is complete.
        """
        frames = [problems_frame(self._bundle_problems)]
        for kind in self.tables():
            table = self.table(kind)
            found = [p for f in self.entries(kind) for p in self._file_problems.get((f.server, f.source), [])]
            frames.append(problems_frame(found))
            frames.append(rejected_rows(table))
        return pl.concat(frames).cast(dict(PROBLEMS_SCHEMA)).unique(maintain_order=True)

    @property
    def zone(self):
        """The zone the servers' clocks run on, with its basis (:class:`clpkit.zone.Zone`)."""
        if self._zone is None:
            from clpkit import zone as zones

            self._zone = zones.detect(self)
        return self._zone

    def find_files(self, names: Iterable[str]) -> list[tuple[str, Path, str]]:
        """(server, path, source) of the regular files with one of these base names (OS files such as etc/timezone)."""
        wanted = set(names)
        found = []
        for root in self._roots:
            for folder, dirs, files in os.walk(root.path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    path = Path(folder, name)
                    if name in wanted and path.is_file() and not path.is_symlink():
                        source = readable_name(f"{root.label}/{path.relative_to(root.path).as_posix()}")
                        found.append((root.name, path, source))
        return found

    @property
    def config(self):
        """The first ``clp.conf`` found as a :class:`clpkit.config.ClusterConfig`, or None.

        A clp.conf that cannot be read becomes a problem and gives None.
        """
        if not self._config_done:
            self._config_done = True
            if self._confs:
                from clpkit import config

                server, path, source = self._confs[0]
                try:
                    self._config = config.load(path)
                except ParseError as exc:
                    self._bundle_problems.append(Problem(server, source, exc.line, exc.reason))
        return self._config


def _narrow(frame: pl.DataFrame, categorical: Sequence[str]) -> pl.DataFrame:
    """``frame`` with these columns as ``pl.Categorical`` (see :meth:`Bundle.rows`)."""
    return frame.with_columns(pl.col(c).cast(pl.Categorical) for c in categorical) if categorical else frame


def _remove_all(tmpdirs: list[Path]) -> None:
    for tmp in tmpdirs:
        remove_tree(tmp)


def drop_boundary_duplicates(older: pl.DataFrame, newer: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``newer`` not equal to a row of ``older`` (source and line ignored).

    A rotation can leave the same sample at the end of ``X.pre`` and the start
    of ``X.cur``; rows are compared on the columns both generations share.
    ``continues`` (log tables: the line number of the entry a continuation
    line belongs to) is a position in the file, not data: a continuation row
    goes with its entry, dropped exactly when its entry is dropped.

    >>> old = pl.DataFrame({"t": [1, 2], "v": ["a", "b"], "source": "x.pre", "line": [2, 3]})
    >>> new = pl.DataFrame({"t": [2, 3], "v": ["b", "c"], "source": "x.cur", "line": [2, 3]})
    >>> drop_boundary_duplicates(old, new)["t"].to_list()
    [3]
    >>> old = pl.DataFrame({"t": [1, 1], "v": ["E x", "  why"], "line": [7, 8], "continues": [None, 7]})
    >>> new = pl.DataFrame({"t": [1, 1, 2, 2], "v": ["E x", "  why", "I y", "  why"], "line": [1, 2, 3, 4],
    ...                     "continues": [None, 1, None, 3]})
    >>> drop_boundary_duplicates(old, new)["line"].to_list()
    [3, 4]
    """
    location = (*LOCATION_COLUMNS, CONTINUES)
    common = [c for c in newer.columns if c in older.columns and c not in location]
    if not common or older.is_empty() or newer.is_empty():
        return newer
    if CONTINUES not in newer.columns:
        seen = _row_hashes(older.select(common))
        return newer.filter(~_row_hashes(newer.select(common)).is_in(seen.implode()))
    # entries (and lines kept on their own) are compared as data; continuations follow their entry
    is_entry = pl.col(CONTINUES).is_null()
    seen = _row_hashes(older.filter(is_entry).select(common))
    duplicate = is_entry & pl.lit(_row_hashes(newer.select(common)).is_in(seen.implode()))
    dropped = newer.filter(duplicate)["line"]
    return newer.filter(~duplicate, ~pl.col(CONTINUES).is_in(dropped.implode()).fill_null(False))


def _row_hashes(frame: pl.DataFrame) -> pl.Series:
    # Categoricals hash by their physical codes; compare their text instead.
    return frame.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String)).hash_rows(seed=0)


def combine(frames: list[pl.DataFrame], schema: pl.Schema) -> pl.DataFrame:
    """Concatenate parsed frames: known columns first, unknown extras, then the meta columns."""
    if not frames:
        return schema.to_frame()
    frame = pl.concat(frames, how="diagonal_relaxed")
    meta = [c for c in formats.META_SCHEMA if c in frame.columns]
    known = [c for c in schema if c in frame.columns and c not in meta]
    extra = [c for c in frame.columns if c not in known and c not in meta]
    return frame.select(known + extra + meta)

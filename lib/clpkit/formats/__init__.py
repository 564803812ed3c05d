"""The registry of file formats: which parser reads which file.

Each format is one module of this package holding ``KIND``, ``SCHEMA``,
``SAMPLE`` and ``parse(data, *, source, server) -> pl.DataFrame`` (STYLE 1-3).
A format whose files give more than one frame also has
``scan(data, *, source, server) -> Parsed``: the frame, the lines the file
held, the lines it skipped by reason (syslog's unrelated lines, blank lines)
and the rows it holds for other tables (the module logs inside an
``elog_*`` archive), declared in its ``TABLES`` (kind -> schema of those
rows). :func:`scan_bytes` gives a :class:`Parsed` for any kind, so callers
need no per-kind code.
A registry entry maps the base names of the files the cluster writes to that
module, so that a bundle can find files anywhere below a server's root and a
user can run ``clpkit parse FILE`` without naming the kind.

Adding a format is one module plus one line in :data:`REGISTRY`.

>>> detect("nmp1.pre2").kind
'mirror_stats'
>>> generation("nmp1.pre2"), generation("rc.log.cur"), generation("alertlog.alt")
(('nmp1', 3), ('rc.log', 0), ('alertlog.alt', 0))
>>> generation("messages.2"), generation("messages-20261120") < generation("messages-20261119")
(('messages', 2), True)
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import polars as pl

from clpkit.problems import ParseError

#: Columns every parsed frame carries besides the format's own (in this order,
#: at the end): the server, the file, the 1-based line of the row in the file,
#: and for a row that could not be parsed its text and the reason.
META_SCHEMA = pl.Schema(
    {
        "server": pl.String,
        "source": pl.String,
        "line": pl.Int64,
        "raw": pl.String,
        "problem": pl.String,
    }
)


@dataclass(frozen=True)
class FormatSpec:
    """One registry line: a kind (also the bundle's table name), its module, its file names."""

    kind: str
    module: str
    patterns: tuple[str, ...]
    description: str

    def matches(self, name: str) -> bool:
        return any(re.fullmatch(p, name) for p in self.patterns)

    def load(self) -> ModuleType:
        return importlib.import_module(f"clpkit.formats.{self.module}")


# Keep one block per family so that parallel additions do not collide.
REGISTRY: tuple[FormatSpec, ...] = (
    # --- statistics (SPEC 3.2-3.4) ---
    FormatSpec("mirror_stats", "mirror_stats", (r"nmp\d+\.(?:cur|pre\d*)",), "Mirror statistics (perf/disk/nmpN.cur)"),
    FormatSpec("system_stats", "system_stats", (r"system\.(?:cur|pre\d*)",), "System resource statistics (log/system/system.cur)"),
    FormatSpec(
        "cluster_stats",
        "cluster_stats",
        (r"(?!nmp\d|system\.)[a-z0-9_]+\.(?:cur|pre\d*)",),
        "Group, resource and monitor statistics (perf/cluster/{group,monitor}/*.cur)",
    ),
    # --- logs (SPEC 3.5-3.6) ---
    FormatSpec("module_log", "module_log", (r"[A-Za-z0-9_\-]+\.(?:log|err)\.(?:cur|pre\d*)",), "Module logs (log/<module>.log.cur, .err.cur)"),
    FormatSpec("service_log", "service_log", (r"init_[A-Za-z0-9_\-]+\.(?:start|stop)\.(?:cur|pre\d*)",), "Service start/stop logs (log/init_<svc>.start.cur)"),
    FormatSpec("elog", "elog", (r"elog_(?:pm|rc|rm)\d+\.tar\.gz",), "Emergency log archives (log/elog_<mod><g>.tar.gz), one row per member"),
    FormatSpec("alert_log", "alert_log", (r"alertlog\.alt",), "Alert log (alert/log/alertlog.alt)"),
    FormatSpec("syslog", "syslog", (r"(?:messages|syslog)(?:\.\d+|-\d{8})?",), "System log lines of clusterpro / expresscls (/var/log/messages)"),
    # --- configuration and command outputs (SPEC 3.7-3.8) ---
    FormatSpec("clp_conf", "clp_conf", (r"clp\.conf",), "Cluster configuration (etc/clp.conf), one row per element"),
    FormatSpec("clpstat", "clpstat", (r"clpstat.*\.(?:txt|out)",), "Saved output of clpstat (server, group, monitor status)"),
    FormatSpec(
        "clpmdstat",
        "clpmdstat",
        (r"clp[mh]dstat.*\.(?:txt|out)",),
        "Saved output of clpmdstat --mirror / clphdstat --mirror (mirror status fields)",
    ),
)

_GENERATION = re.compile(r"(?P<stem>.+)\.(?:(?P<cur>cur)|pre(?P<n>\d*))")
# logrotate's names for system logs: messages.1 (numbered) and messages-20261120 (dated)
_ROTATED = re.compile(r"(?P<stem>[^.]+?)(?:\.(?P<n>\d{1,3})|-(?P<date>\d{8}))")


def detect(name: str) -> FormatSpec | None:
    """The registry entry whose patterns match a file's base name, or None."""
    base = os.path.basename(name)
    for spec in REGISTRY:
        if spec.matches(base):
            return spec
    return None


def by_kind(kind: str) -> FormatSpec:
    """The registry entry of a kind; a clear error listing the known kinds otherwise."""
    for spec in REGISTRY:
        if spec.kind == kind:
            return spec
    known = ", ".join(s.kind for s in REGISTRY)
    raise KeyError(f"unknown kind {kind!r}; known kinds: {known}")


def generation(name: str) -> tuple[str, int]:
    """Series name and age of a rotated file: ``.cur`` is 0, ``.pre`` 1, ``.preN`` N+1.

    SPEC 3.1: one generation back is ``X.pre``, m back is ``X.pre{m-1}``.
    System logs rotated by logrotate join their live file: ``messages.N`` is
    N back, ``messages-YYYYMMDD`` older the earlier its date. Files that do not
    rotate in either way are their own series at age 0.
    """
    base = os.path.basename(name)
    m = _GENERATION.fullmatch(base)
    if not m:
        r = _ROTATED.fullmatch(base)
        if r and r["n"]:
            return r["stem"], int(r["n"])
        if r and r["date"]:
            return r["stem"], 100_000_000 - int(r["date"])
        return base, 0
    if m["cur"]:
        return m["stem"], 0
    return m["stem"], 1 if m["n"] == "" else int(m["n"]) + 1


@dataclass(frozen=True)
class Parsed:
    """Everything one file gives: its frame and the side outputs of the format contract.

    ``lines``: the lines the file held (None for formats that are not line
    based). ``skipped``: lines that are neither rows nor rejected rows, by
    reason (``{"blank line": 2}``); expected, never problems, but counted so
    that every line is accounted for. ``tables``: rows the file holds for
    other tables (kind -> frame of the schema the format declares in
    ``TABLES``).
    """

    frame: pl.DataFrame
    lines: int | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def scan_bytes(kind: str, data: bytes, *, source: str, server: str | None = None, budget=None,
               tables: bool = True) -> Parsed:
    """Parse the content of one file with the parser of ``kind``, side outputs included.

    ``budget`` (a :class:`clpkit.archive.Budget`): the bytes the archives
    inside a collection may inflate together; formats whose files are
    archives (``NESTED_ARCHIVE = True``) spend from it. ``tables=False``:
    such a format lists and checks its archive without parsing the files
    inside for their tables (a caller that needs none of those rows).
    """
    module = by_kind(kind).load()
    scan = getattr(module, "scan", None)
    if getattr(module, "NESTED_ARCHIVE", False):
        return scan(data, source=source, server=server, budget=budget, tables=tables)
    if scan is not None:
        return scan(data, source=source, server=server)
    return Parsed(module.parse(data, source=source, server=server))


def parse_bytes(kind: str, data: bytes, *, source: str, server: str | None = None) -> pl.DataFrame:
    """Parse the content of one file with the parser of ``kind`` (its frame only)."""
    return by_kind(kind).load().parse(data, source=source, server=server)


def feeds(kind: str) -> list[str]:
    """The other tables a file of ``kind`` holds rows of (its format's ``TABLES``).

    >>> feeds("elog"), feeds("syslog")
    (['module_log'], [])
    """
    return list(getattr(by_kind(kind).load(), "TABLES", {}))


def feeders(kind: str) -> list[str]:
    """The kinds whose files also hold rows of table ``kind`` (their ``TABLES``), in registry order.

    >>> feeders("module_log"), feeders("mirror_stats")
    (['elog'], [])
    """
    return [spec.kind for spec in REGISTRY if spec.kind != kind and kind in feeds(spec.kind)]


def table_schema(kind: str) -> pl.Schema:
    """The schema of table ``kind``: the format's own columns, the extra columns its feeders add, the meta columns.

    >>> list(table_schema("module_log"))[-8:]
    ['archive', 'archive_module', 'archive_generation', 'server', 'source', 'line', 'raw', 'problem']
    """
    own = by_kind(kind).load().SCHEMA
    columns = {name: dtype for name, dtype in own.items() if name not in META_SCHEMA}
    for feeder in feeders(kind):
        for name, dtype in by_kind(feeder).load().TABLES[kind].items():
            if name not in META_SCHEMA:
                columns.setdefault(name, dtype)
    return pl.Schema({**columns, **META_SCHEMA})


def parse_file(path: str | os.PathLike, *, kind: str | None = None, server: str | None = None) -> pl.DataFrame:
    """Read and parse one file; the kind comes from its base name unless given."""
    return scan_file(path, kind=kind, server=server).frame


def scan_file(path: str | os.PathLike, *, kind: str | None = None, server: str | None = None) -> Parsed:
    """Read and parse one file, side outputs included (see :class:`Parsed`)."""
    path = Path(path)
    spec = by_kind(kind) if kind else detect(path.name)
    if spec is None:
        raise ParseError(str(path), "unknown file kind; pass --kind (see `clpkit parse --help`)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), exc.strerror or str(exc)) from None
    return scan_bytes(spec.kind, data, source=str(path), server=server)

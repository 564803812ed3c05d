"""Emergency log archives: ``elog_<mod><g>.tar.gz``.

When something fails, CLUSTERPRO saves the logs of the moment into an
archive under ``log/`` of the install root (guide L399-455): ``pm`` when a
service fails to start or stop, ``rc`` when a group resource fails to
activate or deactivate, ``rm`` when a monitor detects an error. Generation
0 is the newest; pm and rc keep 0-4, rm keeps 0-9.

:func:`parse` lists the archive: one row per member (name, type, size,
mtime), tagged with the archive's module and generation. The member's
``mtime`` is the tar header's epoch time shown as naive UTC (tar stores no
zone). :func:`parse_logs` parses the module logs inside with
:mod:`clpkit.formats.module_log` and returns that table's schema plus
``archive``, ``archive_module`` and ``archive_generation`` (see
:data:`LOGS_SCHEMA`); each row's ``source`` is ``<archive>!<member>``.
:func:`scan` gives both from one read: the member list as its frame and
the logs as its ``module_log`` table (the format contract's side output,
:data:`TABLES`), so the bundle and ingest need no code of their own for it.

Safety: the policy of :mod:`clpkit.archive` (one policy for every
archive): member names checked by :func:`clpkit.archive.safe_parts`, the
member count and total bytes capped by :data:`LIMITS` (an
:class:`clpkit.archive.Limits`). The archive is read as a stream and
nothing is written to disk; a member whose name is refused, or that is a
link or a device, is listed with a ``problem`` and never read. As members
are held in memory here, one larger than :data:`MAX_MEMBER_BYTES` is not
read either. Listing stops with a problem row at a cap. A file that is not
a gzip'd tar raises :class:`ParseError`; an archive cut short keeps the
members read and adds a problem row, and so does a gzip checksum that does
not match (tarfile's own gzip reader does not check it).

>>> df = parse(SAMPLE, source="elog_rc0.tar.gz")
>>> df.select("archive_module", "archive_generation", "member", "type", "size").rows()
[('rc', 0, 'log/rc.log.cur', 'file', 91), ('rc', 0, '../../etc/passwd', 'file', 5)]
>>> df["problem"][1]
"member '../../etc/passwd': refused: '..' in the member name"
>>> logs = parse_logs(SAMPLE, source="elog_rc0.tar.gz", server="sv1")
>>> logs.select("archive_module", "archive_generation", "module", "level", "source").rows()[0]
('rc', 0, 'rc', 'E', 'elog_rc0.tar.gz!log/rc.log.cur')
>>> df.schema == SCHEMA, logs.schema == LOGS_SCHEMA
(True, True)
"""

from __future__ import annotations

import gzip
import io
import os
import posixpath
import re
import tarfile
import zlib
from datetime import datetime, timezone

import polars as pl

from clpkit.archive import Budget, Limits, safe_parts
from clpkit.formats import META_SCHEMA, Parsed, module_log
from clpkit.problems import ParseError

KIND = "elog"

#: Caps on the members and bytes one archive may make us read: the collection archives' policy.
LIMITS = Limits()
#: Its files are archives: :func:`clpkit.formats.scan_bytes` hands :func:`scan` the collection's budget.
NESTED_ARCHIVE = True
#: The most one member may hold, as it is read into memory (module logs rotate at a few MB).
MAX_MEMBER_BYTES = 256 * 1024 * 1024

NAME_PATTERN = r"elog_(?P<mod>[a-z]+)(?P<gen>\d+)\.tar\.gz"

SCHEMA = pl.Schema(
    {
        "archive": pl.String,
        "archive_module": pl.String,
        "archive_generation": pl.Int64,
        "member": pl.String,
        "type": pl.String,
        "size": pl.Int64,
        "mtime": pl.Datetime("ms"),
        **META_SCHEMA,
    }
)

_ARCHIVE_COLUMNS = {"archive": pl.String, "archive_module": pl.String, "archive_generation": pl.Int64}
LOGS_SCHEMA = pl.Schema(
    {
        **{k: v for k, v in module_log.SCHEMA.items() if k not in META_SCHEMA},
        **_ARCHIVE_COLUMNS,
        **META_SCHEMA,
    }
)

#: The other tables an archive holds rows of (the format contract's side output, see :func:`scan`).
TABLES = {"module_log": LOGS_SCHEMA}


def _make_sample() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, body in (
            ("log/rc.log.cur", b"E 26/11/24 03:12:01.120[   2412] rc: activating exec1 has failed (99 : command is timeout)\n"),
            ("../../etc/passwd", b"root\n"),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(body), 1795490000
            tar.addfile(info, io.BytesIO(body))
    return buf.getvalue()


SAMPLE = _make_sample()

_TYPES = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "chardev",
    tarfile.BLKTYPE: "blockdev",
    tarfile.FIFOTYPE: "fifo",
}


def unsafe_reason(info: tarfile.TarInfo) -> str | None:
    """Why a member must not be read, or None when it is a plain, contained file or directory."""
    name = info.name
    try:
        safe_parts(name)
    except ValueError as exc:
        return f"member {name!r}: refused: {exc}"
    if not (info.isfile() or info.isdir()):
        return f"member {name!r}: refused: a {_TYPES.get(info.type, 'special file')}, not read"
    if info.size > MAX_MEMBER_BYTES:
        return f"member {name!r}: refused: {info.size} bytes, over the {MAX_MEMBER_BYTES}-byte cap for one member"
    return None


def _archive_fields(source: str) -> tuple[str, str | None, int | None]:
    base = os.path.basename(source.split("!")[-1])
    m = re.fullmatch(NAME_PATTERN, base)
    return base, (m["mod"] if m else None), (int(m["gen"]) if m else None)


class _Salvaging:
    """``read(n)`` over a GzipFile that hands over the bytes inflated before a cut; the next read raises it.

    GzipFile.read(n) drops what it inflated when the stream ends early, which
    would lose the members before the cut.
    """

    def __init__(self, gz: gzip.GzipFile):
        self.gz, self.error = gz, None

    def read(self, n: int = -1) -> bytes:
        if self.error is not None:
            raise self.error
        out = bytearray()
        try:
            while n < 0 or len(out) < n:
                chunk = self.gz.read1(1 << 20 if n < 0 else n - len(out))
                if not chunk:
                    break
                out += chunk
        except (EOFError, OSError, zlib.error) as exc:
            if not out:
                raise
            self.error = exc
        return bytes(out)


def _walk(data: bytes, source: str, budget: Budget | None = None, read: bool = True):
    """Yield (ordinal, TarInfo, content-or-None, problem) for each member, applying the caps.

    ``budget``: the bytes every emergency archive of the collection may inflate together.
    ``read=False``: every member is inflated and checked the same, but its content is not kept (None).
    """
    if data[:2] != b"\x1f\x8b":
        raise ParseError(source, "not a gzip-compressed tar archive (no gzip magic)", None)
    total = 0
    count = 0
    # Read through GzipFile, which checks the stream's CRC: tarfile's own gzip reader does not, and
    # damaged compressed bytes would pass as log lines.
    gz = _Salvaging(gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb"))
    try:
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            for info in tar:
                count += 1
                if count > LIMITS.max_members:
                    yield count, None, None, f"member-count cap of {LIMITS.max_members} reached: listing stopped"
                    return
                total += max(info.size, 0)
                if total > LIMITS.max_total_bytes:
                    yield count, info, None, f"uncompressed-size cap of {LIMITS.max_total_bytes} bytes reached: listing stopped"
                    return
                reason = unsafe_reason(info)
                content = None
                if reason is None and info.isfile() and budget is not None and not budget.fits(info.size):
                    yield count, info, None, (
                        f"member {info.name!r}: the cap of {budget.limit} bytes for all the emergency archives of the "
                        "collection together was reached: the member and the rest of the archive were not read"
                    )
                    return
                if reason is None and info.isfile():
                    if budget is not None:
                        budget.spend(info.size)
                    f = tar.extractfile(info)
                    if f is not None and read:
                        content = f.read()
                    elif f is not None:
                        while f.read(1 << 20):  # inflated piece by piece: the checks, not the bytes
                            pass
                yield count, info, content, reason
        while gz.read(1 << 20):  # to the end of the stream, where its checksum is
            pass
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        if "CRC check failed" in str(exc):
            yield count + 1, None, None, (
                f"damaged archive: its checksum does not match ({exc}); the {count} member(s) read may hold "
                "damaged bytes"
            )
            return
        if count == 0:
            raise ParseError(source, f"not a readable tar.gz archive: {exc}", None) from None
        yield count + 1, None, None, f"archive cut short after {count} member(s): {exc}"


def scan(data: bytes | str, *, source: str = "<sample>", server: str | None = None, budget: Budget | None = None,
         tables: bool = True) -> Parsed:
    """The member list (the frame) and the module logs inside (table ``module_log``), from one read.

    ``budget`` (:class:`clpkit.archive.Budget`): what this archive shares with the collection's other
    emergency archives; without it only this archive's own caps apply. ``tables=False``: the member
    list only (every member still inflated and checked; the module logs inside not parsed, their table empty).
    """
    if isinstance(data, str):
        data = data.encode("latin-1", errors="replace")
    if not data:
        return Parsed(SCHEMA.to_frame(), tables={"module_log": LOGS_SCHEMA.to_frame()})
    archive, mod, gen = _archive_fields(source)
    rows, logs = [], []
    for ordinal, info, content, problem in _walk(data, source, budget, read=tables):
        rows.append(
            {
                "archive": archive,
                "archive_module": mod,
                "archive_generation": gen,
                "member": info.name if info else None,
                "type": _TYPES.get(info.type, "other") if info else None,
                "size": info.size if info else None,
                "mtime": datetime.fromtimestamp(info.mtime, tz=timezone.utc).replace(tzinfo=None) if info else None,
                "server": server,
                "source": source,
                "line": ordinal,
                "raw": (info.name if info else "") if problem else None,
                "problem": problem,
            }
        )
        if problem is None and content is not None and re.fullmatch(module_log.NAME_PATTERN, posixpath.basename(info.name)):
            frame = module_log.parse(content, source=f"{source}!{info.name}", server=server)
            logs.append(
                frame.with_columns(
                    pl.lit(archive, pl.String).alias("archive"),
                    pl.lit(mod, pl.String).alias("archive_module"),
                    pl.lit(gen, pl.Int64).alias("archive_generation"),
                ).select(LOGS_SCHEMA.names())
            )
    members = pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else SCHEMA.to_frame()
    logs_frame = pl.concat(logs).cast(dict(LOGS_SCHEMA)) if logs else LOGS_SCHEMA.to_frame()
    return Parsed(members, tables={"module_log": logs_frame})


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """One row per archive member (see the module docstring for the safety rules)."""
    return scan(data, source=source, server=server).frame


def parse_logs(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """The module logs inside the archive, parsed, with the archive's module and generation.

    Members that are not module logs (by name) are only listed by :func:`parse`.
    """
    return scan(data, source=source, server=server).tables["module_log"]

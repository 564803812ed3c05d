"""Safe reading of log-collection archives (``.tar.gz``, ``.tgz``, ``.tar``, ``.zip``).

A collection comes from a cluster that may be broken or from a user who may
have been handed a hostile file, so extraction trusts nothing in it:

- members are written only below a private temporary folder, under names
  built from checked path components: absolute names, ``..`` components and
  drive letters are refused;
- links are never created on disk. A symbolic or hard link whose target stays
  inside the archive becomes a copy of that member; one pointing outside is
  refused. Device files and FIFOs are refused;
- the member count and the total uncompressed size are capped
  (:class:`Limits`); the size cap is a :class:`Budget` that the bundle shares
  between all the archives of its inputs, nested ones included. Bytes are counted while they are copied, and a member
  whose declared size alone would pass the cap is refused before any of it is
  inflated, so a decompression bomb stops after at most the cap.

Every refusal is a :class:`~clpkit.problems.Problem` naming the archive and
the member; the other members still load. Archives found inside the archive
(``elog_*.tar.gz``, SPEC 3.1) are plain files here: their own parser reads them.

>>> import io, tarfile, tempfile
>>> buf = io.BytesIO()
>>> with tarfile.open(fileobj=buf, mode="w:gz") as tar:
...     for name in ("log/rc.log.cur", "../evil"):
...         info = tarfile.TarInfo(name); info.size = 2
...         tar.addfile(info, io.BytesIO(b"ok"))
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp, "sv1.tar.gz"); _ = path.write_bytes(buf.getvalue())
...     problems = extract(path, Path(tmp, "out"))
...     print(Path(tmp, "out", "log", "rc.log.cur").read_text(), [p.reason for p in problems])
ok ["member '../evil': refused: '..' in the member name"]
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from clpkit.problems import Problem

#: File-name endings recognised as archives, longest first.
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Caps applied while extracting one archive and reading one file."""

    #: Sum of the uncompressed sizes of all members written (bytes).
    max_total_bytes: int = 4 * 1024**3
    #: Number of members (files, folders, links) read.
    max_members: int = 100_000
    #: One file read from a folder or an extracted archive (bytes): files are read whole into memory.
    max_file_bytes: int = 1024**3
    #: Sum of the bytes inflated from the archives inside a collection (the emergency logs), over the whole
    #: collection: they are read in memory, and a few small archives can each hold gigabytes.
    max_nested_bytes: int = 512 * 1024**2


class Budget:
    """Bytes that several archives may inflate together: one running total, not one per archive.

    :func:`clpkit.bundle.open_bundle` gives every collection archive of its
    inputs (an archive of server archives included) one budget of
    :attr:`Limits.max_total_bytes`, and every emergency archive inside one of
    :attr:`Limits.max_nested_bytes`.
    """

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0

    def fits(self, size: int) -> bool:
        return self.used + max(size, 0) <= self.limit

    def spend(self, size: int) -> bool:
        """Count ``size`` bytes; False once the total is over the limit."""
        self.used += max(size, 0)
        return self.used <= self.limit


def is_archive(path: str | os.PathLike) -> bool:
    """True when the name ends in one of :data:`ARCHIVE_SUFFIXES`.

    >>> is_archive("sv1.tar.gz"), is_archive("SV1.ZIP"), is_archive("nmp1.cur")
    (True, True, False)
    """
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


def archive_stem(path: str | os.PathLike) -> str:
    """The archive's base name without its archive suffix (the default server name).

    >>> archive_stem("in/sv1.tar.gz"), archive_stem("sv2.TGZ"), archive_stem("sv3.zip")
    ('sv1', 'sv2', 'sv3')
    """
    name = os.path.basename(str(path))
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def readable_name(name: str) -> str:
    """A member name as text: bytes that are not UTF-8 decoded as Shift_JIS or EUC-JP, else as %XX.

    tarfile hands undecodable bytes over as surrogates, which no table or
    terminal can hold; a Japanese server's archive often has Shift_JIS names.

    >>> readable_name(b"sv1/\\x83\\x8d\\x83O/rc.log.cur".decode("utf-8", "surrogateescape"))
    'sv1/ログ/rc.log.cur'
    >>> readable_name(b"a\\xff\\xfe".decode("utf-8", "surrogateescape"))
    'a%FF%FE'
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
    for encoding in ("cp932", "euc_jp"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not re.search("[\ue000-\uf8ff]", text):  # cp932 maps stray bytes to private-use characters
            return text
    # %XX, not \\xXX: a backslash would split the name into folders (safe_parts)
    return re.sub("[\udc80-\udcff]", lambda m: f"%{ord(m[0]) - 0xDC00:02X}", name)


class _Stop(Exception):
    """A cap was reached: the rest of the archive is not read."""


def safe_parts(name: str) -> tuple[str, ...]:
    """The checked path components of a member name; ValueError says why it is refused.

    >>> safe_parts("./sv1/log//rc.log.cur")
    ('sv1', 'log', 'rc.log.cur')
    >>> safe_parts("/etc/passwd")
    Traceback (most recent call last):
    ValueError: absolute member name
    """
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        raise ValueError("absolute member name")
    parts = tuple(p for p in re.split(r"[/\\]", name) if p not in ("", "."))
    if ".." in parts:
        raise ValueError("'..' in the member name")
    if any("\0" in p for p in parts):
        raise ValueError("NUL byte in the member name")
    return parts


def link_target(member_parts: tuple[str, ...], target: str, *, hard: bool) -> tuple[str, ...]:
    """Where a link points, as components inside the archive; ValueError when outside.

    A symbolic link is relative to the member's folder, a hard link to the
    archive's root.

    >>> link_target(("a", "b", "l"), "../x", hard=False)
    ('a', 'x')
    >>> link_target(("a", "l"), "../../etc/passwd", hard=False)
    Traceback (most recent call last):
    ValueError: link points outside the archive: '../../etc/passwd'
    """
    if target.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", target):
        raise ValueError(f"link points outside the archive: {target!r}")
    stack = [] if hard else list(member_parts[:-1])
    for part in re.split(r"[/\\]", target):
        if part in ("", "."):
            continue
        if part == "..":
            if not stack:
                raise ValueError(f"link points outside the archive: {target!r}")
            stack.pop()
        else:
            stack.append(part)
    if not stack:
        raise ValueError(f"link points to the archive root: {target!r}")
    return tuple(stack)


class _Writer:
    """Writes members below ``dest`` and keeps the running count and byte total."""

    def __init__(self, archive: Path, dest: Path, limits: Limits, budget: Budget | None = None):
        self.archive, self.dest, self.limits = archive, dest, limits
        self.budget = budget or Budget(limits.max_total_bytes)
        self.spent_before = self.budget.used  # by the archives read before this one
        self.members = 0
        self.total = 0
        self.problems: list[Problem] = []
        self.links: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        self.copies: dict[tuple[str, ...], list[tuple[int, str]]] = {}  # parts -> (size, sha256) of each copy
        self.last: str | None = None  # the last member read whole

    def problem(self, reason: str) -> None:
        self.problems.append(Problem(None, str(self.archive), None, reason))

    def refuse(self, member: str, reason: str) -> None:
        self.problems.append(Problem(None, str(self.archive), None, f"member {member!r}: refused: {reason}"))

    def count(self, member: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            self.problems.append(
                Problem(
                    None,
                    str(self.archive),
                    None,
                    f"member {member!r}: member-count cap of {self.limits.max_members} reached; "
                    "the rest of the archive was not read",
                )
            )
            raise _Stop

    def _size_cap(self, member: str) -> None:
        shared = (
            f" (a total for the whole input: {self.spent_before} bytes went to the archives before this one)"
            if self.spent_before else ""
        )
        self.problems.append(
            Problem(
                None,
                str(self.archive),
                None,
                f"member {member!r}: uncompressed-size cap of {self.budget.limit} bytes reached{shared}; "
                "the member and the rest of the archive were not read",
            )
        )
        raise _Stop

    def target(self, parts: tuple[str, ...]) -> Path:
        path = self.dest.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, member: str, parts: tuple[str, ...], stream, declared: int, mtime: float | None) -> None:
        """Copy a member's bytes, counting them; a cap hit removes the partial file."""
        if not self.budget.fits(declared):
            self._size_cap(member)
        path = self.target(parts)
        digest, size = hashlib.sha256(), 0
        try:
            with open(path, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    self.total += len(chunk)
                    if not self.budget.spend(len(chunk)):
                        raise _Stop
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        except _Stop:
            path.unlink(missing_ok=True)
            self._size_cap(member)
        except BaseException:
            path.unlink(missing_ok=True)  # a member cut short is not left as if it were whole
            raise
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        self.copies.setdefault(parts, []).append((size, digest.hexdigest()))
        self.last = member

    def report_duplicates(self) -> None:
        """A name the archive holds more than once: every copy is named; the last one is what is read."""
        for parts, copies in self.copies.items():
            if len(copies) < 2:
                continue
            sizes = ", ".join(f"{size} bytes" for size, _ in copies)
            same = len({digest for _, digest in copies}) == 1
            what = "identical copies" if same else "different contents"
            lost = "" if same else "; the earlier copies were not read"
            self.problem(
                f"member {'/'.join(parts)!r}: {len(copies)} members with this name ({sizes}, {what}): "
                f"the last one was read{lost}"
            )

    def copy_links(self) -> None:
        """Materialise in-archive links as copies, once every member is written."""
        for member, parts, target in self.links:
            src = self.dest.joinpath(*target)
            if not src.is_file():
                self.refuse(member, f"link target {'/'.join(target)!r} is not a file of the archive")
                continue
            size = src.stat().st_size
            with open(src, "rb") as stream:
                self.write(member, parts, stream, size, src.stat().st_mtime)


def extract(
    archive: str | os.PathLike, dest: str | os.PathLike, limits: Limits | None = None, budget: Budget | None = None
) -> list[Problem]:
    """Extract ``archive`` below ``dest`` safely; return the problems (refused members, caps).

    ``budget``: the byte total this archive shares with others (by default its
    own, of ``limits.max_total_bytes``). A file that is not a readable archive
    is one problem, not an exception.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    writer = _Writer(archive, dest, limits or Limits(), budget)
    try:
        if archive.name.lower().endswith(".zip"):
            _extract_zip(writer)
        else:
            _extract_tar(writer)
    except _Stop:
        pass
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        if writer.last is None:
            writer.problem(f"unreadable archive: {exc}")
        elif "CRC check failed" in str(exc):
            writer.problem(
                f"damaged archive: its checksum does not match ({exc}); the {len(writer.copies)} files read "
                "may hold damaged bytes"
            )
        else:
            writer.problem(
                f"unreadable archive: damaged after member {writer.last!r} ({len(writer.copies)} files read): "
                f"the rest of the archive was not read: {exc}"
            )
    try:
        writer.copy_links()
    except _Stop:
        pass
    writer.report_duplicates()
    return writer.problems


class _CutHeader(tarfile.ReadError):
    """The archive ends inside a member header: tarfile would take it for the end and say nothing."""


class _CutAwareInfo(tarfile.TarInfo):
    @classmethod
    def frombuf(cls, buf, encoding, errors):
        if 0 < len(buf) < tarfile.BLOCKSIZE and buf.strip(b"\0"):
            raise _CutHeader(f"the archive ends inside a member header ({len(buf)} of its {tarfile.BLOCKSIZE} bytes)")
        return super().frombuf(buf, encoding, errors)


class _DamageAwareTar(tarfile.TarFile):
    """A tar reader that goes on past a damaged member header and records what it skipped.

    Without ``ignore_zeros`` tarfile takes a bad header after the first one for
    the end of the archive and silently drops every member after it; with it,
    tarfile skips block by block to the next good header, and tells about each
    block through ``_dbg``, which is where the skipped stretch is measured.
    """

    tarinfo = _CutAwareInfo

    def __init__(self, *args, **kwargs):
        self.damage: list[list[int]] = []  # [first offset, blocks skipped]
        super().__init__(*args, **kwargs)

    def _dbg(self, level, msg):
        where, _, what = str(msg).partition(": ")
        if what == "end of file header" or not where.startswith("0x"):
            return
        offset = int(where, 16)
        if self.damage and self.damage[-1][0] + self.damage[-1][1] * tarfile.BLOCKSIZE == offset:
            self.damage[-1][1] += 1
        else:
            self.damage.append([offset, 1])


def _extract_tar(writer: _Writer) -> None:
    # Stream mode ("r|*") reads members in order without seeking, so nothing
    # is inflated ahead of the member being copied.
    # A gzip stream is read through GzipFile, which checks the stream's CRC at its end: tarfile's
    # own reader does not, and damaged compressed bytes would pass as data.
    with open(writer.archive, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    fileobj = gzip.open(writer.archive, "rb") if gzipped else None
    try:
        _read_tar(writer, fileobj)
    finally:
        if fileobj is not None:
            fileobj.close()


def _read_tar(writer: _Writer, fileobj) -> None:
    with _DamageAwareTar.open(
        None if fileobj else writer.archive, mode="r|" if fileobj else "r|*", fileobj=fileobj,
        ignore_zeros=True, encoding="utf-8", errors="surrogateescape",
    ) as tar:
        reported = 0

        def report_damage(before: str) -> None:
            nonlocal reported
            for offset, blocks in tar.damage[reported:]:
                writer.problem(
                    f"damaged member header at byte {offset}: {blocks * tarfile.BLOCKSIZE} bytes skipped "
                    f"(the member there is lost) after {writer.last or 'the start'!r}, {before}"
                )
            reported = len(tar.damage)

        try:
            for info in tar:
                info.name, info.linkname = readable_name(info.name), readable_name(info.linkname)
                report_damage(f"before {info.name!r}")
                _tar_member(writer, tar, info)
        finally:
            if writer.members == 0 and tar.damage:  # not one good header: this is no tar at all
                skipped = sum(blocks for _, blocks in tar.damage) * tarfile.BLOCKSIZE
                writer.problem(f"unreadable archive: not a tar archive (no valid member header in {skipped} bytes)")
            else:
                report_damage("at the end of the archive")


def _tar_member(writer: _Writer, tar: tarfile.TarFile, info: tarfile.TarInfo) -> None:
    writer.count(info.name)
    try:
        parts = safe_parts(info.name)
    except ValueError as exc:
        writer.refuse(info.name, str(exc))
        return
    if not parts:
        return
    if info.isdir():
        writer.dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
    elif info.isreg():
        try:
            writer.write(info.name, parts, tar.extractfile(info), info.size, info.mtime)
        except OSError as exc:
            if isinstance(exc, gzip.BadGzipFile) or "CRC check failed" in str(exc):
                raise  # the stream, not the member
            writer.refuse(info.name, f"cannot write: {exc.strerror or exc}")
    elif info.issym() or info.islnk():
        try:
            target = link_target(parts, info.linkname, hard=info.islnk())
        except ValueError as exc:
            writer.refuse(info.name, str(exc))
            return
        writer.links.append((info.name, parts, target))
    else:
        writer.refuse(info.name, "device file or FIFO")


def _extract_zip(writer: _Writer) -> None:
    with zipfile.ZipFile(writer.archive) as zf:
        for info in zf.infolist():
            if not info.flag_bits & 0x800:  # no UTF-8 flag: zipfile read the name as cp437
                info.filename = readable_name(info.filename.encode("cp437").decode("utf-8", "surrogateescape"))
            writer.count(info.filename)
            try:
                parts = safe_parts(info.filename)
            except ValueError as exc:
                writer.refuse(info.filename, str(exc))
                continue
            if not parts:
                continue
            # Unix file-type bits live in the high half of external_attr (create_system 3).
            kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
            if info.is_dir():
                writer.dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
            elif kind == stat.S_IFLNK:
                with zf.open(info) as stream:
                    linkname = stream.read(4096).decode("utf-8", "replace")
                try:
                    target = link_target(parts, linkname, hard=False)
                except ValueError as exc:
                    writer.refuse(info.filename, str(exc))
                    continue
                writer.links.append((info.filename, parts, target))
            elif kind not in (0, stat.S_IFREG):
                writer.refuse(info.filename, "device file or FIFO")
            else:
                mtime = _zip_mtime(info)
                try:
                    with zf.open(info) as stream:
                        writer.write(info.filename, parts, stream, info.file_size, mtime)
                except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
                    writer.dest.joinpath(*parts).unlink(missing_ok=True)
                    writer.refuse(info.filename, f"unreadable member: {exc}")


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    import time

    try:
        return time.mktime(info.date_time + (0, 0, -1))
    except (OverflowError, ValueError):
        return None


def remove_tree(path: str | os.PathLike) -> None:
    """Remove an extraction folder, ignoring what is already gone."""
    shutil.rmtree(path, ignore_errors=True)


def link_or_copy(src, dst) -> None:
    """A hard link (no bytes copied; a regular file, which the bundle reads), else a copy (another file system)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)

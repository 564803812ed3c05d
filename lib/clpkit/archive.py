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
  (:class:`Limits`). Bytes are counted while they are copied, and a member
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

import os
import re
import shutil
import stat
import tarfile
import zipfile
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

    def __init__(self, archive: Path, dest: Path, limits: Limits):
        self.archive, self.dest, self.limits = archive, dest, limits
        self.members = 0
        self.total = 0
        self.problems: list[Problem] = []
        self.links: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []

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
        self.problems.append(
            Problem(
                None,
                str(self.archive),
                None,
                f"member {member!r}: uncompressed-size cap of {self.limits.max_total_bytes} bytes reached; "
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
        if self.total + max(declared, 0) > self.limits.max_total_bytes:
            self._size_cap(member)
        path = self.target(parts)
        try:
            with open(path, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    self.total += len(chunk)
                    if self.total > self.limits.max_total_bytes:
                        raise _Stop
                    out.write(chunk)
        except _Stop:
            path.unlink(missing_ok=True)
            self._size_cap(member)
        if mtime is not None:
            os.utime(path, (mtime, mtime))

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


def extract(archive: str | os.PathLike, dest: str | os.PathLike, limits: Limits | None = None) -> list[Problem]:
    """Extract ``archive`` below ``dest`` safely; return the problems (refused members, caps).

    A file that is not a readable archive is one problem, not an exception.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    writer = _Writer(archive, dest, limits or Limits())
    try:
        if archive.name.lower().endswith(".zip"):
            _extract_zip(writer)
        else:
            _extract_tar(writer)
    except _Stop:
        pass
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        writer.problems.append(Problem(None, str(archive), None, f"unreadable archive: {exc}"))
    try:
        writer.copy_links()
    except _Stop:
        pass
    return writer.problems


def _extract_tar(writer: _Writer) -> None:
    # Stream mode ("r|*") reads members in order without seeking, so nothing
    # is inflated ahead of the member being copied.
    with tarfile.open(writer.archive, mode="r|*") as tar:
        for info in tar:
            writer.count(info.name)
            try:
                parts = safe_parts(info.name)
            except ValueError as exc:
                writer.refuse(info.name, str(exc))
                continue
            if not parts:
                continue
            if info.isdir():
                writer.dest.joinpath(*parts).mkdir(parents=True, exist_ok=True)
            elif info.isreg():
                try:
                    writer.write(info.name, parts, tar.extractfile(info), info.size, info.mtime)
                except OSError as exc:
                    writer.refuse(info.name, f"cannot write: {exc.strerror or exc}")
            elif info.issym() or info.islnk():
                try:
                    target = link_target(parts, info.linkname, hard=info.islnk())
                except ValueError as exc:
                    writer.refuse(info.name, str(exc))
                    continue
                writer.links.append((info.name, parts, target))
            else:
                writer.refuse(info.name, "device file or FIFO")


def _extract_zip(writer: _Writer) -> None:
    with zipfile.ZipFile(writer.archive) as zf:
        for info in zf.infolist():
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

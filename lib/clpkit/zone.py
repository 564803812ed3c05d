"""The one time model: which zone the servers' clocks run on, and times shown in it.

CLUSTERPRO writes wall-clock times without a zone. Every command and report
page needs that zone to put times on one axis, to read ``--since/--until``
and to print a time a reader can trust. It comes, in this order, from:

1. ``--tz`` (or the ``tz=`` of :func:`clpkit.open_bundle`);
2. the collection itself: the host record of ``clpkit collect``
   (``clpkit-host.json``, its ``timezone``), a zone file collected with the OS information
   (``etc/timezone``: an IANA name; ``etc/sysconfig/clock``: ``ZONE="…"``;
   ``etc/localtime``: a compiled zone file, named when it equals one of
   this machine's zone files), else the UTC offset that RFC 3339 / 5424
   syslog lines write (a fixed offset such as ``+09:00``: it says nothing
   about daylight saving, and the note says so);
3. else UTC, and every output says it was assumed.

clp.conf holds no time zone, so it is not evidence. :class:`Zone` carries the
name (an IANA name or ``±HH:MM``, as polars takes it) and ``basis``, the
words saying where it came from; :meth:`Zone.describe` is the line every
command prints and every page shows.

>>> z = given("Asia/Tokyo")
>>> z.describe()
'times in Asia/Tokyo (given with --tz)'
>>> bound("2026-01-01T03:12", z, "--since")
datetime.datetime(2025, 12, 31, 18, 12, tzinfo=datetime.timezone.utc)
>>> show(bound("2026-01-01T03:12+00:00", z, "--since"), z)
'2026-01-01 12:12:00+09:00'
>>> check("Mars/Olympus")
Traceback (most recent call last):
clpkit.problems.ClpkitError: --tz 'Mars/Olympus': unknown time zone (give an IANA name such as Asia/Tokyo, or an offset such as +09:00)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from clpkit.i18n import t
from clpkit.problems import ClpkitError

UTC = "UTC"
_OFFSET = re.compile(r"^[+-](?:[01]\d|2[0-3]):[0-5]\d$")
#: Bytes read from the start of each syslog file when looking for offsets.
SYSLOG_PROBE_BYTES = 16 * 1024**2
#: The host record ``clpkit collect`` writes into each server's folder (its ``timezone`` is the host's zone).
HOST_RECORD = "clpkit-host.json"
#: Largest zone file read (a compiled zone file is a few KB).
ZONE_FILE_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Zone:
    """The servers' time zone and the evidence for it."""

    name: str
    basis: str  # how it was found, in words
    assumed: bool = False  # True: nothing said; UTC was taken
    notes: tuple[str, ...] = field(default=())  # disagreements met while detecting
    kind: str = "given"  # given | file | syslog | assumed (what a page words it by)
    evidence: str = ""  # the file it came from (file, syslog)

    def describe(self, lang: str = "en") -> str:
        """One line for a command's output or a page (``ja``: in Japanese; the notes stay as written)."""
        text = t(f"zone_line_{self.kind}", lang).format(zone=self.name, basis=self.basis, evidence=self.evidence)
        return text + "".join(f"; {n}" for n in self.notes)



def check(name: str, option: str = "--tz") -> str:
    """``name`` when it is a zone polars and Python both know; else one-line ClpkitError."""
    text = (name or "").strip()
    ok = bool(_OFFSET.match(text))
    if not ok and text and "\0" not in text:
        try:
            zoneinfo.ZoneInfo(text)
            ok = True
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            ok = False
    if ok:
        try:
            pl.Series([dt.datetime(2000, 1, 1)]).dt.replace_time_zone(text)
        except Exception:  # polars' own zone database may lack a name Python has
            ok = False
    if not ok:
        raise ClpkitError(
            f"{option} {name!r}: unknown time zone (give an IANA name such as Asia/Tokyo, or an offset such as +09:00)"
        )
    return text


def given(name: str) -> Zone:
    """The zone named by the user (checked)."""
    return Zone(check(name), "given with --tz")


def assumed(notes: tuple[str, ...] = ()) -> Zone:
    """UTC, taken because nothing said otherwise."""
    return Zone(UTC, "assumed: nothing in the collection names the servers' zone; give --tz", True, notes, "assumed")


def tzinfo(zone: Zone) -> dt.tzinfo:
    """The zone as a Python tzinfo."""
    if _OFFSET.match(zone.name):
        sign = -1 if zone.name[0] == "-" else 1
        hours, minutes = int(zone.name[1:3]), int(zone.name[4:6])
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return zoneinfo.ZoneInfo(zone.name)


def bound(text: str | None, zone: Zone, option: str) -> dt.datetime | None:
    """An ISO ``--since/--until`` as an aware UTC datetime; without an offset it is in ``zone``."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClpkitError(
            f"{option} {text!r}: not an ISO time (e.g. 2026-11-24T03:00 or 2026-11-24T03:00+09:00)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tzinfo(zone))
    return value.astimezone(dt.timezone.utc)


def local_bound(text: str | None, zone: Zone, option: str) -> dt.datetime | None:
    """The same bound as a naive time in ``zone`` (for the servers' naive local columns)."""
    value = bound(text, zone, option)
    return None if value is None else value.astimezone(tzinfo(zone)).replace(tzinfo=None)


def show(value: dt.datetime | None, zone: Zone) -> str:
    """A time as text in ``zone`` with its offset; a naive time is taken as local in ``zone``."""
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=tzinfo(zone))
    return value.astimezone(tzinfo(zone)).isoformat(sep=" ", timespec="seconds")


def in_zone(frame: pl.DataFrame, zone: Zone, columns: tuple[str, ...] = ("time",)) -> pl.DataFrame:
    """Aware datetime columns converted to ``zone`` (naive ones are already local and left alone)."""
    exprs = [
        pl.col(c).dt.convert_time_zone(zone.name)
        for c in columns
        if c in frame.columns and getattr(frame.schema[c], "time_zone", None)
    ]
    return frame.with_columns(exprs) if exprs else frame


def iso_expr(column: str, dtype) -> pl.Expr:
    """An ISO text of a datetime column: with its offset when the column has a zone."""
    fmt = "%Y-%m-%dT%H:%M:%S%.3f" + ("%:z" if getattr(dtype, "time_zone", None) else "")
    return pl.col(column).dt.to_string(fmt)


# --- detection --------------------------------------------------------------------------------


def detect(bundle) -> Zone:
    """The zone the collection shows (see the module docstring), else :func:`assumed` UTC."""
    named, notes = _zone_files(bundle)
    offsets, offset_notes = _syslog_offsets(bundle)
    notes += offset_notes
    if named:
        name, basis, source = named
        return Zone(name, basis, notes=tuple(notes), kind="file", evidence=source)
    if offsets:
        name, basis, source = offsets
        return Zone(name, basis, notes=tuple(notes), kind="syslog", evidence=source)
    return assumed(tuple(notes))


def _zone_files(bundle) -> tuple[tuple[str, str, str] | None, list[str]]:
    """(IANA name, basis, file) from etc/timezone, etc/sysconfig/clock or etc/localtime, and notes."""
    found: list[tuple[str, str]] = []  # (name, source)
    notes: list[str] = []
    for server, path, source in bundle.find_files(("timezone", "clock", "localtime", HOST_RECORD)):
        data = _read_small(path)
        if data is None:
            continue
        name = None
        if path.name == HOST_RECORD:
            try:
                name = str(json.loads(data).get("timezone") or "") or None
            except (ValueError, AttributeError):
                notes.append(f"{source} is not a JSON object")
        elif path.name == "timezone":
            name = data.decode("utf-8", "replace").strip().splitlines()[0].strip() if data.strip() else None
        elif path.name == "clock" and path.parent.name == "sysconfig":
            m = re.search(rb'^\s*ZONE\s*=\s*"?([^"\n]+)"?', data, re.M)
            name = m.group(1).decode("utf-8", "replace").strip() if m else None
        elif path.name == "localtime" and data.startswith(b"TZif"):
            name = _same_zone_file(data)
            if name is None:
                notes.append(f"{source} is a zone file this machine does not know")
        if not name:
            continue
        try:
            found.append((check(name), source))
        except ClpkitError:
            notes.append(f"{source} names an unknown zone {name!r}")
    if not found:
        return None, notes
    names = Counter(n for n, _ in found)
    best = names.most_common(1)[0][0]
    if len(names) > 1:
        notes.append("zone files disagree: " + ", ".join(f"{s}: {n}" for n, s in found))
    sources = [s for n, s in found if n == best]
    return (best, f"from {sources[0]}" + (f" and {len(sources) - 1} more" if len(sources) > 1 else ""), sources[0]), notes


#: The time and offset of an RFC 3339 stamp; it starts with a letter, so the regex engine skips to each "T".
_STAMP_TIME = re.compile(rb"T\d\d:\d\d:\d\d(?:\.\d+)?(Z|[+-]\d\d:\d\d)[ \t]")
#: What comes before that "T" on a line that starts with the stamp (RFC 5424's "<PRI>1 " optional).
_STAMP_DATE = re.compile(rb"(?:<\d{1,3}>1 )?\d{4}-\d\d-\d\d")


def line_offsets(data: bytes) -> list[str]:
    r"""The UTC offsets of the lines of ``data`` that start with an RFC 3339 / 5424 stamp, in order.

    Looking for the stamp's time first, then checking that the line starts
    with its date, reads a syslog 15 times faster than a pattern anchored at
    every line start (the date has no literal text the engine could skip to).

    >>> line_offsets(b"2026-01-01T00:00:00+09:00 a\nNov 24 T12:00:00Z x\n<34>1 2026-01-01T00:00:00.5Z h\nx 2026-01-01T00:00:00Z ")
    ['+09:00', '+00:00']
    """
    found = []
    for m in _STAMP_TIME.finditer(data):
        if _STAMP_DATE.fullmatch(data, data.rfind(b"\n", 0, m.start()) + 1, m.start()):
            offset = m.group(1).decode()
            found.append("+00:00" if offset == "Z" else offset)
    return found


def _syslog_offsets(bundle) -> tuple[tuple[str, str, str] | None, list[str]]:
    """A fixed offset when the syslog lines that write one (RFC 3339 / 5424) all write the same one."""
    seen: Counter[str] = Counter()
    where: dict[str, str] = {}
    for f in bundle.entries("syslog"):
        for offset in line_offsets(_read_head(f.path, SYSLOG_PROBE_BYTES)):
            seen[offset] += 1
            where.setdefault(offset, f.source)
    if not seen:
        return None, []
    if len(seen) > 1:
        listed = ", ".join(sorted(seen))
        return None, [f"syslog lines write several UTC offsets ({listed}): a zone with daylight saving; give --tz"]
    name, count = next(iter(seen.items()))
    return (name, f"from the UTC offset of {count} syslog line(s) such as {where[name]}; daylight saving not known",
            where[name]), []


def _same_zone_file(data: bytes) -> str | None:
    """The IANA name whose compiled file on this machine has exactly these bytes."""
    for root in zoneinfo.TZPATH:
        base = Path(root)
        if not base.is_dir():
            continue
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d not in ("posix", "right"))
            for name in sorted(files):
                path = Path(folder, name)
                try:
                    if path.stat().st_size == len(data) and path.read_bytes() == data:
                        key = path.relative_to(base).as_posix()
                        if "/" in key or key == "UTC":  # top-level aliases (Japan, localtime) are not names
                            return key
                except OSError:
                    continue
    return None


def _read_small(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > ZONE_FILE_MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _read_head(path: Path, limit: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit)
    except OSError:
        return b""
    if len(data) == limit and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data

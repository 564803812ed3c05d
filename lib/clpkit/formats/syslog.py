"""System log: the cluster's lines in ``/var/log/messages`` style files.

CLUSTERPRO (EXPRESSCLUSTER) sends its alerts to syslog under the ident
``clusterpro`` (``expresscls`` on EXPRESSCLUSTER), so a log collection's
``messages``, ``messages.1``, ``messages-YYYYMMDD``, ``syslog`` or
``syslog.1`` holds them among everything else the server logged. The
message body carries the module type and event id (SPEC 3.6)::

    Nov 24 03:12:01 sv1 clusterpro[2412]: <type: rc><event: 32> Activating exec1 resource has failed.(99 : command is timeout)

Prefixes read: classic BSD (``Nov 24 03:12:01 host ident[pid]:``, no year),
RFC 3339 (``2026-11-24T03:12:01.123+09:00 host ident[pid]:``, rsyslog's
precise format) and RFC 5424 (``<30>1 2026-11-24T03:12:01.123+09:00 host
ident procid msgid [sd] msg``); the pid is optional in all of them.

Only lines whose ident is ``clusterpro`` or ``expresscls`` become rows.
Every other line of the file is unrelated: it is skipped, never taken as a
cluster event, and counted. The count is the ``skipped`` field of
:func:`scan` (``parse`` returns only the frame, as every format does);
the bundle reports it from there. A cluster line without the
``<type: ..><event: ..>`` head is still a row, with null ``module`` and
``event_id``.

Times: ``time`` is the wall-clock time as written (naive, the server's
local time); ``utc_offset`` (minutes) is set when the line wrote one.
Classic lines have no year: it is resolved by
:func:`clpkit.text.resolve_years`, anchored on a full date in the same
file, else the date in a ``messages-YYYYMMDD`` name, else the file's
mtime; a December-to-January turn inside the file starts a new year.

>>> s = scan(SAMPLE, source="messages-20261125")
>>> s.skipped, s.frame.height
(2, 3)
>>> s.frame.select("time", "ident", "pid", "module", "event_id").rows()[0]
(datetime.datetime(2026, 11, 24, 3, 12, 1), 'clusterpro', 2412, 'rc', 32)
>>> s.frame["message"][0]
'Activating exec1 resource has failed.(99 : command is timeout)'
>>> s.frame.select("ident", "utc_offset", "event_id").rows()[1:]
[('expresscls', None, 40), ('clusterpro', 540, 2)]
>>> parse(SAMPLE).schema == SCHEMA
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from clpkit import text as textmod
from clpkit.formats import META_SCHEMA

KIND = "syslog"

SCHEMA = pl.Schema(
    {
        "time": pl.Datetime("ms"),
        "utc_offset": pl.Int32,
        "host": pl.String,
        "ident": pl.String,
        "pid": pl.Int64,
        "module": pl.String,
        "event_id": pl.Int64,
        "message": pl.String,
        **META_SCHEMA,
    }
)

SAMPLE = """\
Nov 24 03:12:01 sv1 clusterpro[2412]: <type: rc><event: 32> Activating exec1 resource has failed.(99 : command is timeout)
Nov 24 03:12:01 sv1 kernel: e1000: eth0 NIC Link is Up
Nov 24 03:12:40 sv1 expresscls: <type: rc><event: 40> Starting failover1 group.
Nov 24 03:13:00 sv1 systemd[1]: Started Session 7 of user root.
<29>1 2026-11-24T03:14:05.250+09:00 sv1 clusterpro 2412 - - <type: nm><event: 2> Server sv2 has stopped.
"""

_IDENT = r"(?i:clusterpro|expresscls)"
_CLASSIC = (
    r"^(?P<mon>[A-Z][a-z]{2})\s+(?P<day>\d{1,2})\s+(?P<clock>\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)\s+"
    rf"(?P<host>\S+)\s+(?P<ident>{_IDENT})(?:\[(?P<pid>\d+)\])?:\s?(?P<msg>.*)$"
)
_RFC3339 = (
    r"^(?:<\d{1,3}>1\s+)?(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)(?P<tz>Z|[+-]\d{2}:?\d{2})?\s+"
    rf"(?P<host>\S+)\s+(?P<ident>{_IDENT})"
    # rsyslog's `ident[pid]:` or RFC 5424's `ident procid msgid [sd]|-`
    r"(?:(?:\[(?P<pid>\d+)\])?:|\s+(?P<procid>\S+)\s+\S+\s+(?:-|(?:\[(?:[^\]\\]|\\.)*\])+))\s?(?P<msg>.*)$"
)
_QUICK = rf"\s{_IDENT}(?:\[\d+\])?[:\s]"
_EVENT = r"^\s*<type:\s*(?P<module>[^>]*?)\s*>\s*<event:\s*(?P<event>\d+)\s*>\s*(?P<message>.*)$"
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_NAME_DATE = re.compile(r"-(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class Scan:
    """A parsed system log: the cluster rows, the lines read and the unrelated lines skipped."""

    frame: pl.DataFrame
    lines: int
    skipped: int


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """The cluster lines of a system log (unrelated lines are skipped; see :func:`scan`)."""
    return scan(data, source=source, server=server).frame


def scan(
    data: bytes | str, *, source: str = "<sample>", server: str | None = None, mtime: datetime | None = None
) -> Scan:
    """Parse a system log and count the unrelated lines skipped."""
    decoded = textmod.decode(data)
    lines = textmod.lines_frame(decoded.text)
    total = lines.height
    ours = lines.filter(pl.col("text").str.contains(_QUICK))
    if ours.height == 0:
        return Scan(SCHEMA.to_frame(), total, total - _blank(lines))
    classic = ours["text"].str.extract_groups(_CLASSIC).struct.rename_fields(
        ["mon", "day", "clock", "host", "ident", "pid", "msg"]
    )
    modern = ours["text"].str.extract_groups(_RFC3339).struct.rename_fields(
        ["ts", "tz", "host", "ident", "pid", "procid", "msg"]
    )
    df = ours.with_columns(classic.alias("c"), modern.alias("m"))
    df = df.with_columns(
        pl.col("c").struct.field("mon").replace_strict(_MONTHS, default=None, return_dtype=pl.Int32).alias("month"),
        pl.col("m")
        .struct.field("ts")
        .str.replace("T", " ")
        .str.replace(",", ".")
        .str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S%.f", strict=False)
        .alias("full_time"),
    )
    # A line the quick filter kept that neither prefix fits only mentions the ident: unrelated.
    df = df.filter(pl.col("month").is_not_null() | pl.col("m").struct.field("ts").is_not_null())
    skipped = total - df.height - _blank(lines)
    if df.height == 0:
        return Scan(SCHEMA.to_frame(), total, skipped)
    years = _years(df, source, mtime)
    c, m = pl.col("c").struct, pl.col("m").struct
    classic_time = pl.format(
        "{}/{}/{} {}", pl.lit(years).cast(pl.String), pl.col("month"), c.field("day"), c.field("clock")
    ).str.strptime(pl.Datetime("ms"), "%Y/%m/%d %H:%M:%S%.f", strict=False)
    df = df.with_columns(
        pl.coalesce(pl.col("full_time"), classic_time).alias("time"),
        _offset_minutes(m.field("tz")).alias("utc_offset"),
        pl.coalesce(m.field("host"), c.field("host")).alias("host"),
        pl.coalesce(m.field("ident"), c.field("ident")).str.to_lowercase().alias("ident"),
        pl.coalesce(m.field("pid"), m.field("procid"), c.field("pid")).cast(pl.Int64, strict=False).alias("pid"),
        pl.coalesce(m.field("msg"), c.field("msg")).alias("body"),
    )
    event = pl.col("body").str.extract_groups(_EVENT).struct.rename_fields(["module", "event", "message"])
    df = df.with_columns(event.alias("e"))
    lossy = pl.col("text").str.count_matches("\ufffd", literal=True)
    problem = (
        pl.when(pl.col("time").is_null())
        .then(pl.lit("impossible date or time in the syslog prefix"))
        .when(lossy > 0)
        .then(pl.format("{} undecodable byte(s) replaced (file decoded as {})", lossy, pl.lit(decoded.encoding)))
    )
    out = df.select(
        "time",
        "utc_offset",
        "host",
        "ident",
        "pid",
        pl.col("e").struct.field("module").str.to_lowercase().alias("module"),
        pl.col("e").struct.field("event").cast(pl.Int64, strict=False).alias("event_id"),
        pl.coalesce(pl.col("e").struct.field("message"), pl.col("body")).alias("message"),
        pl.lit(server, pl.String).alias("server"),
        pl.lit(source, pl.String).alias("source"),
        "line",
        pl.when(problem.is_not_null()).then(pl.col("text")).alias("raw"),
        problem.alias("problem"),
    ).cast(dict(SCHEMA))
    return Scan(out, total, skipped)


def _blank(lines: pl.DataFrame) -> int:
    """Empty lines carry nothing: neither rows nor skipped lines."""
    return int((lines["text"].str.strip_chars() == "").sum())


def _offset_minutes(tz: pl.Expr) -> pl.Expr:
    sign = pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)
    digits = tz.str.replace_all(r"[^0-9]", "")
    minutes = digits.str.slice(0, 2).cast(pl.Int32, strict=False) * 60 + digits.str.slice(2, 2).cast(pl.Int32, strict=False)
    return pl.when(tz == "Z").then(pl.lit(0, pl.Int32)).otherwise(sign * minutes).cast(pl.Int32)


def _years(df: pl.DataFrame, source: str, mtime: datetime | None) -> pl.Series:
    """Year of every row (used by the classic rows), from the one helper in clpkit.text."""
    full = df["full_time"]
    known = full.is_not_null().arg_true()
    months = df["month"].fill_null(full.dt.month().cast(pl.Int32))
    if known.len():
        row = int(known[0])
        return textmod.resolve_years(months, reference=int(full[row].year), reference_row=row)
    named = _NAME_DATE.search(source.split("!")[-1])
    if named:
        reference = datetime(int(named[1]), int(named[2]), int(named[3]))
    else:
        reference = mtime or textmod.file_mtime(source)
    return textmod.resolve_years(months, reference=reference)

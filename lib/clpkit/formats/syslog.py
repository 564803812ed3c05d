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
cluster event, and counted, as are blank lines. The counts are the
``skipped`` side output of :func:`scan` (a :class:`clpkit.formats.Parsed`;
``parse`` returns only the frame, as every format does), by reason
(:data:`UNRELATED`, :data:`BLANK`); the bundle reports them from there. A cluster line without the
``<type: ..><event: ..>`` head is still a row, with null ``module`` and
``event_id``.

Times: ``time`` is the wall-clock time as written (naive, the server's
local time); ``utc_offset`` (minutes) is set when the line wrote one.
Classic lines have no year: it is resolved by
:func:`clpkit.text.resolve_years`, anchored on a full date in the same
file, else the date in a ``messages-YYYYMMDD`` name, else the file's
mtime (when ``source`` is a readable path), else the current year; a
December-to-January turn inside the file starts a new year. ``year_from``
says which (``file``, ``name``, ``mtime``, ``now``; null on a line that
wrote its own year), so that a caller with better knowledge (the event
table, from the server's other logs) can correct a guessed year.

>>> s = scan(SAMPLE, source="messages-20261125")
>>> s.lines, s.skipped, s.frame.height
(5, {'not a cluster line': 2}, 3)
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
from datetime import datetime

import polars as pl

from clpkit import text as textmod
from clpkit.formats import META_SCHEMA, Parsed

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
        "year_from": pl.String,
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
_EVENT = r"^\s*<type:\s*(?P<module>[^>]*?)\s*>\s*<event:\s*(?P<event>\d+)\s*>\s*(?P<message>.*)$"
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_NAME_DATE = re.compile(r"-(\d{4})(\d{2})(\d{2})$")


#: Reasons of the skipped lines (the ``skipped`` keys of :func:`scan`).
UNRELATED = "not a cluster line"
BLANK = "blank line"


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """The cluster lines of a system log (unrelated lines are skipped; see :func:`scan`)."""
    return scan(data, source=source, server=server).frame


def scan(
    data: bytes | str, *, source: str = "<sample>", server: str | None = None, mtime: datetime | None = None
) -> Parsed:
    """Parse a system log and count the lines skipped (unrelated, blank).

    Speed: every line is screened for the idents on polars' streaming
    engine (all cores); on the kept lines one short pattern captures the
    usual classic prefix and the message is cut after it by position; only
    the other lines go through the full patterns.
    """
    decoded = textmod.decode(data)
    lines = textmod.lines_frame(decoded)
    total = lines.height
    blank, candidates = _screen(lines)
    rows = _cluster_rows(candidates)
    skipped = {UNRELATED: total - blank - rows.height, BLANK: blank}
    skipped = {reason: n for reason, n in skipped.items() if n}
    if rows.height == 0:
        return Parsed(SCHEMA.to_frame(), total, skipped)
    years, year_from = _years(rows, source, mtime)
    out = _finish(rows, years, year_from, decoded, source, server)
    return Parsed(out, total, skipped)


def _screen(lines: pl.DataFrame) -> tuple[int, pl.DataFrame]:
    """The number of blank lines and the lines naming a cluster ident (``line``, ``text``)."""
    text = pl.col("text")
    screened = (
        lines.lazy()
        .with_columns(text.str.contains(r"^\s*$").alias("_blank"))
        .filter(pl.col("_blank") | text.str.contains(r"(?i)clusterpro|expresscls"))
        .collect(engine="streaming")
    )
    blank = int(screened["_blank"].sum())
    # one chunk: a later string kernel panics on the streaming engine's chunks (polars 2.1)
    return blank, screened.filter(~pl.col("_blank")).drop("_blank").rechunk()


def _cluster_rows(candidates: pl.DataFrame) -> pl.DataFrame:
    """The cluster lines among the candidates (``_ROW_SCHEMA``, in line order); the others are dropped."""
    rows = _classic_fast(candidates)
    fast_mask = rows["ident"].is_not_null()  # null where the usual shape did not match
    if not fast_mask.all():
        rows = pl.concat(
            [rows.filter(fast_mask), _by_pattern(candidates.filter(~fast_mask))], how="vertical_relaxed"
        ).sort("line")
    return rows


def _finish(
    rows: pl.DataFrame, years: pl.Series, year_from: str, decoded: textmod.Decoded, source: str, server: str | None
) -> pl.DataFrame:
    """The output frame (``SCHEMA``) of rows read by the patterns, given each row's year."""
    rows = rows.rechunk().with_columns(years.alias("_year"))
    classic_time = _classic_times(pl.col("_year"), pl.col("month"), pl.col("day"), pl.col("clock"))
    clock_bytes = rows["clock"].str.len_bytes()
    if not bool((clock_bytes.is_null() | (clock_bytes == 8)).all()):
        # a one-digit hour or a fraction (read by the full pattern only): chrono reads these
        whole = bool((clock_bytes.fill_null(8) <= 8).all())
        text = pl.format(
            "{}-{}-{} {}",
            pl.col("_year"),
            pl.col("month").cast(pl.String).str.zfill(2),
            pl.col("day").cast(pl.String).str.zfill(2),
            pl.col("clock"),
        )
        parsed = text.str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S" + ("" if whole else "%.f"), strict=False)
        classic_time = pl.when(pl.col("clock").str.len_bytes() == 8).then(classic_time).otherwise(
            textmod.real_times(pl.col("clock"), parsed)
        )
    if rows["full_time"].null_count() == 0:
        classic_time = pl.col("full_time")
    rows = rows.with_columns(pl.coalesce(pl.col("full_time"), classic_time).alias("time"))
    rows = _events(rows)
    lossy = pl.col("text").str.count_matches("\ufffd", literal=True) if decoded.replaced else pl.lit(0)
    problem = (
        pl.when(pl.col("time").is_null())
        .then(pl.lit("impossible date or time in the syslog prefix"))
        .when(lossy > 0)
        .then(pl.format("{} undecodable byte(s) replaced (file decoded as {})", lossy, pl.lit(decoded.encoding)))
    )
    return rows.select(
        "time",
        "utc_offset",
        "host",
        pl.col("ident").str.to_lowercase(),
        "pid",
        pl.col("module").str.to_lowercase(),
        "event_id",
        "message",
        pl.when(pl.col("full_time").is_null()).then(pl.lit(year_from)).alias("year_from"),
        pl.lit(server, pl.String).alias("server"),
        pl.lit(source, pl.String).alias("source"),
        "line",
        pl.when(problem.is_not_null()).then(pl.col("text")).alias("raw"),
        problem.alias("problem"),
    ).cast(dict(SCHEMA))


_DAYS_IN_MONTH = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _classic_times(year: pl.Expr, month: pl.Expr, day: pl.Expr, clock: pl.Expr) -> pl.Expr:
    """The time of a classic prefix from its parts; null where the date or the ``HH:MM:SS`` clock is impossible.

    Built from integers (no text to format and parse again): ``pl.datetime``
    raises on an impossible part, so every part is checked first and a bad
    row gets a null year. A clock other than eight bytes is null here (the
    caller reads those with ``strptime``). A second or minute of 60 is
    rejected, as :func:`clpkit.text.real_times` does.

    >>> df = pl.DataFrame({"y": [2024, 2025, 2026, 2026], "m": [2, 2, 11, 11], "d": [29, 29, 4, 24],
    ...                    "c": ["10:00:00", "10:00:00", "03:12:01", "23:59:60"]})
    >>> df.select(_classic_times(pl.col("y"), pl.col("m"), pl.col("d"), pl.col("c"))).to_series().to_list()
    [datetime.datetime(2024, 2, 29, 10, 0), None, datetime.datetime(2026, 11, 4, 3, 12, 1), None]
    """
    hour, minute, second = (clock.str.slice(at, 2).cast(pl.Int32, strict=False) for at in (0, 3, 6))
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    last_day = month.replace_strict(_DAYS_IN_MONTH, default=None, return_dtype=pl.Int32) + (
        (month == 2) & leap
    ).cast(pl.Int32)
    possible = (
        (clock.str.len_bytes() == 8)
        & (clock.str.slice(2, 1) == ":")
        & (clock.str.slice(5, 1) == ":")
        & day.is_between(1, last_day)
        & hour.is_between(0, 23)
        & minute.is_between(0, 59)
        & second.is_between(0, 59)
    )
    return pl.datetime(pl.when(possible).then(year), month, day, hour, minute, second, time_unit="ms")


_FAST_CLASSIC = (
    r"^([A-Z][a-z]{2}) ([ 0-9][0-9]) ([0-9]{2}:[0-9]{2}:[0-9]{2}) ([^ ]+) ((?i:clusterpro|expresscls))(?:\[([0-9]+)\])?: "
)
_FAST_EVENT = r"^<type: ?[^<>]*><event: ?[0-9]+>"
_ROW_SCHEMA = pl.Schema(
    {
        "line": pl.Int64,
        "text": pl.String,
        "month": pl.Int32,
        "day": pl.Int32,
        "clock": pl.String,
        "full_time": pl.Datetime("ms"),
        "utc_offset": pl.Int32,
        "host": pl.String,
        "ident": pl.String,
        "pid": pl.Int64,
        "body": pl.String,
    }
)


def _classic_fast(df: pl.DataFrame) -> pl.DataFrame:
    """Classic lines of the usual shape (``Mon dd HH:MM:SS host ident[pid]: ``); a null ident on the others.

    One pattern captures the short prefix fields; the body is cut after the
    prefix by position, so the pattern never walks the message itself.
    """
    if df.height == 0:
        return _ROW_SCHEMA.to_frame()
    g = pl.col("text").str.extract_groups(_FAST_CLASSIC).struct.rename_fields(["mon", "day", "clock", "host", "ident", "pid"])
    chars = pl.col("host").str.len_chars() + pl.col("ident").str.len_chars()
    prefix = 19 + chars + pl.when(pl.col("pid").is_null()).then(0).otherwise(pl.col("pid").str.len_chars() + 2)
    # on the streaming engine (all cores); one chunk after it, see scan
    return df.lazy().with_columns(g.alias("g")).unnest("g").select(
        "line",
        "text",
        pl.col("mon").replace_strict(_MONTHS, default=None, return_dtype=pl.Int32).alias("month"),
        pl.col("day").str.strip_chars().cast(pl.Int32, strict=False),
        "clock",
        pl.lit(None, pl.Datetime("ms")).alias("full_time"),
        pl.lit(None, pl.Int32).alias("utc_offset"),
        "host",
        "ident",
        pl.col("pid").cast(pl.Int64, strict=False),
        pl.col("text").str.slice(prefix).alias("body"),
    ).collect(engine="streaming").rechunk()


def _by_pattern(df: pl.DataFrame) -> pl.DataFrame:
    """Any other candidate line, read with the full classic and RFC 3339 / 5424 patterns.

    A line that fits neither (the ident only appears inside another program's
    message) is dropped here and so counted as skipped.
    """
    if df.height == 0:
        return _ROW_SCHEMA.to_frame()
    classic = df["text"].str.extract_groups(_CLASSIC).struct.rename_fields(
        ["mon", "day", "clock", "host", "ident", "pid", "msg"]
    )
    modern = df["text"].str.extract_groups(_RFC3339).struct.rename_fields(
        ["ts", "tz", "host", "ident", "pid", "procid", "msg"]
    )
    c, m = pl.col("c").struct, pl.col("m").struct
    out = df.with_columns(classic.alias("c"), modern.alias("m")).select(
        "line",
        "text",
        c.field("mon").replace_strict(_MONTHS, default=None, return_dtype=pl.Int32).alias("month"),
        c.field("day").cast(pl.Int32, strict=False),
        c.field("clock"),
        textmod.real_times(
            m.field("ts"),
            m.field("ts")
            .str.replace("T", " ")
            .str.replace(",", ".")
            .str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S%.f", strict=False),
        ).alias("full_time"),
        _offset_minutes(m.field("tz")).alias("utc_offset"),
        pl.coalesce(m.field("host"), c.field("host")).alias("host"),
        pl.coalesce(m.field("ident"), c.field("ident")).alias("ident"),
        pl.coalesce(m.field("pid"), m.field("procid"), c.field("pid")).cast(pl.Int64, strict=False).alias("pid"),
        pl.coalesce(m.field("msg"), c.field("msg")).alias("body"),
        (c.field("mon").is_not_null() | m.field("ts").is_not_null()).alias("_fits"),
    )
    return out.filter("_fits").drop("_fits").cast(dict(_ROW_SCHEMA))


def _events(rows: pl.DataFrame) -> pl.DataFrame:
    """Module, event id and message from the ``<type: ..><event: ..>`` head of the body."""
    fast = rows["body"].str.contains(_FAST_EVENT).fill_null(False)
    parts = rows["body"].str.splitn(">", 3).struct.rename_fields(["_m", "_e", "_r"])  # split once
    all_fast = bool(fast.all())
    out = rows.with_columns(parts.alias("_p"), fast.alias("_fast")).unnest("_p")
    module = pl.col("_m").str.slice(6).str.strip_chars()
    event = pl.col("_e").str.slice(7).str.strip_chars().cast(pl.Int64, strict=False)
    message = pl.col("_r").str.strip_prefix(" ")
    out = out.with_columns(
        (module if all_fast else pl.when("_fast").then(module)).alias("module"),
        (event if all_fast else pl.when("_fast").then(event)).alias("event_id"),
        (message if all_fast else pl.when("_fast").then(message).otherwise(pl.col("body"))).alias("message"),
    ).drop("_m", "_e", "_r", "_fast")
    other = (~fast) & rows["body"].str.contains("<event:", literal=True).fill_null(False)
    if other.any():
        idx = other.arg_true()
        g = rows["body"].filter(other).str.extract_groups(_EVENT).struct.rename_fields(["module", "event", "message"])
        found = g.struct.field("module").is_not_null()
        out = out.with_columns(
            out["module"].scatter(idx, pl.select(pl.when(found).then(g.struct.field("module"))).to_series()),
            out["event_id"].scatter(idx, g.struct.field("event").cast(pl.Int64, strict=False)),
            out["message"].scatter(
                idx, pl.select(pl.when(found).then(g.struct.field("message")).otherwise(rows["body"].filter(other))).to_series()
            ),
        )
    return out


def _offset_minutes(tz: pl.Expr) -> pl.Expr:
    sign = pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)
    digits = tz.str.replace_all(r"[^0-9]", "")
    minutes = digits.str.slice(0, 2).cast(pl.Int32, strict=False) * 60 + digits.str.slice(2, 2).cast(pl.Int32, strict=False)
    return pl.when(tz == "Z").then(pl.lit(0, pl.Int32)).otherwise(sign * minutes).cast(pl.Int32)


def _years(df: pl.DataFrame, source: str, mtime: datetime | None) -> tuple[pl.Series, str]:
    """Year of every row (used by the classic rows) and where it came from, via clpkit.text's helper."""
    full = df["full_time"]
    known = full.is_not_null().arg_true()
    months = df["month"].fill_null(full.dt.month().cast(pl.Int32)) if known.len() else df["month"]
    if known.len():
        row = int(known[0])
        return textmod.resolve_years(months, reference=int(full[row].year), reference_row=row), "file"
    named = _NAME_DATE.search(source.split("!")[-1])
    if named:
        reference, origin = datetime(int(named[1]), int(named[2]), int(named[3])), "name"
    else:
        reference = mtime or textmod.file_mtime(source)
        origin = "mtime" if reference is not None else "now"
    return textmod.resolve_years(months, reference=reference), origin

"""Alert log: ``alertlog.alt``.

The alerts the cluster raised (what the WebUI's alert view and syslog show),
kept under ``alert/log/`` of the install root (guide L492). Alerts are
replicated to every server by the alert-sync service, so the same alert
appears in each server's copy, which is what :mod:`clpkit.events` uses to
estimate clock offsets.

Layout (SPEC 3.6, inferred): whitespace-separated fields::

    <seq> <YYYY/MM/DD> <HH:MM:SS.mmm> <YYYY/MM/DD> <HH:MM:SS.mmm> <host> <module> <event id> <level> <message...>

The two times are kept as written, in file order: ``time`` (the first)
and ``logged`` (the second). One is the moment on the server the alert
came from, the other the moment this server recorded it; which is which is
not published. Both are this line's wall-clock text, not converted. On the
server that raised the alert (``host``) the two are the same clock; on a
replica they differ by the clock offset plus the transfer delay, and
:mod:`clpkit.events` uses that without needing to know the order. The
fields are found by pattern, not by position alone: the sequence number
and the second time may be missing. A line that does not fit is kept
with ``raw`` and ``problem``; empty lines carry nothing and are skipped,
counted by :func:`scan` (the ``skipped`` side output).

>>> df = parse(SAMPLE)
>>> df.select("seq", "host", "module", "event_id", "level").rows()
[(101, 'sv1', 'rc', 32, 'ERROR'), (102, 'sv2', 'rc', 40, 'INFO')]
>>> df["message"][0]
'Activating exec1 resource has failed.(99 : command is timeout)'
>>> df.schema == SCHEMA
True
"""

from __future__ import annotations

import polars as pl

from clpkit import text as textmod
from clpkit.formats import META_SCHEMA, Parsed

KIND = "alert_log"

SCHEMA = pl.Schema(
    {
        "seq": pl.Int64,
        "time": pl.Datetime("ms"),
        "logged": pl.Datetime("ms"),
        "host": pl.String,
        "module": pl.String,
        "event_id": pl.Int64,
        "level": pl.String,
        "message": pl.String,
        **META_SCHEMA,
    }
)

SAMPLE = """\
101 2026/11/24 03:12:01.120 2026/11/24 03:12:01.150 sv1 rc 32 ERROR Activating exec1 resource has failed.(99 : command is timeout)
102 2026/11/24 03:12:40.020 2026/11/24 03:12:40.100 sv2 rc 40 INFO Starting failover1 group.
"""

_DATE = r"\d{4}[/-]\d{1,2}[/-]\d{1,2}"
_CLOCK = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?"
_PATTERN = (
    rf"^\s*(?:(?P<seq>\d+)\s+)?(?P<t1>{_DATE}\s+{_CLOCK})\s+(?:(?P<t2>{_DATE}\s+{_CLOCK})\s+)?"
    r"(?P<host>\S+)\s+(?P<module>[A-Za-z][\w\-]*)\s+(?P<event>\d+)\s+(?P<level>\S+)\s*(?P<message>.*?)\s*$"
)


def _time(col: str) -> pl.Expr:
    return textmod.real_times(pl.col(col), _strptime(col))


def _strptime(col: str) -> pl.Expr:
    return (
        pl.col(col)
        .str.replace_all(r"[-]", "/")
        .str.replace(r",", ".")
        .str.replace(r"\s+", " ")
        .str.strptime(pl.Datetime("ms"), "%Y/%m/%d %H:%M:%S%.f", strict=False)
    )


#: Reason of the skipped lines.
BLANK = "blank line"


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """One row per alert; a line that does not fit is kept raw."""
    return scan(data, source=source, server=server).frame


def scan(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> Parsed:
    """The alerts (see :func:`parse`), the lines of the file and the blank lines skipped."""
    decoded = textmod.decode(data)
    every = textmod.lines_frame(decoded)
    lines = every.filter(pl.col("text").str.strip_chars() != "")
    skipped = {BLANK: every.height - lines.height} if every.height > lines.height else {}
    if lines.height == 0:
        return Parsed(SCHEMA.to_frame(), every.height, skipped)
    names = ["seq", "t1", "t2", "host", "module", "event", "level", "message"]
    df = lines.with_columns(
        pl.col("text").str.extract_groups(_PATTERN).struct.rename_fields(names).alias("g")
    ).unnest("g")
    df = df.with_columns(_time("t1").alias("time"), _time("t2").alias("logged"))
    lossy = pl.col("text").str.count_matches("\ufffd", literal=True)
    problem = (
        pl.when(pl.col("t1").is_null())
        .then(pl.lit("not an alert line (expected: seq, date time, date time, host, module, event id, level, message)"))
        .when(pl.col("time").is_null())
        .then(pl.format("impossible date or time '{}'", "t1"))
        .when(lossy > 0)
        .then(pl.format("{} undecodable byte(s) replaced (file decoded as {})", lossy, pl.lit(decoded.encoding)))
    )
    out = df.select(
        pl.col("seq").cast(pl.Int64, strict=False),
        "time",
        "logged",
        "host",
        "module",
        pl.col("event").cast(pl.Int64, strict=False).alias("event_id"),
        "level",
        "message",
        pl.lit(server, pl.String).alias("server"),
        pl.lit(source, pl.String).alias("source"),
        "line",
        pl.when(problem.is_not_null()).then(pl.col("text")).alias("raw"),
        problem.alias("problem"),
    )
    return Parsed(out.cast(dict(SCHEMA)), every.height, skipped)

"""The line rules shared by module logs, service logs and the logs inside elog archives.

SPEC 3.5 (evidence [I]): an entry starts with a level letter, a space, a
``YY/MM/DD HH:MM:SS.mmm`` time, a ``[pid]`` field glued to it, then text::

    I 21/07/21 09:32:56.673[  17272] rc: activating exec1

The layout is inferred, so the rules are tolerant: a 4-digit year, ``-``
date separators, a ``T`` or several spaces before the clock, a comma before
the milliseconds, a missing level letter or a missing ``[pid]`` are all
accepted, and the bracket may hold a second id (``[pid:tid]``), kept as
``tid``.

Every line of the file becomes one row, in order:

- an entry line is a head row;
- any other line (a wrapped message, a stack dump, an empty line) is a
  continuation row: ``text`` is the line as written, ``continues`` the line
  number of the head row it belongs to, and its time, level and ids are the
  head's, so that a time filter keeps a message together;
- a line before the first entry of the file (the rest of a message that
  started in the previous generation) has no head: it is kept with ``raw``
  and ``problem`` set;
- an entry line whose date or time is impossible (month 13) is kept with
  ``raw`` and ``problem`` set and a null time;
- a line holding bytes the file's encoding could not decode keeps its
  parsed fields and also sets ``raw`` and ``problem`` (how many bytes),
  so the loss is counted in the bundle's problems.

Two-digit years go through :func:`clpkit.text.resolve_years`; the reference
year is a 4-digit date written anywhere in the file (some entries embed
one), else the file's modification time.

Speed: the canonical layout is recognised with one anchored regex and cut
by position; only the other lines go through the general pattern.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from clpkit import text as textmod
from clpkit.problems import ParseError

#: Columns every log-line frame has, before the format's own file-derived columns.
LINE_SCHEMA = pl.Schema(
    {
        "time": pl.Datetime("ms"),
        "level": pl.String,
        "pid": pl.Int64,
        "tid": pl.Int64,
        "text": pl.String,
        "continues": pl.Int64,
    }
)

_CANONICAL = r"^[A-Z] \d\d/\d\d/\d\d \d\d:\d\d:\d\d\.\d{3}\[[ \d]*(?::[ \d]*)?\]"
_GENERAL = (
    r"^(?:(?P<level>[A-Z])\s+)?"
    r"(?P<year>\d{4}|\d{2})[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})[ T]+"
    r"(?P<clock>\d{1,2}:\d{2}:\d{2})(?:[.,](?P<frac>\d{1,9}))?"
    r"\s*(?:\[\s*(?P<pid>\d*)\s*(?::\s*(?P<tid>\d*)\s*)?\])?"
    r" ?(?P<text>.*)$"
)
_FOUR_DIGIT_DATE = r"\b((?:19|20)\d\d)[/-](?:0?[1-9]|1[0-2])[/-](?:0?[1-9]|[12]\d|3[01])\b"

_PARTS = pl.Schema(
    {
        "line": pl.Int64,
        "level": pl.String,
        "year": pl.String,
        "month": pl.String,
        "day": pl.String,
        "clock": pl.String,
        "frac": pl.String,
        "pid": pl.String,
        "tid": pl.String,
        "body": pl.String,
        "raw_line": pl.String,
    }
)


def parse_lines(data: bytes | str, *, source: str, mtime: datetime | None = None) -> pl.DataFrame:
    """The file's lines as rows of :data:`LINE_SCHEMA` plus ``line``, ``raw``, ``problem``."""
    decoded = textmod.decode(data)
    lines = textmod.lines_frame(decoded.text)
    if lines.height == 0:
        return pl.DataFrame(schema={**LINE_SCHEMA, "line": pl.Int64, "raw": pl.String, "problem": pl.String})
    if lines.height == 1 and not lines["text"][0].strip() and decoded.replaced == 0:
        return pl.DataFrame(schema={**LINE_SCHEMA, "line": pl.Int64, "raw": pl.String, "problem": pl.String})
    if decoded.text[:4096].count("\x00") > 64:
        raise ParseError(source, "binary data, not a text log", 1)
    parts = _split_parts(lines)
    time = _times(parts, source, mtime)
    return _rows(parts, time, decoded.encoding)


def _split_parts(lines: pl.DataFrame) -> pl.DataFrame:
    """Level, date pieces, ids and text of every line (nulls where a line is no entry)."""
    canonical = lines["text"].str.contains(_CANONICAL)
    fast = lines.filter(canonical)
    head = fast["text"].str.splitn("]", 2).struct.rename_fields(["head", "body"])
    fast = fast.with_columns(head.alias("s")).unnest("s")
    ids = pl.col("head").str.slice(24).str.split_exact(":", 1).struct.rename_fields(["pid", "tid"])
    fast = fast.select(
        "line",
        pl.col("head").str.slice(0, 1).alias("level"),
        pl.col("head").str.slice(2, 2).alias("year"),
        pl.col("head").str.slice(5, 2).alias("month"),
        pl.col("head").str.slice(8, 2).alias("day"),
        pl.col("head").str.slice(11, 8).alias("clock"),
        pl.col("head").str.slice(20, 3).alias("frac"),
        ids.struct.field("pid").str.strip_chars().alias("pid"),
        ids.struct.field("tid").str.strip_chars().alias("tid"),
        pl.col("body").str.strip_prefix(" ").alias("body"),
        pl.col("text").alias("raw_line"),
    )
    slow = lines.filter(~canonical)
    groups = slow["text"].str.extract_groups(_GENERAL).struct.rename_fields(
        ["level", "year", "month", "day", "clock", "frac", "pid", "tid", "body"]
    )
    slow = slow.with_columns(groups.alias("g")).unnest("g").select(
        "line", "level", "year", "month", "day", "clock", "frac", "pid", "tid", "body",
        pl.col("text").alias("raw_line"),
    )
    return pl.concat([fast.cast(_PARTS), slow.cast(_PARTS)]).sort("line")


def _times(parts: pl.DataFrame, source: str, mtime: datetime | None) -> pl.Series:
    """The entry times, with two-digit years resolved by the one helper."""
    is_head = parts["year"].is_not_null()
    year_text = parts["year"]
    short = is_head & (year_text.str.len_chars() == 2)
    full_years = year_text.filter(is_head & ~short).cast(pl.Int32, strict=False).drop_nulls()
    embedded = parts["raw_line"].str.extract(_FOUR_DIGIT_DATE, 1).drop_nulls().cast(pl.Int32)
    known = pl.concat([full_years, embedded])
    if known.len():
        reference: int | datetime | None = int(known.mode().sort()[-1])
    else:
        reference = mtime or textmod.file_mtime(source)
    years = year_text.cast(pl.Int32, strict=False)
    if short.any():
        resolved = textmod.resolve_years(parts["month"].filter(short), years.filter(short), reference=reference)
        years = years.scatter(short.arg_true(), resolved)
    stamp = pl.DataFrame({"y": years, "parts": parts.select("month", "day", "clock", "frac")}).unnest("parts")
    return stamp.select(
        pl.format(
            "{}/{}/{} {}.{}",
            pl.col("y").cast(pl.String).str.zfill(4),
            pl.col("month"),
            pl.col("day"),
            pl.col("clock"),
            pl.col("frac").fill_null("0"),
        )
        .str.strptime(pl.Datetime("ms"), "%Y/%m/%d %H:%M:%S%.f", strict=False)
        .alias("time")
    ).to_series()


def _rows(parts: pl.DataFrame, time: pl.Series, encoding: str) -> pl.DataFrame:
    """Head and continuation rows with the failure policy applied."""
    df = parts.with_columns(time.alias("time"), (pl.col("year").is_not_null()).alias("is_head"))
    head_line = pl.when(pl.col("is_head")).then(pl.col("line"))
    df = df.with_columns(
        head_line.forward_fill().alias("parent"),
        pl.col("time").forward_fill().alias("time_ff"),
        pl.when(pl.col("is_head")).then(pl.col("level")).forward_fill().alias("level_ff"),
        pl.when(pl.col("is_head")).then(pl.col("pid")).forward_fill().alias("pid_ff"),
        pl.when(pl.col("is_head")).then(pl.col("tid")).forward_fill().alias("tid_ff"),
    )
    bad_time = pl.col("is_head") & pl.col("time").is_null()
    orphan = ~pl.col("is_head") & pl.col("parent").is_null()
    lossy = pl.col("raw_line").str.count_matches("\ufffd", literal=True)
    problem = (
        pl.when(bad_time)
        .then(pl.format("impossible date or time '{}/{}/{} {}'", "year", "month", "day", "clock"))
        .when(orphan)
        .then(pl.lit("no log entry before this line (continues a previous file?)"))
        .when(lossy > 0)
        .then(pl.format("{} undecodable byte(s) replaced (file decoded as {})", lossy, pl.lit(encoding)))
    )
    return df.select(
        pl.when(pl.col("is_head")).then(pl.col("time")).otherwise(pl.col("time_ff")).alias("time"),
        pl.col("level_ff").alias("level"),
        pl.col("pid_ff").cast(pl.Int64, strict=False).alias("pid"),
        pl.col("tid_ff").cast(pl.Int64, strict=False).alias("tid"),
        pl.when(pl.col("is_head")).then(pl.col("body")).otherwise(pl.col("raw_line")).alias("text"),
        pl.when(pl.col("is_head")).then(None).otherwise(pl.col("parent")).cast(pl.Int64).alias("continues"),
        "line",
        pl.when(problem.is_not_null()).then(pl.col("raw_line")).alias("raw"),
        problem.alias("problem"),
    )


def file_fields(source: str, pattern: str, names: tuple[str, ...]) -> dict[str, str | None]:
    """Named groups of ``pattern`` matched against the base name of ``source`` (None when no match)."""
    import os
    import re

    m = re.fullmatch(pattern, os.path.basename(source.split("!")[-1]))
    return {n: (m[n] if m else None) for n in names}

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
- an entry line whose date or time is impossible (month 13, a second 60:
  never rolled into the next minute) is kept with ``raw`` and ``problem``
  set and a null time;
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
from clpkit.formats import Parsed
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

_CANONICAL = r"(?-u)^[A-Z] [0-9]{2}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\[[ 0-9]*(?::[ 0-9]*)?\] "
_GENERAL = (
    r"^(?:(?P<level>[A-Z])\s+)?"
    r"(?P<year>\d{4}|\d{2})[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})[ T]+"
    r"(?P<clock>\d{1,2}:\d{2}:\d{2})(?:[.,](?P<frac>\d{1,9}))?"
    r"\s*(?:\[\s*(?P<pid>\d*)\s*(?::\s*(?P<tid>\d*)\s*)?\])?"
    r" ?(?P<text>.*)$"
)
_GENERAL_NAMES = ["level", "year", "month", "day", "clock", "frac", "pid", "tid", "body"]
_FOUR_DIGIT_DATE = r"(?-u)\b((?:19|20)[0-9][0-9])[/-](?:0?[1-9]|1[0-2])[/-](?:0?[1-9]|[12][0-9]|3[01])\b"
_EMPTY = pl.Schema({**LINE_SCHEMA, "line": pl.Int64, "raw": pl.String, "problem": pl.String})


def parse_lines(data: bytes | str, *, source: str, mtime: datetime | None = None) -> pl.DataFrame:
    """The file's lines as rows of :data:`LINE_SCHEMA` plus ``line``, ``raw``, ``problem``."""
    decoded = textmod.decode(data)
    head = decoded.utf8[:4096].decode("ascii", "replace") if decoded.utf8 is not None else decoded.text[:4096]
    if head.count("\x00") > 64:
        raise ParseError(source, "binary data, not a text log", 1)
    lines = textmod.lines_frame(decoded)
    if lines.height == 0 or (lines.height == 1 and not lines["text"][0].strip() and decoded.replaced == 0):
        return _EMPTY.to_frame()
    parts = _entries(lines)
    parts = parts.with_columns(_resolve_century(parts, source, mtime))
    return _rows(parts, decoded)


def _entries(lines: pl.DataFrame) -> pl.DataFrame:
    """Level, time, ids and text of every entry line (nulls on the other lines).

    Canonical lines are cut by position; the few others go through the
    general pattern and are put back in place by row index. The per-line
    work runs on polars' streaming engine, which cuts the rows into morsels
    and uses every core.
    """
    df = _cut_canonical(lines)
    return _general(df.with_columns(pl.col("canonical").alias("short_year"), pl.col("canonical").alias("is_head")))


def _cut_canonical(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` with ``canonical`` and the position-cut ``level``, ``time``, ``pid``, ``tid``, ``body``."""
    text = pl.col("text")
    # Canonical ids hold no "]": the first one closes them. Writers pad the pid to a fixed
    # width, so the bracket usually closes at one position and both cuts are constant slices.
    found = (
        lines.lazy()
        .select(text.str.contains(_CANONICAL).alias("canonical"), text.str.find("]", literal=True).alias("close"))
        .collect(engine="streaming")
    )
    canonical = found["canonical"]
    close = found["close"].filter(canonical)
    if close.len() and close.min() == close.max():
        width = int(close[0]) - 24
        ids, body = text.str.slice(24, width), text.str.slice(width + 26)
    else:
        close = pl.lit(found["close"])
        ids, body = text.str.slice(24, close - 24), text.str.slice(close + 2)
    # Values on lines that are not entries are never read: _rows takes a continuation's
    # values from its entry, and the general pattern overwrites the other entries' values.
    df = (
        lines.lazy()
        .with_columns(
            pl.lit(canonical).alias("canonical"),
            text.str.slice(0, 1).alias("level"),
            textmod.real_times(
                text.str.slice(2, 21),
                text.str.slice(2, 21).str.strptime(pl.Datetime("ms"), "%y/%m/%d %H:%M:%S.%3f", strict=False, cache=False),
            ).alias("time"),
            ids.alias("ids"),
            ids.str.strip_chars().cast(pl.Int64, strict=False).alias("pid"),
            pl.lit(None, pl.Int64).alias("tid"),
            body.alias("body"),
        )
        .collect(engine="streaming")
        .rechunk()  # later kernels (scatter, gather) want one chunk
    )
    if df["ids"].filter(canonical).str.contains(":", literal=True).any():
        pair = df["ids"].str.split_exact(":", 1)
        df = df.with_columns(
            pair.struct.field("field_0").str.strip_chars().cast(pl.Int64, strict=False).alias("pid"),
            pair.struct.field("field_1").str.strip_chars().cast(pl.Int64, strict=False).alias("tid"),
        )
    return df.drop("ids")


def _general(df: pl.DataFrame) -> pl.DataFrame:
    """The lines that are not canonical read with the general pattern, put back in place by row index."""
    others = df.select("line", "text", "canonical").filter(~pl.col("canonical"))
    if others.height == 0:
        return df
    g = others["text"].str.extract_groups(_GENERAL).struct.rename_fields(_GENERAL_NAMES)
    slow = others.select(pl.col("line")).with_columns(g.alias("g")).unnest("g")
    slow = slow.with_columns(
        pl.format(
            "{}/{}/{} {}.{}",
            pl.col("year").str.zfill(4),
            "month",
            "day",
            "clock",
            pl.col("frac").fill_null("0"),
        ).alias("stamp")
    ).with_columns(
        textmod.real_times(
            pl.col("clock"),
            pl.when(pl.col("year").str.len_chars() == 2)
            .then(pl.col("stamp").str.slice(2).str.strptime(pl.Datetime("ms"), "%y/%m/%d %H:%M:%S%.f", strict=False))
            .otherwise(pl.col("stamp").str.strptime(pl.Datetime("ms"), "%Y/%m/%d %H:%M:%S%.f", strict=False)),
        ).alias("time"),
        (pl.col("year").str.len_chars() == 2).alias("short_year"),
        pl.col("pid").cast(pl.Int64, strict=False),
        pl.col("tid").cast(pl.Int64, strict=False),
        pl.col("year").is_not_null().alias("is_head"),
    )
    slow = slow.filter("is_head")
    if slow.height == 0:
        return df
    index = slow["line"] - 1  # lines are numbered from 1 in row order
    columns = {}
    for name in ("level", "time", "short_year", "pid", "tid", "body", "is_head"):
        columns[name] = df[name].scatter(index, slow[name].cast(df[name].dtype))
    return df.with_columns(**columns)


def _resolve_century(parts: pl.DataFrame, source: str, mtime: datetime | None) -> pl.Series:
    """Entry times with two-digit years given the century :func:`clpkit.text.resolve_years` picks.

    The times were parsed with the ``%y`` rule (00-68 is 20xx); only the
    distinct two-digit years are resolved, then shifted where they differ.
    """
    time, short_year, is_head = parts["time"], parts["short_year"].fill_null(False), parts["is_head"]
    short_times = time.filter(short_year).drop_nulls()
    if short_times.len() == 0:
        return time
    full = time.filter(~short_year & is_head).drop_nulls().dt.year()
    # Embedded 4-digit dates: looked for in the first lines and in the non-canonical ones
    # (enough to pick a century; scanning every line of a large file costs more than it adds).
    text = parts["text"]
    sample = text.head(10_000).append(text.filter(~short_year)) if text.len() > 10_000 else text
    embedded = sample.str.extract(_FOUR_DIGIT_DATE, 1).drop_nulls().cast(pl.Int32)
    known = pl.concat([full.cast(pl.Int32), embedded])
    reference = int(known.mode().sort()[-1]) if known.len() else (mtime or textmod.file_mtime(source))
    if reference is None:
        return time
    parsed = short_times.dt.date().unique().dt.year().unique().sort()  # (distinct days first: cheaper)
    resolved = textmod.resolve_years(pl.Series([1] * parsed.len()), parsed % 100, reference=reference)
    shift = {int(p): int(r) - int(p) for p, r in zip(parsed, resolved) if int(r) != int(p)}
    if not shift:
        return time
    years = pl.col("time").dt.year()
    delta = years.replace_strict(shift, default=0, return_dtype=pl.Int32)
    return parts.select(
        pl.when(pl.col("short_year") & (delta != 0))
        .then(pl.col("time").dt.offset_by(pl.format("{}y", delta)))
        .otherwise(pl.col("time"))
        .alias("time")
    ).to_series()


def _rows(df: pl.DataFrame, decoded: textmod.Decoded) -> pl.DataFrame:
    """Head and continuation rows with the failure policy applied.

    Each part is built only when the file needs it (continuation lines,
    bad times, orphans, undecodable bytes), so a clean file costs one select.
    """
    is_head = df["is_head"]
    all_heads = bool(is_head.all())
    bad_times = bool(df["time"].filter(is_head).null_count())
    orphans = not all_heads and not bool(is_head[0])  # only lines before the first entry have no parent
    if all_heads:
        parent = pl.lit(None, pl.Int64)
        inherited = {name: pl.col(name) for name in ("time", "level", "pid", "tid")}
    else:
        parent = pl.col("parent")
        df = df.with_columns(pl.when(pl.col("is_head")).then(pl.col("line")).forward_fill().alias("parent"))
        df = df.with_columns((pl.col("parent") - 1).alias("parent_row"))
        # A row takes its entry's values (row index = line - 1); an entry is its own parent.
        # A column with no value at all (tid, in most files) stays as it is.
        inherited = {
            name: pl.col(name) if df[name].null_count() == df.height else pl.col(name).gather(pl.col("parent_row"))
            for name in ("time", "level", "pid", "tid")
        }
    bad_time = pl.col("is_head") & pl.col("time").is_null()
    orphan = ~pl.col("is_head") & parent.is_null()
    lossy = pl.col("text").str.count_matches("\ufffd", literal=True)
    problem = None
    if decoded.replaced:
        problem = pl.when(lossy > 0).then(
            pl.format("{} undecodable byte(s) replaced (file decoded as {})", lossy, pl.lit(decoded.encoding))
        )
    if orphans:
        message = pl.lit("no log entry before this line (continues a previous file?)")
        problem = pl.when(orphan).then(message) if problem is None else pl.when(orphan).then(message).otherwise(problem)
    if bad_times:
        message = pl.format("impossible date or time in '{}'", pl.col("text").str.slice(0, 40))
        problem = pl.when(bad_time).then(message) if problem is None else pl.when(bad_time).then(message).otherwise(problem)
    if problem is None:
        raw, problem = pl.lit(None, pl.String), pl.lit(None, pl.String)
    else:
        raw = pl.when(problem.is_not_null()).then(pl.col("text"))
    return df.select(
        inherited["time"].alias("time"),
        inherited["level"].alias("level"),
        inherited["pid"].cast(pl.Int64, strict=False).alias("pid"),
        inherited["tid"].cast(pl.Int64, strict=False).alias("tid"),
        (
            pl.col("body")
            if all_heads
            else pl.when(pl.col("is_head")).then(pl.col("body")).otherwise(pl.col("text"))
        ).alias("text"),
        (parent if all_heads else pl.when(pl.col("is_head")).then(None).otherwise(parent)).cast(pl.Int64).alias("continues"),
        "line",
        raw.alias("raw"),
        problem.alias("problem"),
    )


def scanned(data: bytes | str, frame: pl.DataFrame) -> Parsed:
    """``frame`` as the format contract's :class:`~clpkit.formats.Parsed`: every line is a row,
    except the one blank line of a file holding nothing else (then skipped)."""
    if frame.height:
        return Parsed(frame, frame.height)
    if isinstance(data, str):
        data = data.encode("utf-8")
    lines = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
    return Parsed(frame, lines, {"blank line": lines} if lines else {})


def file_fields(source: str, pattern: str, names: tuple[str, ...]) -> dict[str, str | None]:
    """Named groups of ``pattern`` matched against the base name of ``source`` (None when no match)."""
    import os
    import re

    m = re.fullmatch(pattern, os.path.basename(source.split("!")[-1]))
    return {n: (m[n] if m else None) for n in names}

"""Header-driven CSV reading shared by the statistics formats (SPEC 3.2-3.4).

The cluster writes its statistics as CSV with one header line. Only part of
those headers is confirmed, so a column is found by its header text, never by
its position: a header name is reduced to a *key* (lower case, letters and
digits only) and looked up among the keys of the known spellings of every
:class:`Field`. ``"SyncDiff, Max"`` and ``"Sync Diff, Max"`` both become
``syncdiffmax``; a misspelling such as the guide's "Watiting" is listed as an
alias. Columns nobody knows are kept as strings under the snake_case of
their header.

Speed: a well-formed file is read in one strict pass by polars' CSV reader
with the target dtypes (no Python loop over rows), and timestamps in the
layout the cluster writes are parsed by fixed width. Only when the strict read fails or its result does
not add up (short rows, blank lines, bad values, a bad timestamp) is the file
read again on the careful path, which finds the bad lines with column
operations and keeps each as a row with its text (``raw``) and the reason
(``problem``). An unterminated last line (a file copied while the cluster was
writing it) goes through the careful path alone.

>>> fields = (Field("time", DATETIME, ("Date",)), Field("sync_diff_max", pl.Float64, ("Sync Diff, Max",)))
>>> schema = pl.Schema({"time": DATETIME, "sync_diff_max": pl.Float64, **META_SCHEMA})
>>> df = read(b'"Date","SyncDiff, Max","Note"\\n"2024/05/01 10:00:00","12.5","x"\\n"2024/05/01 10:01:00","abc","y"\\n',
...           fields, schema, source="nmp1.cur", server="sv1")
>>> df.columns
['time', 'sync_diff_max', 'note', 'server', 'source', 'line', 'raw', 'problem']
>>> df.select("sync_diff_max", "line", "problem").rows()
[(12.5, 2, None), (None, 3, "SyncDiff, Max: 'abc' is not a number")]
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import polars as pl

from clpkit.formats import META_SCHEMA, Parsed
from clpkit.text import real_times
from clpkit.problems import ParseError

#: The dtype of every timestamp of the statistics files (naive server local time).
DATETIME = pl.Datetime("ms")

#: Accepted timestamp layouts, tried in order; ``%.f`` also matches no fraction.
TIME_FORMATS = ("%Y/%m/%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f")

_BOM = b"\xef\xbb\xbf"
_MAX_HEADER_BYTES = 1 << 16
_QUOTED = r'"[^"]*"'
_BLANK = re.compile(rb"\s*")
_BARE_CR = re.compile(rb"\r(?!\n)")


@dataclass(frozen=True)
class Field:
    """A column a format knows: its output name, dtype and the header spellings it may have.

    ``headers[0]`` is the spelling the guide gives; the output name itself
    (``sync_diff_max``) is always accepted too.
    """

    name: str
    dtype: pl.DataType
    headers: tuple[str, ...]

    def keys(self) -> set[str]:
        return {header_key(h) for h in self.headers} | {header_key(self.name)}


def header_key(header: str) -> str:
    """What header names are compared by: lower case, letters and digits only (any script).

    >>> header_key("Sync Ack Time, Max"), header_key(" SyncAckTime,MAX "), header_key("ElapsedTime(ms)")
    ('syncacktimemax', 'syncacktimemax', 'elapsedtimems')
    """
    return re.sub(r"[\W_]", "", header.lower())


def snake_case(header: str) -> str:
    """The column name of a header: words split at punctuation, spaces and case changes.

    >>> snake_case("Sync Ack Time, Max"), snake_case("ElapsedTime(ms)"), snake_case("MemoryActive(file)")
    ('sync_ack_time_max', 'elapsed_time_ms', 'memory_active_file')
    >>> snake_case("CPUUtilization"), snake_case("MDC HB Time, Max2")
    ('cpu_utilization', 'mdc_hb_time_max2')
    """
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", header.strip())
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"[\W_]+", "_", text.lower()).strip("_")


@dataclass
class _Column:
    """One column of the file: its header text and what it became."""

    header: str
    name: str
    dtype: pl.DataType  # String for unknown columns
    known: bool


#: Reasons of the lines that are neither the header, rows nor rejected rows (the ``skipped`` side output).
REPEATED_HEADER = "repeated header line"
BLANK = "blank line"


def read(
    data: bytes | str,
    fields: tuple[Field, ...],
    schema: pl.Schema,
    *,
    source: str,
    server: str | None,
    constants: dict[str, object] | None = None,
) -> pl.DataFrame:
    """Parse one statistics CSV into a frame of ``schema`` (plus unknown columns); see :func:`scan`."""
    return scan(data, fields, schema, source=source, server=server, constants=constants).frame


def scan(
    data: bytes | str,
    fields: tuple[Field, ...],
    schema: pl.Schema,
    *,
    source: str,
    server: str | None,
    constants: dict[str, object] | None = None,
) -> Parsed:
    """Parse one statistics CSV: the frame of ``schema`` (plus unknown columns) and the lines skipped.

    ``fields`` are the columns found through the header; ``constants`` fill
    schema columns that come from elsewhere (the mirror name of the file,
    say); any other schema column a file lacks is null. Unknown columns come
    after the known ones, then the meta columns. Every line but the header
    is a row (good or rejected) or a skipped line counted by reason: a
    repetition of the header (a file appended to after a restart), a blank line.

    >>> p = scan(b"\\nA,B\\n1,2\\n\\nA,B\\n3,4\\n", (Field("a", pl.Int64, ("A",)),), pl.Schema({"a": pl.Int64, **META_SCHEMA}),
    ...          source="x.cur", server=None)
    >>> p.frame["a"].to_list(), p.lines, p.skipped
    ([1, 3], 6, {'repeated header line': 1, 'blank line': 2})
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data or data.isspace():
        lines = _count_lines(data)
        return Parsed(schema.to_frame(), lines, {BLANK: lines} if lines else {})

    header_line, header_no, start = _split_header(data, source)
    columns = _map_header(header_line, header_no, data[start : start + _MAX_HEADER_BYTES], fields, source)
    first = header_no + 1
    cut = max(data.rfind(b"\n") + 1, start)  # start of an unterminated last line, if any
    tail = data[cut:]
    skipped = {REPEATED_HEADER: 0, BLANK: header_no - 1}
    fast = _read_fast(data, start, cut, header_no, columns)
    if fast is None:
        frame = _read_careful(data[start:], columns, header_line, first, skipped)
        lines = _count_lines(data)
    else:  # one row per line, then the trailing blank lines (counted without a pass over the file)
        frame, trailing = fast
        skipped[BLANK] += trailing
        lines = header_no + frame.height + trailing + (1 if tail else 0)
        if tail and not tail.isspace():
            frame = pl.concat([frame, _read_careful(tail, columns, header_line, first + frame.height, skipped)])
        elif tail:
            skipped[BLANK] += 1
    frame = _assemble(frame, columns, schema, source=source, server=server, constants=constants or {})
    return Parsed(frame, lines, {reason: n for reason, n in skipped.items() if n})


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def _split_header(data: bytes, source: str) -> tuple[str, int, int]:
    """The header text, its 1-based line number and the offset of the bytes after it."""
    if b"\x00" in data[:_MAX_HEADER_BYTES]:
        raise ParseError(source, "binary data, not a CSV text file", line=1)
    stripped = data.lstrip(b"\r\n") if data[:1] in (b"\r", b"\n") else data  # (lstrip copies)
    header_no = 1 + data[: len(data) - len(stripped)].count(b"\n")
    end = stripped.find(b"\n")
    if end < 0:
        end = len(stripped)
    if end > _MAX_HEADER_BYTES:
        raise ParseError(source, f"first line longer than {_MAX_HEADER_BYTES} bytes: not a CSV header", line=header_no)
    try:
        header = stripped[:end].rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(source, "header line is not text (not UTF-8)", line=header_no) from None
    if "\r" in header:  # a line end of another system, or damage: no column can be trusted
        at = header.index("\r") + 1
        raise ParseError(
            source, f"carriage return (CR) without a line feed inside the header line, at character {at}", line=header_no
        )
    return header, header_no, len(data) - len(stripped) + min(end + 1, len(stripped))


def _split_line(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _map_header(header: str, header_no: int, body: bytes, fields: tuple[Field, ...], source: str) -> list[_Column]:
    """Match every header name to a known field or keep it as an unknown String column."""
    names = _split_line(header)
    by_key = {key: f for f in fields for key in f.keys()}
    columns: list[_Column] = []
    taken: set[str] = set()
    for i, name in enumerate(names):
        field = by_key.get(header_key(name))
        if field is not None and field.name not in taken:
            columns.append(_Column(name, field.name, field.dtype, True))
        else:
            columns.append(_Column(name, snake_case(name) or f"column_{i + 1}", pl.String, False))
        taken.add(columns[-1].name)
    if not any(c.known and c.dtype != DATETIME for c in columns):
        expected = ", ".join([repr(f.headers[0]) for f in fields if f.dtype != DATETIME][:4])
        raise ParseError(source, f"no recognisable header (expected names such as {expected}…)", line=header_no)
    _find_unnamed_time(columns, body, fields)
    _dedupe_unknown_names(columns, {f.name for f in fields})
    return columns


def _find_unnamed_time(columns: list[_Column], body: bytes, fields: tuple[Field, ...]) -> None:
    """No header named the sample time: take the first unknown column whose value reads as one."""
    time_field = next((f for f in fields if f.dtype == DATETIME), None)
    if time_field is None or any(c.name == time_field.name for c in columns):
        return
    end = body.find(b"\n")
    first = body[: end if end >= 0 else len(body)].rstrip(b"\r").decode("utf-8", "replace")
    values = _split_line(first)
    for i, column in enumerate(columns):
        if not column.known and i < len(values) and _is_timestamp(values[i]):
            column.name, column.dtype, column.known = time_field.name, DATETIME, True
            return


def _dedupe_unknown_names(columns: list[_Column], reserved: set[str]) -> None:
    """Unknown columns must not collide with known, meta or each other's names."""
    used = {c.name for c in columns if c.known} | set(META_SCHEMA.names()) | reserved
    for column in columns:
        if column.known:
            continue
        name, n = column.name, 2
        while name in used:
            name, n = f"{column.name}_{n}", n + 1
        column.name = name
        used.add(name)


def _is_timestamp(text: str) -> bool:
    return pl.select(_time_expr(pl.lit(text.strip()))).item() is not None


def _time_expr(values: pl.Expr) -> pl.Expr:
    """Timestamps in any of :data:`TIME_FORMATS` (null where none fits, and on a second 60: no rollover)."""
    return real_times(values, pl.coalesce(*(values.str.strptime(DATETIME, fmt, strict=False) for fmt in TIME_FORMATS)))


def _read_fast(data: bytes, start: int, end: int, skip: int, columns: list[_Column]) -> tuple[pl.DataFrame, int] | None:
    """The strict one-pass read of the complete lines ``data[start:end]`` (after ``skip`` lines).

    The frame (one row per line) and the number of blank lines after the
    last row; None when anything needs the careful path. The body is read
    in place (polars skips the header lines), not copied out of ``data``.
    """
    first_line = skip + 1
    if _BLANK.match(data, start, end).end() == end:
        return _empty(columns), data.count(b"\n", start, end)
    declared = pl.Schema({f"c{i}": (pl.String if c.dtype == DATETIME else c.dtype) for i, c in enumerate(columns)})
    last = end  # end of the last line holding something, found a block at a time from the end
    while last > start:
        block = data[max(start, last - 4096) : last]
        kept = len(block.rstrip(b"\r\n"))
        last -= len(block) - kept
        if kept:
            break
    trailing = data.count(b"\n", last, end) - 1  # the line end of the last row is not a blank line
    if data.find(b"\r", start, end) >= 0 and _BARE_CR.search(data, start, end):
        return None  # polars would take a lone CR for a line end or a blank: the careful path rejects the line
    if end < len(data) or trailing:
        # an unterminated last line to leave out, or trailing blank lines (they would read as empty rows)
        source, skip = data[start:last] + b"\n", 0
    else:
        source = data
    try:
        frame = pl.read_csv(source, has_header=False, skip_lines=skip, schema=declared, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None  # a value that does not convert, too many fields, bad quoting
    # One row per line unless a blank or short line (read as nulls up to the
    # last column) or a quoted line end (a newline inside a value: numbers
    # and times fail to convert, text is caught by counting lines) is present.
    times = [f"c{i}" for i, c in enumerate(columns) if c.dtype == DATETIME]
    if frame[f"c{len(columns) - 1}"].null_count() or any(frame[t].null_count() for t in times):
        return None
    floats = [f"c{i}" for i, c in enumerate(columns) if c.dtype.is_float()]
    if floats and not frame.select(pl.all_horizontal(pl.col(floats).is_finite().all())).item():
        return None  # NaN, inf or a number too large (1e400 reads as inf): rejected on the careful path
    if frame.is_empty():
        return _empty(columns), trailing
    text = [f"c{i}" for i, c in enumerate(columns) if c.dtype == pl.String]
    if text and frame.select(pl.any_horizontal(pl.col(text).str.contains("\n", literal=True).any())).item():
        return None  # a quoted line end inside a text value joined two lines
    # a time column equal to an earlier one (cluster statistics: Date is EndTime) is parsed once
    twin = {}
    for i, t in enumerate(times):
        twin[t] = next((u for u in times[:i] if twin[u] == u and _same(frame[t], frame[u])), t)
    parsed = frame.select(_fast_time_expr(pl.col(t), frame[t]).alias(t) for t in times if twin[t] == t)
    distinct = parsed.columns
    retry = [t for t in distinct if parsed[t].null_count()]
    if retry:  # mixed layouts: every layout for every value
        generic = frame.select(_time_expr(pl.col(t)).alias(t) for t in retry)
        parsed = parsed.with_columns(parsed[t].fill_null(generic[t]) for t in retry)
        if any(parsed[t].null_count() for t in retry):
            return None  # an unreadable timestamp
    return frame.with_columns(
        *(parsed[twin[t]].alias(t) for t in times),
        pl.int_range(first_line, first_line + frame.height, dtype=pl.Int64).alias("line"),
        pl.lit(None, pl.String).alias("raw"),
        pl.lit(None, pl.String).alias("problem"),
    ), trailing


def _same(a: pl.Series, b: pl.Series) -> bool:
    """Whether two columns hold the same values; the first and last values are compared before the whole columns."""
    ends = [0, a.len() - 1]
    return a.gather(ends).equals(b.gather(ends)) and a.equals(b)


# the layouts of TIME_FORMATS only: a "T" goes with "-" dates
_FIXED_TIME = re.compile(r"\d{4}(?:(/)\d\d/\d\d( )|(-)\d\d-\d\d([ T]))\d\d:\d\d:\d\d(\.\d{3})?")


def _fast_time_expr(values: pl.Expr, column: pl.Series) -> pl.Expr:
    """Timestamps of a column whose values all look like its first one, else :func:`_time_expr`.

    ``YYYY/MM/DD HH:MM:SS`` with an optional ``.mmm``, every value the same
    width, is parsed by position: the seconds with an exact format (polars'
    fast path), the milliseconds as an integer; several times faster than
    trying every layout. A value it cannot read is null (then retried).
    """
    m = _FIXED_TIME.fullmatch(column[0] or "")
    lengths = column.str.len_bytes()
    if not m or lengths.min() != lengths.max():
        return _time_expr(values)
    sep, mid = m[1] or m[3], m[2] or m[4]
    seconds = f"%Y{sep}%m{sep}%d{mid}%H:%M:%S"
    if not m[5]:
        return real_times(values, values.str.strptime(DATETIME, seconds, strict=False, cache=False))
    whole = values.str.head(19).str.strptime(DATETIME, seconds, strict=False, cache=False).cast(pl.Int64)
    return real_times(values, (whole + values.str.slice(20).cast(pl.Int64, strict=False)).cast(DATETIME))


def _empty(columns: list[_Column]) -> pl.DataFrame:
    return pl.Schema(
        {**{f"c{i}": c.dtype for i, c in enumerate(columns)}, "line": pl.Int64, "raw": pl.String, "problem": pl.String}
    ).to_frame()


def _read_careful(body: bytes, columns: list[_Column], header: str, first_line: int, skipped: dict[str, int]) -> pl.DataFrame:
    """Every line judged on its own: good lines typed, bad ones kept with ``raw`` and ``problem``.

    Blank lines and repetitions of the header are left out and counted in ``skipped``.
    """
    expected = len(columns)
    text = body.decode("utf-8", errors="replace")
    unterminated = not text.endswith("\n")
    lines = pl.DataFrame({"raw": text.split("\n")})
    if not unterminated:
        lines = lines.head(lines.height - 1)  # the empty string after the last line end
    lines = lines.with_columns(
        pl.int_range(first_line, first_line + lines.height, dtype=pl.Int64).alias("line"),
        pl.col("raw").str.strip_suffix("\r"),
    )
    last_line = first_line + lines.height - 1
    blank = pl.col("raw").str.strip_chars() == ""
    repeated = pl.col("raw") == header
    counts = lines.select(blank.sum().alias("blank"), (repeated & ~blank).sum().alias("repeated")).row(0)
    skipped[BLANK] += counts[0]
    skipped[REPEATED_HEADER] += counts[1]
    lines = lines.filter(~blank, ~repeated)

    outside_quotes = pl.col("raw").str.replace_all(_QUOTED, "")
    count = outside_quotes.str.count_matches(",", literal=True) + 1
    shape_problem = (
        pl.when(pl.col("raw").str.contains("\r", literal=True))
        .then(pl.lit("carriage return (CR) without a line feed inside the line"))
        .when(outside_quotes.str.contains('"', literal=True))
        .then(pl.lit("unbalanced quote"))
        .when(count != expected)
        .then(pl.format("{} fields, expected {}", count, pl.lit(expected)))
    )
    truncated = pl.lit(unterminated) & (pl.col("line") == last_line)
    lines = lines.with_columns(
        pl.when(truncated).then(shape_problem + " (truncated last line)").otherwise(shape_problem).alias("problem")
    )

    good = lines.filter(pl.col("problem").is_null())
    typed = _convert(_split_fields(good["raw"], expected), columns)
    good = pl.concat([good.select("line", "raw"), typed], how="horizontal")
    bad = lines.filter(pl.col("problem").is_not_null())
    out = pl.concat([good, bad], how="diagonal_relaxed").sort("line")
    names = [f"c{i}" for i in range(expected)]
    is_bad = pl.col("problem").is_not_null()
    return out.select(
        *(pl.when(~is_bad).then(pl.col(n)).alias(n) for n in names),
        "line",
        pl.when(is_bad).then(pl.col("raw")).alias("raw"),
        "problem",
    ).cast({f"c{i}": c.dtype for i, c in enumerate(columns)})


def _split_fields(raw: pl.Series, expected: int) -> pl.DataFrame:
    """The fields of lines already known to hold ``expected`` fields, as strings."""
    names = [f"c{i}" for i in range(expected)]
    if raw.len() == 0:
        return pl.Schema({n: pl.String for n in names}).to_frame()
    blob = ("\n".join(raw.to_list()) + "\n").encode("utf-8")
    try:
        frame = pl.read_csv(blob, has_header=False, schema=pl.Schema({n: pl.String for n in names}))
        if frame.height == raw.len():
            return frame
    except pl.exceptions.PolarsError:
        pass
    # Odd quoting (``"a"b``) polars refuses or reads across lines: one line at a time.
    rows = [(_split_line(line) + [None] * expected)[:expected] for line in raw.to_list()]
    return pl.DataFrame(rows, schema=pl.Schema({n: pl.String for n in names}), orient="row")


def _convert(strings: pl.DataFrame, columns: list[_Column]) -> pl.DataFrame:
    """Each column cast non-strictly, and ``problem``: the first value that did not convert."""
    casts, reasons = [], []
    for i, column in enumerate(columns):
        value = pl.col(f"c{i}").str.strip_chars()
        present = value.is_not_null() & (value != "")
        if column.dtype == pl.String:
            casts.append(pl.col(f"c{i}"))
            continue
        if column.dtype == DATETIME:
            typed, what = _time_expr(value), "a timestamp"
        else:
            typed = value.cast(column.dtype, strict=False)
            what = "an integer" if column.dtype.is_integer() else "a number"
            if column.dtype.is_float():  # NaN, inf and overflow (1e400) are no measurement
                what = pl.when(typed.is_null()).then(pl.lit(what)).otherwise(pl.lit("a finite number"))
                typed = pl.when(typed.is_finite()).then(typed)
        casts.append(typed.alias(f"c{i}"))
        failed = present & typed.is_null()
        what = what if isinstance(what, pl.Expr) else pl.lit(what)
        reasons.append(pl.when(failed).then(pl.format("{}: '{}' is not {}", pl.lit(column.header), value, what)))
    problem = pl.coalesce(reasons) if reasons else pl.lit(None, pl.String)
    return strings.select(*casts, problem.alias("problem"))


def _assemble(
    frame: pl.DataFrame,
    columns: list[_Column],
    schema: pl.Schema,
    *,
    source: str,
    server: str | None,
    constants: dict[str, object],
) -> pl.DataFrame:
    """Rename to the output names and order: schema columns, unknown columns, meta columns."""
    found = {c.name: f"c{i}" for i, c in enumerate(columns)}
    own = [n for n in schema.names() if n not in META_SCHEMA]
    exprs = []
    for name in own:
        if name in found:
            exprs.append(pl.col(found[name]).cast(schema[name]).alias(name))
        else:
            exprs.append(pl.lit(constants.get(name), schema[name]).alias(name))
    extras = [pl.col(f"c{i}").alias(c.name) for i, c in enumerate(columns) if not c.known]
    meta = [
        pl.lit(server, pl.String).alias("server"),
        pl.lit(source, pl.String).alias("source"),
        pl.col("line"),
        pl.col("raw"),
        pl.col("problem"),
    ]
    return frame.select(*exprs, *extras, *meta)

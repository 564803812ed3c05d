"""Decoding log files and resolving years the cluster did not write in full.

CLUSTERPRO writes its logs in the server's locale: UTF-8 on recent systems,
EUC-JP or Shift_JIS on older Japanese ones, and a log collection can mix them.
:func:`decode` picks the encoding per file and never fails: bytes that no
candidate can decode are replaced (U+FFFD) and counted, so a parser can say
how many and where instead of losing the file.

Module logs write two-digit years (``21/07/21``) and classic syslog lines
none at all (``Nov 24 03:12:01``). :func:`resolve_years` is the one place
that turns those into full years, from a reference year (a 4-digit date
found elsewhere in the same file, or the file's modification time) and the
order of the lines, so that a file running from December into January gets
both years right.

>>> d = decode("alert: ディスク異常\\r\\n".encode("euc_jp"))
>>> d.encoding, d.text, d.replaced
('euc_jp', 'alert: ディスク異常\\n', 0)
>>> decode(b"\\xef\\xbb\\xbfok\\n").text
'ok\\n'
>>> import polars as pl
>>> resolve_years(pl.Series([12, 12, 1, 2]), reference=2022, reference_row=3).to_list()
[2021, 2021, 2022, 2022]
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import polars as pl

#: Encodings tried after UTF-8, in order. cp932 is the Windows superset of
#: Shift_JIS (NEC and IBM extension characters such as ① and ㈱), which Japanese
#: servers commonly emit under the Shift_JIS name.
_JAPANESE = ("euc_jp", "cp932")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


class Decoded:
    """A decoded file: its text (LF line ends, no BOM), the encoding chosen, bytes replaced.

    A clean UTF-8 file keeps its bytes (``utf8``) and builds ``text`` only
    when asked: the line splitter reads the bytes directly, which spares a
    copy of a large file.
    """

    __slots__ = ("_text", "encoding", "replaced", "utf8")

    def __init__(self, text: str | None, encoding: str, replaced: int, utf8: bytes | None = None):
        self._text, self.encoding, self.replaced, self.utf8 = text, encoding, replaced, utf8

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.utf8.decode("utf-8")
        return self._text

    def as_utf8(self) -> bytes:
        """The text as UTF-8 bytes: the file's own bytes when it was clean UTF-8, else encoded."""
        return self.utf8 if self.utf8 is not None else self.text.encode("utf-8")

    def __repr__(self) -> str:
        return f"Decoded(encoding={self.encoding!r}, replaced={self.replaced})"


def decode(data: bytes | str) -> Decoded:
    """Decode a whole file, choosing among UTF-8, EUC-JP and Shift_JIS (cp932).

    The first encoding that decodes every byte wins, UTF-8 first. When both
    Japanese encodings decode cleanly, the one giving fewer half-width katakana
    wins (EUC-JP text read as Shift_JIS turns into a run of them). When none
    decodes cleanly, the one with the fewest replaced byte sequences wins;
    ``replaced`` counts them. A UTF-8 byte-order mark is dropped and CRLF / CR
    line ends become LF.

    >>> decode("エラー".encode("cp932")).encoding
    'cp932'
    >>> d = decode(b"ok \\xff\\xfe line\\r\\n")
    >>> d.encoding, d.replaced, d.text
    ('utf-8', 2, 'ok \\ufffd\\ufffd line\\n')
    >>> decode("").replaced
    0
    """
    if isinstance(data, str):
        return Decoded(_newlines(data.removeprefix("\ufeff")), "str", 0)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\r" not in data and data.isascii():
        return Decoded(None, "utf-8", 0, data)  # the common case, checked without building a str
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\r" in text:
            return Decoded(_newlines(text), "utf-8", 0)
        return Decoded(text, "utf-8", 0, data)
    clean = []
    for enc in _JAPANESE:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if not _PRIVATE_USE.search(text):
            clean.append((enc, text))
    if clean:
        enc, text = min(clean, key=lambda c: _halfwidth_kana(c[1]))
        return Decoded(_newlines(text), enc, 0)
    best: Decoded | None = None
    for enc in ("utf-8", *_JAPANESE):
        text = data.decode(enc, errors="replace")
        # cp932 maps a few unassigned bytes (0xA0, 0xFD-0xFF) and its user-defined
        # area to private-use characters: no real log text, so count them as lost.
        text = _PRIVATE_USE.sub("\ufffd", text)
        # A genuine U+FFFD written in UTF-8 is not a replacement.
        replaced = text.count("\ufffd") - (data.count(b"\xef\xbf\xbd") if enc == "utf-8" else 0)
        if best is None or replaced < best.replaced:
            best = Decoded(text, enc, replaced)
    return Decoded(_newlines(best.text), best.encoding, best.replaced)


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _halfwidth_kana(text: str) -> int:
    return sum(1 for _ in _HALFWIDTH_KANA.finditer(text))


def file_mtime(source: str | os.PathLike | None) -> datetime | None:
    """The modification time of ``source`` when it names a readable file (UTC), else None.

    Parsers get bytes and a source name; when the name is a real path its
    mtime is the last-resort reference year for :func:`resolve_years`.
    """
    if not source:
        return None
    try:
        return datetime.fromtimestamp(os.stat(source).st_mtime, tz=timezone.utc)
    except (OSError, ValueError):
        return None


def resolve_years(
    months: pl.Series,
    years: pl.Series | None = None,
    *,
    reference: int | datetime | None = None,
    reference_row: int | None = None,
) -> pl.Series:
    """Full years (Int32) for dates written with a two-digit year or none.

    ``months`` are the rows' months in file order (nulls allowed: rows without
    a date). ``years`` holds the two-digit years when the file writes them;
    without it the year is inferred.

    - Two-digit years take the century that puts them closest to the
      reference year (``99`` next to 2000 is 1999, ``00`` is 2000).
    - Without years, each fall of the month from one dated row to the next
      (December to January) starts a new year. ``reference`` is the year of
      row ``reference_row`` (a row whose 4-digit year is known); when
      ``reference_row`` is None the reference is the file's end (its mtime)
      and is the year of the last dated row, or the year before when that
      row's month lies after the reference month (a December line in a
      file last written in January).
    - Without any reference the current UTC year is used, the best guess
      left; callers should pass the file's mtime instead.

    >>> resolve_years(pl.Series([7, 12]), pl.Series([21, 99]), reference=2020).to_list()
    [2021, 1999]
    >>> from datetime import datetime
    >>> resolve_years(pl.Series([11, 12, None, 1]), reference=datetime(2023, 1, 5)).to_list()
    [2022, 2022, None, 2023]
    >>> resolve_years(pl.Series([3, 4]), reference=datetime(2023, 2, 1)).to_list()
    [2022, 2022]
    """
    if isinstance(reference, datetime):
        ref_year, ref_month = reference.year, reference.month
    elif reference is not None:
        ref_year, ref_month = int(reference), 12
    else:
        now = datetime.now(timezone.utc)
        ref_year, ref_month = now.year, now.month
    months = months.cast(pl.Int32)
    if years is not None:
        yy = years.cast(pl.Int32)
        century = (ref_year // 100) * 100
        candidates = [yy + century + shift for shift in (-100, 0, 100)]
        best = candidates[0]
        for cand in candidates[1:]:
            best = pl.select(
                pl.when((cand - ref_year).abs() < (best - ref_year).abs()).then(cand).otherwise(best)
            ).to_series()
        return best.alias("year").cast(pl.Int32)
    filled = months.fill_null(strategy="forward")
    falls = (filled < filled.shift(1)).fill_null(False).cast(pl.Int32).cum_sum()
    if reference_row is not None:
        base = ref_year - int(falls[reference_row])
    else:
        dated = months.drop_nulls()
        if dated.len() == 0:
            return pl.Series("year", [None] * months.len(), dtype=pl.Int32)
        last_falls = int(falls[-1]) if falls.len() else 0
        base = ref_year - last_falls - (1 if int(filled.drop_nulls()[-1]) > ref_month else 0)
    out = falls + base
    return pl.select(pl.when(months.is_null()).then(None).otherwise(out)).to_series().alias("year").cast(pl.Int32)


def real_times(clock: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    """``parsed`` with null where the clock text holds a minute or second of 60 or more.

    chrono, under polars' ``strptime``, reads ``23:59:60`` as a leap second
    and polars then rolls it into the next minute (``00:00:00`` of the next
    day), so a line could silently move to another day. Such a time is
    rejected instead, as an impossible date is. ``clock`` is the text the
    time was parsed from (any part of it holding the ``HH:MM:SS``); a
    minute of 60 or more never parses anyway, so ``:6`` marks exactly the
    values to reject.

    >>> s = pl.Series(["2024/12/31 23:59:60", "2024/12/31 23:59:59"])
    >>> pl.select(real_times(pl.lit(s), pl.lit(s).str.strptime(pl.Datetime("ms"), "%Y/%m/%d %H:%M:%S"))).to_series().to_list()
    [None, datetime.datetime(2024, 12, 31, 23, 59, 59)]
    """
    return pl.when(clock.str.contains(":6", literal=True)).then(None).otherwise(parsed)


def lines_frame(text: str | Decoded) -> pl.DataFrame:
    """The lines of a decoded text as a frame: ``line`` (1-based Int64) and ``text``.

    A final line end does not make an extra empty line; empty lines inside
    the text are kept as empty strings. The split runs in polars' CSV reader
    (a separator and quote that never occur), far faster than ``str.split``
    for files of hundreds of megabytes.

    >>> lines_frame("a\\n\\nb\\n").rows()
    [(1, 'a'), (2, ''), (3, 'b')]
    >>> lines_frame("").height
    0
    """
    data = text.as_utf8() if isinstance(text, Decoded) else text.encode("utf-8")
    if not data:
        return pl.DataFrame(schema={"line": pl.Int64, "text": pl.String})
    if b"\x1f" in data:  # the CSV separator occurs: split in Python instead
        parts = data.decode("utf-8").split("\n")
        if parts[-1] == "":
            parts.pop()
        col = pl.Series("text", parts, dtype=pl.String)
    else:
        col = pl.read_csv(
            data,
            has_header=False,
            separator="\x1f",
            quote_char=None,
            new_columns=["text"],
            infer_schema=False,
        )["text"].fill_null("")
    return col.to_frame().with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))

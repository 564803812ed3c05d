"""The output formats a listing command offers: a table for reading, CSV, plain lines, JSON.

``--csv`` (a header, then one row per line, RFC 4180 quoting) and ``--plain``
(one line per row, fields separated by a tab, no header, ``-`` for a missing
value: for grep, awk, cut) are the same on ``parse``, ``events`` and
``summary``; ``--json`` where the command has it. Times are ISO, with their
offset when they have a zone.

>>> f = pl.DataFrame({"a": [1, None], "b": ["x y", "z"]})
>>> print(plain_lines(f))
1	x y
-	z
"""

from __future__ import annotations

import sys

import click
import polars as pl

from clpkit.problems import ClpkitError

FORMATS = ("table", "csv", "plain", "json")


def output_options(json_help: str | None = None):
    """``--csv`` and ``--plain`` (and ``--json`` when ``json_help`` is given) as one ``fmt`` argument."""
    def decorate(func):
        opts = [
            click.option("--csv", "as_csv", is_flag=True, help="Print CSV: a header line, then one row per line."),
            click.option("--plain", "as_plain", is_flag=True,
                         help="Print one line per row, fields separated by a tab, no header ('-' when missing)."),
        ]
        if json_help:
            opts.append(click.option("--json", "as_json", is_flag=True, help=json_help))
        for opt in reversed(opts):
            func = opt(func)
        return func
    return decorate


def chosen(as_csv: bool = False, as_plain: bool = False, as_json: bool = False) -> str:
    """The one format asked for ('table' when none); two at once is a one-line error."""
    picked = [name for name, on in (("csv", as_csv), ("plain", as_plain), ("json", as_json)) if on]
    if len(picked) > 1:
        raise ClpkitError(f"choose one output format: {' or '.join('--' + p for p in picked)}")
    return picked[0] if picked else "table"


def flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined by '|', times as ISO text (with offset when zoned): what CSV and plain lines carry."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join("|"))
        elif isinstance(dtype, pl.Datetime):
            fmt = "%Y-%m-%dT%H:%M:%S%.3f" + ("%:z" if dtype.time_zone else "")
            exprs.append(pl.col(name).dt.to_string(fmt))
        elif isinstance(dtype, (pl.Struct, pl.Object)):
            exprs.append(pl.col(name).cast(pl.String))
    return frame.with_columns(exprs) if exprs else frame


def plain_lines(frame: pl.DataFrame) -> str:
    """One line per row, tab-separated, '-' for a missing value; tabs and newlines inside values become spaces."""
    text = flat(frame).select(
        pl.col(c).cast(pl.String).fill_null("-").str.replace_all(r"[\t\r\n]+", " ") for c in frame.columns)
    return "\n".join("\t".join(row) for row in text.iter_rows())


def write(frame: pl.DataFrame, fmt: str, *, table_rows: int = 200) -> None:
    """``frame`` on stdout in ``fmt`` (table, csv or plain)."""
    if fmt == "csv":
        sys.stdout.write(flat(frame).write_csv())
    elif fmt == "plain":
        if frame.height:
            click.echo(plain_lines(frame))
    else:
        with pl.Config(tbl_rows=table_rows, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=240,
                       tbl_hide_dataframe_shape=True):
            click.echo(frame)

"""Errors and the problems table: one failure policy for the whole package.

A file that cannot be read at all raises :class:`ParseError`, which names the
file (and the line when there is one) and the reason. A bad line inside a
readable file is not an error: the parser keeps it as a row whose ``raw``
column holds the text and whose ``problem`` column says why, and the bundle
turns those rows into entries of its ``problems`` table.

>>> str(ParseError("nmp1.cur", "not a CSV header", line=1))
'nmp1.cur:1: not a CSV header'
>>> problems_frame([Problem("sv1", "nmp1.cur", 7, "3 fields, expected 38")]).rows()
[('sv1', 'nmp1.cur', 7, '3 fields, expected 38')]
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

PROBLEMS_SCHEMA = pl.Schema(
    {"server": pl.String, "file": pl.String, "line": pl.Int64, "reason": pl.String}
)


class ClpkitError(Exception):
    """Base of every error clpkit raises on purpose (the CLI prints it in one line)."""


class ParseError(ClpkitError):
    """A whole file could not be read: names the file, the line if any, and why."""

    def __init__(self, file: str, reason: str, line: int | None = None):
        self.file, self.reason, self.line = str(file), reason, line
        where = self.file if line is None else f"{self.file}:{line}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Problem:
    """One entry of a bundle's problems table."""

    server: str | None
    file: str
    line: int | None
    reason: str


def problems_frame(problems: list[Problem]) -> pl.DataFrame:
    """The problems as a frame with :data:`PROBLEMS_SCHEMA` (empty list → empty frame)."""
    rows = [(p.server, p.file, p.line, p.reason) for p in problems]
    return pl.DataFrame(rows, schema=PROBLEMS_SCHEMA, orient="row")


def rejected_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows a parser kept raw, as problems (server, file, line, reason)."""
    if "raw" not in frame.columns:
        return PROBLEMS_SCHEMA.to_frame()
    bad = frame.filter(pl.col("raw").is_not_null())
    return bad.select(
        pl.col("server").cast(pl.String) if "server" in bad.columns else pl.lit(None, pl.String).alias("server"),
        pl.col("source").cast(pl.String).alias("file"),
        pl.col("line").cast(pl.Int64),
        pl.col("problem").fill_null("unparsed line").cast(pl.String).alias("reason"),
    )

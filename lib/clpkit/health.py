"""No silent health: what every command and page says when input was missing or damaged.

A collection in which nothing is a CLUSTERPRO file is an error (exit 2): an
analysis of it would read "no findings". Every archive, file or member that
could not be read, and every file with rejected lines, is one line on stderr
(:func:`stderr_lines`) and one row of the "incomplete input" notice at the
top of every report page (:func:`incomplete`).

>>> from clpkit.problems import Problem
>>> frame = summarise(problems_frame([Problem("sv1", "a.cur", 3, "bad"), Problem("sv1", "a.cur", 4, "bad"),
...                                   Problem("sv1", "x.tar.gz", None, "unreadable archive: truncated")]))
>>> frame.rows()
[('sv1', 'a.cur', '2 line(s) rejected, first at line 3: bad'), ('sv1', 'x.tar.gz', 'unreadable archive: truncated')]
"""

from __future__ import annotations

import polars as pl

from clpkit.problems import PROBLEMS_SCHEMA, ClpkitError, problems_frame

SUMMARY_SCHEMA = pl.Schema({"server": pl.String, "file": pl.String, "reason": pl.String})


def require_clusterpro(bundle, label: str) -> None:
    """ClpkitError when nothing in the collection is a CLUSTERPRO file (no table, no clp.conf)."""
    if bundle.entries() or bundle.has_config():
        return
    problems = bundle.input_problems
    why = f" ({problems[0].file}: {problems[0].reason})" if problems else ""
    raise ClpkitError(f"{label}: no CLUSTERPRO file found (not a log collection, or nothing in it could be read){why}")


def summarise(problems: pl.DataFrame) -> pl.DataFrame:
    """One row per file: its reason, or how many lines were rejected and the first one."""
    if problems.is_empty():
        return SUMMARY_SCHEMA.to_frame()
    whole = problems.filter(pl.col("line").is_null()).select("server", "file", "reason")
    lines = (
        problems.filter(pl.col("line").is_not_null())
        .sort("line")
        .group_by("server", "file", maintain_order=True)
        .agg(pl.len().alias("n"), pl.col("line").first().alias("first"), pl.col("reason").first().alias("why"))
        .select("server", "file", pl.format("{} line(s) rejected, first at line {}: {}", "n", "first", "why").alias("reason"))
    )
    return pl.concat([lines, whole]).cast(dict(SUMMARY_SCHEMA))


def incomplete(bundle, *, parse: bool = True) -> pl.DataFrame:
    """server, file, reason: every input, file and line that was not read as it should be.

    ``parse=True`` parses every table (a page's notice must be complete);
    ``parse=False`` reports the inputs and the tables already parsed (a command's stderr).
    """
    frame = bundle.problems if parse else bundle.problems_so_far()
    return summarise(frame.cast(dict(PROBLEMS_SCHEMA)))


def stderr_lines(bundle, *, parse: bool = False) -> list[str]:
    """The lines a command prints on stderr about its incomplete input (empty when it was complete)."""
    return [f"clpkit: incomplete input: {r['file']}: {r['reason']}" for r in incomplete(bundle, parse=parse).iter_rows(named=True)]


__all__ = ["require_clusterpro", "summarise", "incomplete", "stderr_lines", "problems_frame"]

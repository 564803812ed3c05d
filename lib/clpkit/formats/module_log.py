"""Module logs: ``<module>.log.cur/.pre`` and ``<module>.err.cur/.pre``.

Each CLUSTERPRO module (rc, nm, pm, rm, apisv, mdagent…) writes an internal
log and an error log under ``log/`` of the install root
(``/opt/nec/clusterpro/log/rc.log.cur``), rotated to ``.pre`` (SPEC 3.1).
The same files are found inside the emergency archives ``elog_*.tar.gz``
(:mod:`clpkit.formats.elog`).

Line rules (SPEC 3.5, inferred layout) are those of
:mod:`clpkit.formats._logline`: one row per line of the file; lines that
are not entries are continuation rows pointing at their entry
(``continues``), or kept raw with a ``problem`` when no entry precedes them.
``module`` and ``stream`` (``log`` or ``err``) come from the file name.

>>> df = parse(SAMPLE, source="rc.log.cur")
>>> df.select("time", "level", "pid", "module", "continues").rows()[:2]
[(datetime.datetime(2021, 7, 21, 9, 32, 56, 673000), 'I', 17272, 'rc', None), (datetime.datetime(2021, 7, 21, 9, 32, 57, 12000), 'E', 17272, 'rc', None)]
>>> df["continues"].to_list(), df["text"][2]
([None, None, 2, None], '  (99 : command is timeout)')
>>> df.schema == SCHEMA
True
"""

from __future__ import annotations

import polars as pl

from clpkit.formats import META_SCHEMA, Parsed
from clpkit.formats._logline import LINE_SCHEMA, file_fields, parse_lines, scanned

KIND = "module_log"

#: File names this module reads (the registry line uses the same pattern).
NAME_PATTERN = r"(?P<module>[A-Za-z0-9_\-]+)\.(?P<stream>log|err)(?:\.(?:cur|pre\d*))?"

SCHEMA = pl.Schema(
    {
        "time": pl.Datetime("ms"),
        "level": pl.String,
        "pid": pl.Int64,
        "tid": pl.Int64,
        "module": pl.String,
        "stream": pl.String,
        "text": pl.String,
        "continues": pl.Int64,
        **META_SCHEMA,
    }
)

SAMPLE = """\
I 21/07/21 09:32:56.673[  17272] rc: activating resource exec1 of group failover1
E 21/07/21 09:32:57.012[  17272] rc: activating exec1 has failed
  (99 : command is timeout)
W 21/07/21 09:33:00.000[  17272:17280] rc: group failover1 will fail over
"""


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """One row per line of a module log (see the module docstring for the line rules)."""
    rows = parse_lines(data, source=source)
    fields = file_fields(source, NAME_PATTERN, ("module", "stream"))
    return finish(rows, SCHEMA, source=source, server=server, **fields)


def scan(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> Parsed:
    """The rows (see :func:`parse`) and the lines of the file (each line is a row; a lone blank line is skipped)."""
    return scanned(data, parse(data, source=source, server=server))


def finish(rows: pl.DataFrame, schema: pl.Schema, *, source: str, server: str | None, **constants) -> pl.DataFrame:
    """Add file-derived constant columns and the meta columns, in ``schema`` order."""
    if rows.height == 0:
        return schema.to_frame()
    rows = rows.with_columns(
        *(pl.lit(v, pl.String).alias(k) for k, v in constants.items()),
        pl.lit(server, pl.String).alias("server"),
        pl.lit(source, pl.String).alias("source"),
    )
    return rows.select(schema.names()).cast(dict(schema))



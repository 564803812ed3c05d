"""Cluster statistics: group, resource and monitor ``*.cur`` / ``*.pre`` (SPEC 3.4).

Where, under the install root:

- ``perf/cluster/group/group.cur``: one row per completed group start,
  stop, move or failover (move and failover rows are written on the
  destination server);
- ``perf/cluster/group/<resource type>.cur`` (``exec.cur``, ``fip.cur``,
  ``md.cur``…): one row per completed resource start or stop;
- ``perf/cluster/monitor/<monitor type>.cur`` (``genw.cur``, ``mdw.cur``…):
  one row per completed monitor run or status change.

The header is given verbatim by the guide:
``"Date","Name","Action","Result","ReturnCode","StartTime","EndTime","ElapsedTime(ms)"``.

Columns and units:

===================  =====================================================
``date``             when the row was written (server local, ms)
``category``         ``group``, ``resource`` or ``monitor`` (see below)
``type``             the file's stem: ``group``, ``exec``, ``genw``…
``name``             the group, resource or monitor name
``action``           Start, Stop, Move (groups), Monitor
``result``           Success, Failure, Warning (monitors), Timeout, Cancel
``return_code``      integer, often empty (null)
``start_time``       when the action began (server local, ms)
``end_time``         when it ended (server local, ms)
``elapsed_time_ms``  duration in milliseconds
===================  =====================================================

``category`` comes from the parent folder (``monitor/`` → monitor;
``group/`` → group for ``group.cur``, resource otherwise). Without a folder
it comes from the stem: ``group`` → group, a name ending in ``w`` (every
monitor type: genw, mdw, userw…) → monitor, anything else → resource.

>>> df = parse(SAMPLE, source="perf/cluster/group/group.cur", server="sv2")
>>> df.select("date", "category", "type", "name", "action", "return_code", "elapsed_time_ms").rows()[0]
(datetime.datetime(2018, 12, 19, 9, 44, 16, 925000), 'group', 'group', 'failoverA', 'Start', None, 7140)
>>> df.schema == SCHEMA
True
"""

from __future__ import annotations

from pathlib import PurePosixPath

import polars as pl

from clpkit.formats import META_SCHEMA, Parsed
from clpkit.formats._csv import DATETIME, Field, scan as scan_csv

KIND = "cluster_stats"

FIELDS: tuple[Field, ...] = (
    Field("date", DATETIME, ("Date", "Time", "")),
    Field("name", pl.String, ("Name",)),
    Field("action", pl.String, ("Action",)),
    Field("result", pl.String, ("Result",)),
    Field("return_code", pl.Int64, ("ReturnCode", "Return Code", "RetCode")),
    Field("start_time", DATETIME, ("StartTime", "Start Time")),
    Field("end_time", DATETIME, ("EndTime", "End Time")),
    Field("elapsed_time_ms", pl.Int64, ("ElapsedTime(ms)", "ElapsedTime", "Elapsed Time")),
)

SCHEMA = pl.Schema(
    {
        "date": DATETIME,
        "category": pl.String,
        "type": pl.String,
        **{f.name: f.dtype for f in FIELDS[1:]},
        **META_SCHEMA,
    }
)

#: The guide's example row, then a failover (Move) that failed.
SAMPLE = (
    '"Date","Name","Action","Result","ReturnCode","StartTime","EndTime","ElapsedTime(ms)"\n'
    '"2018/12/19 09:44:16.925","failoverA","Start","Success",,'
    '"2018/12/19 09:44:09.785","2018/12/19 09:44:16.925","7140"\n'
    '"2018/12/19 10:02:31.410","failoverA","Move","Failure","1",'
    '"2018/12/19 10:02:01.004","2018/12/19 10:02:31.410","30406"\n'
)

def category_and_type(source: str) -> tuple[str | None, str | None]:
    """``(category, type)`` of a cluster statistics file from its path.

    >>> category_and_type("perf/cluster/group/exec.pre"), category_and_type("genw.cur")
    (('resource', 'exec'), ('monitor', 'genw'))
    """
    if source.startswith("<"):  # "<sample>", "<stdin>": no file name to go by
        return None, None
    path = PurePosixPath(source.replace("\\", "/"))
    stem = path.name.split(".", 1)[0]
    folder = path.parent.name
    if folder == "monitor":
        return "monitor", stem
    if folder == "group":
        return ("group" if stem == "group" else "resource"), stem
    if stem == "group":
        return "group", stem
    return ("monitor" if stem.endswith("w") else "resource"), stem


def scan(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> Parsed:
    """The file's frame (see :func:`parse`) with its line count and skipped lines (blank, repeated header)."""
    category, type_ = category_and_type(source)
    return scan_csv(data, FIELDS, SCHEMA, source=source, server=server, constants={"category": category, "type": type_})


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """One cluster statistics file as a frame of :data:`SCHEMA` (plus unknown columns)."""
    return scan(data, source=source, server=server).frame

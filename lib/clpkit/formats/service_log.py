"""Service logs: ``init_<svc>.start.cur/.pre`` and ``init_<svc>.stop.cur/.pre``.

Written under ``log/`` of the install root when a CLUSTERPRO service starts
or stops (guide L365-398); ``<svc>`` is evt (clusterpro_evt), trn
(clusterpro_trn), md (clusterpro_md), main (clusterpro), webmgr
(clusterpro_webmgr) or alert (clusterpro_alertsync). Their line layout is
not published; they are read with the same tolerant line rules as module
logs (:mod:`clpkit.formats._logline`): one row per line, continuation rows
point at their entry, lines before any entry are kept raw with a problem.
``service`` (the systemd/init service name), ``svc`` (the short name in
the file name) and ``phase`` (start or stop) come from the file name.

>>> df = parse(SAMPLE, source="init_md.start.cur")
>>> df.select("service", "phase", "level", "text").rows()[0]
('clusterpro_md', 'start', 'I', 'clusterpro_md: starting mirror agent')
>>> df.schema == SCHEMA
True
"""

from __future__ import annotations

import polars as pl

from clpkit.formats import META_SCHEMA, Parsed
from clpkit.formats._logline import file_fields, parse_lines, scanned
from clpkit.formats.module_log import finish

KIND = "service_log"

NAME_PATTERN = r"init_(?P<svc>[A-Za-z0-9_\-]+)\.(?P<phase>start|stop)(?:\.(?:cur|pre\d*))?"

#: Short name in the file name -> service name (guide L383-389).
SERVICES = {
    "evt": "clusterpro_evt",
    "trn": "clusterpro_trn",
    "md": "clusterpro_md",
    "main": "clusterpro",
    "webmgr": "clusterpro_webmgr",
    "alert": "clusterpro_alertsync",
}

SCHEMA = pl.Schema(
    {
        "time": pl.Datetime("ms"),
        "level": pl.String,
        "pid": pl.Int64,
        "tid": pl.Int64,
        "service": pl.String,
        "svc": pl.String,
        "phase": pl.String,
        "text": pl.String,
        "continues": pl.Int64,
        **META_SCHEMA,
    }
)

SAMPLE = """\
I 26/11/24 03:00:01.100[   1201] clusterpro_md: starting mirror agent
I 26/11/24 03:00:02.350[   1201] clusterpro_md: started
"""


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """One row per line of a service log."""
    rows = parse_lines(data, source=source)
    fields = file_fields(source, NAME_PATTERN, ("svc", "phase"))
    service = SERVICES.get(fields["svc"] or "", fields["svc"] and f"clusterpro_{fields['svc']}")
    return finish(rows, SCHEMA, source=source, server=server, service=service, **fields)


def scan(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> Parsed:
    """The rows (see :func:`parse`) and the lines of the file (each line is a row; a lone blank line is skipped)."""
    return scanned(data, parse(data, source=source, server=server))

"""Saved output of ``clpstat``: one row per server, heartbeat, group, resource and monitor line.

The command prints a boxed report (SPEC 3.8; layout [P], seen in the
vendor's public how-to pages for X 4.2-5.1):

```
 ========================  CLUSTER STATUS  ===========================
  Cluster : cluster
  <server>
   *server1 .........: Online
      lankhb1        : Normal           Kernel Mode LAN Heartbeat
  <group>
    failover1 .......: Online
      current        : server1
      md1            : Online
  <monitor>
    mdw1             : Normal
 =====================================================================
```

A section's entries are the lines whose name starts at the section's
leftmost name column; deeper lines (heartbeats under a server, ``current``
and resources under a group) carry the entry as ``parent``. ``*`` marks the
server the command ran on. Names are cut at 16 characters by the command
(``--long`` widens them) and padded with dot leaders, which are dropped.
Several reports in one file are kept apart by ``cluster``. A line that fits
none of this is kept raw with a problem.

>>> df = parse(SAMPLE)
>>> df.filter(pl.col("parent").is_null()).select("section", "name", "status", "local").rows()
[('server', 'server1', 'Online', True), ('server', 'server2', 'Offline', False), ('group', 'failover1', 'Online', False), ('monitor', 'mdw1', 'Normal', False)]
>>> servers_online(df), group_server(df, "failover1"), status_of(df, "heartbeat", "lankhb1", parent="server1")
(False, 'server1', 'Normal')
"""

from __future__ import annotations

import re

import polars as pl

from clpkit.formats import META_SCHEMA
from clpkit.problems import ParseError

KIND = "clpstat"

SCHEMA = pl.Schema(
    {
        "cluster": pl.String,
        "section": pl.String,
        "parent": pl.String,
        "name": pl.String,
        "status": pl.String,
        "comment": pl.String,
        "local": pl.Boolean,
        **META_SCHEMA,
    }
)

SAMPLE = """\
 ========================  CLUSTER STATUS  ===========================
  Cluster : cluster1
  <server>
   *server1 .........: Online
      lankhb1        : Normal           Kernel Mode LAN Heartbeat
    server2 .........: Offline
      lankhb1        : Unknown          Kernel Mode LAN Heartbeat
  <group>
    failover1 .......: Online
      current        : server1
      md1            : Online
  <monitor>
    mdw1             : Normal
 =====================================================================
"""

#: What the lines nested under a section's entries are.
_CHILD_SECTION = {"server": "heartbeat", "group": "resource"}

_BANNER = re.compile(r"^\s*=+(?:\s+CLUSTER STATUS\s+=+)?\s*$")
_CLUSTER = re.compile(r"^\s*Cluster\s*:\s*(?P<name>\S.*?)\s*$")
_SECTION = re.compile(r"^\s*<(?P<section>[A-Za-z][\w ]*)>\s*$")
_ENTRY = re.compile(
    r"^(?P<indent>\s*)(?P<star>\*)?(?P<name>\S(?:.*?\S)??)(?:\s*\.{2,})?\s*:\s?(?P<rest>.*)$"
)
_STATUS = re.compile(r"^(?P<status>\S+(?: \S+)*)?(?:\s{2,}(?P<comment>\S.*?))?\s*$")


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """Rows of section, parent, name, status, comment and local flag; unknown lines kept raw."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    rows: list[dict] = []
    cluster = section = parent = None
    top_column: int | None = None
    seen_banner = False

    def add(line_no: int, **fields) -> None:
        rows.append({"cluster": cluster, "server": server, "source": source, "line": line_no, **fields})

    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if _BANNER.match(line):
            seen_banner = True
            continue
        if m := _CLUSTER.match(line):
            cluster, section, parent, top_column = m["name"], None, None, None
            continue
        if m := _SECTION.match(line):
            section, parent, top_column = m["section"].strip().lower(), None, None
            continue
        m = _ENTRY.match(line)
        if m and section is not None:
            column = len(m["indent"]) + (1 if m["star"] else 0)
            if top_column is None or column <= top_column:
                top_column = column
            status = _STATUS.match(m["rest"])
            fields = dict(
                name=m["name"],
                status=status["status"] if status else m["rest"].strip() or None,
                comment=status["comment"] if status else None,
                local=bool(m["star"]),
            )
            if column == top_column:
                parent = m["name"]
                add(line_no, section=section, **fields)
            else:
                add(line_no, section=_CHILD_SECTION.get(section, section), parent=parent, **fields)
            continue
        reason = "not a clpstat status line" if seen_banner else "text before the CLUSTER STATUS banner"
        add(line_no, raw=line, problem=reason)
    if not rows:
        return SCHEMA.to_frame()
    return pl.DataFrame(rows, schema=SCHEMA)


def parse_text(text: str, *, source: str = "<clpstat>") -> pl.DataFrame:
    """Parse clpstat output captured as text (what a runbook check gets back)."""
    return parse(text, source=source)


def _entries(frame: pl.DataFrame, section: str) -> pl.DataFrame:
    return frame.filter((pl.col("section") == section) & pl.col("raw").is_null())


def servers_online(frame: pl.DataFrame) -> bool:
    """True when the report lists at least one server and every server is ``Online``."""
    servers = _entries(frame, "server").filter(pl.col("parent").is_null())
    return servers.height > 0 and bool((servers["status"] == "Online").all())


def status_of(frame: pl.DataFrame, section: str, name: str, *, parent: str | None = None) -> str | None:
    """The status of one entry (``section`` server, heartbeat, group, resource, monitor), or None if absent."""
    rows = _entries(frame, section).filter(pl.col("name") == name)
    if parent is not None:
        rows = rows.filter(pl.col("parent") == parent)
    return rows["status"][0] if rows.height else None


def group_server(frame: pl.DataFrame, group: str) -> str | None:
    """The server a group is online on (its ``current`` line), or None when it runs nowhere."""
    current = status_of(frame, "resource", "current", parent=group)
    return None if current in (None, "None", "") else current


def require(frame: pl.DataFrame, *, source: str = "<clpstat>") -> pl.DataFrame:
    """The frame, or ParseError when it holds no status line at all (not clpstat output)."""
    if frame.filter(pl.col("raw").is_null()).height == 0:
        raise ParseError(source, "no clpstat status lines found (expected a CLUSTER STATUS report)")
    return frame

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
Several reports in one file are kept apart by ``report`` (1, 2, … in file
order) and ``cluster``. Lines under a server whose name is a network-partition
resolution resource (``pingnp1``, ``httpnp1``: a name ending in ``np`` and a
number, or a comment ending in "resolution") are ``networkpartition`` rows,
not heartbeats.

``clpstat -g`` prints a group map instead (``kind`` ``groupmap``; layout [P],
seen in the vendor's public clpaic README)::

     ======================  GROUPMAP INFORMATION  =======================
      Cluster : cluster
       *server0 : host1
        server1 : host2
      --------------------------------------------------------------------
        server0 [o] : failover1[o]  failover2[o]
        server1 [o] : failover3[o]

Its servers become ``server`` rows (the index name ``server0`` in
``comment``, the map's mark in ``status``, e.g. ``o``: the marks' meanings
are not published, so they are kept as printed) and each group a ``group``
row with a ``current`` row naming the server it is on, as in a status report.
A line that fits none of this is kept raw with a problem.

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
from clpkit.text import decode
from clpkit.problems import ClpkitError, ParseError

KIND = "clpstat"

SCHEMA = pl.Schema(
    {
        "report": pl.Int32,
        "kind": pl.String,
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

_BANNER = re.compile(r"^\s*=+(?:\s+(?P<title>CLUSTER STATUS|GROUPMAP INFORMATION)\s+=+)?\s*$")
_RULE = re.compile(r"^\s*-{10,}\s*$")
_MAP_SERVER = re.compile(r"^\s*(?P<star>\*)?(?P<index>server\d+)\s*:\s*(?P<name>\S+)\s*$")
_MAP_LINE = re.compile(r"^\s*(?P<index>server\d+)\s*\[(?P<mark>[^\]]*)\]\s*:\s*(?P<groups>.*?)\s*$")
_MAP_GROUP = re.compile(r"(?P<name>[^\s\[\]]+)\[(?P<mark>[^\]]*)\]")
_NP_NAME = re.compile(r"^[a-z]+np\d*$")
_CLUSTER = re.compile(r"^\s*Cluster\s*:\s*(?P<name>\S.*?)\s*$")
_SECTION = re.compile(r"^\s*<(?P<section>[A-Za-z][\w ]*)>\s*$")
_ENTRY = re.compile(
    r"^(?P<indent>\s*)(?P<star>\*)?(?P<name>\S(?:.*?\S)??)(?:\s*\.{2,})?\s*:\s?(?P<rest>.*)$"
)
_STATUS = re.compile(r"^(?P<status>\S+(?: \S+)*)?(?:\s{2,}(?P<comment>\S.*?))?\s*$")


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """Rows of section, parent, name, status, comment and local flag; unknown lines kept raw."""
    text = decode(data).text  # UTF-8 or a Japanese encoding; no BOM; CRLF and CR become LF
    rows: list[dict] = []
    cluster = section = parent = None
    top_column: int | None = None
    seen_banner = False
    report, kind = 0, None
    aliases: dict[str, str] = {}  # groupmap: server0 -> host name
    in_map = False

    def add(line_no: int, **fields) -> None:
        rows.append({"report": report or None, "kind": kind, "cluster": cluster, "server": server,
                     "source": source, "line": line_no, **fields})

    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if m := _BANNER.match(line):
            seen_banner = True
            if m["title"]:  # an opening banner: a new report starts
                report += 1
                kind = "status" if m["title"] == "CLUSTER STATUS" else "groupmap"
                cluster = section = parent = top_column = None
                aliases, in_map = {}, False
            continue
        if m := _CLUSTER.match(line):
            cluster, section, parent, top_column = m["name"], None, None, None
            continue
        if kind == "groupmap":
            if _RULE.match(line):
                in_map = True
                continue
            if not in_map and (m := _MAP_SERVER.match(line)):
                aliases[m["index"]] = m["name"]
                add(line_no, section="server", name=m["name"], comment=m["index"], local=bool(m["star"]))
                continue
            if in_map and (m := _MAP_LINE.match(line)):
                host = aliases.get(m["index"], m["index"])
                for row in rows:
                    if row["report"] == report and row.get("section") == "server" and row.get("name") == host:
                        row["status"] = m["mark"]
                for g in _MAP_GROUP.finditer(m["groups"]):
                    add(line_no, section="group", name=g["name"], status=g["mark"], local=False)
                    add(line_no, section="resource", parent=g["name"], name="current", status=host, local=False)
                continue
            add(line_no, raw=line, problem="not a clpstat -g group map line")
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
                child = _CHILD_SECTION.get(section, section)
                if child == "heartbeat" and _is_network_partition(m["name"], fields["comment"]):
                    child = "networkpartition"
                add(line_no, section=child, parent=parent, **fields)
            continue
        reason = "not a clpstat status line" if seen_banner else "text before the CLUSTER STATUS banner"
        add(line_no, raw=line, problem=reason)
    if not rows:
        return SCHEMA.to_frame()
    return pl.DataFrame(rows, schema=SCHEMA)


def _is_network_partition(name: str, comment: str | None) -> bool:
    """pingnp1, httpnp1…: network-partition resolution resources, listed under each server like heartbeats."""
    return bool(_NP_NAME.match(name)) or (comment or "").strip().lower().endswith("resolution")


def parse_text(text: str, *, source: str = "<clpstat>") -> pl.DataFrame:
    """Parse clpstat output captured as text (what a runbook check gets back)."""
    return parse(text, source=source)


def _entries(frame: pl.DataFrame, section: str) -> pl.DataFrame:
    return frame.filter((pl.col("section") == section) & pl.col("raw").is_null())


def servers_online(frame: pl.DataFrame) -> bool:
    """True when the report lists at least one server and every server is ``Online``.

    A frame without a status report (a group map, other text) is an error that says
    so: it cannot tell whether the servers are online.
    """
    status = frame.filter(pl.col("kind") == "status") if "kind" in frame.columns else frame
    servers = _entries(status, "server").filter(pl.col("parent").is_null())
    if servers.height == 0:
        kinds = sorted({k for k in frame["kind"].drop_nulls().to_list()}) if "kind" in frame.columns else []
        what = f"only a {', '.join(kinds)} report" if kinds else "no clpstat report"
        raise ClpkitError(f"cannot tell whether the servers are online: the input holds {what}, "
                          "no CLUSTER STATUS report with servers")
    return bool((servers["status"] == "Online").all())


def status_of(frame: pl.DataFrame, section: str, name: str, *, parent: str | None = None) -> str | None:
    """The status of one entry (``section`` server, heartbeat, group, resource, monitor), or None if absent."""
    rows = _entries(frame, section).filter(pl.col("name") == name)
    if parent is not None:
        rows = rows.filter(pl.col("parent") == parent)
    return rows["status"][0] if rows.height else None


def group_servers(frame: pl.DataFrame, group: str) -> dict[str, str | None]:
    """Cluster name -> the server ``group`` is online on there (None: nowhere), from the last report
    of each cluster in the frame that lists the group."""
    rows = _entries(frame, "resource").filter((pl.col("name") == "current") & (pl.col("parent") == group))
    out: dict[str, str | None] = {}
    for cluster, current in zip(rows["cluster"].to_list(), rows["status"].to_list()):
        out[cluster or ""] = None if current in (None, "None", "") else current
    return out


def group_server(frame: pl.DataFrame, group: str, *, cluster: str | None = None) -> str | None:
    """The server a group is online on (its ``current`` line), or None when it runs nowhere.

    With several reports, the last one of the cluster counts; when reports of several
    clusters list the group, ``cluster=`` must say which (an error lists them).
    """
    answers = group_servers(frame, group)
    if cluster is not None:
        return answers.get(cluster)
    if len(answers) > 1:
        raise ClpkitError(
            f"group {group!r} is in the reports of {len(answers)} clusters ({', '.join(answers)}): "
            "say which with cluster="
        )
    return next(iter(answers.values()), None)


def require(frame: pl.DataFrame, *, source: str = "<clpstat>") -> pl.DataFrame:
    """The frame, or ParseError when it holds no status line at all (not clpstat output)."""
    if frame.filter(pl.col("raw").is_null()).height == 0:
        raise ParseError(source, "no clpstat status lines found (expected a CLUSTER STATUS report)")
    return frame

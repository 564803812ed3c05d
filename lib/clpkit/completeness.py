"""Is a log collection enough to answer the question? (``clpkit check-bundle``)

Support cases stall on "please collect again". This module says up front what
a collection lacks, and for each gap the exact command that collects it:

- servers of ``clp.conf`` with no files in the collection;
- per server, log and statistics kind and rotation series, the time span the
  files cover; with incident times (``at``), whether each time falls inside
  (before the first row: rotation dropped it before the collection was made;
  after the server's last row: the collection is older than the incident);
- kinds a server should have and has not. Mirror statistics are collected
  only with ``clplogcc -t type5`` and cluster statistics only with
  ``-t type6`` (guide L555-565, L1544-1553), so a collection without them
  was made without those types;
- no evidence of the servers' clocks (no event pair that measures one
  server's clock against another's, no clock reading by ``clpkit collect``)
  or of their time zone (no syslog line that wrote its UTC offset, no zone
  recorded by ``clpkit collect``);
- files that could not be read.

Times are the servers' local wall-clock times as written, read in the one
time model (:mod:`clpkit.zone`: ``--tz``, else the zone the collection shows,
else UTC said aloud); the zone is printed with every time and its basis on
the first line.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

#: Kinds whose rows carry a time, and the column that holds it.
TIME_COLUMNS = {
    "mirror_stats": "time",
    "system_stats": "time",
    "cluster_stats": "date",
    "module_log": "time",
    "service_log": "time",
    "alert_log": "time",
    "syslog": "time",
}
#: Kinds every server of a cluster writes, so a collection should hold them.
EXPECTED_KINDS = ("module_log", "alert_log", "syslog", "system_stats", "cluster_stats")
#: clplogcc collection type that brings each kind home. type5 and type6 are the
#: guide's (mirror and cluster statistics); the logs come with the default type.
CLPLOGCC_TYPE = {
    "mirror_stats": "type5",
    "cluster_stats": "type6",
    "module_log": "type1",
    "alert_log": "type1",
    "syslog": "type1",
    "service_log": "type1",
}
#: Host record written by ``clpkit collect`` into each server's folder (clock and zone evidence).
HOST_RECORD = "clpkit-host.json"

COVERAGE_SCHEMA = pl.Schema(
    {
        "server": pl.String,
        "kind": pl.String,
        "series": pl.String,
        "files": pl.Int64,
        "rows": pl.Int64,
        "first": pl.Datetime("ms"),
        "last": pl.Datetime("ms"),
        "rotated": pl.Boolean,  # a .pre generation is present
    }
)


@dataclass
class Gap:
    """One thing the collection lacks, and how to get it."""

    server: str | None
    kind: str | None
    what: str
    command: str | None  # the clpkit command that collects it (None: nothing can)
    by_hand: str | None = None  # the same on the server itself, without clpkit


@dataclass
class Check:
    """What :func:`check` found."""

    bundle: str
    tz: str  # the zone's name (IANA or +HH:MM)
    servers: list[str]
    config_servers: list[str] | None
    coverage: pl.DataFrame
    at: list[datetime] = field(default_factory=list)  # naive, in tz
    gaps: list[Gap] = field(default_factory=list)
    zone_basis: str = ""  # how the zone was found (Zone.describe)

    @property
    def complete(self) -> bool:
        return not self.gaps

    def to_dict(self) -> dict:
        cov = self.coverage.with_columns(pl.col("first", "last").dt.strftime("%Y-%m-%dT%H:%M:%S%.3f"))
        return {
            "bundle": self.bundle,
            "tz": self.tz,
            "zone_basis": self.zone_basis,
            "complete": self.complete,
            "servers": self.servers,
            "config_servers": self.config_servers,
            "at": [t.isoformat() for t in self.at],
            "coverage": cov.to_dicts(),
            "gaps": [asdict(g) for g in self.gaps],
        }


class Commands:
    """Builds the exact commands that collect what is missing, for one collection."""

    def __init__(self, bundle: str, config: str | None):
        path = Path(bundle)
        self.out = str(path if path.is_dir() else path.parent)
        self.config = config

    def collect(self, servers: list[str], *, types: list[str] | None = None, statistics_only: bool = False) -> str:
        words = ["clpkit", "collect", "--config", self.config or "clp.conf", "--hosts", ",".join(servers)]
        if statistics_only:
            words.append("--statistics-only")
        elif types:
            words += ["--types", ",".join(types)]
        words += ["--out", self.out]
        return shlex.join(words)

    @staticmethod
    def clplogcc(ctype: str) -> str:
        return f"clplogcc -l -t {ctype} -o /var/tmp/clplogcc"


def coverage(bundle) -> pl.DataFrame:
    """Per server, kind and rotation series: files, rows and the first and last time (local, naive)."""
    frames = []
    for kind, column in TIME_COLUMNS.items():
        if kind not in bundle.tables():
            continue
        entries = bundle.entries(kind)
        if not entries:
            continue
        series = pl.DataFrame(
            {"source": [f.source for f in entries], "series": [f.series for f in entries],
             "age": [f.age for f in entries]},
            schema={"source": pl.String, "series": pl.String, "age": pl.Int64},
        )
        table = bundle.table(kind)
        if kind == "module_log":  # the snapshots inside elog archives are not the loose logs' span
            table = table.filter(pl.col("archive").is_null())
        if table.is_empty() or column not in table.columns:
            continue
        part = (
            table.select("server", "source", pl.col(column).alias("t"))
            .join(series, on="source", how="left")
            .group_by("server", "series")
            .agg(
                pl.col("source").n_unique().alias("files"),
                pl.len().cast(pl.Int64).alias("rows"),
                pl.col("t").min().alias("first"),
                pl.col("t").max().alias("last"),
                (pl.col("age").max() > 0).alias("rotated"),
            )
            .with_columns(pl.lit(kind).alias("kind"))
        )
        frames.append(part)
    if not frames:
        return COVERAGE_SCHEMA.to_frame()
    return (
        pl.concat(frames, how="diagonal_relaxed")
        .select(list(COVERAGE_SCHEMA))
        .cast(dict(COVERAGE_SCHEMA))
        .sort("server", "kind", "series")
    )


def host_records(bundle) -> dict[str, dict]:
    """The ``clpkit-host.json`` of each server root (written by ``clpkit collect``), by server."""
    records = {}
    for root in bundle._roots:  # noqa: SLF001 - the roots are the bundle's own discovery result
        path = root.path / HOST_RECORD
        if path.is_file():
            try:
                records[root.name] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
    return records


def check(bundle, *, source: str, config_path: str | None = None, at: list[datetime] | None = None,
          tz: str | None = None) -> Check:
    """Check ``bundle`` (an open :class:`clpkit.bundle.Bundle`); ``source`` is the path the user gave.

    ``at`` are naive times in the servers' zone: ``tz`` when given, else the
    bundle's own zone (detected, else assumed UTC: the result says which).
    """
    from clpkit import zone as zones

    zone = zones.given(tz) if tz else bundle.zone
    tz = zone.name
    cfg = bundle.config
    if config_path:
        from clpkit import config as config_module

        cfg = config_module.load(config_path)
    commands = Commands(source, config_path or _bundle_conf(bundle, source))
    cov = coverage(bundle)
    result = Check(source, tz, list(bundle.servers), [s.name for s in cfg.servers] if cfg else None, cov, list(at or []),
                   zone_basis=zone.describe())
    gaps = result.gaps

    # Servers: clp.conf against the collection (host names are case-insensitive).
    present = {s.lower() for s in bundle.servers}
    if cfg is None:
        gaps.append(Gap(None, "clp_conf", "no readable clp.conf in the collection: the servers it should hold cannot be checked",
                        commands.collect(bundle.servers or ["SERVER"]), Commands.clplogcc("type1")))
        expected_servers = list(bundle.servers)
    else:
        expected_servers = [s.name for s in cfg.servers]
        missing = [s for s in expected_servers if s.lower() not in present]
        if missing:
            gaps.append(Gap(None, None, f"servers of clp.conf missing from the collection: {', '.join(missing)}",
                            commands.collect(missing, types=_types(cfg)), Commands.clplogcc("type1")))
    # Kinds each present server should have.
    mirror_servers = _mirror_servers(cfg)
    have = {(r["server"], r["kind"]) for r in cov.select("server", "kind").unique().iter_rows(named=True)}
    have |= {(f.server, f.kind) for f in bundle.entries()}
    for server in bundle.servers:
        wanted = list(EXPECTED_KINDS)
        if server.lower() in mirror_servers:
            wanted.insert(0, "mirror_stats")
        for kind in wanted:
            if (server, kind) in have:
                continue
            gaps.append(_missing_kind(server, kind, cfg, commands))
    # Incident times against the spans.
    for when in result.at:
        gaps += _at_gaps(cov, when, tz, commands, cfg)
    # Clock and zone evidence.
    gaps += _clock_gaps(bundle, zone, commands, cfg)
    # Files that could not be read.
    problems = bundle.problems
    if problems.height:
        first = problems.row(0, named=True)
        gaps.append(Gap(None, None, f"{problems.height} problem(s) reading the collection, first: "
                        f"{first['file']}{':' + str(first['line']) if first['line'] else ''}: {first['reason']}", None))
    return result


def _bundle_conf(bundle, source: str) -> str | None:
    """Where the collection's own clp.conf is, for the commands (relative to where the user stands)."""
    confs = bundle._confs  # noqa: SLF001
    if not confs:
        return None
    candidate = Path(source).parent / confs[0][2]  # its source is its path below the input's own name
    return str(candidate) if candidate.is_file() else None


def _types(cfg) -> list[str]:
    return ["type1", "type6"] + (["type5"] if cfg is not None and cfg.mirrors() else [])


def _mirror_servers(cfg) -> set[str]:
    """Servers (lower-case) that run a mirror or hybrid disk, so write mirror statistics."""
    if cfg is None:
        return set()
    mirrors = set(cfg.mirrors())
    out: set[str] = set()
    for group in cfg.groups:
        if any(name in mirrors for _, name in group.resources):
            out |= {s.lower() for s in group.servers}
    return out


_KIND_WORDS = {
    "mirror_stats": "mirror statistics (nmpN.cur)",
    "cluster_stats": "cluster statistics (perf/cluster)",
    "system_stats": "system resource statistics (system.cur)",
    "module_log": "module logs (log/*.log.cur)",
    "alert_log": "alert log (alertlog.alt)",
    "syslog": "system log (messages/syslog)",
    "service_log": "service logs (init_*.start.cur)",
}


def _missing_kind(server: str, kind: str, cfg, commands: Commands) -> Gap:
    words = _KIND_WORDS.get(kind, kind)
    if kind == "mirror_stats":
        what = f"no {words}, though clp.conf has mirror disks ({', '.join(cfg.mirrors())}): collected without type5"
    elif kind == "cluster_stats":
        what = f"no {words}: collected without type6 (or cluster statistics are switched off in the cluster properties)"
    else:
        what = f"no {words}"
    if kind == "system_stats":
        return Gap(server, kind, what, commands.collect([server], statistics_only=True),
                   "copy <install root>/log/system/ from the server")
    ctype = CLPLOGCC_TYPE[kind]
    return Gap(server, kind, what, commands.collect([server], types=[ctype]), Commands.clplogcc(ctype))


def _stamp(t: datetime | None, tz: str) -> str:
    return "-" if t is None else f"{t:%Y-%m-%d %H:%M:%S} {tz}"


def position(row: dict, when: datetime, end: datetime | None) -> str:
    """Where ``when`` falls against one series' span (``end``: the server's last row of any kind).

    ``inside``; ``rotated`` (before the first row of a series that has rotated
    generations: rotation may have dropped it); ``before`` (before the first
    row of a series never rotated: nothing was written yet); ``quiet`` (after
    the last row but before the server's collection ended); ``later`` (after
    everything the server's collection holds: it was made before that time).
    """
    if row["first"] is not None and when < row["first"]:
        return "rotated" if row["rotated"] else "before"
    if row["last"] is not None and when <= row["last"]:
        return "inside"
    return "later" if end is None or when > end else "quiet"


def _at_gaps(cov: pl.DataFrame, when: datetime, tz: str, commands: Commands, cfg) -> list[Gap]:
    if cov.is_empty():
        return [Gap(None, None, f"nothing in the collection has a time, so {_stamp(when, tz)} is not covered",
                    commands.collect(["SERVER"]), Commands.clplogcc("type1"))]
    ends = dict(cov.group_by("server").agg(pl.col("last").max()).iter_rows())
    gaps: list[Gap] = []
    late: dict[str, list[str]] = {}
    for row in cov.iter_rows(named=True):
        if row["kind"] == "service_log":  # written only when a service starts or stops
            continue
        server, kind = row["server"], row["kind"]
        where = position(row, when, ends.get(server))
        if where == "rotated":
            gaps.append(Gap(server, kind,
                            f"{row['series']} ({kind}) starts {_stamp(row['first'], tz)}, after {_stamp(when, tz)}, "
                            "and has rotated generations: rotation may have dropped that time before the collection "
                            "was made; only an earlier collection can still hold it", None))
        elif where == "later":
            late.setdefault(server, []).append(kind)
    for server, kinds in late.items():
        types = sorted({CLPLOGCC_TYPE[k] for k in kinds if k in CLPLOGCC_TYPE})
        gaps.append(Gap(server, None,
                        f"the collection ends {_stamp(ends[server], tz)} (its newest row), before "
                        f"{_stamp(when, tz)}: it was made before that time; collect again",
                        commands.collect([server], types=types),
                        "; ".join(Commands.clplogcc(t) for t in types) or None))
    return gaps


def _clock_gaps(bundle, zone, commands: Commands, cfg) -> list[Gap]:
    from clpkit import events

    tz = zone.name
    gaps = []
    records = host_records(bundle)
    servers = list(bundle.servers)
    if len(servers) > 1:
        try:
            estimate = events.estimate_offsets(bundle, tz=tz)
            measured = {r["server"] for r in estimate.summary.iter_rows(named=True) if (r["pairs"] or 0) > 0}
            reference = estimate.reference
        except Exception as exc:  # noqa: BLE001 - the estimate is evidence; its failure is a gap, not a crash
            measured, reference = set(), None
            gaps.append(Gap(None, None, f"the clock offsets could not be estimated ({type(exc).__name__}: {exc})", None))
        if not measured:  # the reference is only a reference when another clock was measured against it
            reference = None
        unmeasured = [s for s in servers
                      if s not in measured and s != reference and "clock_offset_s" not in records.get(s, {})]
        if unmeasured:
            gaps.append(Gap(None, None,
                            f"no clock evidence for {', '.join(unmeasured)}: no event pair measures "
                            "their clocks against another server's, and no clock reading by clpkit collect",
                            commands.collect(unmeasured, types=["type1"]), Commands.clplogcc("type1")))
    zoned = set()
    if "syslog" in bundle.tables():
        syslog = bundle.table("syslog")
        zoned = set(syslog.filter(pl.col("utc_offset").is_not_null())["server"].unique().to_list())
    zoned |= {s for s, r in records.items() if r.get("utc_offset") or r.get("timezone")}
    unzoned = [s for s in servers if s not in zoned]
    if unzoned:
        gaps.append(Gap(None, None,
                        f"no time-zone evidence for {', '.join(unzoned)} (no syslog line with a UTC offset, no zone "
                        f"recorded by clpkit collect): times are read as {tz} only because {_zone_reason(zone)}",
                        commands.collect(unzoned, types=["type1"]), "date +%z; timedatectl"))
    return gaps


def _zone_reason(zone) -> str:
    """Why the servers' times are read in ``zone``, for a gap's text."""
    if zone.assumed:
        return "nothing names the servers' zone and UTC was assumed (give --tz)"
    if zone.kind == "given":
        return "--tz says so"
    return f"{zone.evidence or 'another server'} says so for the collection"


def render(result: Check) -> str:
    """The plain-text report of ``clpkit check-bundle``."""
    tz = result.tz
    lines = [f"collection: {result.bundle}  (times as the servers wrote them, read as {tz})"]
    if result.zone_basis:
        lines.append(f"zone: {result.zone_basis}")
    lines.append(f"servers in the collection: {', '.join(result.servers) or '(none)'}")
    if result.config_servers is not None:
        lines.append(f"servers in clp.conf:       {', '.join(result.config_servers) or '(none)'}")
    for when in result.at:
        lines.append(f"incident time: {_stamp(when, tz)}")
    ends = dict(result.coverage.group_by("server").agg(pl.col("last").max()).iter_rows())
    lines.append("")
    lines.append(f"{'server':<12} {'kind':<14} {'series':<18} {'files':>5} {'rows':>9}  {'first':<28} {'last':<28}" +
                 ("  incident" if result.at else ""))
    for row in result.coverage.iter_rows(named=True):
        mark = ""
        if result.at:
            mark = "  " + ",".join(position(row, t, ends.get(row["server"])) for t in result.at)
        lines.append(f"{row['server']:<12} {row['kind']:<14} {row['series']:<18} {row['files']:>5} {row['rows']:>9}  "
                     f"{_stamp(row['first'], tz):<28} {_stamp(row['last'], tz):<28}{mark}")
    if result.coverage.is_empty():
        lines.append("(no file with times)")
    lines.append("")
    if result.complete:
        lines.append("complete: nothing missing that clpkit can see")
        return "\n".join(lines)
    lines.append(f"INCOMPLETE: {len(result.gaps)} gap(s)")
    for gap in result.gaps:
        where = " ".join(x for x in (gap.server, f"[{gap.kind}]" if gap.kind else None) if x)
        lines.append(f"- {where + ': ' if where else ''}{gap.what}")
        if gap.command:
            lines.append(f"    collect: {gap.command}")
        if gap.by_hand:
            lines.append(f"    on the server by hand: {gap.by_hand}")
        if not gap.command:
            lines.append("    no command can collect it")
    return "\n".join(lines)


__all__ = ["Check", "Gap", "check", "coverage", "render"]

"""The dataset's tables as a Parquet reader sees them, and docs/DATASET.md written from them.

:func:`tables` gives each table's columns in the order DuckDB and polars
read them with hive partitioning (a part's own columns, then the folder
columns ``cluster`` and ``server``), with the polars type, the SQL type
DuckDB reports and what the column means. docs/DATASET.md is
:func:`markdown`'s output (``python -m clpkit.dataset_schema > docs/DATASET.md``);
tests/bundle/test_dataset_doc.py checks it is current and tests/reports/test_fleet.py
that a written dataset has exactly these columns and types, so the document cannot drift.

>>> [c.name for c in tables()["findings"]][-3:]
['duration_s', 'evidence', 'cluster']
>>> sql_type(pl.Datetime("ms", "UTC")), sql_type(pl.List(pl.String))
('TIMESTAMP WITH TIME ZONE', 'VARCHAR[]')
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from clpkit import formats
from clpkit.formats import cluster_stats, mirror_stats, system_stats
from clpkit.ingest import FINDINGS_TABLE, NULL_PARTITION, PROBLEMS_TABLE, STORED_AS, stored_schema

SQL_TYPES = {pl.String: "VARCHAR", pl.Int64: "BIGINT", pl.Int32: "INTEGER", pl.Int8: "TINYINT",
             pl.Float64: "DOUBLE", pl.Boolean: "BOOLEAN"}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: pl.DataType
    meaning: str

    @property
    def sql(self) -> str:
        return sql_type(self.dtype)


def sql_type(dtype: pl.DataType) -> str:
    """The type DuckDB reads a polars-written Parquet column as."""
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMP WITH TIME ZONE" if dtype.time_zone else "TIMESTAMP"
    if isinstance(dtype, pl.List):
        return f"{sql_type(dtype.inner)}[]"
    return SQL_TYPES[dtype.base_type()]


#: Columns every table (or every parsed table) has.
COMMON = {
    "cluster": "the cluster's name from clp.conf (`<cluster><name>`); from the folder `cluster=<name>`, "
               f"null (`{NULL_PARTITION}`) when no clp.conf named it",
    "server": "the server the file came from (folder or archive name, or `--server`); from the folder `server=<name>`",
    "source": "the file below the input's own name (`sv1.tar.gz/perf/disk/nmp1.cur`; `…!<member>` inside an archive)",
    "line": "1-based line of the row in that file",
    "raw": "the line's text when it could not be parsed (null otherwise)",
    "problem": "why the line could not be parsed (null otherwise)",
}

TIMES = "server's local clock as written, no zone"

MEANINGS: dict[str, dict[str, str]] = {
    "cluster_stats": {
        "date": f"when the row was written ({TIMES})",
        "category": "`group`, `resource` or `monitor` (from the folder, else the file name)",
        "type": "the file's stem: `group`, `exec`, `fip`, `genw`…",
        "start_time": f"when the action began ({TIMES})",
        "end_time": f"when it ended ({TIMES})",
    },
    "mirror_stats": {"time": f"sample time ({TIMES})", "mirror": "`nmpN`, from the file name (`/dev/NMP1` → `nmp1.cur`)"},
    "system_stats": {"time": f"sample time ({TIMES})"},
    "module_log": {
        "time": f"entry time ({TIMES})", "level": "INFO, WARNING, ERROR…", "pid": "process id", "tid": "thread id",
        "module": "module name from the file name (`rc`, `nm`, `pm`…)", "stream": "`log` or `err` (file name)",
        "text": "the entry's text", "continues": "lines of the entry after its first (continuation lines joined)",
        "archive": "emergency archive the log came from (null for a loose log)",
        "archive_module": "that archive's module (`rc` of `elog_rc0.tar.gz`)",
        "archive_generation": "that archive's generation (0 of `elog_rc0.tar.gz`)",
    },
    "service_log": {
        "time": f"entry time ({TIMES})", "level": "INFO, WARNING, ERROR…", "pid": "process id", "tid": "thread id",
        "service": "the init/systemd service (`clusterpro_evt`…)", "svc": "short name in the file name (`evt`)",
        "phase": "`start` or `stop` (file name)", "text": "the entry's text",
        "continues": "lines of the entry after its first",
    },
    "elog": {
        "archive": "the emergency archive's file name", "archive_module": "its module (`rc`, `pm`, `rm`)",
        "archive_generation": "its generation (the digit in the name)", "member": "member path inside the archive",
        "type": "member type (`file`, `dir`, `link`…)", "size": "member size in bytes",
        "mtime": "member modification time (tar header epoch as naive UTC)",
    },
    "alert_log": {
        "seq": "the alert's sequence number (null when missing)", "time": f"first time on the line ({TIMES})",
        "logged": f"second time on the line ({TIMES})", "host": "server the alert came from",
        "module": "module that raised it (`rc`, `nm`…)", "event_id": "event id", "level": "INFO, WARNING, ERROR",
        "message": "the alert text",
    },
    "syslog": {
        "time": f"message time ({TIMES} unless `utc_offset` is set)",
        "utc_offset": "minutes east of UTC when the line wrote an offset (RFC 3339/5424), else null",
        "host": "host field of the line", "ident": "`clusterpro` or `expresscls`", "pid": "process id (optional)",
        "module": "CLUSTERPRO module named in the message", "event_id": "event id in the message",
        "message": "the message text", "year_from": "where a year-less line's year came from (`file`, `name`, `mtime`, `now`)",
    },
    "clp_conf": {"path": "element path (`/root/resource/md@md1/parameters/nmppath`)", "value": "the element's text"},
    "clpstat": {
        "report": "1, 2, … for several reports in one file", "kind": "`status` or `groupmap`",
        "file_cluster": "the cluster name the command printed (the bundle's `cluster` column, renamed: it would clash with the folder's)",
        "section": "report section (`server`, `group`, `monitor`, `heartbeat`…)", "parent": "entry a nested line belongs to",
        "name": "entry name", "status": "its status (Online, Offline, Normal…; the map's mark)",
        "comment": "the entry's comment", "local": "true on the entry marked `*` (the server clpstat ran on)",
    },
    "clpmdstat": {
        "mirror": "mirror disk resource", "field": "field label (`Mirror Color`, `Lastupdate Time`…)",
        "host": "server the value is about", "position": "1 or 2: the value's column", "value": "the value as printed",
    },
    PROBLEMS_TABLE: {
        "file": "file (or archive member) the problem is about",
        "line": "1-based line, null when the problem is about the whole file",
        "reason": "what went wrong, in one line",
    },
    FINDINGS_TABLE: {
        "time": "when it happened (true UTC, each server's clock corrected)",
        "server": "server it is about (null for the cluster)",
        "severity": "`critical`, `error`, `warning` or `info`", "code": "stable finding code (`failover`, `monitor.near_timeout`…)",
        "title": "one-line summary (English)", "detail": "what the rows show (English)",
        "group": "failover group", "resource": "resource", "monitor": "monitor resource",
        "duration_s": "duration in seconds (a failover's stop-to-start time…)", "evidence": "`file:line` of every row it was drawn from",
    },
}

DESCRIPTIONS = {
    PROBLEMS_TABLE: "Everything that could not be read: refused archive members, unreadable files, rejected lines "
                    "(`bundle.parquet` of a server: problems met while opening the input).",
    FINDINGS_TABLE: "What went wrong, per cluster (`clpkit findings`), written by `clpkit ingest` unless "
                    "`--no-findings`; one file per cluster, `findings/cluster=<name>/findings.parquet` (no server folder: "
                    "`server` is a column, null for cluster-wide findings).",
}


def _field_meanings(module) -> dict[str, str]:
    """Statistics columns: the CLUSTERPRO field each is read from (SPEC 3.2-3.4)."""
    return {f.name: f"CLUSTERPRO field `{f.headers[0]}`" for f in module.FIELDS if f.headers and f.headers[0]}


def _meaning(table: str, column: str) -> str:
    own = MEANINGS.get(table, {})
    if column in own:
        return own[column]
    for module in (mirror_stats, system_stats, cluster_stats):
        if table == module.KIND and column in (fields := _field_meanings(module)):
            return fields[column]
    if column in COMMON:
        return COMMON[column]
    raise KeyError(f"{table}.{column}: no meaning written in clpkit.dataset_schema.MEANINGS")


def tables() -> dict[str, list[Column]]:
    """Every table's columns as read with hive partitioning, in reading order."""
    from clpkit.findings import FINDINGS_SCHEMA
    from clpkit.problems import PROBLEMS_SCHEMA

    hive = {"cluster": pl.String, "server": pl.String}
    schemas = {spec.kind: {**stored_schema(spec.kind), **hive} for spec in formats.REGISTRY}
    schemas[PROBLEMS_TABLE] = {**{c: t for c, t in PROBLEMS_SCHEMA.items() if c != "server"}, **hive}
    schemas[FINDINGS_TABLE] = {**FINDINGS_SCHEMA, "cluster": pl.String}
    return {table: [Column(c, t, _meaning(table, c)) for c, t in schema.items()] for table, schema in schemas.items()}


INTRO = f"""# The Parquet dataset (`clpkit ingest`)

Generated by `python -m clpkit.dataset_schema > docs/DATASET.md` from the
code that writes the dataset; tests/bundle/test_dataset_doc.py fails when
this file is not current, tests/reports/test_fleet.py when a written dataset
(two sample clusters, read by DuckDB) has other columns or types.

## Layout

```
DATASET/
  _clpkit_manifest.json                              what was parsed: files, fingerprints, parts, rows
  <table>/cluster=<cluster>/server=<server>/part-<id>.parquet     one part per file of the collection
  problems/cluster=<cluster>/server=<server>/part-<id>.parquet    that file's problems
  problems/cluster=<cluster>/server=<server>/bundle.parquet       problems met opening the input
  findings/cluster=<cluster>/findings.parquet                     the cluster's findings
```

- Hive partitioning: `cluster` and `server` are folder names only
  (percent-encoded, `{NULL_PARTITION}` for null), never columns of a part.
  `cluster` is the `<cluster><name>` of the input's clp.conf; servers of
  the same name in different clusters are different rows.
- Every part of a table has the same columns in the same order (a column
  some file lacks is null there), so readers need no schema merging. A
  statistics file with columns clpkit does not know adds them after the
  known ones, in every part of that table.
- Times of the log and statistics tables are the servers' local wall clock
  as written (no zone, not corrected); `findings.time` is true UTC.
- A table's own column named like a partition column is stored renamed
  ({", ".join(f"`{a}` → `{b}`" for a, b in STORED_AS.items())}, clpstat's).
- The manifest starts with an underscore so that Spark skips it; readers
  never need it.

## Reading it

```python
import polars as pl
pl.scan_parquet("DATASET/mirror_stats", hive_partitioning=True)
```
```sql
-- DuckDB
SELECT cluster, server, count(*)
FROM read_parquet('DATASET/mirror_stats/**/*.parquet', hive_partitioning = true)
GROUP BY ALL;
```
```python
# Spark
spark.read.parquet("DATASET/mirror_stats")   # discovers cluster= and server= itself
```

`clpkit fleet DATASET --out DIR` renders the fleet page from these tables
with DuckDB (`clpkit.fleet`).

## Tables
"""


def markdown() -> str:
    """docs/DATASET.md."""
    out = [INTRO]
    for table, columns in tables().items():
        description = DESCRIPTIONS.get(table) or formats.by_kind(table).description
        out.append(f"### `{table}`\n\n{description}\n\n| column | SQL type (DuckDB) | polars type | meaning |\n|---|---|---|---|")
        out += [f"| `{c.name}` | {c.sql} | {c.dtype} | {c.meaning} |" for c in columns]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(), end="")

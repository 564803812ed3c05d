"""``clpkit ingest BUNDLE --out DIR``: a collection as a Parquet dataset, updated in place."""

from __future__ import annotations

import json
from pathlib import Path

import click

from clpkit.archive import Limits
from clpkit.cli._bundle import opened
from clpkit.cli._group import main
from clpkit.cli._signals import exit_cleanly_on_sigterm
from clpkit.ingest import ingest as write_dataset
from clpkit.ingest import locked, open_inputs, origin_of
from clpkit.problems import ClpkitError


@main.command()
@click.argument("bundle", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False), help="Dataset folder.")
@click.option(
    "--server",
    "renames",
    multiple=True,
    metavar="FOUND=NAME",
    help="Rename a server (a folder/archive name or an input path); repeatable.",
)
@click.option("--max-bytes", type=int, default=Limits.max_total_bytes, show_default=True, help="Cap on what one archive may inflate.")
@click.option("--max-members", type=int, default=Limits.max_members, show_default=True, help="Cap on the members of one archive.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("--prune", is_flag=True,
              help="Remove the servers and clusters already in --out that this input does not hold (kept by default).")
@click.option("--findings/--no-findings", default=True, show_default=True,
              help="Also write each ingested cluster's findings (the findings table, read by clpkit fleet).")
def ingest(bundle: tuple[Path, ...], out: Path, renames: tuple[str, ...], max_bytes: int, max_members: int, progress,
           prune: bool, findings: bool) -> None:
    """Write one Parquet dataset per table of BUNDLE into --out, hive-partitioned by cluster and server.

    Each BUNDLE is a folder of server folders or archives, one server's collection
    (folder or .tar.gz/.tgz/.tar/.zip), or an install root. The cluster is the
    name in its clp.conf: BUNDLEs of one cluster (one archive per server) are
    merged by server, and two of them holding the same server name are refused;
    other clusters get their own partition (a fleet, see clpkit fleet).
    Running it again re-parses only the files that changed; servers and
    clusters already in --out that this input lacks are kept (one collection
    per server or cluster can be ingested in turn) unless --prune. One ingest
    per --out at a time. Prints a JSON summary on stdout (rows per table, per
    cluster); exits 0 even when some files or rows had problems (see the
    `problems` table), 2 when a bundle cannot be opened. docs/DATASET.md
    describes the layout and every table's columns.
    """
    servers = {}
    for item in renames:
        found, sep, name = item.partition("=")
        if not sep or not found or not name:
            raise ClpkitError(f"--server {item!r}: expected FOUND=NAME")
        servers[found] = name
    inputs = [str(p) for p in bundle]
    exit_cleanly_on_sigterm()
    try:
        with locked(out), open_inputs(inputs, servers=servers or None, opener=opened,
                                      limits=Limits(max_total_bytes=max_bytes, max_members=max_members)) as groups:
            collections = [b for _, bundles in groups for b in bundles]
            for collection in collections:
                if not collection.entries():
                    raise ClpkitError(f"{origin_of(collection)}: no CLUSTERPRO file found")
            summary = write_dataset(collections, out, progress=progress, prune=prune, findings=findings)
    except OSError as exc:  # a full disk, a read-only --out: the dataset keeps its complete parts
        raise ClpkitError(f"{exc.filename or out}: cannot write the dataset: {exc.strerror or exc}") from None
    click.echo(json.dumps(summary))

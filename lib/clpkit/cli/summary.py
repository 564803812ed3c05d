"""``clpkit summary BUNDLE``: min, average, max and time of max of every statistic, as pmlogsummary prints."""

from __future__ import annotations

import json
import re

import click
import polars as pl

from clpkit import zone as zones
from clpkit.cli._bundle import opened, tz_option
from clpkit.cli._group import main
from clpkit.cli._output import chosen, output_options, write
from clpkit.problems import ClpkitError


@main.command("summary")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--since", help="Window start, ISO time (in the servers' zone unless it has an offset).")
@click.option("--until", help="Window end (excluded), ISO time.")
@click.option("--metric", "pattern", metavar="REGEX",
              help="Only metrics whose name matches REGEX, e.g. 'cpu|memory' or '^mirror.sync_ack'.")
@click.option("--server", "servers", multiple=True, metavar="NAME", help="Only this server's instances (repeatable).")
@output_options(json_help="Print a JSON object: the zone, then one entry per metric and instance.")
@tz_option
def summary_command(bundle: str, since: str | None, until: str | None, pattern: str | None, servers: tuple[str, ...],
                    as_csv: bool, as_plain: bool, as_json: bool, tz: str | None) -> None:
    """Per metric and instance of BUNDLE's statistics: samples, minimum, average, maximum, time of the maximum.

    Instances are the server (system statistics), server:mirror (mirror
    statistics) and server:name (elapsed time of each group, resource and
    monitor). Times are the servers' local time, printed with their zone.
    """
    from clpkit.metrics import summary

    fmt = chosen(as_csv, as_plain, as_json)
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ClpkitError(f"--metric {pattern!r}: not a regular expression ({exc})") from None
    with opened(bundle, tz=tz) as b:
        zone = b.zone
        lo, hi = zones.local_bound(since, zone, "--since"), zones.local_bound(until, zone, "--until")
        table = summary(b, lo, hi)
    if pattern:
        table = table.filter(pl.col("metric").str.contains(pattern))
    if servers:
        table = table.filter(pl.col("instance").str.split(":").list.first().is_in(list(servers)))
    shown = table.with_columns(
        pl.col("time_of_max").map_elements(lambda v: zones.show(v, zone), return_dtype=pl.String),
        pl.col("min", "avg", "max").round(3),
    )
    if fmt == "json":
        click.echo(json.dumps({"zone": zone.name, "zone_basis": zone.basis, "since": since or "", "until": until or "",
                               "metrics": shown.to_dicts()}, ensure_ascii=False))
        return
    if fmt in ("csv", "plain"):
        click.echo(zone.describe(), err=True)
        write(shown, fmt)
        return
    click.echo(zone.describe())
    click.echo(f"window: {since or 'start of data'} – {until or 'end of data'}")
    write(shown, "table", table_rows=-1)
    click.echo(f"{shown.height} metric instance(s)")

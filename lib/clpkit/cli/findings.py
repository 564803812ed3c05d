"""``clpkit findings BUNDLE``: what went wrong in a log collection, with evidence."""

from __future__ import annotations

import json

import click
import polars as pl

from clpkit import zone as zones
from clpkit.cli._bundle import dataset_option, opened, tz_option
from clpkit.cli._group import main
from clpkit.cli.events import parse_offsets


@main.command("findings")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON array (times with their offset).")
@tz_option
@dataset_option
@click.option("--since", help="Only findings at or after this ISO time (in the servers' zone unless it has an offset).")
@click.option("--until", help="Only findings before this ISO time (in the servers' zone unless it has an offset).")
@click.option("--offset", "offsets", multiple=True, metavar="SERVER=SECONDS",
              help="A server's clock lead over the reference; replaces the estimate (repeatable).")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of titles and details.")
def findings_command(bundle: str, as_json: bool, tz: str | None, dataset: str | None, since: str | None,
                     until: str | None, offsets: tuple[str, ...], lang: str) -> None:
    """Failovers, failures, stalls, server downs, mirror breaks, startup gaps and settings near their limits in BUNDLE."""
    from clpkit.findings import findings

    with opened(bundle, tz=tz, dataset=dataset) as b:
        zone = b.zone
        found = zones.in_zone(findings(b, offsets=parse_offsets(offsets), lang=lang, since=since, until=until), zone)
    if as_json:
        rows = found.with_columns(zones.iso_expr("time", found.schema["time"])).to_dicts()
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    click.echo(zone.describe())
    if found.is_empty():
        click.echo("no findings")
        return
    for row in found.iter_rows(named=True):
        click.echo(f"{zones.show(row['time'], zone):<25} {row['severity']:<8} {row['server'] or '-':<6} {row['title']}")
        click.echo(f"    {row['detail']}")
        click.echo(f"    evidence: {', '.join(row['evidence'][:4])}{' …' if len(row['evidence']) > 4 else ''}")

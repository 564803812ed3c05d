"""``clpkit findings BUNDLE``: what went wrong in a log collection, with evidence."""

from __future__ import annotations

import json

import click
import polars as pl

from clpkit.cli._group import main
from clpkit.cli.events import parse_offsets


@main.command("findings")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as a JSON array.")
@click.option("--tz", default="UTC", show_default=True, help="Time zone the servers' clocks run on (IANA name).")
@click.option("--offset", "offsets", multiple=True, metavar="SERVER=SECONDS",
              help="A server's clock lead over the reference; replaces the estimate (repeatable).")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of titles and details.")
def findings_command(bundle: str, as_json: bool, tz: str, offsets: tuple[str, ...], lang: str) -> None:
    """Failovers, failures, stalls, server downs, mirror breaks and startup gaps in BUNDLE."""
    from clpkit.bundle import open_bundle
    from clpkit.findings import findings

    with open_bundle(bundle) as b:
        found = findings(b, offsets=parse_offsets(offsets), tz=tz, lang=lang)
    if as_json:
        rows = found.with_columns(pl.col("time").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")).to_dicts()
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if found.is_empty():
        click.echo("no findings")
        return
    for row in found.iter_rows(named=True):
        click.echo(f"{row['time']:%Y-%m-%d %H:%M:%S} {row['severity']:<8} {row['server'] or '-':<6} {row['title']}")
        click.echo(f"    {row['detail']}")
        click.echo(f"    evidence: {', '.join(row['evidence'][:4])}{' …' if len(row['evidence']) > 4 else ''}")

"""``clpkit check-bundle BUNDLE [--at TIME]``: is this collection enough to answer the question?"""

from __future__ import annotations

import json
import sys

import click

from clpkit.cli._bundle import tz_option
from clpkit.cli._group import main


@main.command("check-bundle")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--at", "at", multiple=True, metavar="TIME",
              help="Incident time (ISO; in the servers' zone unless it has an offset): is it inside every span? "
                   "Repeatable.")
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False),
              help="The cluster's clp.conf (default: the one in the collection).")
@tz_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def check_bundle(bundle: str, at: tuple[str, ...], config: str | None, tz: str | None, as_json: bool) -> None:
    """Say what BUNDLE lacks (servers, kinds, time spans, statistics types, clock and zone evidence)
    and the exact command that collects each gap.

    Exit status: 0 when nothing is missing, 1 when something is, 2 when the
    collection cannot be opened.
    """
    from clpkit import zone as zones
    from clpkit.bundle import open_bundle
    from clpkit.completeness import check, render

    # The one time model: --tz, else the zone the collection shows, else UTC said aloud.
    # Unreadable files are not echoed on stderr here: the check lists them as a gap.
    if tz:
        zones.check(tz)
    with open_bundle(bundle, tz=tz or None) as opened:
        zone = opened.zone
        times = [zones.local_bound(t, zone, "--at") for t in at]
        result = check(opened, source=bundle, config_path=config, at=times)
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if as_json else render(result))
    if not result.complete:
        click.echo(f"clpkit check-bundle: {bundle}: incomplete ({len(result.gaps)} gap(s))", err=True)
        sys.exit(1)

"""``clpkit explain BUNDLE``: why each incident happened, as a causal chain tied to clp.conf."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import click

from clpkit import clock
from clpkit import zone as zones
from clpkit.cli._bundle import opened, tz_option
from clpkit.cli._group import main
from clpkit.cli.events import parse_offsets


def pick(incidents, at: datetime | None, margin=timedelta(minutes=10)):
    """The incidents that were under way at ``at`` (with a margin), else the nearest one."""
    if at is None or not incidents:
        return incidents
    hits = [i for i in incidents if i.start - margin <= at <= i.end + margin]
    if hits:
        return hits
    return [min(incidents, key=lambda i: min(abs((i.start - at).total_seconds()), abs((i.end - at).total_seconds())))]


@main.command("explain")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--at", "at_text", metavar="TIME", help="Only the incident under way at this ISO time (read in --tz without a zone).")
@click.option("--json", "as_json", is_flag=True, help="Print the incidents as JSON (cause, links, evidence, settings, timing).")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of the explanation.")
@tz_option
@click.option("--clock", "clock_mode", type=click.Choice(clock.CLOCK_MODES), default="estimate", show_default=True,
              help="estimate: correct each server's clock; raw: the times as the servers wrote them.")
@click.option("--offset", "offsets", multiple=True, metavar="SERVER=SECONDS",
              help="A server's clock lead over the reference; replaces the estimate (repeatable).")
def explain_command(bundle: str, at_text: str | None, as_json: bool, lang: str, tz: str | None, clock_mode: str,
                    offsets: tuple[str, ...]) -> None:
    """Each incident in BUNDLE as a causal chain across servers, with evidence and the settings behind it.

    The cause is one word of a documented vocabulary (the names of
    `clpkit samples --list`); "unexplained" when no rule fits.
    """
    from clpkit.explain import explain
    from clpkit.explain import render

    with opened(bundle, tz=tz) as b:
        zone = b.zone
        at = zones.bound(at_text, zone, "--at")
        incidents, estimate = explain(b, tz=zone.name, clock=clock_mode, offsets=parse_offsets(offsets))
        problems = b.problems.height
    incidents = pick(incidents, at)
    if as_json:
        out = render.to_json(incidents, estimate)
        out["zone"] = {"name": zone.name, "basis": zone.basis, "assumed": zone.assumed}
        out["clock_mode"] = clock_mode
        out["problems"] = problems
        click.echo(json.dumps(out, ensure_ascii=False, indent=1, default=str))
        return
    click.echo(zone.describe(lang))
    if problems:
        click.echo(render.words("problems", lang).format(count=problems))
    if clock_mode == "raw":
        click.echo(render.words("clock_raw", lang))
    click.echo(render.text(incidents, estimate if clock_mode != "raw" else None, lang, zones.tzinfo(zone)))

"""``clpkit explain BUNDLE``: why each incident happened, as a causal chain tied to clp.conf."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import click

from clpkit import clock
from clpkit.cli._group import main
from clpkit.cli.events import parse_offsets
from clpkit.problems import ClpkitError


def _zone(tz: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClpkitError(f"--tz {tz!r}: not a known time zone (e.g. Asia/Tokyo or UTC)") from None


def _at(text: str | None, zone) -> datetime | None:
    """--at: an ISO time; without a zone it is read in --tz."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ClpkitError(f"--at {text!r}: not an ISO time (e.g. 2026-01-01T03:12 or 2026-01-01T03:12+09:00)") from None
    return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(timezone.utc)


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
@click.option("--tz", default="UTC", show_default=True, help="Time zone the servers' clocks run on (IANA name); times print in it.")
@click.option("--clock", "clock_mode", type=click.Choice(clock.CLOCK_MODES), default="estimate", show_default=True,
              help="estimate: correct each server's clock; raw: the times as the servers wrote them.")
@click.option("--offset", "offsets", multiple=True, metavar="SERVER=SECONDS",
              help="A server's clock lead over the reference; replaces the estimate (repeatable).")
def explain_command(bundle: str, at_text: str | None, as_json: bool, lang: str, tz: str, clock_mode: str, offsets: tuple[str, ...]) -> None:
    """Each incident in BUNDLE as a causal chain across servers, with evidence and the settings behind it.

    The cause is one word of a documented vocabulary (the names of
    `clpkit samples --list`); "unexplained" when no rule fits.
    """
    from clpkit.bundle import open_bundle
    from clpkit.explain import explain
    from clpkit.explain import render

    zone = _zone(tz)
    at = _at(at_text, zone)
    with open_bundle(bundle) as b:
        incidents, estimate = explain(b, tz=tz, clock=clock_mode, offsets=parse_offsets(offsets))
        problems = b.problems
    incidents = pick(incidents, at)
    if problems.height:
        click.echo(f"warning: {problems.height} problem(s) reading {bundle}; the explanation may be incomplete "
                   f"(first: {problems['file'][0]}:{problems['line'][0]}: {problems['reason'][0]})", err=True)
    if as_json:
        out = render.to_json(incidents, estimate)
        out["clock_mode"] = clock_mode
        out["problems"] = problems.height
        click.echo(json.dumps(out, ensure_ascii=False, indent=1, default=str))
        return
    if clock_mode == "raw":
        click.echo("clock: raw (times as each server wrote them, no offset applied)")
    click.echo(render.text(incidents, estimate if clock_mode != "raw" else None, lang, zone))

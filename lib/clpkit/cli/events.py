"""``clpkit events BUNDLE``: the merged, clock-corrected event table of a log collection."""

from __future__ import annotations

import json

import click
import polars as pl

from clpkit import clock
from clpkit import events as ev
from clpkit import zone as zones
from clpkit.cli._bundle import opened, tz_option
from clpkit.cli._group import main
from clpkit.problems import ClpkitError


def parse_offsets(items: tuple[str, ...]) -> dict[str, float] | None:
    """`--offset SERVER=SECONDS` values as a dict (None when none were given); shared with `clpkit findings`."""
    if not items:
        return None
    out = {}
    for item in items:
        server, sep, seconds = item.partition("=")
        try:
            out[server] = float(seconds)
        except ValueError:
            sep = ""
        if not sep or not server:
            raise ClpkitError(f"--offset {item!r}: expected SERVER=SECONDS (e.g. sv2=-12.5)")
    return out


@main.command("events")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--since", help="Only events at or after this ISO time (in the servers' zone unless it has an offset).")
@click.option("--until", help="Only events before this ISO time (in the servers' zone unless it has an offset).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: zone, clock offsets with evidence, then the events.")
@tz_option
@click.option("--offset", "offsets", multiple=True, metavar="SERVER=SECONDS",
              help="A server's clock lead over the reference; replaces the estimate (repeatable).")
@click.option("--clock", "clock_mode", type=click.Choice(clock.CLOCK_MODES), default="estimate", show_default=True,
              help="estimate: correct each server's clock; raw: the times as the servers wrote them.")
def events_command(bundle: str, since: str | None, until: str | None, as_json: bool, tz: str | None,
                   offsets: tuple[str, ...], clock_mode: str) -> None:
    """One time-ordered event table for every server of BUNDLE, clocks corrected, times in the servers' zone."""
    given = parse_offsets(offsets)
    with opened(bundle, tz=tz) as b:
        zone = b.zone
        start, end = zones.bound(since, zone, "--since"), zones.bound(until, zone, "--until")
        every = ev.raw_events(b, tz=zone.name, module_log_levels=None)
        estimate, applied = clock.resolve(b, every, offsets=given, mode=clock_mode, tz=zone.name)
        table = ev.apply_offsets(ev.keep_levels(every, ev.MODULE_LOG_LEVELS), applied)
    if start is not None:
        table = table.filter(pl.col("time") >= start)
    if end is not None:
        table = table.filter(pl.col("time") < end)
    table = zones.in_zone(table, zone)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "zone": {"name": zone.name, "basis": zone.basis, "assumed": zone.assumed, "notes": list(zone.notes)},
                    "reference": estimate.reference,
                    "clock": clock_mode,
                    "offsets_applied": applied,
                    "offsets_given": given is not None,
                    "estimate": estimate.summary.to_dicts(),
                    "evidence": _jsonable(estimate.evidence),
                    "events": _jsonable(table),
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(zone.describe())
    if clock_mode == "raw":
        click.echo("clock: raw (times as each server wrote them, no offset applied)")
    else:
        click.echo(estimate.describe() if given is None else f"clock offsets given: {given}")
    shown = table.select(zones.iso_expr("time", table.schema["time"]).str.replace("T", " ").alias("time"),
                         "server", "kind", "module", "event_id", "level", "group", "resource", "message")
    with pl.Config(tbl_rows=200, tbl_cols=9, fmt_str_lengths=80, tbl_width_chars=220, tbl_hide_dataframe_shape=True):
        click.echo(shown)
    click.echo(f"{table.height} event(s)")


def _jsonable(frame: pl.DataFrame) -> list[dict]:
    """Rows as dicts with ISO times (with their offset when the column has a zone)."""
    times = [zones.iso_expr(name, dtype) for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    return frame.with_columns(times).to_dicts()

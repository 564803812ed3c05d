"""``clpkit events BUNDLE``: the merged, clock-corrected event table of a log collection."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import click
import polars as pl

from clpkit import clock
from clpkit import events as ev
from clpkit.cli._group import main
from clpkit.problems import ClpkitError


def _instant(text: str | None, option: str) -> datetime | None:
    """An ISO time; without a zone it is taken as UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ClpkitError(f"{option} {text!r}: not an ISO time (e.g. 2026-11-24T03:00 or 2026-11-24T03:00+09:00)") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


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
@click.option("--since", help="Only events at or after this ISO time (UTC unless it has a zone).")
@click.option("--until", help="Only events before this ISO time (UTC unless it has a zone).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: clock offsets with evidence, then the events.")
@click.option("--tz", default="UTC", show_default=True, help="Time zone the servers' clocks run on (IANA name).")
@click.option("--offset", "offsets", multiple=True, metavar="SERVER=SECONDS",
              help="A server's clock lead over the reference; replaces the estimate (repeatable).")
@click.option("--clock", "clock_mode", type=click.Choice(clock.CLOCK_MODES), default="estimate", show_default=True,
              help="estimate: correct each server's clock; raw: the times as the servers wrote them.")
def events_command(bundle: str, since: str | None, until: str | None, as_json: bool, tz: str, offsets: tuple[str, ...],
                   clock_mode: str) -> None:
    """One time-ordered event table for every server of BUNDLE, clocks corrected."""
    try:
        from clpkit.bundle import open_bundle
    except ImportError:  # pragma: no cover - the bundle module lands from another branch
        raise ClpkitError("clpkit.bundle is not available in this installation") from None
    start, end = _instant(since, "--since"), _instant(until, "--until")
    given = parse_offsets(offsets)
    with open_bundle(bundle) as b:
        every = ev.raw_events(b, tz=tz, module_log_levels=None)
        estimate, applied = clock.resolve(b, every, offsets=given, mode=clock_mode, tz=tz)
        table = ev.apply_offsets(ev.keep_levels(every, ev.MODULE_LOG_LEVELS), applied)
    if start is not None:
        table = table.filter(pl.col("time") >= start)
    if end is not None:
        table = table.filter(pl.col("time") < end)
    if as_json:
        click.echo(
            json.dumps(
                {
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
    if clock_mode == "raw":
        click.echo("clock: raw (times as each server wrote them, no offset applied)")
    else:
        click.echo(estimate.describe() if given is None else f"clock offsets given: {given}")
    with pl.Config(tbl_rows=200, tbl_cols=9, fmt_str_lengths=80, tbl_hide_dataframe_shape=True):
        click.echo(table.select("time", "server", "kind", "module", "event_id", "level", "group", "resource", "message"))
    click.echo(f"{table.height} event(s)")


def _jsonable(frame: pl.DataFrame) -> list[dict]:
    """Rows as dicts with ISO times (with their offset when the column has a zone)."""
    times = [
        pl.col(name).dt.to_string("%Y-%m-%dT%H:%M:%S%.3f" + ("%:z" if dtype.time_zone else ""))
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    return frame.with_columns(times).to_dicts()

"""``clpkit events BUNDLE``: the merged, clock-corrected event table of a log collection."""

from __future__ import annotations

import json

import click
import polars as pl

from clpkit import clock
from clpkit import events as ev
from clpkit import zone as zones
from clpkit.cli._bundle import dataset_option, opened, tz_option
from clpkit.cli._group import main
from clpkit.cli._output import chosen, output_options, write
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


# Levels from the most severe; an event's level word counts as the first of these it starts with.
LEVELS = ("critical", "error", "warning", "info", "debug")
_LEVEL_WORDS = (("crit", 0), ("emerg", 0), ("alert", 0), ("fatal", 0), ("err", 1), ("warn", 2), ("info", 3),
                ("notice", 3), ("debug", 4))
_LEVEL_LETTERS = {"e": 1, "w": 2, "i": 3, "d": 4}


def level_rank() -> pl.Expr:
    """The level as a rank (0 critical … 4 debug; 3 when unknown), from the words the logs use."""
    word = pl.col("level").cast(pl.String).str.to_lowercase().str.strip_chars()
    ranks = [pl.when(word == letter).then(pl.lit(rank, pl.Int8)) for letter, rank in _LEVEL_LETTERS.items()]
    ranks += [pl.when(word.str.starts_with(prefix)).then(pl.lit(rank, pl.Int8)) for prefix, rank in _LEVEL_WORDS]
    return pl.coalesce(*ranks, pl.lit(3, pl.Int8))


@main.command("events")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--since", help="Only events at or after this ISO time (in the servers' zone unless it has an offset).")
@click.option("--until", help="Only events before this ISO time (in the servers' zone unless it has an offset).")
@click.option("--server", "servers", multiple=True, metavar="NAME", help="Only this server's events (repeatable).")
@click.option("--level", type=click.Choice(LEVELS), help="Only events at this level or more severe.")
@click.option("--grep", "pattern", metavar="REGEX", help="Only events whose message matches REGEX (case-insensitive).")
@output_options(json_help="Print one JSON object: zone, clock offsets with evidence, then the events.")
@tz_option
@dataset_option
@click.option("--offset", "offsets", multiple=True, metavar="SERVER=SECONDS",
              help="A server's clock lead over the reference; replaces the estimate (repeatable).")
@click.option("--clock", "clock_mode", type=click.Choice(clock.CLOCK_MODES), default="estimate", show_default=True,
              help="estimate: correct each server's clock; raw: the times as the servers wrote them.")
def events_command(bundle: str, since: str | None, until: str | None, servers: tuple[str, ...], level: str | None,
                   pattern: str | None, as_csv: bool, as_plain: bool, as_json: bool, tz: str | None,
                   dataset: str | None, offsets: tuple[str, ...], clock_mode: str) -> None:
    """One time-ordered event table for every server of BUNDLE, clocks corrected, times in the servers' zone.

    The table (default), --plain (one line per event: time, server, level,
    kind, module, event id, group, resource, monitor, message, file:line) and
    --csv (every column) print the same events; --json adds the clock evidence.
    """
    fmt = chosen(as_csv, as_plain, as_json)
    matcher = _regex(pattern)
    given = parse_offsets(offsets)
    with opened(bundle, tz=tz, dataset=dataset) as b:
        zone = b.zone
        start, end = zones.bound(since, zone, "--since"), zones.bound(until, zone, "--until")
        every = ev.raw_events(b, tz=zone.name, module_log_levels=None)
        estimate, applied = clock.resolve(b, every, offsets=given, mode=clock_mode, tz=zone.name)
        table = ev.apply_offsets(ev.keep_levels(every, ev.MODULE_LOG_LEVELS), applied)
    if start is not None:
        table = table.filter(pl.col("time") >= start)
    if end is not None:
        table = table.filter(pl.col("time") < end)
    table = zones.in_zone(select_events(table, servers, level, matcher), zone)
    if fmt == "json":
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
    # The zone and the clock say how to read the times: on stdout above a table, on stderr beside data formats.
    about = [zone.describe(), "clock: raw (times as each server wrote them, no offset applied)" if clock_mode == "raw"
             else estimate.describe() if given is None else f"clock offsets given: {given}"]
    if fmt == "csv":
        for line in about:
            click.echo(line, err=True)
        write(table, "csv")
        return
    shown = table.select(
        zones.iso_expr("time", table.schema["time"]).str.replace("T", " ").alias("time"),
        "server", "level", "kind", "module", "event_id", "group", "resource", "monitor", "message",
        (pl.col("source") + pl.lit(":") + pl.col("line").cast(pl.String)).alias("source"),
    )
    if fmt == "plain":
        for line in about:
            click.echo(line, err=True)
        write(shown, "plain")
        return
    for line in about:
        click.echo(line)
    write(shown, "table")
    click.echo(f"{table.height} event(s)")


def select_events(table: pl.DataFrame, servers: tuple[str, ...], level: str | None, matcher: str | None) -> pl.DataFrame:
    """The events of ``servers`` (all when empty), at ``level`` or worse, whose message matches."""
    if servers:
        unknown = sorted(set(servers) - set(table["server"].unique().to_list()))
        if unknown and table.height:
            click.echo(f"clpkit: no events of server {', '.join(unknown)}", err=True)
        table = table.filter(pl.col("server").is_in(list(servers)))
    if level:
        table = table.filter(level_rank() <= LEVELS.index(level))
    if matcher:
        table = table.filter(pl.col("message").cast(pl.String).fill_null("").str.contains(matcher))
    return table


def _regex(pattern: str | None) -> str | None:
    """``--grep`` as a case-insensitive polars regex; a bad one is a one-line error."""
    if not pattern:
        return None
    import re

    try:
        re.compile(pattern)
    except re.error as exc:
        raise ClpkitError(f"--grep {pattern!r}: not a regular expression ({exc})") from None
    return f"(?i){pattern}"


def _jsonable(frame: pl.DataFrame) -> list[dict]:
    """Rows as dicts with ISO times (with their offset when the column has a zone)."""
    times = [zones.iso_expr(name, dtype) for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    return frame.with_columns(times).to_dicts()

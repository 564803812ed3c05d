"""``clpkit parse FILE``: one file into a frame, a summary, Parquet or CSV."""

from __future__ import annotations

import json
from pathlib import Path

import click
import polars as pl

from clpkit import formats
from clpkit.cli._group import main
from clpkit.cli._output import chosen, output_options, write
from clpkit.problems import ParseError


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", metavar="KIND",
              help="Format of FILE, one of: " + ", ".join(s.kind for s in formats.REGISTRY)
              + ". Detected from its name when omitted.")
@click.option(
    "--summary",
    is_flag=True,
    help="Print one JSON object: kind, lines, rows, rejected, skipped (and by reason), columns.",
)
@click.option("--out", "out", type=click.Path(path_type=Path), help="Write the frame to FILE.parquet or FILE.csv.")
@output_options()
def parse(file: Path, kind: str | None, summary: bool, out: Path | None, as_csv: bool, as_plain: bool) -> None:
    """Parse one FILE the cluster wrote: a table (default), CSV or plain lines on stdout, or a file with --out."""
    fmt = chosen(as_csv, as_plain)
    if kind:
        try:
            formats.by_kind(kind)
        except KeyError as exc:
            raise ParseError(str(file), exc.args[0]) from None
    parsed = formats.scan_file(file, kind=kind)
    frame = parsed.frame
    if out is not None:
        _write(frame, out)
    if summary:
        spec = formats.by_kind(kind) if kind else formats.detect(file.name)
        result = {
            "kind": spec.kind,
            "lines": parsed.lines,
            "rows": frame.height,
            "rejected": int(frame["raw"].is_not_null().sum()) if "raw" in frame.columns else 0,
            # lines that are neither rows nor rejected (unrelated syslog lines, blank lines, repeated headers)
            "skipped": parsed.skipped_total,
            "skipped_by_reason": parsed.skipped,
            "columns": {name: str(dtype) for name, dtype in frame.schema.items()},
        }
        click.echo(json.dumps(result, ensure_ascii=False))
    elif out is None:
        write(frame, fmt, table_rows=20)


def _write(frame: pl.DataFrame, out: Path) -> None:
    if out.suffix == ".parquet":
        frame.write_parquet(out)
    elif out.suffix == ".csv":
        frame.with_columns(pl.col(pl.List(pl.String)).list.join("|")).write_csv(out)
    else:
        raise ParseError(str(out), "--out must end in .parquet or .csv")

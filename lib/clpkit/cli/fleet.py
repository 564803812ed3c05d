"""``clpkit fleet DATASET --out DIR``: every cluster of a dataset on one page (DuckDB queries)."""

from __future__ import annotations

from pathlib import Path

import click

from clpkit.cli._group import main


@main.command()
@click.argument("dataset", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for fleet.html (self-contained) and the executed notebook.")
@click.option("--since", default="", help="ISO date/time: first moment shown (statistics: the servers' clocks; findings: UTC).")
@click.option("--until", default="", help="ISO date/time: end of the period, excluded.")
@click.option("--lang", default="en", type=click.Choice(["en", "ja"]), help="Language of the page.")
@click.option("--show-code", is_flag=True, help="Keep the notebook's code cells in the page.")
def fleet(dataset: Path, out: Path, since: str, until: str, lang: str, show_code: bool) -> None:
    """Findings, headroom and failovers of every cluster of DATASET side by side.

    DATASET is what `clpkit ingest A B C --out DATASET` wrote (one partition per
    cluster; its findings table too, unless --no-findings). The page runs
    notebooks/fleet.ipynb; its queries run on DuckDB over the Parquet files.
    Prints the page's path.
    """
    from clpkit.cli._signals import exit_cleanly_on_sigterm
    from clpkit.fleet import render

    exit_cleanly_on_sigterm()
    click.echo(str(render(dataset, out, lang=lang, since=since, until=until, show_code=show_code)))

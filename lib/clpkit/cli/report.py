"""``clpkit report BUNDLE --out DIR``: every report of a log collection as offline HTML."""

from __future__ import annotations

from pathlib import Path

import click

from clpkit.cli._bundle import tz_option
from clpkit.cli._group import main
from clpkit.report import NOTEBOOKS


@main.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output folder; each run adds a dated folder and updates OUT/index.html.")
@click.option("--only", "only", multiple=True, type=click.Choice(NOTEBOOKS),
              help="Run only this report (repeatable).")
@click.option("--since", default="", help="ISO date/time: first moment to report on, in the servers' zone unless it has an offset (default: start of data).")
@click.option("--until", default="", help="ISO date/time: end of the period, excluded, in the servers' zone unless it has an offset (default: end of data).")
@tz_option
@click.option("--lang", default="en", type=click.Choice(["en", "ja"]), help="Language of the reports.")
@click.option("--show-code", is_flag=True, help="Keep the notebooks' code cells in the HTML pages.")
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Reports run at the same time (one kernel per job, reused by the next report).")
def report(bundle: Path, out: Path, only: tuple[str, ...], since: str, until: str, tz: str | None, lang: str,
           show_code: bool, jobs: int) -> None:
    """Run the report notebooks on BUNDLE and write offline HTML pages under --out."""
    from clpkit.cli._signals import exit_cleanly_on_sigterm
    from clpkit.report.runner import run_reports

    exit_cleanly_on_sigterm()  # the run's temporary folder and kernels go too

    run_dir = run_reports(bundle, out, only=only, since=since, until=until, lang=lang, show_code=show_code, jobs=jobs,
                          tz=tz or "")
    click.echo(str(run_dir / "index.html"))

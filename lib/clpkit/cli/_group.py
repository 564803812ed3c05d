"""The root click group; subcommand modules attach themselves to it."""

from __future__ import annotations

import sys

import click

from clpkit import __version__
from clpkit.problems import ClpkitError


class _Group(click.Group):
    """Turns every ClpkitError into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ClpkitError as exc:
            click.echo(f"clpkit: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="clpkit")
def main() -> None:
    """Parse, report on and maintain CLUSTERPRO X / EXPRESSCLUSTER X clusters."""

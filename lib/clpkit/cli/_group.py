"""The root click group; subcommand modules attach themselves to it."""

from __future__ import annotations

import importlib
import sys

import click

from clpkit import __version__
from clpkit.problems import ClpkitError


class _Group(click.Group):
    """Turns every ClpkitError into one line on stderr and exit status 2.

    Subcommands are imported when they are run (``lazy``: command name ->
    module that registers it), so that ``clpkit parse`` does not pay for
    importing the report, runbook and sample machinery.
    """

    lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in self.lazy:
            importlib.import_module(self.lazy[name])
        return super().get_command(ctx, name)

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

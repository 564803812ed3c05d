"""What every subcommand that reads a collection shares: ``--tz``, opening, honest stderr.

:func:`opened` opens the collection in the one time model (``--tz``, else
detected, else UTC said aloud: :mod:`clpkit.zone`), refuses a collection
with no CLUSTERPRO file (exit 2) and, on the way out, prints one stderr line
per archive, file or member that could not be read and per file with
rejected lines (:mod:`clpkit.health`), so no command looks healthy on
damaged input.
"""

from __future__ import annotations

from contextlib import contextmanager

import click

TZ_HELP = (
    "Time zone the servers' clocks run on (IANA name such as Asia/Tokyo, or +09:00). "
    "Default: detected from the collection (zone file, syslog offsets), else UTC; the output says which."
)


def tz_option(func):
    """The ``--tz`` option, the same on every command."""
    return click.option("--tz", default=None, help=TZ_HELP)(func)


@contextmanager
def opened(path, *, tz: str | None = None, **options):
    """The open bundle; its incomplete input is reported on stderr when the command ends."""
    from clpkit.bundle import open_bundle
    from clpkit.health import stderr_lines

    with open_bundle(path, tz=tz or None, **options) as bundle:
        try:
            yield bundle
        finally:
            for line in stderr_lines(bundle):
                click.echo(line, err=True)

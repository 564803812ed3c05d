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


DATASET_HELP = (
    "Parquet dataset of the collection (clpkit ingest's layout): brought up to date first (only changed files "
    "are parsed; none when unchanged), then the tables are read from it instead of parsing the collection."
)


def dataset_option(func):
    """The ``--dataset DIR`` option of the commands that read tables (events, findings)."""
    return click.option("--dataset", type=click.Path(file_okay=False), default=None, help=DATASET_HELP)(func)


@contextmanager
def opened(path, *, tz: str | None = None, dataset: str | None = None, **options):
    """The open bundle; its incomplete input is reported on stderr when the command ends.

    With ``dataset`` the collection is ingested into it (incrementally) and
    the bundle returned reads its tables from the dataset
    (:func:`clpkit.dataset.reading`): each command then parses only what
    changed, and holds the Parquet rows it reads instead of every file parsed.
    """
    from clpkit.bundle import open_bundle
    from clpkit.health import stderr_lines

    with open_bundle(path, tz=tz or None, **options) as bundle:
        if dataset:
            from clpkit.dataset import reading
            from clpkit.ingest import ingest

            ingest(bundle, dataset, progress=False)
            bundle = reading(bundle, dataset)
        try:
            yield bundle
        finally:
            for line in stderr_lines(bundle):
                click.echo(line, err=True)
            bundle.close()

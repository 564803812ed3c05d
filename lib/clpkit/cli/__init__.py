"""The ``clpkit`` command. Each subcommand lives in its own module of this package."""

from __future__ import annotations

from clpkit.cli._group import main
from clpkit.cli import parse  # noqa: F401  (registers `clpkit parse`)
from clpkit.cli import ingest  # noqa: F401  (registers `clpkit ingest`)
from clpkit.cli import report  # noqa: F401  (registers `clpkit report`)
from clpkit.cli import config  # noqa: F401  (registers `clpkit config`)
from clpkit.cli import reference  # noqa: F401  (registers `clpkit ports`, `check-host`, `stats-budget`)
from clpkit.cli import samples  # noqa: F401  (registers `clpkit samples`)
from clpkit.cli import events  # noqa: F401  (registers `clpkit events`)
from clpkit.cli import runbook  # noqa: F401  (registers `clpkit runbook`)
from clpkit.cli import findings  # noqa: F401  (registers `clpkit findings`)
from clpkit.cli import explain  # noqa: F401  (registers `clpkit explain`)
from clpkit.cli import check_bundle  # noqa: F401  (registers `clpkit check-bundle`)
from clpkit.cli import redact  # noqa: F401  (registers `clpkit redact`)
from clpkit.cli import collect  # noqa: F401  (registers `clpkit collect`)

from clpkit.cli import summary  # noqa: F401  (registers `clpkit summary`)

__all__ = ["main"]

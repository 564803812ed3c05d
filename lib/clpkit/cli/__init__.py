"""The ``clpkit`` command. Each subcommand lives in its own module of this package.

A module is imported only when one of its commands runs (or for ``--help``):
add a line to :data:`COMMANDS` for each command a new module registers.
"""

from __future__ import annotations

from clpkit.cli._group import main

#: Command name -> the module that registers it.
COMMANDS = {
    "parse": "clpkit.cli.parse",
    "ingest": "clpkit.cli.ingest",
    "report": "clpkit.cli.report",
    "fleet": "clpkit.cli.fleet",
    "config": "clpkit.cli.config",
    "ports": "clpkit.cli.reference",
    "check-host": "clpkit.cli.reference",
    "stats-budget": "clpkit.cli.reference",
    "samples": "clpkit.cli.samples",
    "events": "clpkit.cli.events",
    "runbook": "clpkit.cli.runbook",
    "findings": "clpkit.cli.findings",
    "explain": "clpkit.cli.explain",
    "check-bundle": "clpkit.cli.check_bundle",
    "redact": "clpkit.cli.redact",
    "collect": "clpkit.cli.collect",
    "summary": "clpkit.cli.summary",
}
main.lazy.update(COMMANDS)

__all__ = ["COMMANDS", "main"]

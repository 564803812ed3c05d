"""Helpers for the analysis tests: run the real command in-process, stdout and stderr apart."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "bundle"


class Result:
    def __init__(self, res):
        self.code = res.exit_code
        self.stdout = self.out = res.stdout
        self.err = res.stderr
        self.exception = res.exception if not isinstance(res.exception, SystemExit) else None
        self.trace = "".join(traceback.format_exception(res.exception)) if self.exception else ""


@pytest.fixture
def clpkit_cli():
    """Call ``clpkit ARGS``; the result's ``exception`` is set only for an escaped Python exception."""
    from clpkit.cli import main

    def run(*args: str) -> Result:
        return Result(CliRunner().invoke(main, [str(a) for a in args]))

    return run

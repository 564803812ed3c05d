"""Helpers for the plan tests: a plan as a readable outline to compare with the guide."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def _outline(plan) -> list[str]:
    """One line per step: ``kind hosts: command`` for commands, checks and waits; ``manual Lnnnn`` otherwise."""
    lines = []
    for s in plan.steps:
        if s.kind == "manual":
            lines.append(f"manual {s.guide}")
        else:
            lines.append(f"{s.kind} {','.join(s.hosts)}: {s.command}")
    return lines


@pytest.fixture
def outline():
    """The outline function (a fixture, so that test modules need not import conftest)."""
    return _outline


@pytest.fixture
def clp_conf_bytes() -> bytes:
    return (HERE / "data" / "clp.conf").read_bytes()


@pytest.fixture
def config(clp_conf_bytes):
    """The sample cluster's configuration, parsed by clpkit.config."""
    from clpkit import config as clpconfig

    return clpconfig.load(clp_conf_bytes)

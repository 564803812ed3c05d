"""The six CLUSTERPRO services are listed once (clpkit.reference.services) and every user takes that list."""

from __future__ import annotations

from clpkit.reference import hostcheck, services
from clpkit.runbook.procedures import _common
from clpkit.simulator import clpsim


def test_host_check_and_runbooks_use_the_one_list():
    assert hostcheck.SERVICES is services.START_ORDER
    assert _common.SERVICES is services.START_ORDER


def test_the_simulators_own_copy_matches():
    """clpsim runs under ``python -S`` and cannot import clpkit; its copy must still say the same."""
    assert tuple(clpsim.SERVICES) == services.START_ORDER


def test_host_check_checks_every_service(tmp_path):
    (tmp_path / "etc" / "systemd" / "system").mkdir(parents=True)
    names = [c.name for c in hostcheck.check_services(tmp_path)]
    assert names == [f"service {s}" for s in services.START_ORDER]

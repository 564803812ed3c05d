"""SUSE's ``chkconfig --del --force`` exactly where the guide asks for it, swept over every procedure.

The guide adds ``--force`` on SUSE where clusterpro and clusterpro_md are switched off while the services
that start after them (and need them) stay on (L3518-3520, L4205-4207, L4504-4506, L4854-4856,
L5365-5367). A plan that switches the services off in reverse start order forces none of them, and its
runbook has no ``suse`` parameter to say otherwise."""

from __future__ import annotations

import dataclasses

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook import procedures
from clpkit.runbook.params import coerce, make_plan
from clpkit.reference.services import START_ORDER
from tests.runbook.test_command_safety import variants

NAMES = list(procedures.all_procedures())
#: Parameters that let the variants needing a partner or several servers make a plan.
EXTRA = {"replace-server": {"server": "sv2", "partner": "sv1", "servers": "sv1,sv2,sv3", "resource": "hd1"}}


def has_suse(module) -> bool:
    return any(f.name == "suse" for f in dataclasses.fields(module.Params))


def initd_plans(name):
    """Every variant's plan on init.d, with suse=true where the runbook takes it."""
    module = procedures.get(name)
    extra = {"init": "initd", **({"suse": True} if has_suse(module) else {})}
    for v in variants(module):
        for more in ({}, EXTRA.get(name, {})):
            try:
                yield module.plan(coerce(module.Params, {**v, **more, **extra}), None)
            except ClpkitError:
                continue


def forced_where_a_dependent_stays_on(plan) -> list[tuple[str, str, bool, bool]]:
    """(host, service, forced, a service started after it stays on there) for each chkconfig --del."""
    off: dict[str, set[str]] = {}
    for s in plan.steps:
        if (s.command or "").startswith("chkconfig --del"):
            for h in s.hosts:
                off.setdefault(h, set()).add(s.command.split()[-1])
    out = []
    for s in plan.steps:
        if (s.command or "").startswith("chkconfig --del"):
            svc = s.command.split()[-1]
            later = START_ORDER[START_ORDER.index(svc) + 1:]
            for h in s.hosts:
                out.append((h, svc, "--force" in s.command, any(x not in off[h] for x in later)))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_force_only_where_a_service_that_needs_it_stays_on(name):
    module = procedures.get(name)
    needed = 0
    for plan in initd_plans(name):
        for host, svc, forced, dependent_on in forced_where_a_dependent_stays_on(plan):
            needed += dependent_on
            assert forced == dependent_on, f"{name}: chkconfig --del {svc} on {host}: forced={forced}, dependents on={dependent_on}"
    if has_suse(module):
        assert needed, f"{name} takes suse= but none of its plans disables a service another one needs"


def test_the_runbooks_where_the_guide_asks_for_force_are_the_ones_with_suse():
    assert sorted(n for n in NAMES if has_suse(procedures.get(n))) == ["replace-server", "resize-mirror-partition"]


@pytest.mark.parametrize("name", ["delete-logs", "replace-mirror-disk", "change-ip", "change-hostname"])
def test_suse_on_a_runbook_without_it_is_refused_saying_why(name):
    with pytest.raises(ClpkitError, match=f"{name} has no parameter 'suse': .*needs no --force, on SUSE either"):
        make_plan(name, {"suse": "true", "init": "initd"})

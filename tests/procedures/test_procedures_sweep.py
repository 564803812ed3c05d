"""Every variant of every procedure of this family: discovery, JSON, gates on destructive steps, guide lines."""

from __future__ import annotations

import json
import re

import pytest

from clpkit.runbook import procedures
from clpkit.runbook.plan import Plan

MINE = {
    "replace-server": [{"variant": v} for v in (
        "shared-disk", "mirror-new-disk", "mirror-reuse-disk", "hybrid-new-disk", "hybrid-reuse-disk",
        "hybrid-shared-server")]
    + [
        {"variant": "hybrid-shared-disk", "partner": "sv1", "servers": "sv1,sv2,sv3"},
        {"variant": "mirror-new-disk", "disk_used_before": True, "cluster_partition": "/dev/sdb1"},
    ],
    "change-disk-fs": [{}, {"fs": "xfs", "device": "/dev/sdc1"}],
    "resize-mirror-partition": [
        {"disk": d, "rename": r, "init": i, "resource": "md1" if d == "mirror" else "hd1",
         "fs": "ext4", "data_partition": "/dev/sdb2", **({"disk_hosts": "sv1"} if d == "hybrid" else {})}
        for d in ("mirror", "hybrid") for r in ("no", "yes") for i in ("systemd", "initd")
    ] + [{"initial_mkfs": "on"}, {"initial_mkfs": "off", "fs": "xfs", "data_partition": "/dev/sdb2"}],
    "add-server": [{}, {"mirror": "yes", "hybrid": True}, {"mirror": "no"}],
    "remove-server": [{}, {"mirror": "yes"}, {"mirror": "no"}],
    "change-ip": [{}, {"change": "netmask", "new_ip": "192.168.10.12/25"}, {"init": "initd"}],
    "change-hostname": [{}, {"init": "initd"}],
    "add-resource-online": [{"type": t} for t in ("exec", "disk", "fip", "vip", "volmgr")] + [{"os": "windows"}],
}

CASES = [(name, params) for name, variants in MINE.items() for params in variants]

#: Commands that destroy data or take servers down: the engine gates them.
DESTRUCTIVE = re.compile(r"^(dd |mkfs |clpmdinit --create|clphdinit --create|fdisk|rm |reboot|shutdown|clpstdn)")


def make(name, params):
    module = procedures.get(name)
    return module, module.plan(module.Params(**params))


def test_every_procedure_of_the_family_is_discovered():
    found = procedures.all_procedures()
    assert set(MINE) <= set(found)
    for name in MINE:
        module = found[name]
        assert module.NAME == name
        assert re.fullmatch(r"L\d+-\d+", module.GUIDE)
        assert module.TITLE


def test_default_parameters_make_a_plan():
    for name in MINE:
        module = procedures.get(name)
        plan = module.plan(module.Params())
        assert isinstance(plan, Plan) and plan.steps


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_plan_is_json_and_gates_every_destructive_step(name, params):
    module, plan = make(name, params)
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["runbook"] == name
    assert [s["n"] for s in data["steps"]] == list(range(1, len(plan.steps) + 1))
    for step in plan.steps:
        if step.command and DESTRUCTIVE.match(step.command):
            assert step.destructive, f"{step.command!r} must be gated"
        if step.kind == "manual" and "fdisk" in step.text and "partition" in step.text.lower():
            assert step.destructive, f"fdisk step must be gated: {step.text}"
        if step.kind in ("command", "check", "wait"):
            assert step.command and step.hosts, step
        if step.kind in ("check", "wait"):
            assert step.expect is not None
        if step.kind == "wait":
            assert step.timeout and step.timeout > 0


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_every_step_names_a_line_inside_the_section(name, params):
    module, plan = make(name, params)
    low, high = (int(x) for x in module.GUIDE[1:].split("-"))
    sec_low, sec_high = (int(x) for x in plan.guide_section[1:].split("-"))
    assert low <= sec_low <= sec_high <= high
    for step in plan.steps:
        assert step.guide and re.fullmatch(r"L\d+", step.guide), step
        assert sec_low <= int(step.guide[1:]) <= sec_high, (step.guide, plan.guide_section, step.text)

"""Rules every procedure shares: where server names come from, and the pause before a wait after a reboot."""

from __future__ import annotations

import dataclasses

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook import procedures
from clpkit.runbook.procedures import _common as c
from tests.procedures.test_procedures_sweep import MINE

#: Variants of the first three runbooks, beside the eight of MINE.
FIRST_THREE = {
    "delete-logs": [{}, {"init": "initd"}],
    "suppress-failover": [{"method": m, "action": a} for m in ("timeout", "monitors", "recovery") for a in ("apply", "undo")],
    "replace-mirror-disk": [
        {"layout": layout, "copy": copy, "raid_method": "dd", "cppath": "/dev/sdb1", "dppath": "/dev/sdb2"}
        for layout in ("single", "raid", "both") for copy in ("online", "offline")
    ],
}
CASES = [(name, params) for family in (MINE, FIRST_THREE) for name, variants in family.items() for params in variants]
#: Parameters that name a server of the cluster, by procedure (add-server's server= is the new one).
SERVER_FIELDS = {
    "replace-mirror-disk": ("server", "source"),
    "suppress-failover": ("server",),
    "change-ip": ("server", "console"),
    "change-hostname": ("server", "console"),
    "change-disk-fs": ("server",),
    "remove-server": ("server",),
    "replace-server": ("server",),
    "add-resource-online": ("console",),
}
#: Commands after which the servers go down a little later, not at once.
REBOOTS = ("reboot", "clpstdn -r")


def make(name, params, config=None):
    module = procedures.get(name)
    return module.plan(module.Params(**params), config)


def test_every_procedure_is_covered():
    assert {name for name, _ in CASES} == set(procedures.all_procedures())


# --- server names ---


def test_clp_conf_gives_the_servers_and_checks_the_parameters(config):
    assert c.resolve_servers("sv2", config) == (("sv1", "sv2"), ("Server names come from clp.conf.",))
    with pytest.raises(ClpkitError, match=r"^servers='x1' is not a server of the cluster: clp.conf knows only sv1, sv2$"):
        c.resolve_servers("sv1,x1", config)
    with pytest.raises(ClpkitError, match=r"^source='db9' is not a server of the cluster: clp.conf knows only sv1, sv2$"):
        c.resolve_servers("", config, server="sv1", source="db9")
    assert c.resolve_servers("", config, server="", console="").names == ("sv1", "sv2")  # empty: not given


def test_without_clp_conf_the_parameters_or_the_examples_are_used_unchecked():
    names, notes = c.resolve_servers("a, b")
    assert names == ("a", "b") and len(notes) == 1 and "a, b come from the parameters and were not checked" in notes[0]
    names, notes = c.resolve_servers("", None, ("sv1", "sv2", "sv3"))
    assert names == ("sv1", "sv2", "sv3") and "example servers sv1, sv2, sv3" in notes[0] and "not checked" in notes[0]


@pytest.mark.parametrize("name, params", CASES)
def test_without_clp_conf_every_plan_says_its_names_are_unchecked(name, params):
    plan = make(name, params)
    assert any("not checked against the cluster's configuration" in n for n in plan.notes)


@pytest.mark.parametrize("name", sorted(procedures.all_procedures()))
def test_with_clp_conf_every_plan_refuses_an_unknown_server(name, config):
    module = procedures.get(name)
    fields = {f.name for f in dataclasses.fields(module.Params)}
    tried = 0
    if "servers" in fields:
        known = {"server": "sv2"} if name == "remove-server" else {}  # its default server sv3 is not in clp.conf
        with pytest.raises(ClpkitError, match=r"servers='x9' is not a server of the cluster: clp.conf knows only sv1, sv2"):
            make(name, {**known, "servers": "sv1,x9"}, config)
        tried += 1
    for field in SERVER_FIELDS.get(name, ()):
        with pytest.raises(ClpkitError, match=rf"{field}='x9' is not a server of the cluster: clp.conf knows only sv1, sv2"):
            make(name, {field: "x9"}, config)
        tried += 1
    assert tried, f"{name} takes no server name"


# --- the pause before the first poll after a reboot ---


def follows_reboot(steps, i):
    """Whether a reboot comes before step ``i`` with no other wait in between."""
    for step in reversed(steps[:i]):
        if step.kind == "wait":
            return False
        if step.command in REBOOTS:
            return True
    return False


@pytest.mark.parametrize("name, params", CASES)
def test_a_wait_after_a_reboot_starts_polling_after_the_delay(name, params):
    plan = make(name, params)
    for i, step in enumerate(plan.steps):
        if step.kind != "wait":
            assert step.delay == 0.0
            continue
        want = c.REBOOT_DELAY if follows_reboot(plan.steps, i) else 0.0
        assert step.delay == want, f"step {i + 1} ({step.text})"
        assert plan.to_dict()["steps"][i]["delay"] == want


def test_the_reboot_delay_is_in_the_plans_that_reboot():
    assert c.REBOOT_DELAY == 60.0
    delays = [s.delay for s in make("delete-logs", {}).steps if s.kind == "wait"]
    assert delays == [60.0, 60.0]  # after clpstdn -r, and after the final reboot
    rmd = make("replace-mirror-disk", {})
    assert [(s.command, s.delay) for s in rmd.steps if s.kind == "wait"] == [
        ("clpstat", 60.0), ("clpmdstat --mirror md1", 0.0)]


# --- SUSE's chkconfig --del --force in the first three runbooks too ---


@pytest.mark.parametrize("name, params", [
    ("resize-mirror-partition", {}),
    ("resize-mirror-partition", {"disk": "hybrid", "resource": "hd1", "disk_hosts": "sv1", "fs": "ext4",
                                 "data_partition": "/dev/sdb2"}),
    ("replace-server", {"variant": "hybrid-shared-disk", "server": "sv2", "partner": "sv1", "servers": "sv1,sv2,sv3",
                        "resource": "hd1"}),
])
def test_suse_forces_chkconfig_del_and_only_that(name, params):
    suse = [s.command for s in make(name, {**params, "init": "initd", "suse": True}).steps]
    plain = [s.command for s in make(name, {**params, "init": "initd"}).steps]
    disables = [cmd for cmd in plain if cmd and cmd.startswith("chkconfig --del ")]
    assert disables
    assert suse == [cmd.replace("chkconfig --del ", "chkconfig --del --force ") if cmd else cmd for cmd in plain]


def test_the_checklist_shows_the_delay():
    from clpkit.runbook.render import checklist

    text = checklist(make("delete-logs", {}))
    assert text.count("first poll after 60 s, up to 1800 s)") == 2

"""The plans of the first three runbooks follow the guide's order, variant by variant."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from clpkit import config as clpconfig
from clpkit.problems import ClpkitError
from clpkit.runbook import procedures
from clpkit.runbook.params import make_plan
from clpkit.runbook.procedures import delete_logs, replace_mirror_disk, suppress_failover

ALL_SIX_DISABLE = ["alertsync", "webmgr", "", "md", "trn", "evt"]
START = ["clusterpro_evt", "clusterpro_trn", "clusterpro_md", "clusterpro", "clusterpro_webmgr", "clusterpro_alertsync"]
FOUR = START[2:]


DATA = Path(__file__).parent / "data"


def ClusterConf(fullcopy=1, mkfs=0):
    """The test cluster's clp.conf (sv1, sv2; group app with md1 and hd1), parsed by clpkit.config."""
    text = (DATA / "clp.conf.in").read_text().replace("@FULLCOPY@", str(fullcopy)).replace("@MKFS@", str(mkfs))
    return clpconfig.load(text.encode())


def commands(plan):
    """Each step as 'host1,host2: command', or 'manual' for a manual step."""
    return [f"{','.join(s.hosts)}: {s.command}" if s.command else "manual" for s in plan.steps]


def test_every_procedure_is_discovered_with_its_contract():
    found = procedures.all_procedures()
    for name in ("delete-logs", "suppress-failover", "replace-mirror-disk"):
        module = found[name]
        assert module.GUIDE.startswith("L") and module.TITLE and module.plan(module.Params()).steps


@pytest.mark.parametrize("init, off, on", [
    ("systemd", "systemctl disable", "systemctl enable"),
    ("initd", "chkconfig --del", "chkconfig --add"),
])
def test_delete_logs_in_the_guide_order(init, off, on):
    plan = delete_logs.plan(delete_logs.Params(init=init, servers="a,b"))
    assert commands(plan) == [
        "a: clpstat",
        *[f"a,b: {off} {s}" for s in reversed(START)],
        "a: clpstdn -r",
        "a,b: clpstat",
        "a,b: find /opt/nec/clusterpro/log -mindepth 1 -delete",
        "a,b: find /opt/nec/clusterpro/alert/log -mindepth 1 -type f -delete",
        *[f"a,b: {on} {s}" for s in START],
        "a,b: reboot",
        "a: clpstat",
    ]
    destructive = [s.command for s in plan.steps if s.destructive]
    assert destructive == ["clpstdn -r", "find /opt/nec/clusterpro/log -mindepth 1 -delete",
                           "find /opt/nec/clusterpro/alert/log -mindepth 1 -type f -delete", "reboot"]


def test_delete_logs_takes_the_servers_from_clp_conf():
    plan = delete_logs.plan(delete_logs.Params(), ClusterConf())
    assert plan.cluster == "cluster1" and plan.steps[1].hosts == ("sv1", "sv2")


@pytest.mark.parametrize("method, action, server, expected", [
    ("timeout", "apply", "", ["sv1: clptoratio -r 40 -t 1h", "sv1: clptoratio -s"]),
    ("timeout", "undo", "", ["sv1: clptoratio -i", "sv1: clptoratio -s"]),
    ("monitors", "apply", "", ["sv1,sv2: clpmonctrl -s"]),
    ("monitors", "undo", "", ["sv1,sv2: clpmonctrl -r"]),
    ("monitors", "apply", "sv2", ["sv2: clpmonctrl -s -h sv1", "sv2: clpmonctrl -s -h sv2"]),  # every server (L2416-2442)
    ("monitors", "undo", "sv2", ["sv2: clpmonctrl -r -h sv1", "sv2: clpmonctrl -r -h sv2"]),
    ("recovery", "apply", "", ["manual"]),
    ("recovery", "undo", "", ["manual"]),
])
def test_suppress_failover_variants(method, action, server, expected):
    plan = suppress_failover.plan(suppress_failover.Params(method=method, action=action, server=server))
    assert commands(plan) == ["sv1: clpstat", *expected]
    assert not any(s.destructive for s in plan.steps)
    if method == "recovery":
        assert ("tick" if action == "apply" else "clear") in plan.steps[1].text


def test_suppress_failover_checks_the_ratio_it_set():
    plan = suppress_failover.plan(suppress_failover.Params(ratio=25, duration="30m"))
    assert plan.steps[1].command == "clptoratio -r 25 -t 30m"
    assert plan.steps[2].expect.args == {"text": "present toratio : 25"}
    with pytest.raises(ClpkitError, match="ratio"):
        suppress_failover.plan(suppress_failover.Params(ratio=1))


def _disable(host="sv2"):
    return [f"{host}: systemctl disable {s}" for s in reversed(FOUR)]


def _enable(host="sv2"):
    return [f"{host}: systemctl enable {s}" for s in FOUR]


def test_replace_single_disk_online_copy_starts_by_itself():
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2"), ClusterConf(fullcopy=1))  # group app from clp.conf
    assert commands(plan) == [
        "sv1: clpstat", "sv1: clpstat", "sv1: clpmdstat --mirror md1",
        *_disable(), "sv2: clpdown",
        "manual", "manual", "manual",  # install the disk, boot without CLUSTERPRO, fdisk
        f"sv2: lsblk -no NAME,TYPE,SIZE /dev/sdb1", f"sv2: lsblk -no NAME,TYPE,SIZE /dev/sdb2",
        *_enable(), "sv2: reboot",
        "sv1: clpstat", "sv1: clpmdstat --mirror md1", "sv1: clpstat", "sv1: clpmdstat --mirror md1",
    ]
    assert plan.steps[1].expect.args == {"group": "app", "server": "sv1"}
    assert plan.steps[-3].kind == "wait" and plan.steps[-3].expect.name == "mirror_status"


def test_replace_single_disk_online_with_fullcopy_off_starts_the_copy_by_hand():
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2"), ClusterConf(fullcopy=0))
    cmds = commands(plan)
    assert cmds[cmds.index("sv2: reboot") + 2] == "sv1: clpmdctrl --force sv1 md1"
    assert any("initial mirror construction is off" in s.text for s in plan.steps)


def test_replace_single_disk_offline_stops_and_restarts_the_group():
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2", copy="offline"), ClusterConf())
    assert commands(plan) == [
        "sv1: clpstat", "sv1: clpmdstat --mirror md1",
        *_disable(), "sv2: clpdown", "manual", "manual", "manual", f"sv2: lsblk -no NAME,TYPE,SIZE /dev/sdb1", f"sv2: lsblk -no NAME,TYPE,SIZE /dev/sdb2",
        "sv1: clpgrp -t app", "sv1: clpstat",
        *_enable(), "sv2: reboot", "sv1: clpstat",
        "sv1: clpmdctrl --force sv1 md1", "sv1: clpmdstat --mirror md1",
        "sv1: clpgrp -s app -h sv1", "sv1: clpstat",
        "sv1: clpstat", "sv1: clpmdstat --mirror md1",
    ]


def test_replace_single_reused_disk_clears_its_cluster_partition():
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2", reuse=True), ClusterConf())
    cmds = commands(plan)
    assert cmds.index("sv2: dd if=/dev/zero of=/dev/sdb1") == cmds.index("sv2: lsblk -no NAME,TYPE,SIZE /dev/sdb1") + 2


@pytest.mark.parametrize("disk", ["mirror", "hybrid"])
def test_replace_raid_mkinit(disk):
    md, res = ("md", "md1") if disk == "mirror" else ("hd", "hd1")
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2", layout="raid", disk=disk, resource=res), ClusterConf(mkfs=1))
    cmds = commands(plan)
    hybrid = ["manual"] if disk == "hybrid" else []
    devices = ["/dev/sdb1", "/dev/sdb2"] if disk == "mirror" else ["/dev/sdc1", "/dev/sdc2"]
    assert cmds == [
        "sv1: clpstat", "sv1: clpstat", f"sv1: clp{md}stat --mirror {res}",
        *_disable(), *hybrid, "sv2: clpdown",
        "manual", "manual", "manual", "manual",  # install, RAID rebuild, OS boot, fdisk if the LUN is empty
        *(f"sv2: lsblk -no NAME,TYPE,SIZE {d}" for d in devices),
        *hybrid,  # the file system on a new shared-storage LUN, from one server (L2762)
        f"sv2: clp{md}init --create force {res}",
        *_enable(), "sv2: reboot",
        "sv1: clpstat", f"sv1: clp{md}stat --mirror {res}", "sv1: clpstat", f"sv1: clp{md}stat --mirror {res}",
    ]
    checked = [s.command.rsplit(" ", 1)[1] for s in plan.steps if (s.command or "").startswith("lsblk")]
    assert checked == devices
    init = next(s for s in plan.steps if s.command and "init --create" in s.command)
    assert init.destructive
    assert ("erases the data partition" in init.text) == (disk == "mirror")  # initial mkfs applies to mirror disks


def test_replace_raid_dd_zeroes_then_quick_init():
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2", layout="raid", raid_method="dd", copy="offline"), ClusterConf())
    cmds = commands(plan)
    i = cmds.index("sv2: dd if=/dev/zero of=/dev/sdb1")
    assert cmds[i + 1] == "sv2: clpmdinit --create quick md1"
    assert cmds[i + 2:i + 4] == ["sv1: clpgrp -t app", "sv1: clpstat"]
    dd = plan.steps[i]
    assert dd.destructive and dd.expect.args == {"text": "No space left on device"}


def test_replace_raid_dd_needs_the_cluster_partition():
    with pytest.raises(ClpkitError, match="cppath"):
        replace_mirror_disk.plan(replace_mirror_disk.Params(layout="raid", raid_method="dd"))


@pytest.mark.parametrize("fullcopy, mkfs", [(1, 1), (0, 0)])
def test_replace_both_disks(fullcopy, mkfs):
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2", layout="both"), ClusterConf(fullcopy=fullcopy, mkfs=mkfs))
    pair = "sv1,sv2"
    expected = [
        "sv1: clpstat", "manual",  # backup
        *[f"{pair}: systemctl disable {s}" for s in reversed(FOUR)], "sv1: clpstdn",
        "manual", "manual", "manual", f"{pair}: lsblk -no NAME,TYPE,SIZE /dev/sdb1", f"{pair}: lsblk -no NAME,TYPE,SIZE /dev/sdb2",
        # no mkfs on the copy source of a mirror: the copy brings the file system (issue 13, 9)
        *[f"{pair}: systemctl enable {s}" for s in FOUR], f"{pair}: reboot", "sv1: clpstat",
        *(["sv1: clpmdctrl --force sv1 md1"] if fullcopy == 0 else []),
        "sv1: clpmdstat --mirror md1", "manual", "sv1: clpmdstat --mirror md1",
    ]
    assert commands(plan) == expected
    assert any("around L3050" in n and "dependency order" in n for n in plan.notes)


DESTRUCTIVE_PREFIXES = ("dd ", "mkfs", "clpmdinit", "clphdinit", "fdisk /", "find ", "rm ", "reboot", "clpstdn", "clpdown",
                        "shutdown", "clpmdctrl --force", "clphdctrl --force", "clpgrp -t")
VARIANTS = list(itertools.product(["mirror", "hybrid"], ["single", "raid", "both"], ["online", "offline"],
                                  ["systemd", "initd"], ["mkinit", "dd"], [0, 1], [0, 1]))


@pytest.mark.parametrize("disk, layout, copy, init, raid_method, fullcopy, mkfs", VARIANTS)
def test_every_replace_variant_keeps_the_guide_invariants(disk, layout, copy, init, raid_method, fullcopy, mkfs):
    plan = replace_mirror_disk.plan(
        replace_mirror_disk.Params(server="sv2", disk=disk, layout=layout, copy=copy, init=init, raid_method=raid_method,
                                   resource="md1" if disk == "mirror" else "hd1"),
        ClusterConf(fullcopy=fullcopy, mkfs=mkfs))
    cmds = [s.command or "" for s in plan.steps]
    # Every destructive command is gated, and nothing else is.
    for s in plan.steps:
        if s.command:
            assert s.destructive == s.command.startswith(DESTRUCTIVE_PREFIXES), s.command
    # Services off in reverse start order before the shutdown, on in start order before the reboot.
    verb_off, verb_on = ("systemctl disable", "systemctl enable") if init == "systemd" else ("chkconfig --del", "chkconfig --add")
    offs = [c.split()[-1] for c in cmds if c.startswith(verb_off)]
    ons = [c.split()[-1] for c in cmds if c.startswith(verb_on)]
    assert offs == list(reversed(FOUR)) and ons == FOUR
    down = next(i for i, c in enumerate(cmds) if c in ("clpdown", "clpstdn"))
    reboot = cmds.index("reboot")
    assert max(i for i, c in enumerate(cmds) if c.startswith(verb_off)) < down < reboot
    assert max(i for i, c in enumerate(cmds) if c.startswith(verb_on)) < reboot
    # Preconditions come first and change nothing; the data is copied only after the reboot.
    first_change = next(i for i, s in enumerate(plan.steps) if s.kind in ("command", "manual"))
    assert first_change >= 1 and all(s.kind == "check" for s in plan.steps[:first_change])
    md = "md" if disk == "mirror" else "hd"
    forced = [i for i, c in enumerate(cmds) if c.startswith(f"clp{md}ctrl --force")]
    manual_copy = (layout != "both" and (copy == "offline" or fullcopy == 0)) or (layout == "both" and fullcopy == 0)
    assert len(forced) == (1 if manual_copy else 0)
    assert all(i > reboot for i in forced)
    assert plan.steps[-1].expect.name == "mirror_status"


def test_no_config_uses_the_default_settings_and_says_so():
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params())
    assert any("assumed the defaults fullcopy=1" in n for n in plan.notes)
    assert not any(s.command and "--force" in s.command for s in plan.steps)


def test_server_and_source_must_differ():
    with pytest.raises(ClpkitError, match="copy source"):
        replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv1", source="sv1"))


def test_bad_choice_names_the_parameter():
    with pytest.raises(ClpkitError, match="layout='mirrored'"):
        make_plan("replace-mirror-disk", {"layout": "mirrored"})
    with pytest.raises(ClpkitError, match="init"):
        make_plan("delete-logs", {"init": "upstart"})


def test_copy_estimate_from_mirror_statistics():
    import polars as pl

    from clpkit.runbook import facts

    frame = pl.DataFrame({"mirror": ["nmp1", "nmp1", "nmp2"], "send_avg": [20.0 * 2**20, 40.0 * 2**20, 1.0]})
    text = facts.copy_estimate(frame, 100 * 2**30, "nmp1")
    assert "about 42 min at the highest" in text and "from 2 samples of nmp1" in text
    assert facts.copy_estimate(frame.filter(pl.col("mirror") == "nmp9"), 1, "nmp9").startswith("no estimate")


@pytest.mark.parametrize("params, message", [
    ({"resource": "md1; rm -rf /"}, "resource='md1; rm -rf /' is not a valid name"),
    ({"cppath": "/dev/sdb1 of=/dev/sda", "layout": "raid", "raid_method": "dd"}, "is not a device path"),
    ({"server": "sv9"}, "server='sv9' is not a server of the cluster"),
    ({"resource": "md7"}, "resource='md7' is not a mirror disk resource of the cluster (clp.conf has: md1)"),
    ({"data_size": "lots", "bundle": "."}, "data_size='lots'"),
])
def test_replace_refuses_unsafe_or_unknown_values(params, message):
    with pytest.raises(ClpkitError, match=message.replace("(", r"\(").replace(")", r"\)")):
        replace_mirror_disk.plan(replace_mirror_disk.Params(**{"server": "sv2", **params}), ClusterConf())


def test_suppress_failover_refuses_a_bad_duration_or_server():
    with pytest.raises(ClpkitError, match="duration='1 hour'"):
        suppress_failover.plan(suppress_failover.Params(duration="1 hour"))
    with pytest.raises(ClpkitError, match="server='sv3' is not a server"):
        suppress_failover.plan(suppress_failover.Params(method="monitors", server="sv3"), ClusterConf())


@pytest.mark.slow
def test_bundle_gives_the_copy_time_of_this_mirror(tmp_path):
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "clpkit", "samples", "--out", str(tmp_path / "bundle"), "--days", "1", "--dir"],
                   check=True, capture_output=True)
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2", bundle=str(tmp_path / "bundle"), data_size="200G"), ClusterConf())
    note = next(n for n in plan.notes if n.startswith("Copy time:"))
    assert "full copy of 200.0 GiB: about" in note and "samples of nmp1" in note
    assert not any(s.command and "--force" in s.command for s in plan.steps)  # the estimate changes no step


@pytest.mark.slow
def test_copy_waits_allow_at_least_three_times_the_estimate(tmp_path):
    import subprocess
    import sys

    from clpkit.runbook import facts

    subprocess.run([sys.executable, "-m", "clpkit", "samples", "--out", str(tmp_path / "bundle"), "--days", "1", "--dir"],
                   check=True, capture_output=True)
    plan = replace_mirror_disk.plan(replace_mirror_disk.Params(server="sv2", bundle=str(tmp_path / "bundle"), data_size="50T"),
                                    ClusterConf())
    waits = [s for s in plan.steps if s.kind == "wait" and "--mirror" in (s.command or "")]
    from clpkit import open_bundle

    with open_bundle(str(tmp_path / "bundle")) as b:
        median = facts.copy_seconds(b.table("mirror_stats"), facts.parse_size("50T"), "nmp1")[1]
    assert waits and all(w.timeout >= 3 * median for w in waits)
    assert median * 3 > 24 * 3600  # 50 TiB: the fixed 24 h would have given up before the copy ends
    assert any(n.startswith("The waits for the copy allow") for n in plan.notes)

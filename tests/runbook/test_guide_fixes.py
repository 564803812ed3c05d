"""The guide discrepancies of issue 13, each pinned to the guide lines it follows."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.conditions import evaluate
from clpkit.runbook.plan import Expect
from clpkit.runbook.procedures import delete_logs, replace_mirror_disk

from .hybrid_conf import hybrid_conf

DISK = "<diskdev><dppath>/dev/sdb2</dppath><cppath>/dev/sdb1</cppath></diskdev>"

THREE = ("sv1", "sv2", "sv3")


def on(plan, prefix):
    return [s.hosts for s in plan.steps if (s.command or "").startswith(prefix)]


def test_hybrid_disk_servers_sharing_the_disk_go_down_and_come_back_with_it():
    """(2) L2534-2546, L2613: every server on the shared storage is switched off, shut down, started again."""
    p = replace_mirror_disk.plan(replace_mirror_disk.Params(disk="hybrid", resource="hd1", server="sv2", source="sv1",
                                                            shared_with="sv3", dppath="/dev/sdc2"))
    assert all(h == ("sv2", "sv3") for h in on(p, "systemctl disable"))
    assert all(h == ("sv2", "sv3") for h in on(p, "systemctl enable"))
    assert on(p, "clpdown") == [("sv2", "sv3")] and on(p, "reboot") == [("sv2", "sv3")]
    # the file system on the shared storage is made once, from one server (L2554-2558)
    assert on(p, "mkfs") == [("sv2",)]
    with pytest.raises(ClpkitError, match="shares the disk of sv2"):
        replace_mirror_disk.plan(replace_mirror_disk.Params(disk="hybrid", resource="hd1", server="sv2", source="sv3",
                                                            shared_with="sv3"))
    with pytest.raises(ClpkitError, match="only applies to disk=hybrid"):
        replace_mirror_disk.plan(replace_mirror_disk.Params(shared_with="sv3"))


def test_replacing_both_disks_brings_every_stopped_server_back(tmp_path):
    """(2) clpstdn stops the whole cluster: every server is disabled, enabled, rebooted and awaited (L2966-3041)."""
    from clpkit import config as clpconfig

    conf = tmp_path / "clp.conf"
    conf.write_text(
        '<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>c1</name></cluster>'
        + "".join(f'<server name="{s}"><priority>{i}</priority></server>' for i, s in enumerate(THREE))
        + '<group name="g"><resource name="md@md1"/></group><resource><md name="md1"><parameters>'
        '<diskdev><dppath>/dev/sdb2</dppath><cppath>/dev/sdb1</cppath></diskdev></parameters></md></resource></root>\n')
    p = replace_mirror_disk.plan(replace_mirror_disk.Params(layout="both", server="sv2", source="sv1"), clpconfig.load(conf))
    assert all(set(h) == set(THREE) for h in on(p, "systemctl"))
    assert [set(h) for h in on(p, "reboot")] == [set(THREE)]
    wait = next(s for s in p.steps if s.kind == "wait" and s.command == "clpstat")
    assert set(wait.expect.args["servers"]) == set(THREE)
    assert not on(p, "mkfs")  # (9) no extra mkfs on the copy source of a mirror


def test_delete_logs_switches_every_server_off_and_deletes_only_where_asked(tmp_path):
    """(6) L460, L482-494, L512: services off/on and the reboot on every server; the deletion where asked."""
    p = delete_logs.plan(delete_logs.Params(servers="sv1,sv2", delete_on="sv2"))
    assert all(h == ("sv1", "sv2") for h in on(p, "systemctl"))
    assert on(p, "find") == [("sv2",), ("sv2",)]
    assert on(p, "reboot") == [("sv1", "sv2")]
    first = p.steps[0]
    assert first.expect == Expect("servers_exactly", {"servers": ["sv1", "sv2"]})
    # a server list that leaves a server of the cluster out is caught before any change
    three = ("   *sv1 ............: Online           sv1\n    sv2 ............: Online           sv2\n"
             "    sv3 ............: Online           sv3\n")
    text = f" ========================  CLUSTER STATUS  ===========================\n  Cluster : c\n  <server>\n{three}"
    assert evaluate(Expect("servers_exactly", {"servers": ["sv1", "sv2"]}), text, 0) == (
        False, "the cluster's servers are not the plan's: also in the cluster: sv3")
    assert evaluate(Expect("servers_exactly", {"servers": list(THREE)}), text, 0).ok


def test_delete_logs_with_clp_conf_refuses_a_partial_server_list(tmp_path):
    from clpkit import config as clpconfig
    from pathlib import Path

    config = clpconfig.load(Path(__file__).resolve().parents[1] / "procedures" / "data" / "clp.conf")
    with pytest.raises(ClpkitError, match="give delete_on= instead"):
        delete_logs.plan(delete_logs.Params(servers="sv1"), config)
    p = delete_logs.plan(delete_logs.Params(delete_on="sv1"), config)
    assert on(p, "find") == [("sv1",), ("sv1",)] and on(p, "reboot") == [("sv1", "sv2")]


def test_the_dd_step_of_replace_server_expects_the_full_partition_and_warns():
    """(5) L2823-2835: dd ends with "No space left on device"; check the device name first."""
    from clpkit.runbook.procedures import replace_server

    p = replace_server.plan(replace_server.Params(variant="mirror-new-disk", disk_used_before=True,
                                                  cluster_partition="/dev/sdb1", servers="sv1,sv2"))
    dd = next(s for s in p.steps if (s.command or "").startswith("dd "))
    assert dd.expect == Expect("output_contains", {"text": "No space left on device"})
    assert "check that the device name is the right one" in dd.text and dd.destructive


def test_a_hybrid_copy_comes_from_the_other_server_group(tmp_path):
    """(8) L3787-3789: the copy source is chosen by server group, not by list position."""
    from clpkit.runbook.procedures import replace_server

    config = hybrid_conf(tmp_path, {"a": ("sv1", "sv2", "sv3"), "b": ("sv4",)}, "<fullcopy>0</fullcopy>")
    p = replace_server.plan(replace_server.Params(variant="hybrid-shared-disk", server="sv2", partner="sv1",
                                                  resource="hd1"), config)
    force = next(s for s in p.steps if (s.command or "").startswith("clphdctrl --force"))
    assert force.hosts == ("sv4",) and force.command == "clphdctrl --force sv4 hd1"  # not sv3, first in the list


def test_shared_disk_variant_is_refused_on_a_mirror_cluster():
    """(9) variant=shared-disk on a cluster whose clp.conf has mirror disks."""
    from clpkit import config as clpconfig
    from pathlib import Path
    from clpkit.runbook.procedures import replace_server

    config = clpconfig.load(Path(__file__).resolve().parents[1] / "procedures" / "data" / "clp.conf")
    with pytest.raises(ClpkitError, match="choose the mirror-\\* or hybrid-\\* variant"):
        replace_server.plan(replace_server.Params(variant="shared-disk", server="sv2"), config)


def test_every_new_shared_storage_of_a_hybrid_disk_gets_its_file_system_from_one_server(tmp_path):
    """(2) L2554-2558, L2762-2766, L3013-3017: partitions and file system from one server per shared storage."""
    config = hybrid_conf(tmp_path, {"a": ("sv1", "sv2"), "b": ("sv3", "sv4")}, f"{DISK}<fs>xfs</fs>")

    def make(layout):
        return replace_mirror_disk.plan(replace_mirror_disk.Params(disk="hybrid", layout=layout, server="sv2", source="sv3"),
                                        config)

    single = make("single")
    assert on(single, "mkfs -t xfs /dev/sdb2") == [("sv2",)]  # not on sv1, which shares the disk
    # both shared storages are new: one mkfs on each, from one server of each server group
    both = make("both")
    assert on(both, "mkfs -t xfs /dev/sdb2") == [("sv3", "sv2")]
    assert all(s.destructive for s in both.steps if (s.command or "").startswith("mkfs"))
    # RAID: the rebuild may keep the LUN; the file system is made only when it was partitioned, from sv2 only
    raid = make("raid")
    fs_step = next(s for s in raid.steps if s.kind == "manual" and "mkfs -t xfs /dev/sdb2" in s.text)
    assert fs_step.hosts == ("sv2",) and fs_step.destructive and fs_step.guide == "L2762"
    init = next(i for i, s in enumerate(raid.steps) if (s.command or "").startswith("clphdinit"))
    assert raid.steps.index(fs_step) < init
    # a mirror disk is never shared: none of this applies
    mirror = replace_mirror_disk.plan(replace_mirror_disk.Params(layout="raid", server="sv2", source="sv1",
                                                                 cppath="/dev/sdb1", dppath="/dev/sdb2"))
    assert not any("mkfs" in s.text for s in mirror.steps if s.kind == "manual")


def test_a_hybrid_copy_source_is_never_a_server_sharing_the_disk(tmp_path):
    """(8) the copy comes from the other server group: a server of the same group is no candidate."""
    config = hybrid_conf(tmp_path, {"a": ("sv1", "sv2"), "b": ("sv3",)}, DISK)
    p = replace_mirror_disk.plan(replace_mirror_disk.Params(disk="hybrid", server="sv2"), config)
    assert p.params["source"] == "sv3"  # the only server of the other group, taken without asking
    with pytest.raises(ClpkitError, match="source='sv1' shares the disk of sv2 \\(one server group in clp.conf\\)"):
        replace_mirror_disk.plan(replace_mirror_disk.Params(disk="hybrid", server="sv2", source="sv1"), config)


@pytest.mark.parametrize("layout", ["single", "raid"])
def test_the_guides_warnings_are_on_the_steps_they_warn_about(layout):
    """(9) L2595-2609/L2863-2877 on the copy wait, L2695/L2952 on the manual copy in (B), L2790 on clpmdinit."""
    for copy in ("online", "offline"):
        p = replace_mirror_disk.plan(replace_mirror_disk.Params(layout=layout, copy=copy, server="sv2", source="sv1"))
        wait = next(s for s in p.steps if s.kind == "wait" and "--mirror" in (s.command or ""))
        assert "The copy time can grow with the space used on the disk" in wait.text
        assert ("the load can be high" in wait.text) == (copy == "online")
        assert ("the group starts only after the copy has ended" in wait.text) == (copy == "offline")
        force = [s for s in p.steps if (s.command or "").startswith("clpmdctrl --force")]
        assert [("without starting the group" in s.text) for s in force] == ([True] if copy == "offline" else [])


def test_mkfs_by_clpmdinit_warns_it_can_take_long_on_a_large_disk(tmp_path):
    from clpkit import config as clpconfig

    conf = tmp_path / "clp.conf"
    texts = {}
    for mkfs in ("0", "1"):
        conf.write_text(
            '<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>c1</name></cluster>'
            '<server name="sv1"><priority>0</priority></server><server name="sv2"><priority>1</priority></server>'
            f'<group name="g"><resource name="md@md1"/></group><resource><md name="md1"><parameters><mkfs>{mkfs}</mkfs>'
            '<diskdev><dppath>/dev/sdb2</dppath><cppath>/dev/sdb1</cppath></diskdev></parameters></md></resource></root>\n')
        p = replace_mirror_disk.plan(replace_mirror_disk.Params(layout="raid", server="sv2"), clpconfig.load(conf))
        texts[mkfs] = next(s.text for s in p.steps if (s.command or "").startswith("clpmdinit --create force"))
    assert "on a large disk mkfs can take a long time" in texts["1"]
    assert "mkfs" not in texts["0"]


@pytest.mark.parametrize("disk, resource", [("mirror", "md1"), ("hybrid", "hd1")])
def test_the_resize_step_warns_that_fdisk_alone_breaks_the_resource(disk, resource):
    """(9) L4158-4162 (mirror), L4775-4779 (hybrid): the warning is on the re-partitioning step itself."""
    from clpkit.runbook.procedures import resize_mirror_partition as rmp

    p = rmp.plan(rmp.Params(disk=disk, resource=resource, fs="ext4", data_partition="/dev/sdb2", initial_mkfs="off",
                            disk_hosts="sv1,sv2" if disk == "hybrid" else ""))
    fdisk = next(s for s in p.steps if s.kind == "manual" and "with fdisk" in s.text)
    assert fdisk.destructive and "changing the partitions alone (fdisk and nothing else) leaves the resource unable to work" in fdisk.text


@pytest.mark.parametrize("name, params", [
    ("change-ip", {"server": "sv2", "new_ip": "192.168.10.99"}),
    ("change-hostname", {"server": "sv2", "new_name": "sv9"}),
])
def test_address_and_name_changes_switch_the_four_services_and_say_so(name, params):
    """(3) L2502-2530: the daemon's disable is four services on every server; the plan's note says the same."""
    from clpkit.runbook.params import make_plan

    p = make_plan(name, params)
    off = [s.command.split()[-1] for s in p.steps if (s.command or "").startswith("systemctl disable")]
    assert off == ["clusterpro_alertsync", "clusterpro_webmgr", "clusterpro", "clusterpro_md"]
    assert all(s.hosts == ("sv1", "sv2") for s in p.steps if (s.command or "").startswith("systemctl"))
    note = next(n for n in p.notes if "the CLUSTERPRO daemon" in n)
    assert all(svc in note for svc in off), note


@pytest.mark.parametrize("disk, rtype, tool", [("mirror", "md", "clpmdctrl"), ("hybrid", "hd", "clphdctrl")])
def test_a_resize_with_initial_mirror_construction_off_starts_the_copy_from_the_group_server(tmp_path, disk, rtype, tool):
    """L4369-4377 vs L3076-3078: two re-initialised sides with fullcopy=0 come up Normal uncopied; the copy is
    started by hand from where the group runs, after a wait that checks it runs there. fullcopy=1: no copy by hand."""
    from clpkit import config as clpconfig
    from clpkit.runbook.guide import heading
    from clpkit.runbook.procedures import resize_mirror_partition as rmp

    conf = tmp_path / "clp.conf"
    forces = {}
    for fullcopy in ("0", "1"):
        conf.write_text(
            '<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>c1</name></cluster>'
            '<server name="sv1"><priority>1</priority></server><server name="sv2"><priority>0</priority></server>'
            f'<group name="g"><resource name="{rtype}@r1"/><policy name="sv2"><order>0</order></policy>'
            '<policy name="sv1"><order>1</order></policy></group>'
            f'<resource><{rtype} name="r1"><parameters><fullcopy>{fullcopy}</fullcopy><mkfs>1</mkfs><fs>ext4</fs>'
            f'<diskdev><dppath>/dev/sdb2</dppath><cppath>/dev/sdb1</cppath></diskdev></parameters></{rtype}></resource></root>\n')
        config = clpconfig.load(conf)
        p = rmp.plan(rmp.Params(disk=disk, disk_hosts="sv1,sv2" if disk == "hybrid" else ""), config)
        forces[fullcopy] = [i for i, s in enumerate(p.steps) if (s.command or "").startswith(f"{tool} --force")]
        if fullcopy == "0":
            (i,) = forces["0"]
            source = "sv2"  # the group's first server by its failover policy, not the first server of the cluster
            assert [g.servers for g in config.groups if g.name == "g"] == [["sv2", "sv1"]]
            force, before, after = p.steps[i], p.steps[i - 1], p.steps[i + 1]
            assert force.command == f"{tool} --force {source} r1" and force.hosts == (source,) and force.destructive
            assert force.guide == rmp.LINES[(disk, "no")]["wait"]  # cited in its own section, pointing to L3076-3078
            assert "L3076-3078, 「両系のミラーディスクを交換する場合」" in force.text and heading(3076) == "両系のミラーディスクを交換する場合"
            assert before.kind == "wait" and before.expect.args == {"group": "g", "server": source}
            assert after.kind == "wait" and after.expect.args == {"mirror": "r1", "status": "Normal"}
            assert [s.command for s in p.steps].index("reboot") < i
    assert forces["1"] == []


def _four_servers_two_groups(tmp_path, fullcopy="0"):
    """sv1, sv2 share one disk (server group a), sv3, sv4 another (b); hd1 in group g."""
    return hybrid_conf(tmp_path, {"a": ("sv1", "sv2"), "b": ("sv3", "sv4")}, f"<fullcopy>{fullcopy}</fullcopy>")


def _bundle_showing(tmp_path, current):
    folder = tmp_path / "bundle" / "sv3"
    folder.mkdir(parents=True)
    (folder / "clpstat.txt").write_text(
        " ========================  CLUSTER STATUS  ===========================\n  Cluster : c1\n  <server>\n"
        + "".join(f"   {'*' if s == 'sv3' else ' '}{s} ............: {'Offline' if s == 'sv1' else 'Online '}          {s}\n"
                  for s in ("sv1", "sv2", "sv3", "sv4"))
        + f"  <group>\n    g ..............: Online\n      current        : {current}\n      hd1            : Online\n"
        " =====================================================================\n")
    return str(tmp_path / "bundle")


def _force(p):
    return [s for s in p.steps if (s.command or "").startswith("clphdctrl --force")]


@pytest.mark.parametrize("variant", ["hybrid-new-disk", "hybrid-shared-disk"])
def test_the_hybrid_copy_source_is_the_server_the_bundle_shows_active(tmp_path, variant):
    """(8) L3787-3789: the source is the current server of the other server group, as the bundle's clpstat
    shows it (sv4 here), not the first server of that group in clp.conf (sv3)."""
    from clpkit.runbook.procedures import replace_server

    config = _four_servers_two_groups(tmp_path)
    extra = {"partner": "sv2"} if variant == "hybrid-shared-disk" else {}
    p = replace_server.plan(replace_server.Params(variant=variant, server="sv1", resource="hd1",
                                                  bundle=_bundle_showing(tmp_path, "sv4"), **extra), config)
    (force,) = _force(p)
    assert force.command == "clphdctrl --force sv4 hd1" and force.hosts == ("sv4",)
    assert any("saved clpstat output shows g online on sv4" in n for n in p.notes)


def test_the_hybrid_copy_source_is_refused_when_nothing_says_which_server_is_active(tmp_path):
    from clpkit.runbook.procedures import replace_server

    config = _four_servers_two_groups(tmp_path)
    with pytest.raises(ClpkitError, match=r"nothing says which of sv3, sv4 that is: give source=NAME, or a bundle"):
        replace_server.plan(replace_server.Params(variant="hybrid-new-disk", server="sv1", resource="hd1"), config)
    p = replace_server.plan(replace_server.Params(variant="hybrid-new-disk", server="sv1", resource="hd1", source="sv4"), config)
    assert [s.command for s in _force(p)] == ["clphdctrl --force sv4 hd1"]
    p = replace_server.plan(replace_server.Params(variant="hybrid-new-disk", server="sv1", resource="hd1", source="sv3"), config)
    assert [s.command for s in _force(p)] == ["clphdctrl --force sv3 hd1"]
    with pytest.raises(ClpkitError, match=r"source='sv2' shares the disk of sv1 \(one server group in clp.conf\)"):
        replace_server.plan(replace_server.Params(variant="hybrid-new-disk", server="sv1", resource="hd1", source="sv2"), config)
    # A bundle showing the group on the replaced server's own server group says nothing about the other one.
    with pytest.raises(ClpkitError, match=r"shows g online on sv2: not on a server of the other server group \(sv3, sv4\)"):
        replace_server.plan(replace_server.Params(variant="hybrid-new-disk", server="sv1", resource="hd1",
                                                  bundle=_bundle_showing(tmp_path, "sv2")), config)


def test_a_hybrid_copy_that_starts_by_itself_needs_no_source(tmp_path):
    from clpkit.runbook.procedures import replace_server

    p = replace_server.plan(replace_server.Params(variant="hybrid-new-disk", server="sv1", resource="hd1"),
                            _four_servers_two_groups(tmp_path, fullcopy="1"))
    assert not _force(p) and not any("SERVER" in s.text for s in p.steps)


def test_runbook_show_says_how_the_hybrid_copy_source_is_chosen():
    from click.testing import CliRunner

    from clpkit.cli import main

    res = CliRunner().invoke(main, ["runbook", "show", "replace-server"])
    assert res.exit_code == 0, res.output
    block = res.output.split("\n  source (str")[1].split("\n  bundle (str")[0]
    assert "current server of the other server group" in block and "bundle's clpstat output" in block
    assert "refuses until you name it" in block


def test_replace_mirror_disk_takes_the_hybrid_copy_source_from_the_bundle(tmp_path):
    """(8) the same rule in replace-mirror-disk: with several servers in the other server group, the bundle's
    clpstat says which one is active; without it (and without source=) the plan is refused."""
    config = _four_servers_two_groups(tmp_path)
    disks = dict(disk="hybrid", server="sv1", resource="hd1", dppath="/dev/sdb2", cppath="/dev/sdb1")
    with pytest.raises(ClpkitError, match="several servers fit source= to copy hd1 from: sv3, sv4"):
        replace_mirror_disk.plan(replace_mirror_disk.Params(**disks), config)
    p = replace_mirror_disk.plan(replace_mirror_disk.Params(**disks, bundle=_bundle_showing(tmp_path, "sv4")), config)
    assert p.params["source"] == "sv4"
    assert [s.command for s in p.steps if "--force" in (s.command or "")] == ["clphdctrl --force sv4 hd1"]
    assert any("saved clpstat output shows g online on sv4" in n for n in p.notes)


def test_a_bundle_that_shows_no_source_is_only_noted_where_no_step_names_one(tmp_path):
    from clpkit.runbook.procedures import replace_server

    config = _four_servers_two_groups(tmp_path, fullcopy="1")
    p = replace_server.plan(replace_server.Params(variant="hybrid-new-disk", server="sv1", resource="hd1",
                                                  bundle=_bundle_showing(tmp_path, "sv2")), config)
    assert not _force(p) and any("shows g online on sv2, not a server of the other server group" in n for n in p.notes)

"""resize-mirror-partition: mirror/hybrid × device name kept/changed × systemd/init.d (L4150-5672)."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.procedures.resize_mirror_partition import Params, plan

OFF = {
    "systemd": ["systemctl disable clusterpro", "systemctl disable clusterpro_md"],
    "initd": ["chkconfig --del clusterpro", "chkconfig --del clusterpro_md"],
}
ON = {
    "systemd": ["systemctl enable clusterpro_md", "systemctl enable clusterpro"],
    "initd": ["chkconfig --add clusterpro_md", "chkconfig --add clusterpro"],
}


@pytest.mark.parametrize("init", ["systemd", "initd"])
def test_mirror_name_kept(init, outline):  # L4166-4464
    p = plan(Params(disk="mirror", rename="no", init=init, resource="md1", group="failover1",
                    fs="ext4", data_partition="/dev/sdb2", initial_mkfs="off"))
    assert outline(p) == [
        "check sv1: clpstat",  # L4168 the resource's name
        "manual L4172",  # backup
        f"command sv1,sv2: {OFF[init][0]}",
        f"command sv1,sv2: {OFF[init][1]}",
        "command sv1: clpstdn -r",  # L4227
        "manual L4225",  # wait for the servers
        "manual L4272",  # fdisk on both
        "command sv1,sv2: clpmdinit --create force md1",  # L4282
        "command sv1,sv2: mkfs -t ext4 /dev/sdb2",  # L4290: initial mkfs off
        f"command sv1,sv2: {ON[init][0]}",
        f"command sv1,sv2: {ON[init][1]}",
        "command sv1,sv2: reboot",  # L4367
        "wait sv1: clpmdstat --mirror md1",  # L4377
        "manual L4377",  # no clp.conf: initial mirror construction may be off, the full copy then by hand (L3076-3078)
        "wait sv1: clpmdstat --mirror md1",  # the copy, if one was started
        "wait sv1: clpstat",  # L4418 group online
        "manual L4427",  # restore
    ]
    assert p.steps[6].destructive and p.steps[7].destructive and p.steps[8].destructive
    assert "initial mirror construction" in p.steps[13].text
    assert p.steps[15].expect.args == {"group": "failover1"}


def test_mirror_name_changed(outline):  # L4465-4764: configuration change between fdisk and clpmdinit
    p = plan(Params(disk="mirror", rename="yes", init="systemd", resource="md1", initial_mkfs="on"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L4471",
        "command sv1,sv2: systemctl disable clusterpro",
        "command sv1,sv2: systemctl disable clusterpro_md",
        "command sv1: clpstdn -r",
        "manual L4524",
        "manual L4571",  # fdisk
        "manual L4577",  # change the device names, upload
        "command sv1,sv2: clpmdinit --create force md1",
        "command sv1,sv2: systemctl enable clusterpro_md",
        "command sv1,sv2: systemctl enable clusterpro",
        "command sv1,sv2: reboot",
        "wait sv1: clpmdstat --mirror md1",
        "manual L4678",  # no clp.conf: the full copy by hand if initial mirror construction is off
        "wait sv1: clpmdstat --mirror md1",
        "manual L4719",  # no group known: the operator confirms
        "manual L4728",
    ]


def test_mirror_without_clp_conf_leaves_mkfs_to_the_operator(outline):
    p = plan(Params(disk="mirror", rename="no", resource="md1"))
    step = p.steps[outline(p).index("manual L4290")]
    assert step.destructive and "mkfs -t FS DATA_PARTITION" in step.text


@pytest.mark.parametrize("init", ["systemd", "initd"])
def test_hybrid_name_kept(init, outline):  # L4783-5287: fdisk, clphdinit and mkfs once per server group
    p = plan(Params(disk="hybrid", rename="no", init=init, resource="hd1", servers="sv1,sv2,sv3",
                    disk_hosts="sv1,sv3", fs="ext4", data_partition="/dev/sdb2", group="failover1"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L4791",
        f"command sv1,sv2,sv3: {OFF[init][0]}",
        f"command sv1,sv2,sv3: {OFF[init][1]}",
        "command sv1: clpstdn -r",
        "manual L4874",
        "manual L5001",  # fdisk on sv1 and sv3
        "command sv1,sv3: clphdinit --create force hd1",  # L5015
        "command sv1,sv3: mkfs -t ext4 /dev/sdb2",  # L5023, always for hybrid
        f"command sv1,sv2,sv3: {ON[init][0]}",
        f"command sv1,sv2,sv3: {ON[init][1]}",
        "command sv1,sv2,sv3: reboot",  # L5136
        "wait sv1: clphdstat --mirror hd1",  # L5146
        "manual L5146",  # no clp.conf: the full copy by hand if initial mirror construction is off
        "wait sv1: clphdstat --mirror hd1",
        "wait sv1: clpstat",
        "manual L5218",
    ]
    assert p.steps[6].hosts == ("sv1", "sv3")


def test_hybrid_name_changed(outline):  # L5288-5662
    p = plan(Params(disk="hybrid", rename="yes", init="initd", suse=True, resource="hd1", servers="sv1,sv2,sv3",
                    disk_hosts="sv2,sv3", fs="xfs", data_partition="/dev/sdc2", group="failover1"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L5296",
        "command sv1,sv2,sv3: chkconfig --del --force clusterpro",
        "command sv1,sv2,sv3: chkconfig --del --force clusterpro_md",
        "command sv1: clpstdn -r",
        "manual L5383",
        "manual L5396",  # fdisk
        "manual L5406",  # configuration change and upload
        "command sv2,sv3: clphdinit --create force hd1",  # L5420
        "command sv2,sv3: mkfs -t xfs /dev/sdc2",  # L5458
        "command sv1,sv2,sv3: chkconfig --add clusterpro_md",
        "command sv1,sv2,sv3: chkconfig --add clusterpro",
        "command sv1,sv2,sv3: reboot",  # L5486
        "wait sv1: clphdstat --mirror hd1",  # L5559
        "manual L5559",  # no clp.conf: the full copy by hand if initial mirror construction is off
        "wait sv1: clphdstat --mirror hd1",
        "wait sv1: clpstat",  # L5563
        "manual L5569",
    ]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(disk="shared"), "disk='shared' is not one of: mirror, hybrid"),
        (dict(rename="maybe"), "rename='maybe' is not one of: no, yes"),
        (dict(disk="mirror", disk_hosts="sv1"), "disk_hosts= only applies to disk=hybrid"),
        (dict(disk="hybrid", resource="hd1"), "needs fs= and data_partition= or a clp.conf"),
        (dict(disk="hybrid", rename="yes", resource="hd1", fs="ext4"), r"needs the new data partition \(data_partition=\)"),
        (dict(disk="mirror", initial_mkfs="off"), "needs fs= and data_partition= or a clp.conf"),
        (dict(disk="hybrid", resource="hd1", fs="ext4", data_partition="/dev/sdb2", disk_hosts="sv7"),
         "disk_hosts='sv7' is not a server of the cluster"),
    ],
)
def test_refusals(kwargs, words):
    with pytest.raises(ClpkitError, match=words):
        plan(Params(**kwargs))


def test_clp_conf_gives_mkfs_setting_partition_fs_and_group(config, outline):
    p = plan(Params(disk="mirror", rename="no", resource="md1"), config)
    lines = outline(p)
    # clp.conf: mkfs=0, so the file system is made by hand on the data partition diskdev/dppath
    assert "command sv1,sv2: mkfs -t ext4 /dev/sdb2" in lines
    assert lines.index("command sv1,sv2: clpmdinit --create force md1") + 1 == lines.index(
        "command sv1,sv2: mkfs -t ext4 /dev/sdb2"
    )
    group_wait = [s for s in p.steps if s.expect is not None and s.expect.name == "group_online"]
    assert [s.expect.args["group"] for s in group_wait] == ["failover1"]


def test_clp_conf_with_initial_mkfs_on_leaves_mkfs_to_clpmdinit(clp_conf_bytes, outline):
    from clpkit import config as clpconfig

    cfg = clpconfig.load(clp_conf_bytes.replace(b"<mkfs>0</mkfs>", b"<mkfs>1</mkfs>"))
    lines = outline(plan(Params(disk="mirror", rename="no", resource="md1"), cfg))
    assert not [line for line in lines if "mkfs -t" in line or line == "manual L4290"]
    assert "command sv1,sv2: clpmdinit --create force md1" in lines


def test_hybrid_disk_is_prepared_from_one_server_per_server_group(tmp_path):
    """Issue 13 (1): never fdisk/clphdinit/mkfs on both servers sharing one disk (L5003-5023, L5398-5456)."""
    from clpkit import config as clpconfig
    from clpkit.runbook.procedures._common import ProcedureRefused

    with pytest.raises(ProcedureRefused, match="give disk_hosts= with one server per server group"):
        plan(Params(disk="hybrid", rename="no", resource="hd1", servers="sv1,sv2,sv3", fs="ext4", data_partition="/dev/sdb2"))
    conf = tmp_path / "clp.conf"
    conf.write_text(
        '<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>c1</name></cluster>'
        '<server name="sv1"><priority>0</priority></server><server name="sv2"><priority>1</priority></server>'
        '<server name="sv3"><priority>2</priority></server>'
        '<servergroup><servergroup name="site1"><server name="sv1"><order>0</order></server>'
        '<server name="sv2"><order>1</order></server></servergroup>'
        '<servergroup name="site2"><server name="sv3"><order>0</order></server></servergroup></servergroup>'
        '<group name="g1"><resource name="hd@hd1"/></group>'
        '<resource><hd name="hd1"><parameters><diskdev><dppath>/dev/sdb2</dppath><cppath>/dev/sdb1</cppath></diskdev>'
        '<fs>ext4</fs></parameters></hd></resource></root>\n')
    for rename in ("no", "yes"):
        p = plan(Params(disk="hybrid", rename=rename, resource="hd1", data_partition="/dev/sdb2"), clpconfig.load(conf))
        for step in p.steps:
            if step.command and step.command.startswith(("clphdinit", "mkfs")) or "fdisk" in step.text:
                assert step.hosts == ("sv1", "sv3"), (rename, step)
    with pytest.raises(ProcedureRefused, match="names sv1, sv2, which share one disk"):
        plan(Params(disk="hybrid", resource="hd1", disk_hosts="sv1,sv2"), clpconfig.load(conf))
    # every server group's disk is prepared: leaving one out is refused
    with pytest.raises(ProcedureRefused, match="disk_hosts='sv2' names no server of the server group sv3 \\(clp.conf\\)"):
        plan(Params(disk="hybrid", resource="hd1", disk_hosts="sv2"), clpconfig.load(conf))
    p = plan(Params(disk="hybrid", resource="hd1", disk_hosts="sv2,sv3"), clpconfig.load(conf))
    assert next(s for s in p.steps if (s.command or "").startswith("clphdinit")).hosts == ("sv2", "sv3")

"""Plans follow what the cluster really has: defaults from clp.conf, raw and LVM/multipath mirrors,
every mirror of a replaced server, change-ip's device and subnet, Windows refused.

The fixture (data/raw-lvm-two-mirrors.clp.conf) is synthetic, written from the
facts the real files show (LVM paths /dev/VG/LV, ``fs none`` raw mirrors,
several interconnects whose mirror connect shares an address).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clpkit import config
from clpkit.problems import ClpkitError
from clpkit.runbook.params import make_plan

DATA = Path(__file__).parent / "data"
CONF = DATA / "raw-lvm-two-mirrors.clp.conf"
WINDOWS = Path(__file__).resolve().parents[1] / "config" / "fixtures" / "windows-mirror.clp.conf"


@pytest.fixture(scope="module")
def cfg():
    return config.load(CONF)


def plan(name, cfg, **params):
    return make_plan(name, {k: str(v) for k, v in params.items()}, config=cfg)


def commands(p):
    return [f"{','.join(s.hosts)}: {s.command}" for s in p.steps if s.command]


def texts(p):
    return " | ".join(s.text for s in p.steps)


def test_several_candidates_are_refused_with_the_list(cfg):
    with pytest.raises(ClpkitError, match="several mirror disk resources fit resource=: md-lun, md-meta; choose one with -p resource=NAME"):
        plan("replace-mirror-disk", cfg, server="tgt-b")
    with pytest.raises(ClpkitError, match="several servers fit server=: tgt-a, tgt-b"):
        plan("change-hostname", cfg, new_name="x1")


def test_none_is_refused_saying_the_cluster_has_none(cfg):
    with pytest.raises(ClpkitError, match="the cluster has no hybrid disk resource"):
        plan("resize-mirror-partition", cfg, disk="hybrid")
    with pytest.raises(ClpkitError, match="the cluster has no disk resource"):
        plan("change-disk-fs", cfg)


def test_a_unique_one_is_taken_and_the_plan_says_so(cfg):
    p = plan("replace-mirror-disk", cfg, server="tgt-b", resource="md-meta")
    assert "source=tgt-a: the cluster's only server to copy md-meta from (from clp.conf)." in p.notes
    assert p.params["source"] == "tgt-a"
    p = plan("add-resource-online", cfg, type="fip")
    assert p.params["group"] == "iscsi" and p.params["name"] == "fip1"


def test_new_names_are_required_with_a_clp_conf(cfg):
    with pytest.raises(ClpkitError, match="give new_name="):
        plan("change-hostname", cfg, server="tgt-b")
    with pytest.raises(ClpkitError, match="give server= \\(the new server's host name\\)"):
        plan("add-server", cfg)


def test_raw_mirror_gets_no_mkfs_and_no_file_backup(cfg):
    p = plan("resize-mirror-partition", cfg, resource="md-lun")
    assert not any("mkfs" in c for c in commands(p))
    backup = p.steps[1].text
    assert "raw device (fs none)" in backup and "/dev/NMP1" in backup and "tar" not in backup
    assert any("raw device" in n for n in p.notes)
    both = plan("replace-mirror-disk", cfg, server="tgt-b", resource="md-lun", layout="both")
    assert not any("mkfs" in c for c in commands(both))
    assert "raw device (fs none)" in texts(both)
    # The file-system mirror beside it still gets its mkfs (initial mkfs off).
    meta = plan("resize-mirror-partition", cfg, resource="md-meta")
    assert "tgt-a,tgt-b: mkfs -t ext4 /dev/mapper/mpatha2" in commands(meta)


def test_lvm_and_multipath_devices_are_checked_with_lsblk_not_fdisk(cfg):
    lvm = plan("replace-mirror-disk", cfg, server="tgt-b", resource="md-lun")
    cmds = commands(lvm)
    assert "tgt-b: lsblk -no NAME,TYPE,SIZE /dev/vgmirror/luncp" in cmds
    assert "tgt-b: lsblk -no NAME,TYPE,SIZE /dev/vgmirror/lun" in cmds
    assert not any("fdisk" in c for c in cmds)
    assert "volume group vgmirror" in texts(lvm) and "fdisk" not in texts(lvm)
    mpath = plan("replace-mirror-disk", cfg, server="tgt-b", resource="md-meta")
    assert "multipath" in texts(mpath) and "kpartx" in texts(mpath)
    resize = plan("resize-mirror-partition", cfg, resource="md-lun")
    assert "lvresize" in texts(resize)


def test_replacing_a_server_covers_every_mirror_it_holds(cfg):
    p = plan("replace-server", cfg, server="tgt-b", variant="mirror-new-disk")
    waits = [s.command for s in p.steps if s.kind == "wait"]
    assert "clpmdstat --mirror md-lun" in waits and "clpmdstat --mirror md-meta" in waits
    # md-meta has initial mirror construction off: its copy starts by hand, md-lun's by itself.
    assert "clpmdctrl --force tgt-a md-meta" in [s.command for s in p.steps]
    assert "clpmdctrl --force tgt-a md-lun" not in [s.command for s in p.steps]
    assert p.params["resource"] == "md-lun,md-meta"


def test_change_ip_names_the_device_and_old_address(cfg):
    with pytest.raises(ClpkitError, match=r"tgt-b has several addresses in clp.conf: device 0 10.20.0.2 \(interconnect\); "
                                          r"device 1, 400 10.21.0.2 \(interconnect, mirror-connect\); choose one with -p device=ID"):
        plan("change-ip", cfg, server="tgt-b", new_ip="10.20.0.12")
    p = plan("change-ip", cfg, server="tgt-b", new_ip="10.21.0.12", device="400")
    assert "device 1, 400 (interconnect and mirror-connect, now 10.21.0.2)" in p.notes[0]
    check = next(s for s in p.steps if s.command == "ip -o addr show")
    assert check.hosts == ("tgt-b",) and check.expect.args == {"text": " 10.21.0.2/"}
    assert any("Subnet check" in n and "10.21.0.1" in n for n in p.notes)


def test_change_ip_checks_the_subnet_and_clashes(cfg):
    with pytest.raises(ClpkitError, match=r"new_ip 10.99.0.12 is not in 10.99.0.0/24, the subnet of the other servers' device 0 \(10.20.0.1\)"):
        plan("change-ip", cfg, server="tgt-b", new_ip="10.99.0.12", device="0")
    assert plan("change-ip", cfg, server="tgt-b", new_ip="10.20.1.12/16", device="0").steps
    assert plan("change-ip", cfg, server="tgt-b", new_ip="10.99.0.12", device="0", subnet_check="false").steps
    with pytest.raises(ClpkitError, match="new_ip 10.20.0.1 is already device 0 of tgt-a"):
        plan("change-ip", cfg, server="tgt-b", new_ip="10.20.0.1", device="0")
    with pytest.raises(ClpkitError, match="device=7 is not an interconnect or mirror-connect device of tgt-b"):
        plan("change-ip", cfg, server="tgt-b", new_ip="10.20.0.12", device="7")
    p = plan("change-ip", cfg, server="tgt-b", new_ip="10.20.0.2/16", change="netmask")
    assert "device 0" in p.notes[0]


@pytest.mark.parametrize("name", ["replace-mirror-disk", "change-ip", "delete-logs", "suppress-failover", "add-resource-online"])
def test_windows_cluster_is_refused_in_one_line(name):
    with pytest.raises(ClpkitError) as err:
        make_plan(name, {"new_ip": "not an address"} if name == "change-ip" else {}, config_path=WINDOWS)
    message = str(err.value)
    assert message.startswith("this is a Windows cluster; the Linux Maintenance Guide procedures do not apply")
    assert "\n" not in message and "serveros" in message


def test_a_cluster_without_servers_gets_no_example_servers():
    empty = config.load("<root><cluster><name>bare</name></cluster></root>")
    with pytest.raises(ClpkitError, match="the cluster has no servers in clp.conf"):
        make_plan("delete-logs", {}, config=empty)

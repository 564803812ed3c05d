"""change-disk-fs in the guide's order (L4093-4149)."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.procedures.change_disk_fs import Params, plan


def test_order(outline):
    p = plan(Params(device="/dev/sdb5", fs="xfs", resource="disk1", servers="sv1,sv2"))
    assert outline(p) == [
        "manual L4103",  # [Stop Cluster]
        "check sv1: clpstat",  # the cluster is stopped (guide's warning L4121)
        "command sv1: clproset -w -d /dev/sdb5",  # L4111
        "command sv1: mkfs -t xfs /dev/sdb5",  # L4127
        "command sv1: clproset -o -d /dev/sdb5",  # L4135
        "manual L4139",  # file-system setting in Config mode
        "manual L4143",  # upload
        "manual L4145",  # [Start Cluster]
        "wait sv1: clpstat",
    ]
    assert p.steps[1].expect.name == "servers_offline"
    assert p.steps[3].destructive
    assert "clpcl -t -a" in p.steps[0].text and "clpcl -s -a" in p.steps[7].text
    assert "xfs" in p.steps[5].text and "disk1" in p.steps[5].text


def test_server_chooses_where_the_commands_run(outline):
    p = plan(Params(server="sv2", servers="sv1,sv2"))
    assert outline(p)[2] == "command sv2: clproset -w -d /dev/sdb5"


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(device="sdb5"), "device='sdb5' is not a device path"),
        (dict(fs="ext4;reboot"), "fs='ext4;reboot' is not a file-system type"),
        (dict(server="sv9"), r"server='sv9' is not a server of the cluster"),
    ],
)
def test_refusals(kwargs, words):
    with pytest.raises(ClpkitError, match=words):
        plan(Params(**kwargs))


def test_clp_conf_gives_the_partition(config, outline):
    p = plan(Params(device="/dev/sdb5", fs="xfs", resource="disk1"), config)
    assert "command sv1: mkfs -t xfs /dev/sdc1" in outline(p)
    assert any("/dev/sdc1" in n and "/dev/sdb5" in n for n in p.notes)


def test_clp_conf_without_the_resource_is_refused(config):
    with pytest.raises(ClpkitError, match=r"resource='disk7' is not a disk resource of the cluster \(clp.conf has: disk1\)"):
        plan(Params(resource="disk7"), config)

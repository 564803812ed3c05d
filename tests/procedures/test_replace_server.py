"""replace-server: every variant in the guide's order (L3085-4068)."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.procedures.replace_server import Params, plan


def test_shared_disk(outline):  # L3085-3104: install, upload, start the service
    p = plan(Params(variant="shared-disk", server="sv2", servers="sv1,sv2"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L3092",
        "manual L3100",
        "manual L3102",
        "wait sv1: clpstat",
    ]
    assert "clpcl -s -h sv2" in p.steps[3].text
    assert p.guide_section == "L3085-3104"


def test_mirror_new_disk(outline):  # L3105-3241
    p = plan(Params(variant="mirror-new-disk", server="sv2", servers="sv1,sv2", resource="md1"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L3116",  # replace server and disk, same IP and host name
        "manual L3160",  # fdisk
        "manual L3164",  # install
        "manual L3176",  # upload the configuration
        "command sv2: reboot",  # L3178
        "wait sv1: clpstat",  # every server back before a copy is started by hand (L3187)
        "manual L3187",  # no clp.conf: the full copy may need starting by hand
        "wait sv1: clpmdstat --mirror md1",  # L3211
    ]
    fdisk = p.steps[2]
    assert fdisk.destructive and "fdisk" in fdisk.text
    assert "clpmdctrl --force sv1 md1" in p.steps[7].text


def test_mirror_new_disk_used_before_clears_the_cluster_partition(outline):  # L3172
    p = plan(Params(variant="mirror-new-disk", server="sv2", disk_used_before=True, cluster_partition="/dev/sdb1"))
    assert outline(p)[3:6] == ["manual L3164", "command sv2: dd if=/dev/zero of=/dev/sdb1", "manual L3176"]
    assert p.steps[4].destructive


def test_mirror_new_disk_used_before_needs_the_partition(outline):
    with pytest.raises(ClpkitError, match="needs the cluster partition: give cluster_partition= or a clp.conf"):
        plan(Params(variant="mirror-new-disk", disk_used_before=True))


def test_mirror_reuse_disk(outline):  # L3242-3323: differences only
    p = plan(Params(variant="mirror-reuse-disk", server="sv1", servers="sv1,sv2", resource="md1"))
    assert outline(p) == [
        "check sv2: clpstat",
        "manual L3248",
        "manual L3256",
        "manual L3264",
        "command sv1: reboot",
        "manual L3287",
        "wait sv2: clpmdstat --mirror md1",
    ]


def test_hybrid_new_disk(outline):  # L3324-3507: clphdinit on the new server before its reboot
    from clpkit.runbook.procedures._common import ProcedureRefused

    with pytest.raises(ProcedureRefused, match="give source=NAME"):  # the copy source is never a list position (L3787-3789)
        plan(Params(variant="hybrid-new-disk", server="sv3", servers="sv1,sv2,sv3", resource="hd1"))
    p = plan(Params(variant="hybrid-new-disk", server="sv3", servers="sv1,sv2,sv3", resource="hd1", source="sv1"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L3335",
        "manual L3406",  # fdisk
        "manual L3412",  # install
        "manual L3420",  # upload
        "command sv3: clphdinit --create force hd1",
        "command sv3: reboot",
        "wait sv1: clpstat",  # every server back before a copy is started by hand (L3451)
        "manual L3451",
        "wait sv1: clphdstat --mirror hd1",
    ]
    assert p.steps[5].destructive
    assert "clphdctrl --force sv1 hd1" in p.steps[8].text


@pytest.mark.parametrize(
    "init, suse, off, on",
    [
        ("systemd", False,
         ["systemctl disable clusterpro", "systemctl disable clusterpro_md"],
         ["systemctl enable clusterpro_md", "systemctl enable clusterpro"]),
        ("initd", True,
         ["chkconfig --del --force clusterpro", "chkconfig --del --force clusterpro_md"],
         ["chkconfig --add clusterpro_md", "chkconfig --add clusterpro"]),
    ],
)
def test_hybrid_shared_disk(init, suse, off, on, outline):  # L3508-3858
    p = plan(Params(variant="hybrid-shared-disk", server="sv2", partner="sv1", servers="sv1,sv2,sv3",
                    resource="hd1", init=init, suse=suse))
    assert outline(p) == [
        "check sv3: clpstat",
        f"command sv1: {off[0]}",  # L3524/L3531, on the partner only
        f"command sv1: {off[1]}",
        "manual L3542",  # move the groups to sv3 first
        "command sv1: shutdown -h now",  # L3538
        "manual L3581",  # replace server and shared disk
        "manual L3589",  # fdisk from the new server
        "manual L3674",  # install
        "manual L3682",  # power the partner on
        "manual L3688",  # upload
        "command sv2: clphdinit --create force hd1",  # L3694
        f"command sv1: {on[0]}",  # L3706/L3711
        f"command sv1: {on[1]}",
        "command sv2,sv1: reboot",  # L3751
        "wait sv3: clpstat",  # every server back before a copy is started by hand (L3775)
        "manual L3775",
        "wait sv3: clphdstat --mirror hd1",
    ]
    assert p.steps[4].destructive
    assert "clpgrp -m GROUP -h sv3" in p.steps[3].text


def test_hybrid_reuse_disk(outline):  # L3859-3989
    p = plan(Params(variant="hybrid-reuse-disk", server="sv2", servers="sv1,sv2,sv3", resource="hd1"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L3865",
        "manual L3875",
        "manual L3885",
        "command sv2: reboot",
        "manual L3938",
        "wait sv1: clphdstat --mirror hd1",
    ]


def test_hybrid_shared_server(outline):  # L3990-4068
    p = plan(Params(variant="hybrid-shared-server", server="sv2", servers="sv1,sv2,sv3", resource="hd1"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L3996",
        "manual L4006",
        "manual L4014",
        "command sv2: reboot",
        "wait sv1: clpstat",
    ]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(variant="mirror-new"), "variant='mirror-new' is not one of: shared-disk, mirror-new-disk"),
        (dict(variant="hybrid-shared-disk", server="sv2"), "needs partner=: the server that shares the disk with sv2"),
        (dict(variant="hybrid-shared-disk", partner="sv2"), "partner must be another server"),
        (dict(variant="mirror-reuse-disk", partner="sv1"), "partner= only applies to variant=hybrid-shared-disk"),
        (dict(variant="hybrid-new-disk", disk_used_before=True), "disk_used_before= only applies"),
        (dict(server="sv2;reboot"), "server='sv2;reboot' is not a valid name"),
        (dict(init="upstart"), "init='upstart' is not one of"),
    ],
)
def test_refusals(kwargs, words):
    with pytest.raises(ClpkitError, match=words):
        plan(Params(**kwargs))


def test_server_must_belong_to_the_cluster(outline):
    with pytest.raises(ClpkitError, match=r"server='sv5' is not a server of the cluster \(sv1, sv2\)"):
        plan(Params(server="sv5", servers="sv1,sv2"))


def test_with_clp_conf_fullcopy_off_the_full_copy_is_started_by_command(config, outline):
    p = plan(Params(variant="mirror-new-disk", server="sv2", resource="md1", disk_used_before=True,
                    servers="sv2"), config)
    assert p.cluster == "cluster1"
    assert outline(p)[-4:] == [
        "command sv2: reboot",
        "wait sv1: clpstat",  # issue 13 (4): the server is back before the copy starts (L3187-3191)
        "command sv1: clpmdctrl --force sv1 md1",  # fullcopy=0 in clp.conf (L3193)
        "wait sv1: clpmdstat --mirror md1",
    ]
    # the cluster partition comes from diskdev/cppath
    assert "command sv2: dd if=/dev/zero of=/dev/sdb1" in outline(p)


def test_with_clp_conf_an_unknown_resource_is_refused(config):
    with pytest.raises(ClpkitError, match="resource='md9' is not a mirror disk resource of the cluster on sv2 \\(clp.conf has: md1\\)"):
        plan(Params(variant="mirror-reuse-disk", server="sv2", resource="md9"), config)


def test_with_clp_conf_fullcopy_unset_the_copy_starts_by_itself(clp_conf_bytes, outline):
    from clpkit import config as clpconfig

    cfg = clpconfig.load(clp_conf_bytes.replace(b"<fullcopy>0</fullcopy>", b""))  # SPEC 3.7 default: 1
    p = plan(Params(variant="mirror-new-disk", server="sv2", resource="md1"), cfg)
    assert outline(p)[-2:] == ["command sv2: reboot", "wait sv1: clpmdstat --mirror md1"]


def test_the_first_check_wants_every_other_server_online_the_partner_included():
    p = plan(Params(variant="hybrid-shared-disk", server="sv2", partner="sv1", servers="sv1,sv2,sv3", resource="hd1"))
    assert p.steps[0].hosts == ("sv3",) and p.steps[0].expect.args == {"servers": ["sv1", "sv3"]}
    p = plan(Params(variant="mirror-new-disk", server="sv1", servers="sv1,sv2"))
    assert p.steps[0].hosts == ("sv2",) and p.steps[0].expect.args == {"servers": ["sv2"]}

"""change-ip (L5806-5893) and change-hostname (L5894-5954) in the guide's order."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.procedures import change_hostname, change_ip

B = "/var/tmp/clpkit/clpconf-backup"
N = "/var/tmp/clpkit/clpconf-new"


def test_change_ip_address(outline):  # L5812-5854
    p = change_ip.plan(change_ip.Params(server="sv2", new_ip="192.168.10.22", servers="sv1,sv2", init="systemd"))
    assert outline(p) == [
        "check sv1: clpstat",  # 1 every server normal
        f"command sv1: mkdir -p {B}",  # 2 backup
        f"command sv1: clpcfctrl --pull -l -x {B}",
        "manual L5824",  # 3 change the address in Config mode, save
        "command sv1,sv2: systemctl disable clusterpro_alertsync",  # 4 daemon off on every server: the four services (L2502-2530)
        "command sv1,sv2: systemctl disable clusterpro_webmgr",
        "command sv1,sv2: systemctl disable clusterpro",
        "command sv1,sv2: systemctl disable clusterpro_md",
        "command sv1: clpstdn -r",  # 5 cluster shutdown, reboot
        "manual L5836",
        "manual L5840",  # 6 change the address in the OS
        "check sv1: ping -c 3 192.168.10.22",  # 7 the new address answers
        f"command sv1: clpcfctrl --push -l -x {N}",  # 8 distribute
        "command sv1,sv2: systemctl enable clusterpro_md",  # 9 daemon on
        "command sv1,sv2: systemctl enable clusterpro",
        "command sv1,sv2: systemctl enable clusterpro_webmgr",
        "command sv1,sv2: systemctl enable clusterpro_alertsync",
        "command sv1,sv2: reboot",  # 10
        "wait sv1: clpstat",  # 11
    ]
    assert p.guide_section == "L5812-5854"
    assert [s.guide for s in p.steps if s.kind != "manual"] == [
        "L5814", "L5818", "L5818", *["L5828"] * 4, "L5836", "L5844", "L5846", *["L5848"] * 4, "L5850", "L5852",
    ]


def test_change_ip_netmask_only(outline):  # L5855-5893
    p = change_ip.plan(change_ip.Params(server="sv1", new_ip="192.168.10.11/25", change="netmask", servers="sv1,sv2,sv3",
                                        init="initd"))
    assert outline(p) == [
        "check sv2: clpstat",
        f"command sv2: mkdir -p {B}",
        f"command sv2: clpcfctrl --pull -l -x {B}",
        "manual L5867",
        "command sv1,sv2,sv3: chkconfig --del clusterpro_alertsync",
        "command sv1,sv2,sv3: chkconfig --del clusterpro_webmgr",
        "command sv1,sv2,sv3: chkconfig --del clusterpro",
        "command sv1,sv2,sv3: chkconfig --del clusterpro_md",
        "command sv2: clpstdn -r",
        "manual L5873",
        "manual L5877",
        "check sv2,sv3: ping -c 3 192.168.10.11",
        f"command sv2: clpcfctrl --push -l -x {N}",
        "command sv1,sv2,sv3: chkconfig --add clusterpro_md",
        "command sv1,sv2,sv3: chkconfig --add clusterpro",
        "command sv1,sv2,sv3: chkconfig --add clusterpro_webmgr",
        "command sv1,sv2,sv3: chkconfig --add clusterpro_alertsync",
        "command sv1,sv2,sv3: reboot",
        "wait sv2: clpstat",
    ]
    assert "255.255.255.128" in next(s for s in p.steps if s.guide == "L5877").text
    assert p.guide_section == "L5855-5893"


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(new_ip="192.168.10.300"), "new_ip='192.168.10.300' is not an IP address"),
        (dict(change="netmask", new_ip="192.168.10.12"), "change=netmask needs new_ip with the new prefix"),
        (dict(change="gateway"), "change='gateway' is not one of: address, netmask"),
        (dict(backup_dir="/var/tmp/x", edited_dir="/var/tmp/x/"), "backup_dir and edited_dir must differ"),
        (dict(backup_dir="backup"), "backup_dir='backup' is not an absolute path"),
        (dict(server="sv1", servers="sv1"), "needs another one to check the new address from"),
    ],
)
def test_change_ip_refusals(kwargs, words):
    with pytest.raises(ClpkitError, match=words):
        change_ip.plan(change_ip.Params(**kwargs))


@pytest.mark.parametrize("init", ["systemd", "initd"])
def test_change_hostname(init, outline):  # L5894-5954
    p = change_hostname.plan(change_hostname.Params(server="sv2", new_name="db2", servers="sv1,sv2", init=init))
    off, on = (
        ("systemctl disable {}", "systemctl enable {}") if init == "systemd" else ("chkconfig --del {}", "chkconfig --add {}")
    )
    four = ("clusterpro_alertsync", "clusterpro_webmgr", "clusterpro", "clusterpro_md")  # L2502-2530
    rename = "command sv2: hostnamectl set-hostname db2" if init == "systemd" else "manual L5928"
    assert outline(p) == [
        "check sv1: clpstat",  # 1
        f"command sv1: mkdir -p {B}",  # 2
        f"command sv1: clpcfctrl --pull -l -x {B}",
        "manual L5912",  # 3 rename in Config mode
        *[f"command sv1,sv2: {off.format(s)}" for s in four],  # 4
        "command sv1: clpstdn -r",  # 5
        "manual L5924",
        rename,  # 6
        "manual L5928",  # name resolution, reboot if needed
        "check sv1: ping -c 3 db2",  # 7
        f"command sv1: clpcfctrl --push -l -x {N}",  # 8
        *[f"command sv1,sv2: {on.format(s)}" for s in reversed(four)],  # 9
        "command sv1,sv2: reboot",  # 10
        "wait sv1: clpstat",  # 11
    ]
    assert p.steps[-1].expect.args == {"servers": ["sv1", "db2"]}


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(new_name="sv2"), "is the current name of the server"),
        (dict(new_name="sv1", servers="sv1,sv2"), "new_name='sv1' is already the name of a server"),
        (dict(new_name="bad name"), "new_name='bad name' is not a valid name"),
        (dict(console="sv2", servers="sv1,sv2"), "console must be another server"),
    ],
)
def test_change_hostname_refusals(kwargs, words):
    with pytest.raises(ClpkitError, match=words):
        change_hostname.plan(change_hostname.Params(**kwargs))


def test_servers_come_from_clp_conf(config, outline):
    # servers= names one server clp.conf knows; the cluster's servers still come from clp.conf
    p = change_ip.plan(change_ip.Params(server="sv2", new_ip="192.168.20.22", servers="sv2", device="1"), config)
    assert "command sv1,sv2: systemctl disable clusterpro" in outline(p)

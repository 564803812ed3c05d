"""add-resource-online in the guide's order (L5955-6042), and its refusals."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.procedures.add_resource_online import Params, plan


@pytest.mark.parametrize("os, flag", [("linux", "-l"), ("windows", "-w")])
def test_order(os, flag, outline):
    p = plan(Params(group="failover1", type="vip", name="vip2", xml="/var/tmp/conf", os=os, servers="sv1,sv2"))
    assert outline(p) == [
        "check sv1: clpstat",  # L5994 every server normal
        "check sv1: clpstat",  # L5998 every resource of the group online
        "manual L6002",  # add the resource in Config mode, save
        "check sv1: grep -q vip2 /var/tmp/conf/clp.conf",  # the saved configuration is there
        "command sv1: clpcl --suspend",  # L6004
        f"command sv1: clpcfctrl --dpush {flag} -x /var/tmp/conf",  # L6020 / L6026
        "command sv1: clpcl --resume",  # L6028
        "wait sv1: clpstat",  # L6032 the resource is listed
        "check sv1: clpstat",
    ]
    assert p.steps[0].expect.name == "servers_online"
    assert p.steps[1].expect.name == "group_resources_online" and p.steps[1].expect.args == {"group": "failover1"}
    assert p.steps[7].expect.args == {"text": "vip2"}
    assert p.steps[5].guide == ("L6020" if os == "linux" else "L6026")


@pytest.mark.parametrize("rtype", ["md", "hd", "nas", "ddns", "awseip", "EXEC"])
def test_refuses_types_without_dynamic_addition(rtype):
    with pytest.raises(ClpkitError, match=f"type='{rtype}' cannot be added to a running group; only exec, disk, fip, vip, volmgr"):
        Params(type=rtype)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(os="mac"), "os='mac' is not one of: linux, windows"),
        (dict(xml="conf"), "xml='conf' is not an absolute path"),
        (dict(name="exec 2"), "name='exec 2' is not a valid name"),
        (dict(console="sv5"), r"console='sv5' is not a server of the cluster"),
    ],
)
def test_refusals(kwargs, words):
    with pytest.raises(ClpkitError, match=words):
        plan(Params(**kwargs))


def test_clp_conf_refuses_an_unknown_group_or_a_taken_name(config):
    with pytest.raises(ClpkitError, match=r"group='failover9' is not a group of the cluster \(clp.conf has: failover1, failover2\)"):
        plan(Params(group="failover9"), config)
    with pytest.raises(ClpkitError, match="clp.conf already has a resource named 'exec1' \\(exec in group failover1\\)"):
        plan(Params(group="failover1", name="exec1"), config)
    assert plan(Params(group="failover2", type="exec", name="exec2"), config).cluster == "cluster1"

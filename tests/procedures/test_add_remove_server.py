"""add-server (L5676-5748) and remove-server (L5749-5805) in the guide's order."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.procedures import add_server, remove_server


def test_add_server_with_mirrors_and_hybrid(outline):
    p = add_server.plan(add_server.Params(server="sv3", servers="sv1,sv2", mirror="yes", hybrid=True))
    assert outline(p) == [
        "check sv1: clpstat",  # L5686 cluster normal
        "manual L5688",  # install on sv3
        "manual L5698",  # [Stop Cluster]
        "manual L5700",  # [Stop Mirror Agent]
        "manual L5704",  # [Add Server]
        "manual L5708",  # per-server settings of vip, AWS EIP/VIP, Azure DNS
        "manual L5726",  # server group
        "manual L5734",  # apply, manager restart
        "manual L5740",  # [Start Mirror Agent]
        "manual L5744",  # [Start Cluster]
        "wait sv1: clpstat",  # L5746
    ]
    assert p.steps[-1].expect.args == {"servers": ["sv1", "sv2", "sv3"]}
    assert "[Stop Mirror Agent]" in p.steps[3].text and "[Start Mirror Agent]" in p.steps[8].text
    assert "clpcl -t -a" in p.steps[2].text and "clpcl -s -a" in p.steps[9].text


def test_add_server_without_mirrors_or_hybrid(outline):
    p = add_server.plan(add_server.Params(server="sv3", mirror="no"))
    assert outline(p) == [
        "check sv1: clpstat",
        "manual L5688",
        "manual L5698",
        "manual L5704",
        "manual L5708",
        "manual L5734",
        "manual L5744",
        "wait sv1: clpstat",
    ]


def test_add_server_without_clp_conf_says_when_mirror_steps_apply():
    p = add_server.plan(add_server.Params(server="sv3"))
    agent = [s for s in p.steps if "Mirror Agent" in s.text]
    assert [s.guide for s in agent] == ["L5700", "L5740"]
    assert all(s.text.startswith("If the cluster has mirror or hybrid disk resources") for s in agent)


def test_add_server_with_clp_conf_names_only_present_per_server_settings(config, outline):
    p = add_server.plan(add_server.Params(server="sv3"), config)
    settings = p.steps[outline(p).index("manual L5708")].text
    assert "virtual IP resource" in settings and "AWS" not in settings and "Azure" not in settings
    assert "manual L5700" in outline(p)  # clp.conf has md1


def test_add_server_refuses_an_existing_server():
    with pytest.raises(ClpkitError, match=r"server='sv2' is already a server of the cluster \(sv1, sv2\)"):
        add_server.plan(add_server.Params(server="sv2", servers="sv1,sv2"))


def test_remove_server_with_mirrors(outline):
    p = remove_server.plan(remove_server.Params(server="sv3", servers="sv1,sv2,sv3", mirror="yes"))
    assert outline(p) == [
        "check sv1: clpstat",  # L5759 cluster normal
        "manual L5759",  # move the groups off sv3
        "manual L5763",  # [Stop Cluster]
        "manual L5765",  # [Stop Mirror Agent]
        "manual L5769",  # WebUI on another server
        "manual L5771",  # [Remove Resource] for the mirror/hybrid resources
        "manual L5775",  # server group
        "manual L5781",  # [Remove Server]
        "manual L5783",  # apply
        "manual L5787",  # [Start Mirror Agent]
        "manual L5787",  # [Start Cluster]
        "wait sv1: clpstat",  # L5791
        "manual L5795",  # uninstall
        "command sv3: reboot",  # L5803
    ]
    assert p.steps[-3].expect.args == {"servers": ["sv1", "sv2"]}
    assert p.steps[-1].destructive


def test_remove_server_without_mirrors(outline):
    p = remove_server.plan(remove_server.Params(server="sv1", servers="sv1,sv2,sv3", mirror="no"))
    assert outline(p) == [
        "check sv2: clpstat",
        "manual L5759",
        "manual L5763",
        "manual L5769",
        "manual L5775",
        "manual L5781",
        "manual L5783",
        "manual L5787",
        "wait sv2: clpstat",
        "manual L5795",
        "command sv1: reboot",
    ]


def test_remove_server_with_clp_conf_names_the_resources(config):
    p = remove_server.plan(remove_server.Params(server="sv2"), config)
    remove = [s for s in p.steps if s.guide == "L5771"]
    assert len(remove) == 1 and "[Remove Resource] for md1" in remove[0].text


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(server="sv9", servers="sv1,sv2"), r"server='sv9' is not a server of the cluster"),
        (dict(server="sv1", servers="sv1"), "removing it leaves no cluster"),
        (dict(mirror="perhaps"), "mirror='perhaps' is not one of: config, yes, no"),
    ],
)
def test_remove_server_refusals(kwargs, words):
    with pytest.raises(ClpkitError, match=words):
        remove_server.plan(remove_server.Params(**kwargs))

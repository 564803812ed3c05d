"""The group_resources_online condition on hand-written clpstat reports (SPEC 3.8 layout)."""

from __future__ import annotations

from clpkit.runbook.conditions import evaluate, group_resources
from clpkit.runbook.plan import Expect

REPORT = """
 ========================  CLUSTER STATUS  ===========================
  Cluster : cluster1
  <server>
   *sv1 ............: Online           sv1
      lanhb1        : Normal           LAN Heartbeat
    sv2 ............: Online           sv2
  <group>
    failover1 ......: {group}
      current       : sv1
      exec1         : Online
      fip1          : {fip}
      md1           : Online           /dev/NMP1
    failover2 ......: Offline
      current       : none
      exec2         : Offline
  <monitor>
    mdw1            : Normal
 =====================================================================
"""

GROUP = Expect("group_resources_online", {"group": "failover1"})


def report(group="Online", fip="Online"):
    return REPORT.format(group=group, fip=fip)


def test_every_resource_online_passes_and_names_them():
    verdict = evaluate(GROUP, report(), 0)
    assert verdict.ok
    assert verdict.reason == "every resource of failover1 is online: exec1, fip1, md1"


def test_one_resource_offline_fails_and_names_it():
    verdict = evaluate(GROUP, report(fip="Offline"), 0)
    assert not verdict.ok
    assert verdict.reason == "resources of failover1 not online: fip1 (Offline)"


def test_a_resource_in_activation_failure_fails():
    verdict = evaluate(GROUP, report(fip="Online Failure"), 0)
    assert not verdict.ok and "fip1 (Online Failure)" in verdict.reason


def test_the_group_itself_must_be_online():
    verdict = evaluate(GROUP, report(group="Offline"), 0)
    assert verdict == (False, "group failover1 is Offline")


def test_resources_are_read_per_group_without_the_current_line():
    assert group_resources(report(), "failover1") == {"exec1": "Online", "fip1": "Online", "md1": "Online"}
    assert group_resources(report(), "failover2") == {"exec2": "Offline"}
    assert not evaluate(Expect("group_resources_online", {"group": "failover2"}), report(), 0).ok


def test_an_unknown_group_or_a_failed_clpstat_fails():
    assert evaluate(Expect("group_resources_online", {"group": "nosuch"}), report(), 0) == (
        False, "group nosuch not in the clpstat output")
    assert evaluate(GROUP, report(), 1) == (False, "exit status 1")

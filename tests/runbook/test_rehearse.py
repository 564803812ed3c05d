"""`clpkit runbook rehearse`: the plan against a simulated cluster built from clp.conf, crashes and resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clpkit import config as clpconfig
from clpkit.runbook.params import make_plan
from clpkit.runbook.plan import Plan, Step
from clpkit.runbook.rehearse import NOTICE, build_cluster, rehearse, rehearse_with_crashes, repeated_destructive

CONF = Path(__file__).resolve().parents[1] / "procedures" / "data" / "clp.conf"


def quiet(_):
    pass


def test_the_simulated_cluster_is_built_from_clp_conf(tmp_path):
    config = clpconfig.load(CONF)
    _, state, _ = build_cluster(tmp_path, config)
    cluster = json.loads((state / "cluster.json").read_text())
    assert cluster["servers"] == ["sv1", "sv2"] and cluster["name"] == "cluster1"
    assert set(cluster["groups"]) == {"failover1", "failover2"}
    assert cluster["groups"]["failover1"]["resources"] == ["md1", "fip1", "exec1", "vip1"]
    assert cluster["mirrors"]["md1"]["fullcopy"] == 0  # clp.conf turns initial mirror construction off
    assert "/dev/sdc1" in json.loads((state / "sv1.json").read_text())["partitions"]  # disk1's device


def test_replace_mirror_disk_rehearsal_changes_states_as_the_commands_say(tmp_path):
    config = clpconfig.load(CONF)
    plan = make_plan("replace-mirror-disk", {"copy": "offline", "server": "sv2"}, config=config)
    seen = []
    outcome = rehearse(plan, config, work=tmp_path, echo=seen.append)
    assert outcome.ok, outcome.reason
    state = tmp_path / "state"
    from clpkit.simulator import clpsim

    argv = [(c["host"], " ".join(c["argv"])) for c in clpsim.calls(state)]
    # sv2 went down, came back with its services enabled, the copy was started by hand (fullcopy=0), the group restarted
    assert ("sv2", "clpdown") in argv and ("sv2", "reboot") in argv and ("sv1", "clpmdctrl --force sv1 md1") in argv
    assert argv.index(("sv2", "clpdown")) < argv.index(("sv2", "reboot")) < argv.index(("sv1", "clpmdctrl --force sv1 md1"))
    sv2 = json.loads((state / "sv2.json").read_text())
    cluster = json.loads((state / "cluster.json").read_text())
    assert sv2["cluster"] == "online" and all(sv2["services"].values())
    assert cluster["mirrors"]["md1"]["status"] in ("Normal", "Recovering")
    assert cluster["groups"]["failover1"]["status"] == "Online"
    assert any("simulated operator, step" in line and "powered sv2 on" in line for line in seen)


def test_an_address_change_rehearsal_moves_the_address_and_pings_the_new_one(tmp_path):
    """The simulated servers have clp.conf's addresses; the simulated operator exports the edited
    configuration and changes the address the step names, so the old-address check and the ping see it."""
    config = clpconfig.load(CONF)
    plan = make_plan("change-ip", {"server": "sv1", "device": "0", "new_ip": "192.168.10.50"}, config=config)
    seen = []
    outcome = rehearse(plan, config, work=tmp_path, echo=seen.append)
    assert outcome.ok, outcome.reason
    sv1 = json.loads((tmp_path / "state" / "sv1.json").read_text())
    assert "192.168.10.50" in sv1["ips"] and "192.168.10.11" not in sv1["ips"] and "192.168.20.11" in sv1["ips"]
    assert any("changed the address of sv1 from 192.168.10.11 to 192.168.10.50" in line for line in seen)
    assert any("exported the configuration into /var/tmp/clpkit/clpconf-new on sv2" in line for line in seen)


def test_a_host_name_change_rehearsal_reaches_its_verified_state(tmp_path):
    config = clpconfig.load(CONF)
    plan = make_plan("change-hostname", {"server": "sv2", "new_name": "sv9"}, config=config)
    outcome = rehearse(plan, config, work=tmp_path, echo=quiet)
    assert outcome.ok, outcome.reason
    assert json.loads((tmp_path / "state" / "sv2.json").read_text())["hostname"] == "sv9"


def test_a_rehearsal_reports_the_step_where_the_plan_would_stop(tmp_path):
    bundle = tmp_path / "bundle" / "sv1"
    bundle.mkdir(parents=True)
    (bundle / "clpstat.txt").write_text(
        " ========================  CLUSTER STATUS  ===========================\n  Cluster : cluster1\n  <server>\n"
        "   *sv1 ............: Online           sv1\n    sv2 ............: Offline          sv2\n"
        "  <group>\n    failover1 ......: Online\n      current        : sv1\n"
        " =====================================================================\n")
    config = clpconfig.load(CONF)
    plan = make_plan("delete-logs", {}, config=config)
    outcome = rehearse(plan, config, work=tmp_path / "work", bundle=tmp_path / "bundle", echo=quiet)
    assert not outcome.ok and outcome.stopped_at == 1
    assert "not online: sv2 (Offline)" in outcome.reason
    assert any("sv2 is Offline" in n for n in outcome.notes)


def test_a_command_the_simulator_does_not_play_never_runs_for_real(tmp_path):
    marker = tmp_path / "touched"
    plan = Plan("t", {}, (Step("command", "x", hosts=("sv1",), command=f"touch {marker}"),))
    outcome = rehearse(plan, None, work=tmp_path / "work", echo=quiet)
    assert not outcome.ok and outcome.stopped_at == 1 and "exit status 127" in outcome.reason
    assert not marker.exists()


def test_a_repeated_destructive_command_is_caught():
    plan = Plan("t", {}, (Step("command", "r", hosts=("sv1", "sv2"), command="reboot", destructive=True),))
    calls = [{"host": "sv1", "argv": ["reboot"]}, {"host": "sv2", "argv": ["reboot"]}, {"host": "sv2", "argv": ["reboot"]}]
    assert repeated_destructive(plan, calls) == ["reboot on sv2: planned 1, ran 2"]
    assert repeated_destructive(plan, calls[:2]) == []


@pytest.mark.slow
@pytest.mark.parametrize("name, params", [
    # dd onto the cluster partition, a reboot, the copy started by hand, manual steps in between
    ("replace-server", {"variant": "mirror-new-disk", "server": "sv2", "disk_used_before": "true",
                        "cluster_partition": "/dev/sdb1"}),
])
def test_a_crash_after_every_step_and_a_resume_never_repeat_a_destructive_step(name, params, tmp_path):
    config = clpconfig.load(CONF)
    plan = make_plan(name, params, config=config)
    outcomes = rehearse_with_crashes(plan, config, work=tmp_path, echo=quiet)
    assert len(outcomes) == len(plan.steps)
    for o in outcomes:
        assert o.ok and not o.repeated, (o.crash_after, o.reason, o.repeated)
        events = [json.loads(x) for x in (tmp_path / f"crash-after-{o.crash_after}" / "run" / "audit.jsonl").read_text().splitlines()]
        assert [e["event"] for e in events].count("run-start") == 2  # the crashed run and the resume
        assert events[-1]["event"] == "run-end"


def test_the_cli_says_it_is_a_rehearsal_and_exits_1_when_the_plan_would_stop(tmp_path):
    from click.testing import CliRunner

    from clpkit.cli import main

    res = CliRunner().invoke(main, ["runbook", "rehearse", "suppress-failover", "-p", "method=monitors"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(NOTICE) and "suppress-failover: the plan reached its verified state (simulated)" in res.output
    res = CliRunner().invoke(main, ["runbook", "rehearse", "replace-mirror-disk", "-p", "server=sv1", "-p", "source=sv2",
                                    "-p", "group=nosuchgroup"])
    assert res.exit_code == 1 and "would stop at step 2" in res.output and "group nosuchgroup not in the clpstat output" in res.output


#: One plan of every runbook on the test cluster's clp.conf (fullcopy=0 there: copies are started by hand).
EVERY = {
    "delete-logs": {},
    "suppress-failover": {"method": "monitors"},
    "replace-mirror-disk": {"server": "sv2"},
    "replace-server": {"server": "sv2"},
    "change-disk-fs": {},
    "change-ip": {"server": "sv1", "device": "0", "new_ip": "192.168.10.50"},
    "change-hostname": {"server": "sv2", "new_name": "sv9"},
    "add-server": {"server": "sv3"},
    "remove-server": {"server": "sv2"},
    "add-resource-online": {"group": "failover1"},
    "resize-mirror-partition": {},
}


def test_every_runbook_is_in_the_rehearsal_sweep():
    from clpkit.runbook import procedures

    assert set(EVERY) == set(procedures.all_procedures())


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EVERY))
def test_every_runbook_rehearses_to_its_verified_state(name, tmp_path):
    config = clpconfig.load(CONF)
    try:
        plan = make_plan(name, EVERY[name], config=config)
    except Exception as exc:  # a refusal here is a broken fixture, said plainly
        pytest.fail(f"{name}: no plan on {CONF.name}: {exc}")
    outcome = rehearse(plan, config, work=tmp_path, echo=quiet)
    assert outcome.ok, (outcome.stopped_at, outcome.reason)


def test_resize_with_initial_mirror_construction_off_starts_the_full_copy_by_hand(tmp_path):
    """Both sides re-initialised and fullcopy=0: the mirror comes up Normal with nothing copied (L3076-3078),
    so the plan starts the full copy from the group's server and the rehearsal sees it copied."""
    from clpkit.simulator import clpsim

    config = clpconfig.load(CONF)
    plan = make_plan("resize-mirror-partition", {}, config=config)
    outcome = rehearse(plan, config, work=tmp_path, echo=quiet)
    assert outcome.ok, (outcome.stopped_at, outcome.reason)
    argv = [(c["host"], " ".join(c["argv"])) for c in clpsim.calls(tmp_path / "state")]
    inits = [i for i, a in enumerate(argv) if a[1] == "clpmdinit --create force md1"]
    assert len(inits) == 2 and argv.index(("sv1", "clpmdctrl --force sv1 md1")) > max(inits)
    mirror = json.loads((tmp_path / "state" / "cluster.json").read_text())["mirrors"]["md1"]
    assert mirror["status"] == "Normal" and not mirror.get("uncopied")


def test_a_plan_that_leaves_a_new_mirror_uncopied_does_not_reach_the_verified_state(tmp_path):
    """The simulator follows L3076-3077: two new sides with initial mirror construction off are Normal but
    never copied; a plan without the copy by hand is reported, not passed."""
    config = clpconfig.load(CONF)
    full = make_plan("resize-mirror-partition", {}, config=config)
    without = Plan(full.runbook, full.params, tuple(s for s in full.steps if "--force" not in (s.command or "")),
                   cluster=full.cluster)
    assert len(without.steps) == len(full.steps) - 1
    outcome = rehearse(without, config, work=tmp_path, echo=quiet)
    assert not outcome.ok and outcome.stopped_at is None
    assert "md1 Normal but never copied" in outcome.reason and "L3076-3078" in outcome.reason
    mirror = json.loads((tmp_path / "state" / "cluster.json").read_text())["mirrors"]["md1"]
    assert mirror["status"] == "Normal" and mirror["uncopied"] is True

def test_a_hybrid_resize_with_initial_mirror_construction_off_rehearses_to_its_verified_state(tmp_path):
    """Three servers, two server groups: clphdinit once per server group (sv1, sv3), then the copy by hand."""
    from clpkit.simulator import clpsim

    from .hybrid_conf import hybrid_conf

    config = hybrid_conf(tmp_path, {"a": ("sv1", "sv2"), "b": ("sv3",)},
                         "<fullcopy>0</fullcopy><fs>ext4</fs><diskdev><dppath>/dev/sdb2</dppath><cppath>/dev/sdb1</cppath></diskdev>")
    plan = make_plan("resize-mirror-partition", {"disk": "hybrid"}, config=config)
    outcome = rehearse(plan, config, work=tmp_path / "with", echo=quiet)
    assert outcome.ok, (outcome.stopped_at, outcome.reason)
    argv = [(c["host"], " ".join(c["argv"])) for c in clpsim.calls(tmp_path / "with" / "state")]
    assert sorted(h for h, a in argv if a == "clphdinit --create force hd1") == ["sv1", "sv3"]
    assert ("sv1", "clphdctrl --force sv1 hd1") in argv
    without = Plan(plan.runbook, plan.params, tuple(s for s in plan.steps if "--force" not in (s.command or "")),
                   cluster=plan.cluster)
    outcome = rehearse(without, config, work=tmp_path / "without", echo=quiet)
    assert not outcome.ok and "hd1 Normal but never copied" in outcome.reason

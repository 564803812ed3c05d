"""The engine against the simulator through the local transport: gates,
preconditions, audit log, manual steps, resume."""

from __future__ import annotations

import json

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.engine import PREFLIGHT_COMMAND, AwaitingConfirmation, Runner, RunStopped, phases, token
from clpkit.runbook.params import make_plan
from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.render import checklist, table, to_json


def quiet(_):
    pass


def runner(plan, sim, run_dir, **kw):
    kw.setdefault("mode", "execute")
    kw.setdefault("confirm", token(plan))
    return Runner(plan, sim.transports(), run_dir, poll_interval=0.05, wait_limit=30, echo=quiet, **kw)


def manual_steps(plan):
    return [n for n, s in enumerate(plan.steps, start=1) if s.kind == "manual"]


def test_execute_is_refused_without_the_token(sim, tmp_path):
    plan = make_plan("suppress-failover", {})
    with pytest.raises(ClpkitError, match="execute refused: no confirmation token was given.*confirmation token"):
        Runner(plan, sim.transports(), tmp_path / "run", mode="execute")
    with pytest.raises(ClpkitError, match="execute refused: the token 'suppress-failover@other-123456' is not this plan's"):
        Runner(plan, sim.transports(), tmp_path / "run", mode="execute", confirm="suppress-failover@other-123456")
    assert sim.calls() == [] and not (tmp_path / "run").exists()


def test_token_names_runbook_and_cluster():
    a = Plan("delete-logs", {}, (), cluster="prod")
    b = Plan("delete-logs", {}, (), cluster="test")
    c = Plan("suppress-failover", {}, (), cluster="prod")
    assert token(a).startswith("delete-logs@prod-") and len({token(a), token(b), token(c)}) == 3
    assert token(a) != token(Plan("delete-logs", {"x": 1}, (), cluster="prod"))
    assert token(a) == token(Plan("delete-logs", {}, (), cluster="prod"))


def test_plan_mode_touches_nothing(sim, tmp_path):
    plan = make_plan("replace-mirror-disk", {})
    seen = []
    r = Runner(plan, sim.transports(), None, echo=seen.append)
    r.run()
    assert sim.calls() == [] and r.record is None
    assert len(seen) == len(plan.steps) and all(line.startswith("plan mode, not run") for line in seen)


def test_rendered_plan_checklist_json_and_table():
    plan = make_plan("delete-logs", {"servers": "sv1,sv2"})
    text = checklist(plan)
    assert text.splitlines()[1] == "Preconditions:"
    assert " 8. [command] DESTRUCTIVE on sv1: clpstdn -r" in text
    assert text.rstrip().endswith(token(plan))
    data = json.loads(to_json(plan))
    assert data["runbook"] == "delete-logs" and data["token"] == token(plan)
    assert [s["n"] for s in data["steps"]] == list(range(1, len(plan.steps) + 1))
    for s in data["steps"]:
        assert {"n", "kind", "hosts", "command", "text", "destructive"} <= s.keys()
    frame = table(plan)
    assert frame.height == len(plan.steps)
    assert frame.filter(frame["destructive"])["command"].to_list()[0] == "clpstdn -r"
    assert set(phases(plan).values()) == {"preconditions", "steps", "verification"}


def test_a_failed_precondition_stops_before_any_change(sim, tmp_path):
    state = json.loads((sim.state / "sv2.json").read_text())
    state["cluster"] = "offline"
    (sim.state / "sv2.json").write_text(json.dumps(state))
    plan = make_plan("delete-logs", {"servers": "sv1,sv2", "install_root": str(tmp_path / "clp")})
    r = runner(plan, sim, tmp_path / "run")
    with pytest.raises(RunStopped, match=r"step 1 failed on sv1: not online: sv2 \(Offline\); nothing was changed"):
        r.run()
    assert [c["argv"] for c in sim.calls()] == [["clpstat"]]
    # Later phases refuse to start while a precondition has not passed.
    with pytest.raises(RunStopped, match="preconditions 1 have not passed"):
        r.run_phase("steps")
    assert len(sim.calls()) == 1


def test_delete_logs_executed_locally_empties_the_directories(sim, tmp_path):
    root = tmp_path / "clp"
    (root / "log" / "sub").mkdir(parents=True)
    (root / "log" / "rc.log.cur").write_text("x")
    (root / "log" / "sub" / "elog_pm0.tar.gz").write_text("x")
    (root / "alert" / "log").mkdir(parents=True)
    (root / "alert" / "log" / "alertlog.alt").write_text("x")
    plan = make_plan("delete-logs", {"servers": "sv1,sv2", "install_root": str(root)})
    r = runner(plan, sim, tmp_path / "run")
    r.run()
    assert list((root / "log").iterdir()) == [] and list((root / "alert" / "log").iterdir()) == []
    argv = [" ".join(c["argv"]) for c in sim.calls()]
    assert argv.count("clpstdn -r") == 1 and argv.count("reboot") == 2
    assert all(sim.server(s)["cluster"] == "online" for s in ("sv1", "sv2"))
    assert all(sim.server(s)["services"] == dict.fromkeys(sim.server(s)["services"], True) for s in ("sv1", "sv2"))


def test_audit_log_records_every_step(sim, tmp_path):
    plan = make_plan("suppress-failover", {"method": "timeout", "ratio": "30"})
    r = runner(plan, sim, tmp_path / "run")
    r.run()
    events = [json.loads(line) for line in (tmp_path / "run" / "audit.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["run-start", "preflight"] + ["step-start", "step-end", "step-done"] * 3 + ["run-end"]
    ends = [e for e in events if e["event"] == "step-end"]
    assert [(e["n"], e["host"], e["command"], e["exit_code"], e["ok"]) for e in ends] == [
        (1, "sv1", "clpstat", 0, True), (2, "sv1", "clptoratio -r 30 -t 1h", 0, True), (3, "sv1", "clptoratio -s", 0, True)]
    assert "present toratio : 30" in ends[2]["output"] and "CLUSTER STATUS" in ends[0]["output"]
    assert all(e["time"].endswith("+00:00") for e in events)
    saved = json.loads((tmp_path / "run" / "plan.json").read_text())
    assert saved["token"] == token(plan) and saved["steps"] == plan.to_dict()["steps"]
    assert json.loads((tmp_path / "run" / "params.json").read_text())["ratio"] == 30
    for name in ("audit.jsonl", "plan.json", "params.json"):
        assert (tmp_path / "run" / name).stat().st_mode & 0o077 == 0, f"{name} is readable by others"


def test_manual_steps_wait_for_the_operator_then_resume(sim, tmp_path):
    plan = make_plan("replace-mirror-disk", {})
    first_manual = manual_steps(plan)[0]
    r = runner(plan, sim, tmp_path / "run")
    with pytest.raises(AwaitingConfirmation) as stop:
        r.run()
    assert stop.value.n == first_manual and r.record.awaiting() == first_manual
    before = len(sim.calls())
    asked = []
    r2 = runner(plan, sim, tmp_path / "run", ask=lambda n, s: asked.append(n) or True)
    r2.run()
    assert asked == manual_steps(plan)
    argv = [" ".join(c["argv"]) for c in sim.calls()]
    assert argv.count("clpdown") == 1  # done before the stop, not repeated
    assert len(argv) > before and r2.record.events()[-1]["event"] == "run-end"


def test_resume_skips_completed_destructive_steps_host_by_host(sim, tmp_path):
    plan = make_plan("delete-logs", {"servers": "sv1,sv2", "install_root": str(tmp_path / "clp")})
    (tmp_path / "clp" / "log").mkdir(parents=True)
    (tmp_path / "clp" / "alert" / "log").mkdir(parents=True)
    sim.fail_next("reboot", host="sv2")
    r = runner(plan, sim, tmp_path / "run")
    with pytest.raises(RunStopped, match="failed on sv2"):
        r.run()
    runner(plan, sim, tmp_path / "run").run()
    reboots = [c["host"] for c in sim.calls() if c["argv"] == ["reboot"]]
    assert reboots == ["sv1", "sv2", "sv2"]  # sv1 once; sv2 failed once, then again


def test_a_destructive_step_with_no_recorded_end_is_not_retried_blindly(sim, tmp_path):
    plan = make_plan("delete-logs", {"servers": "sv1,sv2", "install_root": str(tmp_path / "clp")})
    (tmp_path / "clp" / "log").mkdir(parents=True)
    (tmp_path / "clp" / "alert" / "log").mkdir(parents=True)
    n = next(i for i, s in enumerate(plan.steps, start=1) if s.command == "clpstdn -r")
    r = runner(plan, sim, tmp_path / "run")
    for i in range(1, n):
        r._step(i) if i > 1 else r.run_phase("preconditions")
    # The shutdown ran, but the record of its end was lost (say, the operator's laptop died).
    r.record.append({"event": "step-start", "n": n, "kind": "command", "host": "sv1", "command": "clpstdn -r", "destructive": True})
    r.record.unlock()  # the first run's process is gone, and with it its lock on the run directory
    assert sim.transports()["sv1"].run("clpstdn -r").exit_code == 0
    with pytest.raises(RunStopped, match="its end was never recorded"):
        runner(plan, sim, tmp_path / "run").run()
    assert [c["argv"][0] for c in sim.calls()].count("clpstdn") == 1
    runner(plan, sim, tmp_path / "run", confirmed_steps=[n]).run()
    assert [c["argv"][0] for c in sim.calls()].count("clpstdn") == 1  # checked and confirmed by hand: not repeated


def test_resume_refuses_a_different_plan(sim, tmp_path):
    runner(make_plan("suppress-failover", {}), sim, tmp_path / "run").run()
    other = make_plan("suppress-failover", {"ratio": "50"})
    with pytest.raises(ClpkitError, match="the plan has changed"):
        runner(other, sim, tmp_path / "run")


def test_wait_step_times_out_with_a_reason(sim, tmp_path):
    plan = Plan("t", {}, (
        Step("command", "x", hosts=("sv1",), command="true"),
        Step("wait", "never", hosts=("sv1",), command="clpmdstat --mirror md1",
             expect=Expect("mirror_status", {"mirror": "md1", "status": "Recovering"}), timeout=1.5),
    ))
    r = runner(plan, sim, tmp_path / "run")
    with pytest.raises(RunStopped, match=r"md1 is Normal, still after 1.5 s \(\d+ polls\)"):
        r.run()
    end = [e for e in r.record.events() if e["event"] == "step-end"][-1]
    assert end["polls"] >= 2 and not end["ok"]


def test_secrets_are_refused_everywhere():
    with pytest.raises(ClpkitError, match="never takes passwords"):
        make_plan("suppress-failover", {"password": "x"})
    with pytest.raises(ClpkitError, match="private key"):
        Runner(Plan("t", {"note": "-----BEGIN OPENSSH PRIVATE KEY-----"}, ()), {}, None)


def test_every_host_needs_an_address(sim, tmp_path):
    plan = make_plan("suppress-failover", {"method": "monitors"})
    with pytest.raises(ClpkitError, match="no address for sv2"):
        Runner(plan, {"sv1": sim.transports()["sv1"]}, tmp_path / "run", mode="execute", confirm=token(plan))


class Unreachable:
    """A server that is down: every connection fails (as during a reboot); ``up_at_start`` lets
    the pre-flight check through, as a server that goes down during the run."""

    def __init__(self, up_at_start=False):
        self.tries = 0
        self.up_at_start = up_at_start

    def describe(self):
        return "down (test)"

    def run(self, command, timeout=None):
        from clpkit.runbook.transport import Result, TransportError

        if self.up_at_start and command == PREFLIGHT_COMMAND:
            return Result(0, "")
        self.tries += 1
        raise TransportError("cannot connect (test)")

    def close(self):
        pass


def test_an_unreachable_server_meets_no_condition(tmp_path):
    plan = Plan("t", {}, (
        Step("command", "x", hosts=("sv1",), command="echo x"),
        Step("wait", "cluster stopped", hosts=("sv1",), command="clpstat", expect=Expect("servers_offline"), timeout=0.2),
    ))
    down = Unreachable(up_at_start=True)
    r = Runner(plan, {"sv1": down}, tmp_path / "run", mode="execute", confirm=token(plan), poll_interval=0.05, echo=quiet)
    with pytest.raises(RunStopped, match="step 1 failed on sv1: \\[clpkit: cannot connect"):
        r.run()
    r.record.append({"event": "step-done", "n": 1})  # pretend step 1 ran, to reach the wait
    with pytest.raises(RunStopped, match="cannot connect .*still after 0.2 s"):
        Runner(plan, {"sv1": down}, tmp_path / "run", mode="execute", confirm=token(plan), poll_interval=0.05, echo=quiet).run()
    assert down.tries >= 3


class Clock:
    """A transport that answers at once and notes when each command ran."""

    def __init__(self):
        import time

        self.times = []
        self._now = time.monotonic

    def run(self, command, timeout=None):
        from clpkit.runbook.transport import Result

        if command != PREFLIGHT_COMMAND:
            self.times.append(self._now())
        return Result(0, "")

    def describe(self):
        return "clock (test)"

    def close(self):
        pass


def delayed_wait(delay):
    return Plan("t", {}, (
        Step("wait", "back from the reboot", hosts=("sv1", "sv2"), command="echo up", expect=Expect("exit_zero"),
             timeout=5, interval=0.05, delay=delay),
    ))


def test_a_server_down_at_the_start_stops_the_run_before_any_change(sim, tmp_path):
    plan = make_plan("suppress-failover", {"method": "monitors"})
    transports = {**sim.transports(), "sv2": Unreachable()}
    r = Runner(plan, transports, tmp_path / "run", mode="execute", confirm=token(plan), echo=quiet)
    with pytest.raises(RunStopped, match="pre-flight check failed, nothing was changed on any server: sv2: unreachable"):
        r.run()
    assert sim.calls() == []  # not even sv1's precondition ran


def test_the_first_poll_of_a_wait_comes_no_earlier_than_its_delay(tmp_path):
    import time

    plan = delayed_wait(0.4)
    sv1, sv2 = Clock(), Clock()
    r = Runner(plan, {"sv1": sv1, "sv2": sv2}, tmp_path / "run", mode="execute", confirm=token(plan), echo=quiet)
    start = time.monotonic()
    r.run()
    assert sv1.times and sv1.times[0] - start >= 0.4
    assert sv2.times and sv2.times[0] - start >= 0.4
    # the delay counts from the step's start: the second server is not made to wait it again
    assert sv2.times[0] - sv1.times[0] < 0.4


def test_a_rehearsal_paces_the_delay_like_its_polls(tmp_path):
    import time

    plan = delayed_wait(60.0)
    clock = Clock()
    r = Runner(plan, {"sv1": clock, "sv2": Clock()}, tmp_path / "run", mode="execute", confirm=token(plan),
               poll_interval=0.2, echo=quiet)
    start = time.monotonic()
    r.run()
    assert 0.2 <= clock.times[0] - start < 30  # poll_interval caps the 60 s delay; never below it
    capped = Runner(plan, {"sv1": Clock(), "sv2": Clock()}, None, wait_limit=0.1, echo=quiet)
    assert capped._delay(plan.steps[0]) == 0.1
    assert Runner(plan, {}, None, echo=quiet)._delay(plan.steps[0]) == 60.0


def test_the_token_covers_what_the_operator_is_told_and_how_long_a_wait_lasts():
    import dataclasses

    from clpkit.runbook.plan import differences

    wait = Step("wait", "w", hosts=("sv1",), command="clpstat", expect=Expect("servers_online"), timeout=1800)
    manual = Step("manual", "Partition /dev/sdb of sv2")
    base = Plan("t", {}, (manual, wait), cluster="c1")
    other_disk = Plan("t", {}, (dataclasses.replace(manual, text="Partition /dev/sdc of sv2"), wait), cluster="c1")
    shorter = Plan("t", {}, (manual, dataclasses.replace(wait, timeout=60)), cluster="c1")
    assert len({token(base), token(other_disk), token(shorter)}) == 3
    assert differences(base.to_dict(), shorter.to_dict()) == ["step 2 timeout: saved 1800, now 60"]

"""Runbooks over a real OpenSSH server on 127.0.0.1, in front of two simulated
servers (one sshd port per server; see the ``sshd`` fixture)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys

import pytest

from clpkit.runbook.engine import Runner, RunStopped, token
from clpkit.runbook.params import make_plan
from clpkit.runbook.transport import HostKeyError, SSHTransport, parse_hosts

# RAID disk, dd method, copy with the group stopped: every kind of step and most gates.
PARAMS = {"layout": "raid", "raid_method": "dd", "copy": "offline", "cppath": "/dev/sdb1", "dppath": "/dev/sdb2"}


def transports(sshd, known_hosts=None):
    specs = parse_hosts(sshd.hosts)
    return {n: SSHTransport(s, known_hosts=known_hosts or sshd.known_hosts, identity=sshd.identity) for n, s in specs.items()}


def manual_steps(plan):
    return [n for n, s in enumerate(plan.steps, start=1) if s.kind == "manual"]


def expected_calls(events):
    """(host, argv) of every command the audit log says ran, polls included, in order."""
    out = []
    for e in events:
        if e["event"] == "step-end" and e["exit_code"] is not None:
            out += [(e["host"], shlex.split(e["command"]))] * e["polls"]
    return out


def test_ssh_runs_on_the_simulated_server_of_each_port(sshd):
    for name, t in transports(sshd).items():
        try:
            res = t.run("echo $CLPKIT_HOST; clpstat --version; exit 3")
        finally:
            t.close()
        assert res.exit_code == 3
        assert res.output.splitlines()[0] == name
        assert "simulator" in res.output


def test_ssh_refuses_a_host_key_not_in_known_hosts(sshd, sim):
    t = transports(sshd, known_hosts=sshd.wrong_known_hosts)["sv1"]
    with pytest.raises(HostKeyError, match="does not match"):
        t.run("clpstat")
    assert sim.calls() == []


def test_ssh_command_timeout(sshd):
    t = transports(sshd)["sv1"]
    try:
        res = t.run("sleep 5", timeout=0.5)
    finally:
        t.close()
    assert res.timed_out and res.exit_code == 124


@pytest.mark.slow
def test_replace_mirror_disk_end_to_end_over_ssh_with_the_cli(sshd, sim, tmp_path):
    plan = make_plan("replace-mirror-disk", PARAMS)
    args = [f"-p{k}={v}" for k, v in PARAMS.items()]
    # The local PATH has no simulator: every CLUSTERPRO command must go over SSH.
    env = {k: v for k, v in os.environ.items() if k != "CLPKIT_HOST"}
    res = subprocess.run(
        [sys.executable, "-m", "clpkit", "runbook", "run", "replace-mirror-disk", *args, "--hosts", sshd.hosts,
         "--known-hosts", str(sshd.known_hosts), "--identity", str(sshd.identity), "--execute", "--confirm", token(plan),
         "--confirmed", ",".join(map(str, manual_steps(plan))), "--runs-dir", str(tmp_path / "runs"), "--poll-interval", "0.2"],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    record = json.loads(res.stdout.strip().splitlines()[-1])
    run_dir = tmp_path / "runs" / os.path.basename(record["run_dir"])
    events = [json.loads(line) for line in (run_dir / "audit.jsonl").read_text().splitlines()]
    assert (run_dir / "notebook-1.ipynb").exists() and json.loads((run_dir / "plan.json").read_text())["steps"] == plan.to_dict()["steps"]

    # The audit log follows the plan: every step done once, in order, on its hosts.
    done = [e["n"] for e in events if e["event"] == "step-done"]
    assert done == list(range(1, len(plan.steps) + 1))
    ends = [(e["n"], e["host"], e["command"]) for e in events if e["event"] == "step-end"]
    assert ends == [(n, h, s.command) for n, s in enumerate(plan.steps, start=1) if s.kind != "manual" for h in s.hosts]
    assert all(e["ok"] for e in events if e["event"] == "step-end")
    assert events[-1]["event"] == "run-end"
    for e in events:
        assert {"time", "event"} <= e.keys()
    # The simulator saw exactly those commands, on the right server, and nothing else.
    calls = [(c["host"], c["argv"]) for c in sim.calls()]
    assert calls == expected_calls(events)
    assert sim.cluster()["mirrors"]["md1"]["status"] == "Normal"
    assert sim.cluster()["groups"]["failover1"] == {"status": "Online", "current": "sv1", "resources": ["md1"]}
    assert all(sim.server("sv2")["services"].values())


@pytest.mark.slow
def test_resume_after_an_injected_failure_repeats_no_destructive_step(sshd, sim, tmp_path):
    plan = make_plan("replace-mirror-disk", PARAMS)
    sim.fail_next("clpmdinit", host="sv2")
    run_dir = tmp_path / "run"
    first = Runner(plan, transports(sshd), run_dir, mode="execute", confirm=token(plan),
                   confirmed_steps=manual_steps(plan), poll_interval=0.1, wait_limit=60, echo=lambda s: None)
    with pytest.raises(RunStopped, match="clpmdinit|failed"):
        first.run()
    first.close()
    failed_n = next(n for n, s in enumerate(plan.steps, start=1) if s.command == "clpmdinit --create quick md1")
    stop = [e for e in first.record.events() if e["event"] == "run-stop"][-1]
    assert stop["n"] == failed_n and stop["reason"] == "failed"

    second = Runner(plan, transports(sshd), run_dir, mode="execute", confirm=token(plan), poll_interval=0.1, wait_limit=60, echo=lambda s: None)
    second.run()
    second.close()
    argvs = [" ".join(c["argv"]) for c in sim.calls()]
    for step in plan.steps:
        if step.destructive and step.command:
            expected = 2 if step.command.startswith("clpmdinit") else 1  # the injected failure, then the retry
            assert argvs.count(step.command) == expected * len(step.hosts), step.command
    events = second.record.events()
    assert events[-1]["event"] == "run-end"
    assert sorted(e["n"] for e in events if e["event"] == "step-done") == list(range(1, len(plan.steps) + 1))


def test_run_refused_when_a_precondition_fails(sshd, sim, tmp_path):
    plan = make_plan("replace-mirror-disk", {**PARAMS, "copy": "online"})
    state = sim.cluster()
    state["groups"]["failover1"]["status"] = "Offline"  # the application is not running on the source
    (sim.state / "cluster.json").write_text(json.dumps(state))
    runner = Runner(plan, transports(sshd), tmp_path / "run", mode="execute", confirm=token(plan), echo=lambda s: None)
    with pytest.raises(RunStopped, match="nothing was changed"):
        runner.run()
    runner.close()
    assert {c["argv"][0] for c in sim.calls()} <= {"clpstat", "clpmdstat"}
    assert sim.server("sv2")["services"]["clusterpro"] is True
    assert not any(e["event"] == "step-start" and e["destructive"] for e in runner.record.events())


def test_run_refused_when_the_host_key_does_not_match(sshd, sim, tmp_path):
    plan = make_plan("replace-mirror-disk", PARAMS)
    runner = Runner(plan, transports(sshd, known_hosts=sshd.wrong_known_hosts), tmp_path / "run", mode="execute",
                    confirm=token(plan), echo=lambda s: None)
    with pytest.raises(RunStopped, match="host key does not match"):
        runner.run()
    assert sim.calls() == []
    assert runner.record.events()[-1]["reason"] == "preflight"


def test_a_missing_host_key_on_sv2_stops_the_run_before_sv1_is_changed(sshd, sim, tmp_path):
    only_sv1 = tmp_path / "known_hosts_sv1_only"
    only_sv1.write_text("".join(line + "\n" for line in sshd.known_hosts.read_text().splitlines()
                                if f"]:{sshd.ports['sv1']} " in line))
    plan = make_plan("suppress-failover", {"method": "monitors"})
    runner = Runner(plan, transports(sshd, known_hosts=only_sv1), tmp_path / "run", mode="execute",
                    confirm=token(plan), echo=lambda s: None)
    with pytest.raises(RunStopped, match="pre-flight check failed, nothing was changed on any server: sv2: .*host key"):
        runner.run()
    runner.close()
    assert sim.calls() == []  # sv1 was reached (its key is known) but nothing ran on it
    assert sim.server("sv1")["monitors"] == "running"

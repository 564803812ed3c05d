"""One run at a time per run directory: a second run (or resume) on it is refused while the first lives."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.audit import RunDir
from clpkit.runbook.engine import Runner, token
from clpkit.runbook.params import make_plan

RESUME = r"""
import json, os, sys, time
from pathlib import Path
from clpkit.runbook.engine import Runner, token
from clpkit.runbook.params import make_plan
from clpkit.runbook.transport import LocalTransport
params, run_dir, go = json.loads(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
plan = make_plan("delete-logs", params)
env = {"PATH": os.environ["SIMPATH"]}
while not go.exists():
    time.sleep(0.005)
try:
    r = Runner(plan, {n: LocalTransport(n, env=env) for n in ("sv1", "sv2")}, run_dir, mode="execute",
               confirm=token(plan), poll_interval=0.05, wait_limit=30, echo=lambda s: None)
    r.run()
    r.close()
except Exception as exc:
    print(f"REFUSED {exc}")
    sys.exit(3)
print("COMPLETED")
"""


def test_a_run_directory_held_by_a_run_refuses_another(sim, tmp_path):
    plan = make_plan("suppress-failover", {})
    holder = RunDir(tmp_path / "run")
    holder.lock()
    with pytest.raises(ClpkitError) as refused:
        Runner(plan, sim.transports(), tmp_path / "run", mode="execute", confirm=token(plan), echo=lambda s: None)
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'run'}: refused, another run is using this run directory "
                              f"(pid {os.getpid()} on host {socket.gethostname()} since ")
    assert "\n" not in message
    assert sim.calls() == []
    holder.unlock()
    Runner(plan, sim.transports(), tmp_path / "run", mode="execute", confirm=token(plan), echo=lambda s: None).run()
    assert [c["argv"][0] for c in sim.calls()] == ["clpstat", "clptoratio", "clptoratio"]


@pytest.mark.slow
def test_two_concurrent_resumes_run_the_cluster_shutdown_once(sim, tmp_path):
    for d in ("log", "alert/log"):
        (tmp_path / "clp" / d).mkdir(parents=True)
    params = {"servers": "sv1,sv2", "install_root": str(tmp_path / "clp")}
    plan = make_plan("delete-logs", params)
    run_dir = tmp_path / "run"
    # A first run passes the preconditions and stops (its process ends); then two resumes start at once.
    first = Runner(plan, sim.transports(), run_dir, mode="execute", confirm=token(plan), echo=lambda s: None)
    first.run_phase("preconditions")
    first.close()
    go = tmp_path / "go"
    env = {**os.environ, "SIMPATH": sim.env["PATH"]}
    procs = [subprocess.Popen([sys.executable, "-c", RESUME, json.dumps(params), str(run_dir), str(go)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    time.sleep(1.5)  # both have imported clpkit and wait for the signal
    go.touch()
    outs = [p.communicate(timeout=120)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 3], outs
    assert any("REFUSED" in o and "another run is using this run directory" in o for o in outs), outs
    assert [c["argv"] for c in sim.calls()].count(["clpstdn", "-r"]) == 1
    events = RunDir(run_dir).events()
    assert [e["event"] for e in events].count("run-end") == 1


def _start_at_the_prompt(sim, tmp_path):
    """`clpkit runbook run` at a terminal, stopped at its manual step 2 asking the operator; returns it and its run dir."""
    import pty
    import threading

    plan = make_plan("suppress-failover", {"method": "recovery"})
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "clpkit", "runbook", "run", "suppress-failover", "-p", "method=recovery", "--transport",
         "local", "--execute", "--confirm", token(plan), "--runs-dir", str(tmp_path / "runs")],
        stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **sim.env})
    os.close(slave)
    seen: list[str] = []
    proc.errors = []  # stderr drained as it comes, so that a full pipe never stalls the run
    threading.Thread(target=lambda: seen.extend(iter(lambda: proc.stdout.read(1), "")), daemon=True).start()
    threading.Thread(target=lambda: proc.errors.extend(iter(proc.stderr.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 240
    while "Is it done?" not in "".join(seen):
        assert proc.poll() is None and time.monotonic() < deadline, (seen, proc.errors)
        time.sleep(0.1)
    return proc, master, next((tmp_path / "runs").iterdir()), plan


def _resume(run_dir, plan, sim):
    return subprocess.run(
        [sys.executable, "-m", "clpkit", "runbook", "run", "suppress-failover", "-p", "method=recovery", "--transport",
         "local", "--execute", "--confirm", token(plan), "--resume", str(run_dir), "--confirmed", "2"],
        capture_output=True, text=True, env={**os.environ, **sim.env}, stdin=subprocess.DEVNULL, timeout=300)


@pytest.mark.slow
def test_the_lock_is_held_while_the_operator_is_asked(sim, tmp_path):
    proc, master, run_dir, plan = _start_at_the_prompt(sim, tmp_path)
    try:
        second = _resume(run_dir, plan, sim)
        assert second.returncode == 2, second.stderr
        assert second.stderr.strip().count("\n") == 0, second.stderr
        assert (f"{run_dir}: refused, another run is using this run directory "
                f"(pid {proc.pid} on host {socket.gethostname()} since ") in second.stderr
        os.write(master, b"y\n")
        assert proc.wait(timeout=300) == 0, proc.errors
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    events = RunDir(run_dir).events()
    assert [e["n"] for e in events if e["event"] == "manual-confirmed"] == [2]
    assert [e["event"] for e in events].count("run-start") == 2  # the first notebook and its own continuation
    assert [e["event"] for e in events].count("run-end") == 1
    assert sorted(p.name for p in run_dir.glob("notebook-*")) == ["notebook-1.ipynb", "notebook-2.ipynb"]
    assert [c["argv"] for c in sim.calls()] == [["clpstat"]]


@pytest.mark.slow
def test_a_resume_takes_over_from_a_killed_holder_and_records_it(sim, tmp_path):
    proc, master, run_dir, plan = _start_at_the_prompt(sim, tmp_path)
    proc.kill()  # kill -9 at the prompt: no chance to release anything
    proc.wait()
    os.close(master)
    assert json.loads((run_dir / "run.lock").read_text())["pid"] == proc.pid  # its record stayed behind
    res = _resume(run_dir, plan, sim)
    assert res.returncode == 0, res.stderr[-2000:]
    assert f"last holder (pid {proc.pid} on host {socket.gethostname()} since " in res.stderr
    events = RunDir(run_dir).events()
    assert [e["holder"]["pid"] for e in events if e["event"] == "lock-recovered"] == [proc.pid]
    assert events[-1]["event"] == "run-end"
    assert (run_dir / "run.lock").read_text() == ""  # released by an ordinary end


INHERIT = r"""
import os, subprocess, sys
from clpkit.runbook.audit import RunDir
d = RunDir(sys.argv[1])
d.lock()
os.set_inheritable(d._lock_fd, True)
child = subprocess.Popen(["sleep", "120"], pass_fds=[d._lock_fd], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(child.pid)
"""


def test_a_lock_kept_by_a_leftover_child_says_how_to_recover(sim, tmp_path):
    run_dir = tmp_path / "run"
    out = subprocess.run([sys.executable, "-c", INHERIT, str(run_dir)], capture_output=True, text=True, check=True)
    child = int(out.stdout.strip())
    plan = make_plan("suppress-failover", {})
    try:
        with pytest.raises(ClpkitError) as refused:
            Runner(plan, sim.transports(), run_dir, mode="execute", confirm=token(plan), echo=lambda s: None)
        message = str(refused.value)
        assert "\n" not in message and message.startswith(f"{run_dir}: refused, another run is using this run directory (pid ")
        assert f"has ended, but a process it started still holds {run_dir / 'run.lock'}: `fuser -v {run_dir / 'run.lock'}`" in message
    finally:
        os.kill(child, 9)
    deadline = time.monotonic() + 10
    while subprocess.run(["kill", "-0", str(child)], capture_output=True).returncode == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # the sleep is reparented, not our child: wait until it is gone
    said = []
    Runner(plan, sim.transports(), run_dir, mode="execute", confirm=token(plan), echo=said.append).run()
    assert any("ended without releasing it; taken over" in s for s in said)
    assert [c["argv"][0] for c in sim.calls()] == ["clpstat", "clptoratio", "clptoratio"]

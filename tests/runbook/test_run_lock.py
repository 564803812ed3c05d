"""One run at a time per run directory: a second run (or resume) on it is refused while the first lives."""

from __future__ import annotations

import json
import os
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
    with pytest.raises(ClpkitError, match=f"another run is using this run directory \\(pid {os.getpid()} since"):
        Runner(plan, sim.transports(), tmp_path / "run", mode="execute", confirm=token(plan), echo=lambda s: None)
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

"""`clpkit runbook list | plan | run` as an operator types them."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest

from clpkit.runbook.engine import token
from clpkit.runbook.params import make_plan


def clpkit(*args, env=None, cwd=None):
    """The real command in a child process (what papermill runs need)."""
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          stdin=subprocess.DEVNULL, timeout=300)


def clpkit_here(*args, cwd=None):
    """The same command in this process (click's runner): fast, for what needs no kernel."""
    from click.testing import CliRunner

    from clpkit.cli import main

    with contextlib.chdir(cwd) if cwd else contextlib.nullcontext():
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def test_list_names_every_runbook_with_its_guide_section():
    res = clpkit_here("runbook", "list")
    assert res.returncode == 0
    rows = {line.split()[0]: line.split()[1] for line in res.stdout.splitlines()}
    assert rows["delete-logs"] == "L456-512"
    assert rows["suppress-failover"] == "L2364-2495"
    assert rows["replace-mirror-disk"] == "L2496-3084"


def test_plan_json_has_the_documented_shape():
    res = clpkit_here("runbook", "plan", "replace-mirror-disk", "-p", "layout=raid", "-p", "disk=hybrid", "-p", "resource=hd1", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["runbook"] == "replace-mirror-disk"
    for i, step in enumerate(data["steps"], start=1):
        assert step["n"] == i
        assert step["kind"] in ("command", "manual", "check", "wait")
        assert isinstance(step["hosts"], list) and isinstance(step["destructive"], bool)
        assert step["command"] is None or isinstance(step["command"], str)
    assert "clphdinit --create force hd1" in [s["command"] for s in data["steps"]]


def test_plan_checklist_shows_the_token():
    res = clpkit_here("runbook", "plan", "suppress-failover", "-p", "method=monitors")
    assert res.returncode == 0
    expected = token(make_plan("suppress-failover", {"method": "monitors"}))
    assert res.stdout.rstrip().endswith(expected)
    assert " 2. [command] on sv1, sv2: clpmonctrl -s" in res.stdout


@pytest.mark.parametrize("args, message", [
    (["plan", "no-such-runbook"], "unknown runbook 'no-such-runbook'"),
    (["plan", "delete-logs", "-p", "init"], "expected key=value"),
    (["plan", "delete-logs", "-p", "colour=red"], "delete-logs has no parameter 'colour'"),
    (["plan", "delete-logs", "-p", "passphrase=x"], "never takes passwords"),
    (["run", "delete-logs", "--execute"], "execute refused: no confirmation token was given"),
    (["run", "delete-logs", "--execute", "--confirm", "delete-logs@unnamed-000000"], "is not this plan's"),
    (["run", "delete-logs", "--hosts", "sv1"], "not name=user@host[:port]"),
])
def test_errors_are_one_line_exit_2(args, message, tmp_path):
    res = clpkit_here("runbook", *args, cwd=tmp_path)
    assert res.returncode == 2, res.stdout
    assert message in res.stderr and res.stderr.count("\n") == 1
    assert not any(tmp_path.rglob("runbook-runs"))


def test_an_error_is_one_line_from_the_real_command(tmp_path):
    res = clpkit("runbook", "run", "delete-logs", "--execute", cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.startswith("clpkit: execute refused")
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr


@pytest.mark.slow
def test_run_in_plan_mode_records_the_notebook_and_touches_nothing(sim, tmp_path):
    env = {**os.environ, **sim.env}
    res = clpkit("runbook", "run", "suppress-failover", "-p", "method=monitors", "--transport", "local",
                 "--runs-dir", str(tmp_path / "runs"), env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["mode"] == "plan"
    run_dir = tmp_path / "runs" / os.path.basename(out["run_dir"])
    assert sorted(p.name for p in run_dir.iterdir()) == ["notebook-1.ipynb", "params.json", "plan.json"]
    assert sim.calls() == []


@pytest.mark.slow
def test_run_stops_at_a_manual_step_and_resumes_with_it_confirmed(sim, tmp_path):
    env = {**os.environ, **sim.env}
    plan = make_plan("suppress-failover", {"method": "recovery"})
    common = ["-p", "method=recovery", "--transport", "local", "--execute", "--confirm", token(plan)]
    res = clpkit("runbook", "run", "suppress-failover", *common, "--runs-dir", str(tmp_path / "runs"), env=env)
    assert res.returncode == 2
    assert "step 2 waits for the operator" in res.stderr and "--confirmed 2" in res.stderr
    run_dir = next((tmp_path / "runs").iterdir())
    res = clpkit("runbook", "run", "suppress-failover", *common, "--resume", str(run_dir), "--confirmed", "2", env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    events = [json.loads(line) for line in (run_dir / "audit.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events if e["event"] in ("manual-confirmed", "run-end")] == ["manual-confirmed", "run-end"]
    assert [c["argv"] for c in sim.calls()] == [["clpstat"]]  # the precondition ran once, in the first run
    assert (run_dir / "notebook-1.ipynb").exists() and (run_dir / "notebook-2.ipynb").exists()


def test_execute_needs_an_address_for_every_server(tmp_path):
    plan = make_plan("delete-logs", {"servers": "sv1,sv2"})
    res = clpkit_here("runbook", "run", "delete-logs", "-p", "servers=sv1,sv2", "--hosts", "sv1=root@10.0.0.1",
                      "--execute", "--confirm", token(plan), cwd=tmp_path)
    assert res.returncode == 2 and "--hosts has no address for sv2" in res.stderr
    assert not any(tmp_path.rglob("runbook-runs"))


@pytest.mark.slow
def test_run_asks_the_operator_at_a_terminal(sim, tmp_path):
    import pty

    env = {**os.environ, **sim.env}
    plan = make_plan("suppress-failover", {"method": "recovery"})
    master, slave = pty.openpty()
    os.write(master, b"y\n")  # the operator's answer, typed ahead at the terminal
    res = subprocess.run(
        [sys.executable, "-m", "clpkit", "runbook", "run", "suppress-failover", "-p", "method=recovery", "--transport", "local",
         "--execute", "--confirm", token(plan), "--runs-dir", str(tmp_path / "runs")],
        stdin=slave, capture_output=True, text=True, env=env, timeout=300,
    )
    os.close(slave)
    os.close(master)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Step 2 (manual)" in res.stdout and "Is it done?" in res.stdout
    run_dir = next((tmp_path / "runs").iterdir())
    events = [json.loads(line) for line in (run_dir / "audit.jsonl").read_text().splitlines()]
    assert [e["n"] for e in events if e["event"] == "manual-confirmed"] == [2]
    assert events[-1]["event"] == "run-end"


def test_show_lists_parameters_with_defaults_allowed_values_and_meaning():
    res = clpkit_here("runbook", "show", "replace-mirror-disk")
    assert res.returncode == 0, res.stderr
    text = res.stdout
    assert "layout (str, default single)" in text and "allowed: single, raid, both" in text
    res = clpkit_here("runbook", "show", "resize-mirror-partition")
    assert "suse (bool, default false)" in res.stdout and "SUSE: chkconfig --del takes --force" in res.stdout
    res = clpkit_here("runbook", "show", "no-such")
    assert res.returncode == 2 and "unknown runbook 'no-such'" in res.stderr


def test_the_issue_examples_get_different_tokens():
    monitors = token(make_plan("suppress-failover", {"method": "monitors"}))
    assert monitors != token(make_plan("suppress-failover", {"method": "timeout", "ratio": "100"}))
    layouts = {token(make_plan("replace-mirror-disk", {"layout": layout, "cppath": "/dev/sdb1", "dppath": "/dev/sdb2"}))
               for layout in ("single", "raid", "both")}
    assert len(layouts) == 3


def test_a_saved_plan_refuses_a_different_plan_and_says_what_differs(tmp_path):
    saved = tmp_path / "plan.json"
    res = clpkit_here("runbook", "plan", "suppress-failover", "-p", "method=monitors", "--out", str(saved))
    assert res.returncode == 0 and json.loads(saved.read_text())["token"] in res.stdout
    approved = json.loads(saved.read_text())["token"]
    # the token of the saved plan does not execute another plan
    res = clpkit_here("runbook", "run", "--plan", str(saved), "-p", "method=timeout", "-p", "ratio=100",
                      "--execute", "--confirm", approved, cwd=tmp_path)
    assert res.returncode == 2
    assert "differs from" in res.stderr and "parameter method: saved monitors, now timeout" in res.stderr
    assert "step 2 command: saved 'clpmonctrl -s', now 'clptoratio -r 100 -t 1h'" in res.stderr
    # a clp.conf that appeared (or changed) since the plan was saved is a difference too
    conf = tmp_path / "clp.conf"
    conf.write_text('<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>c1</name></cluster>'
                    '<server name="sv1"><priority>0</priority></server><server name="sv2"><priority>1</priority></server></root>\n')
    res = clpkit_here("runbook", "run", "--plan", str(saved), "--config", str(conf), "--execute", "--confirm", approved, cwd=tmp_path)
    assert res.returncode == 2 and "clp.conf: saved digest (no clp.conf), now sha256:" in res.stderr
    # a hand-edited saved plan is refused
    data = json.loads(saved.read_text())
    data["steps"][1]["command"] = "clpmonctrl -s; touch /tmp/x"
    saved.write_text(json.dumps(data))
    res = clpkit_here("runbook", "run", "--plan", str(saved), "--execute", "--confirm", approved, cwd=tmp_path)
    assert res.returncode == 2 and "does not match its content" in res.stderr
    assert not any(tmp_path.rglob("runbook-runs"))


@pytest.mark.slow
def test_run_from_a_saved_plan_executes_it_and_a_failed_step_shows_its_output(sim, tmp_path):
    env = {**os.environ, **sim.env}
    saved = tmp_path / "plan.json"
    assert clpkit_here("runbook", "plan", "suppress-failover", "-p", "method=monitors", "--out", str(saved)).returncode == 0
    approved = json.loads(saved.read_text())["token"]
    sim.fail_next("clpmonctrl", "sv2")
    res = clpkit("runbook", "run", "--plan", str(saved), "--transport", "local", "--execute", "--confirm", approved,
                 "--runs-dir", str(tmp_path / "runs"), env=env)
    assert res.returncode == 2
    assert "step 2 failed on sv2: exit status 1" in res.stderr and "clpmonctrl: injected failure (simulated)" in res.stderr
    run_dir = next((tmp_path / "runs").iterdir())
    res = clpkit("runbook", "run", "--plan", str(saved), "--transport", "local", "--execute", "--confirm", approved,
                 "--resume", str(run_dir), env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    assert [c["host"] for c in sim.calls() if c["argv"][0] == "clpmonctrl"] == ["sv1", "sv2", "sv2"]


@pytest.mark.slow
def test_run_in_plan_mode_prints_the_plan(sim, tmp_path):
    res = clpkit("runbook", "run", "suppress-failover", "-p", "method=monitors", "--transport", "local",
                 "--runs-dir", str(tmp_path / "runs"), env={**os.environ, **sim.env})
    assert res.returncode == 0, res.stderr[-2000:]
    assert " 2. [command] on sv1, sv2: clpmonctrl -s" in res.stdout
    assert token(make_plan("suppress-failover", {"method": "monitors"})) in res.stdout

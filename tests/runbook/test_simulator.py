"""The simulator says what it is, keeps its state, records calls and fails on request."""

from __future__ import annotations

import os
import subprocess

from clpkit.simulator import clpsim

from clpkit.runbook.conditions import group_states, mirror_status, server_states


def sh(sim, command, host="sv1"):
    return subprocess.run(command, shell=True, env={**os.environ, **sim.env, "CLPKIT_HOST": host},
                          capture_output=True, text=True)


def test_every_command_says_it_is_a_simulator(sim):
    for name in clpsim.COMMANDS:
        res = sh(sim, f"{name} --version")
        assert res.returncode == 0 and clpsim.BANNER in res.stdout, name


def test_clpstat_and_clpmdstat_print_the_formats_the_conditions_read(sim):
    text = sh(sim, "clpstat").stdout
    assert "CLUSTER STATUS" in text and "*sv1" in text
    assert server_states(text) == {"sv1": "Online", "sv2": "Online"}
    assert group_states(text) == {"failover1": ("Online", "sv1")}
    assert mirror_status(sh(sim, "clpmdstat --mirror md1").stdout) == "Normal"


def test_state_follows_the_commands_and_calls_are_recorded(sim):
    sh(sim, "systemctl disable clusterpro", host="sv2")
    sh(sim, "clpdown", host="sv2")
    assert server_states(sh(sim, "clpstat").stdout) == {"sv1": "Online", "sv2": "Offline"}
    assert mirror_status(sh(sim, "clpmdstat --mirror md1").stdout) == "Abnormal"
    sh(sim, "reboot", host="sv2")  # clusterpro disabled: the server boots without the cluster
    assert server_states(sh(sim, "clpstat").stdout)["sv2"] == "Offline"
    assert sh(sim, "clpstat", host="sv2").returncode != 0
    assert [(c["host"], c["argv"]) for c in sim.calls()][:2] == [
        ("sv2", ["systemctl", "disable", "clusterpro"]), ("sv2", ["clpdown"])]


def test_dd_ends_like_the_real_one_and_never_writes(sim, tmp_path):
    target = tmp_path / "device"
    res = sh(sim, f"dd if=/dev/zero of={target}")
    assert res.returncode == 1 and "No such file" in res.stderr and not target.exists()
    res = sh(sim, "dd if=/dev/zero of=/dev/sdb1")
    assert res.returncode == 1 and "No space left on device" in res.stderr


def test_failure_injection_fails_once_on_the_named_host(sim):
    sim.fail_next("clpstat", host="sv2")
    assert sh(sim, "clpstat", host="sv1").returncode == 0
    res = sh(sim, "clpstat", host="sv2")
    assert res.returncode == 1 and "injected failure" in res.stderr
    assert sh(sim, "clpstat", host="sv2").returncode == 0
    assert [c["exit"] for c in sim.calls()] == [0, 1, 0]

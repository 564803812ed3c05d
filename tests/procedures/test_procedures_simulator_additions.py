"""The simulator's additions for this family's runbooks behave like the real commands, and can fail."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from clpkit.simulator import clpsim  # noqa: E402

from clpkit.runbook.conditions import group_states, server_states  # noqa: E402


@pytest.fixture
def sim(tmp_path):
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    clpsim.install(bin_dir, state, servers=("sv1", "sv2"), autostart=True)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def sh(command, host="sv1"):
        return subprocess.run(command, shell=True, env={**env, "CLPKIT_HOST": host}, capture_output=True, text=True)

    sh.state = state
    return sh


def load(sim, name):
    return json.loads((sim.state / f"{name}.json").read_text())


def test_os_commands_are_simulated_and_never_real(sim):
    for name in ("shutdown", "hostnamectl", "ping"):
        assert clpsim.BANNER in sim(f"{name} --version").stdout
    assert sim("shutdown -h now", host="sv2").returncode == 0
    assert load(sim, "sv2")["power"] == "off"


def test_ping_answers_only_known_names_and_addresses(sim):
    assert sim("ping -c 3 sv2").returncode == 0
    res = sim("ping -c 3 192.168.20.12")
    assert res.returncode == 1 and "100% packet loss" in res.stderr
    clpsim.update_server(sim.state, "sv2", addresses=["192.168.20.12"])
    assert sim("ping -c 3 192.168.20.12").returncode == 0
    sim("shutdown -h now", host="sv2")
    assert sim("ping -c 3 sv2").returncode == 1  # powered off


def test_hostnamectl_renames_what_clpstat_shows(sim):
    assert sim("hostnamectl set-hostname db2", host="sv2").returncode == 0
    assert server_states(sim("clpstat").stdout) == {"sv1": "Online", "db2": "Online"}
    assert sim("ping -c 3 db2").returncode == 0
    assert sim("hostnamectl status", host="sv2").returncode == 1


def test_chkconfig_takes_suses_force(sim):
    assert sim("chkconfig --del --force clusterpro").returncode == 0
    assert load(sim, "sv1")["services"]["clusterpro"] is False


def test_clpcfctrl_pull_push_and_dynamic_push(sim, tmp_path):
    folder = tmp_path / "conf"
    assert sim(f"clpcfctrl --pull -l -x {folder}").returncode == 11  # no such directory
    folder.mkdir()
    assert sim(f"clpcfctrl --pull -l -x {folder}").returncode == 0
    text = (folder / "clp.conf").read_text()
    assert '<group name="failover1"><resource name="md@md1"/></group>' in text
    assert sim(f"clpcfctrl --push -l -x {tmp_path / 'empty'}").returncode == 11  # nothing to push
    assert sim(f"clpcfctrl --push -l -x {folder}").returncode == 0
    (folder / "clp.conf").write_text(text.replace('<resource name="md@md1"/>', '<resource name="md@md1"/><resource name="exec@exec2"/>'))
    res = sim(f"clpcfctrl --dpush -l -x {folder}")
    assert res.returncode == 11 and "not suspended" in res.stderr
    assert sim("clpcl --suspend").returncode == 0  # the whole cluster
    assert [load(sim, s)["cluster"] for s in ("sv1", "sv2")] == ["offline", "offline"]
    assert sim(f"clpcfctrl --dpush -l -x {folder}").returncode == 0
    assert sim("clpcl --resume").returncode == 0
    assert "exec2" in sim("clpstat").stdout


def test_groups_start_by_themselves_when_every_server_is_back(sim):
    assert sim("clpgrp -t failover1").returncode == 0
    assert group_states(sim("clpstat").stdout) == {"failover1": ("Offline", None)}
    for host in ("sv1", "sv2"):
        assert sim("reboot", host=host).returncode == 0
    assert group_states(sim("clpstat").stdout) == {"failover1": ("Online", "sv1")}


def test_a_removed_server_runs_its_own_commands_only(sim, tmp_path):
    clpsim.remove_server(sim.state, "sv2")
    assert server_states(sim("clpstat").stdout) == {"sv1": "Online"}
    assert sim("reboot", host="sv2").returncode == 0
    assert sim("clpstat", host="sv2").returncode == 11
    res = sim("reboot", host="sv9")
    assert res.returncode != 0 and "not a simulated server" in res.stderr

"""One run per runbook of this family against the CLUSTERPRO simulator, through the real engine.

The engine executes each plan with the local transport, the simulator's fake
commands first on PATH. Manual steps are confirmed by :class:`Operator`, which
does in the simulated cluster what the step asks the operator to do in Cluster
WebUI or on the hardware (stop the cluster, add a server, change an address…),
using the simulator's own commands or state where there is no command. Each
test asserts the commands the simulator recorded against the plan and the
cluster's state at the end; the precondition tests assert that a failed
check stops the run before any change.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from clpkit.simulator import clpsim  # noqa: E402

from clpkit.problems import ClpkitError  # noqa: E402
from clpkit.runbook.engine import RunStopped, Runner, token  # noqa: E402
from clpkit.runbook.plan import Plan  # noqa: E402
from clpkit.runbook.procedures import get  # noqa: E402
from clpkit.runbook.transport import LocalTransport  # noqa: E402

#: Commands the plans run that are not CLUSTERPRO's: the real ones run (on test paths only).
REAL = {"mkdir", "grep"}
#: Commands that must be the simulator's before anything runs.
MUST_BE_SIMULATED = ("reboot", "shutdown", "hostnamectl", "ping", "mkfs", "dd", "systemctl", "chkconfig", "clpstdn")


class Cluster:
    """A simulated cluster in a temporary directory."""

    def __init__(self, root: Path, servers=("sv1", "sv2"), mirror="md1", **kw):
        self.bin, self.state = root / "simbin", root / "simstate"
        clpsim.install(self.bin, self.state, servers=servers, mirror=mirror, autostart=True, **kw)
        self.env = {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}
        for name in MUST_BE_SIMULATED:
            out = subprocess.run(f"{name} --version", shell=True, env={**os.environ, **self.env},
                                 capture_output=True, text=True)
            assert clpsim.BANNER in out.stdout, f"{name} on the test PATH is not the simulator"

        self.by_operator: list[tuple[str, str]] = []

    def sh(self, host: str, command: str) -> str:
        """Run a simulated command as the operator (recorded apart from the plan's)."""
        out = subprocess.run(command, shell=True, env={**os.environ, **self.env, "CLPKIT_HOST": host},
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        self.by_operator.append((host, command))
        return out.stdout

    def transports(self, names) -> dict[str, LocalTransport]:
        return {n: LocalTransport(n, env=self.env) for n in names}

    def server(self, name: str) -> dict:
        return json.loads((self.state / f"{name}.json").read_text())

    def cluster(self) -> dict:
        return json.loads((self.state / "cluster.json").read_text())

    def plan_calls(self) -> list[tuple[str, str]]:
        """(host, command line) of every simulated call the run made (the operator's taken out)."""
        calls = [(c["host"], " ".join(c["argv"])) for c in clpsim.calls(self.state)]
        for done in self.by_operator:
            calls.remove(done)
        return collapse(calls)


def quick(plan: Plan) -> Plan:
    """The plan with waits cut to seconds: the simulator answers at once."""
    steps = tuple(dataclasses.replace(s, timeout=min(s.timeout, 20.0)) if s.kind == "wait" else s for s in plan.steps)
    return dataclasses.replace(plan, steps=steps)


def run(cluster: Cluster, plan: Plan, tmp_path: Path, operator=None) -> Runner:
    plan = quick(plan)
    hosts = sorted({h for s in plan.steps for h in s.hosts})
    runner = Runner(plan, cluster.transports(hosts), tmp_path / "run", mode="execute", confirm=token(plan),
                    ask=operator or (lambda n, step: True), poll_interval=0.05, echo=lambda s: None)
    try:
        runner.run()
    finally:
        runner.close()
    return runner


def collapse(pairs):
    """Consecutive repeats as one: a wait step polls the same command several times."""
    return [p for i, p in enumerate(pairs) if i == 0 or pairs[i - 1] != p]


def planned(plan: Plan) -> list[tuple[str, str]]:
    """(host, command) the simulator must see, in the engine's order: step by step, host by host."""
    return collapse([(h, s.command) for s in plan.steps if s.kind != "manual" and s.command.split()[0] not in REAL
                     for h in s.hosts])


def operator(actions: dict):
    """Confirms every manual step, doing first what ``actions`` holds for its guide line."""
    def ask(n, step):
        action = actions.get(step.guide)
        if action is not None:
            action(step)
        return True
    return ask


def events(runner: Runner) -> list[dict]:
    return runner.record.events()


def completed(runner: Runner) -> bool:
    return any(e.get("event") == "run-end" for e in events(runner))


def stopped_at(tmp_path: Path, cluster: Cluster, plan: Plan, operator_=None) -> tuple[str, list]:
    """Run a plan that must stop: the message and what the simulator saw."""
    with pytest.raises(RunStopped) as err:
        run(cluster, plan, tmp_path, operator_)
    return str(err.value), cluster.plan_calls()


def make(runbook: str, **params) -> Plan:
    module = get(runbook)
    return module.plan(module.Params(**params))


# --- replace-server ------------------------------------------------------------------------------


def test_replace_server_mirror_new_disk(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.sh("sv2", "clpdown")  # sv2 fails; the mirror breaks, the group stays on sv1
    plan = make("replace-server", variant="mirror-new-disk", server="sv2", resource="md1")
    runner = run(cluster, plan, tmp_path)
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan)
    assert cluster.server("sv2")["cluster"] == "online"
    assert cluster.cluster()["mirrors"]["md1"]["status"] in ("Recovering", "Normal")
    assert cluster.sh("sv1", "clpmdstat --mirror md1").splitlines()[0].strip() == "Mirror Status: Normal"


def test_replace_server_refused_when_the_surviving_server_is_down(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.sh("sv1", "clpdown")
    cluster.sh("sv2", "clpdown")
    message, calls = stopped_at(tmp_path, cluster, make("replace-server", variant="mirror-new-disk", server="sv2"))
    assert "step 1 failed on sv1" in message and "nothing was changed" in message
    assert calls == [("sv1", "clpstat")]


# --- change-disk-fs --------------------------------------------------------------------------------


def test_change_disk_fs(tmp_path):
    cluster = Cluster(tmp_path)
    plan = make("change-disk-fs", device="/dev/sdb2", fs="xfs", resource="disk1")
    actions = {"L4103": lambda s: cluster.sh("sv1", "clpcl -t -a"), "L4145": lambda s: cluster.sh("sv1", "clpcl -s -a")}
    runner = run(cluster, plan, tmp_path, operator(actions))
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan) == [
        ("sv1", "clpstat"), ("sv1", "clproset -w -d /dev/sdb2"), ("sv1", "mkfs -t xfs /dev/sdb2"),
        ("sv1", "clproset -o -d /dev/sdb2"), ("sv1", "clpstat"),
    ]


def test_change_disk_fs_stops_before_mkfs_while_the_cluster_runs(tmp_path):
    cluster = Cluster(tmp_path)  # the operator confirms [Stop Cluster] without doing it
    message, calls = stopped_at(tmp_path, cluster, make("change-disk-fs", device="/dev/sdb2", fs="xfs"))
    assert "step 2 failed on sv1" in message
    assert calls == [("sv1", "clpstat")]  # no clproset, no mkfs


# --- resize-mirror-partition -----------------------------------------------------------------------


@pytest.mark.parametrize("disk, init, suse", [("mirror", "systemd", False), ("hybrid", "initd", True)])
def test_resize_mirror_partition(tmp_path, disk, init, suse):
    resource = "md1" if disk == "mirror" else "hd1"
    cluster = Cluster(tmp_path, mirror=resource)
    plan = make("resize-mirror-partition", disk=disk, rename="no", init=init, suse=suse, resource=resource,
                group="failover1", fs="ext4", data_partition="/dev/sdb2", initial_mkfs="off" if disk == "mirror" else "config")
    runner = run(cluster, plan, tmp_path)
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan)
    tool = "clpmdinit" if disk == "mirror" else "clphdinit"
    assert (("sv2", f"{tool} --create force {resource}")) in cluster.plan_calls()
    assert all(cluster.server(s)["services"]["clusterpro"] and cluster.server(s)["services"]["clusterpro_md"]
               for s in ("sv1", "sv2"))
    assert cluster.cluster()["groups"]["failover1"]["status"] == "Online"


def test_resize_refused_when_clpstat_does_not_show_the_resource(tmp_path):
    cluster = Cluster(tmp_path)
    plan = make("resize-mirror-partition", resource="md9", initial_mkfs="on")
    message, calls = stopped_at(tmp_path, cluster, plan)
    assert "step 1 failed on sv1: 'md9' not found in the output; nothing was changed" in message
    assert calls == [("sv1", "clpstat")]


# --- add-server / remove-server ---------------------------------------------------------------------


def test_add_server(tmp_path):
    cluster = Cluster(tmp_path)
    plan = make("add-server", server="sv3", mirror="yes")
    actions = {
        "L5698": lambda s: cluster.sh("sv1", "clpcl -t -a"),
        "L5734": lambda s: clpsim.add_server(cluster.state, "sv3"),
        "L5744": lambda s: cluster.sh("sv1", "clpcl -s -a"),
    }
    runner = run(cluster, plan, tmp_path, operator(actions))
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan) == [("sv1", "clpstat")]
    assert cluster.cluster()["servers"] == ["sv1", "sv2", "sv3"]
    assert cluster.server("sv3")["cluster"] == "online"


def test_add_server_refused_when_a_server_is_down(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.sh("sv2", "clpdown")
    message, calls = stopped_at(tmp_path, cluster, make("add-server", server="sv3"))
    assert "not online: sv2 (Offline); nothing was changed" in message
    assert calls == [("sv1", "clpstat")]


def test_remove_server(tmp_path):
    cluster = Cluster(tmp_path, servers=("sv1", "sv2", "sv3"))
    plan = make("remove-server", server="sv3", mirror="no")
    actions = {
        "L5763": lambda s: cluster.sh("sv1", "clpcl -t -a"),
        "L5783": lambda s: clpsim.remove_server(cluster.state, "sv3"),
        "L5787": lambda s: cluster.sh("sv1", "clpcl -s -a"),
    }
    runner = run(cluster, plan, tmp_path, operator(actions))
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan) == [("sv1", "clpstat"), ("sv3", "reboot")]
    assert cluster.cluster()["servers"] == ["sv1", "sv2"]


# --- change-ip / change-hostname -------------------------------------------------------------------


def _edit_config(backup: Path, edited: Path):
    """What the operator does in Cluster WebUI: the changed configuration lands in ``edited``."""
    def action(step):
        edited.mkdir(parents=True, exist_ok=True)
        shutil.copy(backup / "clp.conf", edited / "clp.conf")
    return action


def test_change_ip(tmp_path):
    cluster = Cluster(tmp_path)
    backup, edited = tmp_path / "backup", tmp_path / "new"
    plan = make("change-ip", server="sv2", new_ip="192.168.20.12", backup_dir=str(backup), edited_dir=str(edited))
    actions = {
        "L5824": _edit_config(backup, edited),
        "L5840": lambda s: clpsim.update_server(cluster.state, "sv2", addresses=["192.168.20.12"]),
    }
    runner = run(cluster, plan, tmp_path, operator(actions))
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan)
    assert ("sv1", "ping -c 3 192.168.20.12") in cluster.plan_calls()
    assert (backup / "clp.conf").exists()
    assert [cluster.server(s)["cluster"] for s in ("sv1", "sv2")] == ["online", "online"]


def test_change_ip_stops_before_the_push_when_the_address_does_not_answer(tmp_path):
    cluster = Cluster(tmp_path)
    backup, edited = tmp_path / "backup", tmp_path / "new"
    plan = make("change-ip", server="sv2", new_ip="192.168.20.12", backup_dir=str(backup), edited_dir=str(edited))
    message, calls = stopped_at(tmp_path, cluster, plan, operator({"L5824": _edit_config(backup, edited)}))
    assert "failed on sv1" in message and "100% packet loss" in message
    assert not [c for c in calls if "--push" in c[1]]


def test_change_ip_refused_when_a_server_is_down(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.sh("sv2", "clpdown")
    plan = make("change-ip", server="sv2", new_ip="192.168.20.12", backup_dir=str(tmp_path / "b"),
                edited_dir=str(tmp_path / "n"))
    message, calls = stopped_at(tmp_path, cluster, plan)
    assert "nothing was changed" in message and calls == [("sv1", "clpstat")]
    assert not (tmp_path / "b").exists()


def test_change_hostname(tmp_path):
    cluster = Cluster(tmp_path)
    backup, edited = tmp_path / "backup", tmp_path / "new"
    plan = make("change-hostname", server="sv2", new_name="db2", backup_dir=str(backup), edited_dir=str(edited))
    runner = run(cluster, plan, tmp_path, operator({"L5912": _edit_config(backup, edited)}))
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan)
    assert ("sv2", "hostnamectl set-hostname db2") in cluster.plan_calls()
    assert cluster.server("sv2")["hostname"] == "db2"
    assert "db2" in cluster.sh("sv1", "clpstat")


# --- add-resource-online ---------------------------------------------------------------------------


def _save_config_with(folder: Path, resource: str):
    def action(step):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "clp.conf").write_text(
            '<?xml version="1.0" encoding="ASCII"?>\n<root><group name="failover1">'
            f'<resource name="md@md1"/><resource name="exec@{resource}"/></group></root>\n')
    return action


def test_add_resource_online(tmp_path):
    cluster = Cluster(tmp_path)
    xml = tmp_path / "conf"
    plan = make("add-resource-online", group="failover1", type="exec", name="exec2", xml=str(xml), os="linux")
    runner = run(cluster, plan, tmp_path, operator({"L6002": _save_config_with(xml, "exec2")}))
    assert completed(runner)
    assert cluster.plan_calls() == planned(plan) == [
        ("sv1", "clpstat"), ("sv1", "clpcl --suspend"), ("sv1", f"clpcfctrl --dpush -l -x {xml}"),
        ("sv1", "clpcl --resume"), ("sv1", "clpstat"),
    ]
    assert cluster.cluster()["groups"]["failover1"] == {
        "status": "Online", "current": "sv1", "resources": ["md1", "exec2"], "autostart": True}


def test_add_resource_online_refused_when_the_group_is_not_online(tmp_path):
    cluster = Cluster(tmp_path)
    cluster.sh("sv1", "clpgrp -t failover1")
    plan = make("add-resource-online", group="failover1", xml=str(tmp_path / "conf"))
    message, calls = stopped_at(tmp_path, cluster, plan)
    assert "step 2 failed on sv1: group failover1 is Offline; nothing was changed" in message
    assert calls == [("sv1", "clpstat")]  # never suspended, never pushed

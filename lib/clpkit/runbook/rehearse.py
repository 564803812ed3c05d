"""A dress rehearsal: a runbook's plan executed against a simulated cluster built from clp.conf.

Nothing real is contacted: every server is a :mod:`clpkit.simulator` server on
this machine, and the commands run with a PATH that holds only the
simulator, so a command it does not play fails instead of reaching this
machine. The simulated cluster has clp.conf's servers, groups and mirror or
hybrid disks (with their initial mirror construction setting), starting in
the states a bundle's saved ``clpstat``/``clpmdstat`` outputs show when one
is given. The plan runs through the real engine (gates, pre-flight,
preconditions, waits, audit log); a manual step is confirmed by a simulated
operator, who does what the step asks where the simulator can (power a
server on, run the step's equivalent command) and says what it did.

The rehearsal ends in the plan's verified state, or says at which step it
would stop and why. With ``crash_every_step`` it runs the plan once per
step, "crashing" right after that step is recorded, resumes from the run
directory, and checks that no destructive command ran twice.
"""

from __future__ import annotations

import json
import re
import shlex
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clpkit.runbook.conditions import group_states, mirror_status, server_states
from clpkit.runbook.engine import Runner, RunStopped, token
from clpkit.runbook.plan import Plan, Step
from clpkit.runbook.transport import LocalTransport
from clpkit.simulator import clpsim

NOTICE = ("REHEARSAL against the clpkit CLUSTERPRO simulator: not CLUSTERPRO, no server was contacted, "
          "nothing on this machine outside the rehearsal folder was touched")
#: Seconds a simulated full copy takes, and the most a rehearsal's wait polls.
COPY_SECONDS = 0.3
WAIT_LIMIT = 20.0
#: Where the simulated servers have CLUSTERPRO installed (the runbooks' default install_root).
INSTALL_ROOT = "/opt/nec/clusterpro"
POLL = 0.05


class SimulatedCrash(BaseException):
    """The rehearsal's stand-in for clpkit dying right after a step (not an error of the plan)."""


@dataclass
class Outcome:
    """How one rehearsal ended."""

    ok: bool
    stopped_at: int | None = None
    reason: str = ""
    crash_after: int | None = None
    repeated: list[str] = field(default_factory=list)  # destructive commands that ran more often than planned
    notes: list[str] = field(default_factory=list)


# --- the simulated cluster ------------------------------------------------------------------------


def build_cluster(work: Path, config: Any = None, bundle: str | Path | None = None) -> tuple[Path, Path, list[str]]:
    """Install the simulator in ``work`` with clp.conf's servers, groups and mirrors; returns (bin, state, notes)."""
    notes: list[str] = []
    servers = [s.name for s in config.servers] if config is not None else []
    if not servers:
        servers = ["sv1", "sv2"]
        notes.append("No clp.conf: the simulated cluster is the example one (sv1, sv2, group failover1, mirror md1).")
    mirrors = [r for r in config.resources if r.type in ("md", "hd")] if config is not None else []
    partitions = {"/dev/sdb1", "/dev/sdb2"}
    mirror_state = {}
    for r in mirrors:
        settings = config.mirror(r.name)
        partitions |= {str(settings[k]) for k in ("cppath", "dppath") if settings.get(k)}
        mirror_state[r.name] = {"status": "Normal", "fullcopy": int(settings.get("fullcopy", 1) or 0),
                                "copy_seconds": COPY_SECONDS, "until": None}
    if config is not None:
        partitions |= {str(r.params.get("parameters/device")) for r in config.resources
                       if r.type == "disk" and r.params.get("parameters/device")}
    bin_dir, state = work / "bin", work / "state"
    clpsim.install(bin_dir, state, servers=tuple(servers), autostart=True, copy_seconds=COPY_SECONDS,
                   partitions=tuple(sorted(partitions)), rehearsal=True)
    if config is not None:  # each server's interconnect and mirror-connect addresses, as ip shows them
        for srv in config.servers:
            clpsim.update_server(state, srv.name, ips=[a.address for a in srv.addresses if a.address])
    for server in servers:  # each server's log folders, as an installed CLUSTERPRO has them
        for folder in ("log", "alert/log"):
            where = state / "root" / server / INSTALL_ROOT.lstrip("/") / folder
            where.mkdir(parents=True, exist_ok=True)
            (where / "simulated.log").write_text(f"a log file of the simulated {server}\n")
    cluster = json.loads((state / "cluster.json").read_text())
    if config is not None:
        cluster["name"] = config.name or cluster["name"]
        groups = {}
        for g in config.groups:
            current = next((s for s in g.servers if s in servers), servers[0])
            groups[g.name] = {"status": "Online", "current": current, "resources": [n for _, n in g.resources],
                              "autostart": True}
        cluster["groups"] = groups or cluster["groups"]
        cluster["mirrors"] = mirror_state
    notes += _apply_bundle(state, cluster, bundle) if bundle else []
    (state / "cluster.json").write_text(json.dumps(cluster, indent=1))
    return bin_dir, state, notes


def _apply_bundle(state: Path, cluster: dict, bundle: str | Path) -> list[str]:
    """Start the simulated cluster in the states a bundle's saved clpstat/clpmdstat outputs show."""
    root = Path(bundle)
    if not root.is_dir():
        return [f"{bundle}: not a folder; the simulated cluster starts healthy (unpack the collection to use its states)."]
    notes = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or not re.match(r"clp(md|hd)?stat.*\.(txt|out)$", path.name):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.name.startswith("clpstat"):
            for name, status in server_states(text).items():
                server = state / f"{name}.json"
                if server.exists() and status != "Online":
                    data = json.loads(server.read_text())
                    data["cluster"] = "offline"
                    server.write_text(json.dumps(data, indent=1))
                    notes.append(f"{path.name}: {name} is {status}.")
            for name, (status, current) in group_states(text).items():
                if name in cluster["groups"]:
                    cluster["groups"][name].update(status=status, current=current if status == "Online" else None)
                    notes.append(f"{path.name}: group {name} is {status}" + (f" on {current}." if current else "."))
        else:
            got = mirror_status(text)
            for name, mirror in cluster["mirrors"].items():
                if got and name in text:
                    mirror["status"] = got
                    notes.append(f"{path.name}: {name} is {got}.")
    return notes or [f"{bundle}: no saved clpstat/clpmdstat output; the simulated cluster starts healthy."]


# --- the simulated operator -------------------------------------------------------------------------


def operator(state: Path, env: dict[str, str], first: str, echo: Callable[[str], None]) -> Callable[[int, Step], bool]:
    """Confirms manual steps, doing in the simulated cluster what each asks where the simulator can."""

    def act(n: int, step: Step) -> bool:
        done = []
        m = re.search(r"\[Import\] the backup in (\S+) \(copy it from (\S+) .* copy it into (\S+) on (\S+), so that", step.text)
        if m:  # the WebUI edit: the exported configuration is the backup (the simulator keeps no configuration)
            backup = state / "root" / m[2] / m[1].lstrip("/") / "clp.conf"
            edited = state / "root" / m[4] / m[3].lstrip("/")
            if backup.is_file():
                edited.mkdir(parents=True, exist_ok=True)
                (edited / "clp.conf").write_bytes(backup.read_bytes())
                done.append(f"exported the configuration into {m[3]} on {m[4]}")
        m = re.search(r"select (\S+), click \[Add Resource\], choose type (\w+), name it ([^,\s]+),.* unpack it into "
                      r"(\S+) on (\S+) ", step.text)
        if m:  # the WebUI's new resource, exported: the group's resources and the new one
            group, rtype, name, folder, host = m.groups()
            held = json.loads((state / "cluster.json").read_text())["groups"].get(group, {}).get("resources", [])
            where = state / "root" / host / folder.lstrip("/")
            where.mkdir(parents=True, exist_ok=True)
            (where / "clp.conf").write_text(
                f'<?xml version="1.0" encoding="ASCII"?>\n<root><group name="{group}">'
                + "".join(f'<resource name="res@{r}"/>' for r in held) + f'<resource name="{rtype}@{name}"/></group></root>\n')
            done.append(f"exported the configuration with {rtype} resource {name} in {group} into {folder} on {host}")
        m = re.search(r"click \[Add Server\]; enter (\S+) ", step.text)
        if m and m[1] not in json.loads((state / "cluster.json").read_text())["servers"]:
            like = json.loads((state / f"{first}.json").read_text())  # installed like the servers already there
            clpsim.add_server(state, m[1], partitions=like["partitions"])
            done.append(f"added {m[1]} to the cluster (stopped until the cluster starts)")
        m = re.search(r"^On (\S+), change the address (?:(\S+) )?in the operating system's network settings to ([^;\s]+);",
                      step.text)
        if m:
            me = json.loads((state / f"{m[1]}.json").read_text())
            ips = [a for a in me.get("ips", []) if a != m[2]] + [m[3]]
            clpsim.update_server(state, m[1], ips=ips)
            done.append(f"changed the address of {m[1]}" + (f" from {m[2]}" if m[2] else "") + f" to {m[3]}")
        m = re.search(r"equivalent command: ([^)]+)\)", step.text)
        if m and m[1].split()[0] in clpsim.HANDLERS and not re.search(r"\b[A-Z]{3,}\b", m[1]):
            result = LocalTransport(step.hosts[0] if step.hosts else first, env=env).run(m[1])
            done.append(f"ran {m[1]} (exit {result.exit_code})")
        if re.search(r"\b(Start|start|Power .* on|boot)\b", step.text) and not re.search(r"\b[Ss]hut\b", step.text):
            for server in json.loads((state / "cluster.json").read_text())["servers"]:
                if json.loads((state / f"{server}.json").read_text())["power"] != "on":
                    clpsim.power_on(state, server)
                    done.append(f"powered {server} on")
        echo(f"   simulated operator, step {n}: {'; '.join(done) or 'nothing to simulate, confirmed'}")
        return True

    return act


# --- one rehearsal -----------------------------------------------------------------------------------


def rehearse(plan: Plan, config: Any = None, *, work: str | Path | None = None, bundle: str | Path | None = None,
             crash_after: int | None = None, echo: Callable[[str], None] = print) -> Outcome:
    """Run ``plan`` against a fresh simulated cluster (and, with ``crash_after``, crash there and resume)."""
    work = Path(work) if work else Path(tempfile.mkdtemp(prefix="clpkit-rehearsal-"))
    bin_dir, state, notes = build_cluster(work, config, bundle)
    env = {"PATH": str(bin_dir)}  # only the simulator: an unsimulated command fails, it never runs for real
    hosts = sorted({h for s in plan.steps for h in s.hosts} | set(json.loads((state / "cluster.json").read_text())["servers"]))
    first = plan.steps[0].hosts[0] if plan.steps and plan.steps[0].hosts else hosts[0]
    act = operator(state, env, first, echo)

    def runner(hook=None) -> Runner:
        transports = {h: LocalTransport(h, env=env) for h in hosts}
        return Runner(plan, transports, work / "run", mode="execute", confirm=token(plan), ask=act, poll_interval=POLL,
                      wait_limit=WAIT_LIMIT, echo=echo, after_step=hook)

    def crash(n: int) -> None:
        if n == crash_after:
            raise SimulatedCrash(n)

    outcome = Outcome(ok=False, crash_after=crash_after, notes=notes)
    try:
        first_run = runner(crash if crash_after else None)
        try:
            first_run.run()
        except SimulatedCrash:
            first_run.record.unlock()  # the crashed process's lock goes with it
            echo(f"   simulated crash after step {crash_after}: resuming from the run directory")
            runner().run()
        outcome.ok = True
        uncopied = sorted(n for n, m in json.loads((state / "cluster.json").read_text())["mirrors"].items() if m.get("uncopied"))
        if uncopied:
            outcome.ok = False
            outcome.reason = (f"the plan ends with {', '.join(uncopied)} Normal but never copied: both sides were "
                              "initialised with initial mirror construction off, so they hold different data; the "
                              "guide has the full copy started by hand then (L3076-3078)")
    except RunStopped as exc:
        stops = [e for e in _events(work) if e.get("event") == "run-stop"]
        outcome.stopped_at = stops[-1]["n"] if stops else None
        outcome.reason = str(exc)
    outcome.repeated = repeated_destructive(plan, clpsim.calls(state))
    if outcome.repeated:
        outcome.ok = False
    return outcome


def _events(work: Path) -> list[dict]:
    log = work / "run" / "audit.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.exists() else []


def repeated_destructive(plan: Plan, calls: list[dict]) -> list[str]:
    """Destructive (host, command) pairs the simulator saw more often than the plan has them."""
    planned = Counter((h, tuple(shlex.split(s.command))) for s in plan.steps if s.destructive and s.command for h in s.hosts)
    seen = Counter((c["host"], tuple(c["argv"])) for c in calls)
    return [f"{' '.join(cmd)} on {host}: planned {times}, ran {seen[(host, cmd)]}"
            for (host, cmd), times in planned.items() if seen[(host, cmd)] > times]


def rehearse_with_crashes(plan: Plan, config: Any = None, *, work: str | Path | None = None,
                          bundle: str | Path | None = None, echo: Callable[[str], None] = print) -> list[Outcome]:
    """One rehearsal per step, each crashing right after that step and resuming."""
    from concurrent.futures import ThreadPoolExecutor

    work = Path(work) if work else Path(tempfile.mkdtemp(prefix="clpkit-rehearsal-"))
    numbers = range(1, len(plan.steps) + 1)
    with ThreadPoolExecutor(max_workers=2) as pool:  # each rehearsal has its own simulated cluster and run folder
        out = list(pool.map(lambda n: rehearse(plan, config, work=work / f"crash-after-{n}", bundle=bundle, crash_after=n,
                                               echo=lambda s: None), numbers))
    for n, outcome in zip(numbers, out):
        echo(f"crash after step {n}: " + ("resumed to the verified state, no destructive step repeated" if outcome.ok
                                          else _failure(outcome)))
    return out


def _failure(outcome: Outcome) -> str:
    if outcome.repeated:
        return "a destructive step ran again: " + "; ".join(outcome.repeated)
    first_line = outcome.reason.splitlines()[0] if outcome.reason else "stopped"
    if outcome.stopped_at is None and outcome.reason:
        return f"would end short of the verified state: {first_line}"
    return f"would stop at step {outcome.stopped_at}: {first_line}"


def summary(outcome: Outcome) -> str:
    """One line: verified, or where and why the plan would stop."""
    if outcome.ok:
        return "the plan reached its verified state"
    return _failure(outcome)


__all__ = ["NOTICE", "Outcome", "build_cluster", "rehearse", "rehearse_with_crashes", "repeated_destructive", "summary"]

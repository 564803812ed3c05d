"""Suppress failover for a while, or undo it (guide L2364-2495).

Three ways the guide offers: stretch the heartbeat and other timeouts for a
time (``clptoratio``), suspend the monitors (``clpmonctrl``), or tell the
cluster to skip the recovery action when a monitor fails (a WebUI setting,
so a manual step).

>>> [s.command for s in plan(Params(method="timeout", ratio=40, duration="1h")).steps][1]
'clptoratio -r 40 -t 1h'
>>> [(s.hosts, s.command) for s in plan(Params(method="monitors", action="undo", server="sv2")).steps][1:]
[(('sv2',), 'clpmonctrl -r -h sv1'), (('sv2',), 'clpmonctrl -r -h sv2')]
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "suppress-failover"
GUIDE = "L2364-2495"
TITLE = "Suppress failover temporarily (timeouts, monitors, recovery action)"


@dataclass
class Params:
    method: str = "timeout"  # timeout | monitors | recovery
    action: str = "apply"  # apply | undo
    ratio: int = 40  # timeout multiplier for clptoratio -r
    duration: str = "1h"  # how long, clptoratio -t (e.g. 30m, 1h, 2d)
    server: str = ""  # monitors: the server clpmonctrl runs on, naming each server with -h; empty: each server itself
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf


def plan(params: Params, config=None) -> Plan:
    method = c.choice("method", params.method, ("timeout", "monitors", "recovery"))
    action = c.choice("action", params.action, ("apply", "undo"))
    hosts, servers_said = c.resolve_servers(params.servers, config, server=params.server)
    first = hosts[0]
    if params.server:
        c.member("server", c.name("server", params.server), hosts)
    if not re.fullmatch(r"\d+[mhd]", params.duration):
        raise c.ProcedureRefused(f"duration={params.duration!r} is not a time such as 30m, 1h or 2d")
    steps = [Step("check", "The cluster answers on the server the commands run on", hosts=(first,),
                  command="clpstat", expect=Expect("exit_zero"))]
    notes: list[str] = []
    if method == "timeout":
        if action == "apply":
            if not 1 < int(params.ratio) <= 10000:
                raise c.ProcedureRefused(f"ratio={params.ratio} is not a timeout multiplier from 2 to 10000")
            steps.append(Step("command", f"Multiply every timeout by {params.ratio} for {params.duration}", hosts=(first,),
                              command=f"clptoratio -r {int(params.ratio)} -t {params.duration}", guide="L2384"))
            steps.append(Step("check", "The new ratio is in force", hosts=(first,), command="clptoratio -s",
                              expect=Expect("output_contains", {"text": f"present toratio : {int(params.ratio)}"})))
            notes.append("The ratio reverts by itself after the duration; run this runbook with action=undo to end it sooner.")
        else:
            steps.append(Step("command", "End the temporary timeout adjustment", hosts=(first,), command="clptoratio -i", guide="L2398"))
            steps.append(Step("check", "The timeouts are back to normal", hosts=(first,), command="clptoratio -s",
                              expect=Expect("output_contains", {"text": "present toratio : 1"})))
    elif method == "monitors":
        flag = "-s" if action == "apply" else "-r"
        verb = "Suspend" if action == "apply" else "Resume"
        guide = "L2424" if action == "apply" else "L2445"
        if params.server:
            # The guide suspends the monitors of every server (L2416-2442): -h names them one by one.
            for target in hosts:
                steps.append(Step("command", f"{verb} every monitor of {target}", hosts=(params.server,),
                                  command=f"clpmonctrl {flag} -h {target}", guide=guide))
        else:
            steps.append(Step("command", f"{verb} every monitor of each server", hosts=hosts,
                              command=f"clpmonctrl {flag}", guide=guide))
    else:
        if action == "apply":
            text = ("In Cluster WebUI config mode, Cluster Properties > Recovery tab: tick the box that suppresses "
                    "the recovery action on monitor errors, then apply the configuration")
            guide = "L2471"
        else:
            text = ("In Cluster WebUI config mode, Cluster Properties > Recovery tab: clear the box that suppresses "
                    "the recovery action on monitor errors, then apply the configuration")
            guide = "L2479"
        steps.append(Step("manual", text, guide=guide))
    notes.append("The first check is not in the guide: it makes sure the cluster answers before anything is changed.")
    notes.extend(servers_said)
    return Plan(NAME, asdict(params), tuple(steps), cluster=config.name if config else None, guide_section=GUIDE,
                notes=tuple(notes))

"""Add a resource to a group without stopping the group (guide L5955-6042).

Dynamic resource addition works for five resource types only (exec, disk,
fip, vip, volmgr; CLUSTERPRO 4.0.0-1 and later) and only while every resource
of the group is online: one activation or deactivation failure in the group
turns the feature off and the group must be stopped instead. The resource is
added in Cluster WebUI's Config mode and saved; the cluster is suspended, the
saved configuration is pushed with ``clpcfctrl --dpush`` (``-l`` when the
configuration was saved on Linux, ``-w`` on Windows), the cluster resumes and
clpstat shows the new resource.

>>> p = plan(Params(group="failover1", type="fip", name="fip2", xml="/var/tmp/clpkit/clpconf-new", os="windows"))
>>> [s.command for s in p.steps if s.kind == "command"]
['clpcl --suspend', 'clpcfctrl --dpush -w -x /var/tmp/clpkit/clpconf-new', 'clpcl --resume']
>>> Params(type="md")
Traceback (most recent call last):
...
clpkit.runbook.procedures._common.ProcedureRefused: type='md' cannot be added to a running group; only exec, disk, fip, vip, volmgr can (guide L5961-5975)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "add-resource-online"
GUIDE = "L5955-6042"
TITLE = "Add a resource to a group without stopping it"

#: The resource types dynamic addition supports (guide L5965-5975), all since 4.0.0-1.
DYNAMIC_TYPES: tuple[str, ...] = ("exec", "disk", "fip", "vip", "volmgr")
#: Where Cluster WebUI saved the configuration -> clpcfctrl's format option.
OS_FLAG: dict[str, str] = {"linux": "-l", "windows": "-w"}


@dataclass(frozen=True)
class Params:
    group: str = ""  # the group that gets the resource; empty: the cluster's only group (example failover1)
    type: str = "exec"  # the new resource's type: exec, disk, fip, vip or volmgr
    name: str = ""  # the new resource's name; empty: the type and the first free number (example exec2)
    xml: str = "/var/tmp/clpkit/clpconf-new"  # directory on the console server holding the saved clp.conf
    os: str = "linux"  # where Cluster WebUI saved the configuration: linux or windows
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
    console: str = ""  # where clpcl and clpcfctrl run; empty: the first server

    def __post_init__(self) -> None:
        if self.type not in DYNAMIC_TYPES:
            raise c.ProcedureRefused(
                f"type={self.type!r} cannot be added to a running group; only {', '.join(DYNAMIC_TYPES)} can "
                "(guide L5961-5975)"
            )
        if self.group:
            c.name("group", self.group)
        if self.name:
            c.name("name", self.name)
        c.path("xml", self.xml)
        c.choice("os", self.os, tuple(OS_FLAG))
        if self.console:
            c.name("console", self.console)


def plan(params: Params, config: Any = None) -> Plan:
    """The seven steps of the guide."""
    servers, servers_said = c.resolve_servers(params.servers, config, console=params.console)
    console = c.member("console", params.console, servers) if params.console else servers[0]
    rtype = params.type
    picked = c.resolve_one("group", params.group, None if config is None else [g.name for g in config.groups],
                           "group", "failover1")
    group = picked.value
    rname = params.name or _free_name(config, rtype)
    name_note = "" if params.name else f"name={rname}: the type and the first number no resource of the cluster uses."
    if config is not None:
        taken = [r for r in config.resources if r.name == rname]
        if taken:
            raise c.ProcedureRefused(
                f"clp.conf already has a resource named {rname!r} ({taken[0].type} in group {taken[0].group})"
            )
    flag = OS_FLAG[params.os]
    steps = [
        c.check_servers_online(console, "L5994"),
        Step(
            "check",
            f"clpstat shows {group} online with every one of its resources started; a resource in "
            "activation or deactivation failure turns dynamic addition off",
            hosts=(console,),
            command="clpstat",
            expect=Expect("group_resources_online", {"group": group}),
            guide="L5998",
        ),
        c.webui(
            f"In Cluster WebUI, Config mode, select {group}, click [Add Resource], choose type {rtype}, name it "
            f"{rname}, set its properties and finish; then [Export] the configuration and unpack it into "
            f"{params.xml} on {console} ({params.os} is where it was saved)",
            "L6002",
        ),
        Step(
            "check",
            f"The saved configuration is in place on {console} and names {rname}",
            hosts=(console,),
            command=f"grep -q {rname} {params.xml}/clp.conf",
            expect=Expect("exit_zero"),
            guide="L6002",
        ),
        Step(
            "command",
            "Suspend the cluster (Cluster WebUI equivalent: Operation mode, [Suspend Cluster])",
            hosts=(console,),
            command="clpcl --suspend",
            guide="L6004",
        ),
        Step(
            "command",
            f"Push the configuration with {rname} to every server as a dynamic addition",
            hosts=(console,),
            command=f"clpcfctrl --dpush {flag} -x {params.xml}",
            guide="L6020" if params.os == "linux" else "L6026",
        ),
        Step(
            "command",
            "Resume the cluster (Cluster WebUI equivalent: Operation mode, [Resume Cluster])",
            hosts=(console,),
            command="clpcl --resume",
            guide="L6028",
        ),
        Step(
            "wait",
            f"Wait until clpstat lists {rname}",
            hosts=(console,),
            command="clpstat",
            expect=Expect("output_contains", {"text": rname}),
            timeout=300.0,
            interval=10.0,
            guide="L6032",
        ),
        Step(
            "check",
            f"{group} is still online, now with {rname}",
            hosts=(console,),
            command="clpstat",
            expect=Expect("group_online", {"group": group}),
            guide="L6032",
        ),
    ]
    notes = (
        f"Follows guide {GUIDE}.",
        "The check that the saved configuration names the new resource is not in the guide; it stops the "
        "plan before the cluster is suspended when the file is missing.",
        "With the group stopped the resource would be added stopped (L5987); the plan requires the group online.",
        *servers_said,
        *(n for n in (picked.note, name_note) if n),
    )
    return Plan(
        runbook=NAME,
        params=asdict(replace(params, group=group, name=rname)),
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=GUIDE,
        notes=notes,
    )


def _free_name(config: Any, rtype: str) -> str:
    """``exec2`` when exec1 exists: the type and the lowest number no resource of the cluster uses."""
    used = {r.name for r in config.resources} if config is not None else {f"{rtype}1"}
    n = 1
    while f"{rtype}{n}" in used:
        n += 1
    return f"{rtype}{n}"

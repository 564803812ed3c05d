"""Change the file system of a disk resource (guide L4093-4149).

With the cluster stopped, ``clproset -w`` makes the disk resource's partition
writable, ``mkfs`` creates the new file system, ``clproset -o`` makes the
partition read-only again; then the resource's file-system setting changes in
Cluster WebUI and the cluster starts again. With a clp.conf, the partition is
the resource's ``device`` setting.

>>> p = plan(Params(device="/dev/sdb5", fs="xfs"))
>>> [s.command for s in p.steps if s.kind == "command"]
['clproset -w -d /dev/sdb5', 'mkfs -t xfs /dev/sdb5', 'clproset -o -d /dev/sdb5']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "change-disk-fs"
GUIDE = "L4093-4149"
TITLE = "Change the file system of a disk resource"


@dataclass(frozen=True)
class Params:
    device: str = ""  # the disk resource's partition; empty: clp.conf's (example /dev/sdb5)
    fs: str = "ext4"  # the new file system, as mkfs -t takes it
    resource: str = ""  # the disk resource whose file system changes; empty: the cluster's only one (example disk1)
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
    server: str = ""  # where clproset and mkfs run; empty: the first server

    def __post_init__(self) -> None:
        if self.device:
            c.device("device", self.device)
        c.filesystem("fs", self.fs)
        if self.resource:
            c.name("resource", self.resource)
        if self.server:
            c.name("server", self.server)


def plan(params: Params, config: Any = None) -> Plan:
    """Stop the cluster, re-create the file system between clproset -w and -o, change the setting, start."""
    servers, servers_said = c.resolve_servers(params.servers, config, server=params.server)
    host = c.member("server", params.server, servers) if params.server else servers[0]
    notes = [
        "The check that the cluster is stopped is not a step of the guide: it enforces the guide's warning "
        "that clproset with the CLUSTERPRO daemons running can break the file system (L4119-4123).",
        "The final wait (every server online) verifies the restart the guide ends with.",
        *servers_said,
    ]
    picked = c.resolve_one("resource", params.resource, None if config is None else
                           [r.name for r in config.resources if r.type == "disk"], "disk resource", "disk1")
    resource = picked.value
    notes.append(picked.note)
    dev = params.device or "/dev/sdb5"
    if config is None and not params.device:
        notes.append("No clp.conf and no device=: the plan shows the example partition /dev/sdb5.")
    if config is not None:
        known = c.conf(config, f"/root/resource/disk@{resource}/parameters/device")
        if known:
            c.device("device (clp.conf)", known)
            if params.device and known != params.device:
                notes.append(f"The partition comes from clp.conf ({known}), not from device={params.device}.")
            dev = known
        elif not params.device:
            raise c.ProcedureRefused(f"clp.conf names no device for {resource}: give -p device=/dev/…")
    if c.raw_device(params.fs):
        raise c.ProcedureRefused("fs=none is not a file system to create; this procedure changes a disk resource's file system")

    steps = [
        c.webui_stop_cluster("L4103"),
        Step(
            "check",
            "clpstat shows the cluster stopped before the partition is made writable",
            hosts=(host,),
            command="clpstat",
            expect=Expect("servers_offline"),
            guide="L4121",
        ),
        Step(
            "command",
            f"Make {dev} readable and writable whatever CLUSTERPRO does (only for this procedure)",
            hosts=(host,),
            command=f"clproset -w -d {dev}",
            guide="L4111",
        ),
        Step(
            "command",
            f"Create the {params.fs} file system on {dev}",
            hosts=(host,),
            command=f"mkfs -t {params.fs} {dev}",
            destructive=True,
            guide="L4127",
        ),
        Step(
            "command",
            f"Set {dev} back to read-only",
            hosts=(host,),
            command=f"clproset -o -d {dev}",
            guide="L4135",
        ),
        c.webui(
            f"In Cluster WebUI, Config mode, open the properties of {resource}, [Details] tab, "
            f"set [File System] to {params.fs} and click [OK]",
            "L4139",
        ),
        c.webui_apply("L4143"),
        c.webui_start_cluster("L4145"),
        c.wait_servers_online(host, "L4149"),
    ]
    return Plan(
        runbook=NAME,
        params={**asdict(params), "resource": resource, "device": dev},
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=GUIDE,
        notes=tuple(notes),
    )

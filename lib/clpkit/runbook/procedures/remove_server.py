"""Remove a server from the cluster (guide L5749-5805).

Move its groups away, stop the cluster (and the mirror agents when mirror or
hybrid disks exist), remove those disk resources, the server's server-group
membership and the server itself in Cluster WebUI, apply, start again, check,
then uninstall CLUSTERPRO from the removed server and reboot it from the OS.

>>> p = plan(Params(server="sv3", servers="sv1,sv2,sv3", mirror="no"))
>>> [s.command for s in p.steps if s.kind != "manual"]
['clpstat', 'clpstat', 'reboot']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clpkit.runbook.plan import Plan, Step
from clpkit.runbook.procedures import _common as c
from clpkit.runbook.procedures.add_server import MIRROR_TYPES, has_mirrors, mirror_agent_step

NAME = "remove-server"
GUIDE = "L5749-5805"
TITLE = "Remove a server from the cluster"


@dataclass(frozen=True)
class Params:
    server: str = ""  # the server to remove; empty: the cluster's only candidate (example sv3)
    servers: str = ""  # sv1,sv2,sv3; empty: the servers of clp.conf (example sv1,sv2,sv3 without one)
    mirror: str = "config"  # mirror or hybrid disk resources exist: config, yes or no

    def __post_init__(self) -> None:
        if self.server:
            c.name("server", self.server)
        c.choice("mirror", self.mirror, ("config", "yes", "no"))


def plan(params: Params, config: Any = None) -> Plan:
    """The eleven steps of the guide."""
    example = ("sv1", "sv2", "sv3")
    servers, servers_said = c.resolve_servers(params.servers, config, example, server=params.server)
    picked = c.resolve_one("server", params.server, None if config is None else list(servers), "server", "sv3")
    gone = c.member("server", picked.value, servers)
    rest = [s for s in servers if s != gone]
    if not rest:
        raise c.ProcedureRefused(f"{gone} is the only server; removing it leaves no cluster")
    first = rest[0]
    mirrors = has_mirrors(params.mirror, config)
    names = sorted(r.name for r in c.resources_of_types(config, MIRROR_TYPES))
    notes = [
        f"Follows guide {GUIDE}.",
        "Make no other change (groups, resources) in the same configuration change (guide L5753).",
        *servers_said,
        picked.note,
    ]
    steps: list[Step] = [
        c.check_servers_online(first, "L5759"),
        c.webui(
            f"Move every group active on {gone} to another server in Cluster WebUI (Operation mode, the "
            "group, [Move])",
            "L5759",
            f"clpgrp -m GROUP -h {first}",
        ),
        c.webui_stop_cluster("L5763"),
        *mirror_agent_step("Stop", mirrors, "L5765"),
        c.webui(f"Open Cluster WebUI on {first}, a server that stays in the cluster", "L5769"),
    ]
    if mirrors is not False:
        which = ", ".join(names) if names else "each mirror and hybrid disk resource"
        when = "" if mirrors else "If the cluster has mirror or hybrid disk resources: "
        steps.append(c.webui(f"{when}In Cluster WebUI, Config mode, click [Remove Resource] for {which}", "L5771"))
        if names:
            notes.append(f"clp.conf names the mirror and hybrid disk resources to remove: {', '.join(names)}.")
    steps += [
        c.webui(
            f"If {gone} belongs to a server group: in Cluster WebUI, Config mode, open [Properties] of the "
            f"servers, [Server Group] tab, and remove {gone} from the servers that can run it",
            "L5775",
        ),
        c.webui(f"In Cluster WebUI, Config mode, click [Remove Server] for {gone}", "L5781"),
        c.webui_apply("L5783"),
        *mirror_agent_step("Start", mirrors, "L5787"),
        c.webui_start_cluster("L5787"),
        c.wait_servers_online(first, "L5791", rest),
        Step(
            "manual",
            f"Uninstall the CLUSTERPRO Server package from {gone} (installation guide, chapter 10); skip the "
            "reboot that procedure asks for, the next step does it",
            hosts=(gone,),
            guide="L5795",
        ),
        c.reboot((gone,), "L5803", f"Reboot {gone} from the operating system"),
    ]
    return Plan(
        runbook=NAME,
        params={**asdict(params), "server": gone},
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=GUIDE,
        notes=tuple(notes),
    )

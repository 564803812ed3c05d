"""Add a server to a running cluster (guide L5676-5748).

Almost everything happens in Cluster WebUI: stop the cluster (and the mirror
agents when mirror or hybrid disks exist), add the server in Config mode,
complete its per-server settings, apply, start again, and check that every
server, the new one included, is online. The guide forbids mixing other
configuration changes into this one.

>>> p = plan(Params(server="sv3", servers="sv1,sv2", mirror="no"))
>>> [(s.kind, s.guide) for s in p.steps][:3]
[('check', 'L5686'), ('manual', 'L5688'), ('manual', 'L5698')]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clpkit.runbook.plan import Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "add-server"
GUIDE = "L5673-5748"
TITLE = "Add a server to the cluster"

#: Resource types with a per-server setting the new server needs (guide L5708-5724):
#: type -> what to fill in, on the resource's [Details] tab.
PER_SERVER: dict[str, str] = {
    "vip": "the source IP address of the new server (virtual IP resource)",
    "awseip": "the ENI ID of the new server (AWS Elastic IP resource)",
    "awsvip": "the ENI ID of the new server (AWS virtual IP resource)",
    "azuredns": "the IP address of the new server (Azure DNS resource)",
}
MIRROR_TYPES = ("md", "hd")


@dataclass(frozen=True)
class Params:
    server: str = ""  # the server to add; required with a clp.conf (example sv3)
    servers: str = ""  # the servers already in the cluster; empty: those of clp.conf (example sv1,sv2)
    mirror: str = "config"  # mirror or hybrid disk resources exist: config, yes or no
    hybrid: bool = False  # the new server will run hybrid disk resources (joins a server group)

    def __post_init__(self) -> None:
        if self.server:
            c.name("server", self.server)
        c.choice("mirror", self.mirror, ("config", "yes", "no"))


def has_mirrors(setting: str, config: Any) -> bool | None:
    """Whether mirror or hybrid disk resources exist: the parameter, else clp.conf, else unknown."""
    if setting != "config":
        return setting == "yes"
    if config is None:
        return None
    return bool(c.resources_of_types(config, MIRROR_TYPES))


def mirror_agent_step(action: str, mirrors: bool | None, guide: str) -> list[Step]:
    """[Stop/Start Mirror Agent] in Cluster WebUI when mirror or hybrid disks exist."""
    if mirrors is False:
        return []
    when = "" if mirrors else "If the cluster has mirror or hybrid disk resources: "
    return [c.webui(f"{when}In Cluster WebUI, Operation mode, click [{action} Mirror Agent] and confirm", guide)]


def plan(params: Params, config: Any = None) -> Plan:
    """The eleven steps of the guide."""
    servers, servers_said = c.resolve_servers(params.servers, config)
    picked = c.required_new("server", params.server, config, "sv3", "the new server's host name")
    new = picked.value
    if new in servers:
        raise c.ProcedureRefused(f"server={new!r} is already a server of the cluster ({', '.join(servers)})")
    first = servers[0]
    mirrors = has_mirrors(params.mirror, config)
    notes = [
        f"Follows guide {GUIDE}.",
        "Make no other change (groups, resources) in the same configuration change (guide L5680).",
        *servers_said,
        *(n for n in (picked.note,) if n),
    ]
    steps: list[Step] = [
        c.check_servers_online(first, "L5686"),
        Step(
            "manual",
            f"Install the CLUSTERPRO Server package on {new} (installation guide, chapter 3) and reboot it "
            "once the installation ends",
            hosts=(new,),
            guide="L5688",
        ),
        c.webui_stop_cluster("L5698"),
        *mirror_agent_step("Stop", mirrors, "L5700"),
        c.webui(
            f"Open Cluster WebUI on {first} (a server already in the cluster), switch to Config mode and "
            f"click [Add Server]; enter {new} and its interconnect addresses",
            "L5704",
        ),
    ]
    if config is None:
        wanted = list(PER_SERVER.values())
        prefix = "For each of these resources the cluster uses, "
    else:
        present = {r.type for r in c.resources_of_types(config, PER_SERVER)}
        wanted = [text for rtype, text in PER_SERVER.items() if rtype in present]
        prefix = ""
    if wanted:
        steps.append(
            c.webui(
                f"{prefix}In Cluster WebUI, Config mode, open the resource's [Properties], [Details] tab and "
                f"set {'; '.join(wanted)}",
                "L5708",
            )
        )
    if params.hybrid:
        steps.append(
            c.webui(
                f"In Cluster WebUI, Config mode, open [Properties] of the servers, [Server Group] tab, and add "
                f"{new} to the servers that can run each server group it joins (only those)",
                "L5726",
            )
        )
    steps += [
        c.webui(
            "In Cluster WebUI, Config mode, click [Apply the Configuration File]; answer [OK] when asked "
            "to restart the manager",
            "L5734",
            "clpcfctrl --push -l -x DIR with the configuration saved from Config mode",
        ),
        *mirror_agent_step("Start", mirrors, "L5740"),
        c.webui_start_cluster("L5744"),
        c.wait_servers_online(first, "L5746", (*servers, new)),
    ]
    return Plan(
        runbook=NAME,
        params={**asdict(params), "server": new},
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=GUIDE,
        notes=tuple(notes),
    )

"""Change a server's host name (guide L5894-5954).

The configuration is backed up with ``clpcfctrl --pull`` and edited in
Cluster WebUI, the CLUSTERPRO daemon is kept from starting, the cluster shuts
down with a reboot, the host name changes (``hostnamectl`` on systemd), the
other servers check the new name with ping, the edited configuration is pushed
with ``clpcfctrl --push``, the daemon is enabled again and every server
reboots.

>>> p = plan(Params(server="sv2", new_name="db2", servers="sv1,sv2"))
>>> [s.command for s in p.steps if s.kind == "command"][-7:-4]
['hostnamectl set-hostname db2', 'clpcfctrl --push -l -x /var/tmp/clpkit/clpconf-new', 'systemctl enable clusterpro_md']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "change-hostname"
GUIDE = "L5894-5954"
TITLE = "Change a server's host name"

LINES = dict(
    check="L5902", backup="L5906", edit="L5912", disable="L5916", shutdown="L5924", change="L5928",
    verify="L5932", push="L5934", enable="L5936", reboot="L5938", final="L5940",
)


@dataclass(frozen=True)
class Params:
    server: str = ""  # the server's current host name; empty: the cluster's only one (example sv2)
    new_name: str = ""  # its new host name; required with a clp.conf (example sv2-new)
    init: str = "systemd"  # systemd or initd
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
    console: str = ""  # where clpcfctrl and clpstdn run; empty: the first other server
    backup_dir: str = "/var/tmp/clpkit/clpconf-backup"  # on the console server; survives the reboots
    edited_dir: str = "/var/tmp/clpkit/clpconf-new"  # where the edited configuration is put

    def __post_init__(self) -> None:
        if self.server:
            c.name("server", self.server)
        if self.new_name:
            c.name("new_name", self.new_name)
        c.choice("init", self.init, c.INIT_SYSTEMS)
        c.path("backup_dir", self.backup_dir)
        c.path("edited_dir", self.edited_dir)
        if self.backup_dir.rstrip("/") == self.edited_dir.rstrip("/"):
            raise c.ProcedureRefused("backup_dir and edited_dir must differ: the backup is what undoes the change")
        if self.console:
            c.name("console", self.console)
        if self.new_name and self.new_name == self.server:
            raise c.ProcedureRefused(f"new_name={self.new_name!r} is the current name of the server")


def plan(params: Params, config: Any = None) -> Plan:
    """The eleven steps of the guide."""
    servers, servers_said = c.resolve_servers(params.servers, config, server=params.server, console=params.console)
    picked = c.resolve_one("server", params.server, None if config is None else list(servers), "server", "sv2")
    server = c.member("server", picked.value, servers)
    new_pick = c.required_new("new_name", params.new_name, config, f"{server}-new", "the server's new host name")
    params = replace(params, server=server, new_name=new_pick.value)
    if params.new_name in servers:
        raise c.ProcedureRefused(f"new_name={params.new_name!r} is already the name of a server of the cluster")
    others = [s for s in servers if s != server]
    if not others:
        raise c.ProcedureRefused(f"{server} is the only server; the plan needs another one to check the new name from")
    console = c.member("console", params.console, servers) if params.console else others[0]
    if console == server:
        raise c.ProcedureRefused("console must be another server than the one being renamed")
    new = params.new_name
    if params.init == "systemd":
        rename = Step(
            "command",
            f"Set the host name of {server} to {new}",
            hosts=(server,),
            command=f"hostnamectl set-hostname {new}",
            guide=LINES["change"],
        )
    else:
        rename = Step(
            "manual",
            f"On {server}, set the host name to {new} in the operating system's settings "
            "(/etc/sysconfig/network or /etc/hostname)",
            hosts=(server,),
            guide=LINES["change"],
        )
    change_steps = [
        rename,
        Step(
            "manual",
            f"Make {new} resolve on every server (DNS or /etc/hosts) and reboot {server} if the change needs it",
            hosts=tuple(servers),
            guide=LINES["change"],
        ),
    ]
    verify_steps = [
        Step(
            "check",
            f"{new} answers ping from the other servers",
            hosts=tuple(others),
            command=f"ping -c 3 {new}",
            expect=Expect("exit_zero"),
            guide=LINES["verify"],
        )
    ]
    renamed = [new if s == server else s for s in servers]
    steps = c.offline_config_change(
        servers=servers,
        console=console,
        init=params.init,
        backup_dir=params.backup_dir,
        edited_dir=params.edited_dir,
        lines=LINES,
        edit_text=f"rename the server {server} to {new}",
        change_steps=change_steps,
        verify_steps=verify_steps,
        final_servers=renamed,
    )
    notes = (
        f"Follows guide {GUIDE}.",
        "The guide disables 'the CLUSTERPRO daemon' as the installation guide describes; the plan switches "
        f"off and on the four services the guide lists for that ({', '.join(c.DAEMON)}, L2502-2530), so the "
        "mirror agent does not start on the old configuration either.",
        f"Steps keep calling the server {server} (its name when the plan was made); the last check "
        f"expects clpstat to list it as {new}.",
        *servers_said,
        *(n for n in (picked.note, new_pick.note) if n),
    )
    return Plan(
        runbook=NAME,
        params=asdict(params),
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=GUIDE,
        notes=notes,
    )

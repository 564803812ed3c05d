"""Change a server's interconnect or mirror-connect IP address, or only its subnet mask (guide L5806-5893).

``change=address`` follows L5812-5854 (a new interconnect or mirror disk
connect address); ``change=netmask`` follows L5855-5893 (the interconnect's
subnet mask only, ``new_ip`` given with its prefix). Both back the
configuration up with ``clpcfctrl --pull``, edit it in Cluster WebUI, keep the
CLUSTERPRO daemon from starting, shut the cluster down with a reboot, change
the address, check it with ping, push the edited configuration with
``clpcfctrl --push``, let the daemon start again and reboot.

>>> p = plan(Params(server="sv2", new_ip="192.168.10.12", servers="sv1,sv2"))
>>> [s.command for s in p.steps if s.kind != "manual"]  # doctest: +NORMALIZE_WHITESPACE
['clpstat', 'mkdir -p /var/tmp/clpkit/clpconf-backup',
 'clpcfctrl --pull -l -x /var/tmp/clpkit/clpconf-backup', 'systemctl disable clusterpro_alertsync',
 'systemctl disable clusterpro_webmgr', 'systemctl disable clusterpro', 'systemctl disable clusterpro_md', 'clpstdn -r',
 'ping -c 3 192.168.10.12', 'clpcfctrl --push -l -x /var/tmp/clpkit/clpconf-new',
 'systemctl enable clusterpro_md', 'systemctl enable clusterpro', 'systemctl enable clusterpro_webmgr',
 'systemctl enable clusterpro_alertsync', 'reboot', 'clpstat']
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass
from typing import Any

from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "change-ip"
GUIDE = "L5806-5893"
TITLE = "Change a server's interconnect or mirror-connect IP address, or its subnet mask"

#: change -> guide line of each step of the shared pattern.
LINES: dict[str, dict[str, str]] = {
    "address": dict(
        section="L5812-5854", check="L5814", backup="L5818", edit="L5824", disable="L5828", shutdown="L5836",
        change="L5840", verify="L5844", push="L5846", enable="L5848", reboot="L5850", final="L5852",
    ),
    "netmask": dict(
        section="L5855-5893", check="L5857", backup="L5861", edit="L5867", disable="L5871", shutdown="L5873",
        change="L5877", verify="L5883", push="L5885", enable="L5887", reboot="L5889", final="L5891",
    ),
}


@dataclass(frozen=True)
class Params:
    server: str = "sv2"  # the server whose address changes
    new_ip: str = "192.168.10.12"  # the new address; for a netmask change, address/prefix (e.g. 192.168.10.12/25)
    change: str = "address"  # address (interconnect or mirror connect) or netmask (subnet mask only)
    init: str = "systemd"  # systemd or initd
    suse: bool = False  # SUSE: chkconfig --del takes --force
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
    console: str = ""  # where clpcfctrl and clpstdn run; empty: the first server not being changed
    backup_dir: str = "/var/tmp/clpkit/clpconf-backup"  # on the console server; survives the reboots
    edited_dir: str = "/var/tmp/clpkit/clpconf-new"  # where the edited configuration is put

    def __post_init__(self) -> None:
        c.name("server", self.server)
        c.choice("change", self.change, tuple(LINES))
        c.choice("init", self.init, c.INIT_SYSTEMS)
        c.path("backup_dir", self.backup_dir)
        c.path("edited_dir", self.edited_dir)
        if self.backup_dir.rstrip("/") == self.edited_dir.rstrip("/"):
            raise c.ProcedureRefused("backup_dir and edited_dir must differ: the backup is what undoes the change")
        if self.console:
            c.name("console", self.console)
        try:
            iface = ipaddress.ip_interface(self.new_ip)
        except ValueError:
            raise c.ProcedureRefused(f"new_ip={self.new_ip!r} is not an IP address (e.g. 192.168.10.12)") from None
        if self.change == "netmask" and "/" not in self.new_ip:
            raise c.ProcedureRefused(
                f"change=netmask needs new_ip with the new prefix, e.g. {iface.ip}/25"
            )

    @property
    def address(self) -> str:
        return str(ipaddress.ip_interface(self.new_ip).ip)


def plan(params: Params, config: Any = None) -> Plan:
    """The eleven steps of the guide for the chosen change."""
    lines = LINES[params.change]
    servers, servers_said = c.resolve_servers(params.servers, config, server=params.server, console=params.console)
    server = c.member("server", params.server, servers)
    others = [s for s in servers if s != server]
    if not others:
        raise c.ProcedureRefused(f"{server} is the only server; the plan needs another one to check the new address from")
    console = c.member("console", params.console, servers) if params.console else others[0]
    if params.change == "address":
        what = f"the interconnect or mirror disk connect address of {server} to {params.address}"
        edit = f"in [Server Properties] of {server}, [Interconnect] or [Mirror connect] tab, set the address to {params.address}"
        os_change = (
            f"On {server}, change the address in the operating system's network settings to {params.new_ip}; "
            "reboot it if the change needs a reboot"
        )
    else:
        iface = ipaddress.ip_interface(params.new_ip)
        what = f"the subnet mask of the interconnect address {iface.ip} of {server} to {iface.netmask}"
        edit = f"apply the change for {server} where the configuration holds it"
        os_change = (
            f"On {server}, change the subnet mask of {iface.ip} to {iface.netmask} (/{iface.network.prefixlen}) "
            "in the operating system's network settings; reboot it if the change needs a reboot"
        )
    change_steps = [Step("manual", os_change, hosts=(server,), guide=lines["change"])]
    verify_steps = [
        Step(
            "check",
            f"{params.address} answers ping from the other servers",
            hosts=tuple(others),
            command=f"ping -c 3 {params.address}",
            expect=Expect("exit_zero"),
            guide=lines["verify"],
        )
    ]
    steps = c.offline_config_change(
        servers=servers,
        console=console,
        init=params.init,
        suse=params.suse,
        backup_dir=params.backup_dir,
        edited_dir=params.edited_dir,
        lines=lines,
        edit_text=edit,
        change_steps=change_steps,
        verify_steps=verify_steps,
        final_servers=servers,
    )
    notes = (
        f"Follows guide {lines['section']}: changes {what}.",
        "The guide disables 'the CLUSTERPRO daemon' as the installation guide describes; the plan "
        "switches the clusterpro service off and on (systemctl or chkconfig).",
        f"If the plan reaches {server} over SSH by the address being changed, map {server} to its new "
        "address before the steps after the change.",
        *servers_said,
    )
    return Plan(
        runbook=NAME,
        params=asdict(params),
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=lines["section"],
        notes=notes,
    )

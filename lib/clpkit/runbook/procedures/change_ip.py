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
from dataclasses import asdict, dataclass, replace
from typing import NamedTuple
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
    server: str = ""  # the server whose address changes; empty: the cluster's only candidate (example sv2)
    new_ip: str = ""  # the new address (required with a clp.conf; example 192.168.10.12); for a netmask change, address/prefix
    device: str = ""  # the device id in clp.conf whose address changes; empty: the server's only address
    subnet_check: bool = True  # refuse a new address outside the subnet of the other servers' same device
    change: str = "address"  # address (interconnect or mirror connect) or netmask (subnet mask only)
    init: str = "systemd"  # systemd or initd
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
    console: str = ""  # where clpcfctrl and clpstdn run; empty: the first server not being changed
    backup_dir: str = "/var/tmp/clpkit/clpconf-backup"  # on the console server; survives the reboots
    edited_dir: str = "/var/tmp/clpkit/clpconf-new"  # where the edited configuration is put

    def __post_init__(self) -> None:
        if self.server:
            c.name("server", self.server)
        if self.device and not self.device.isdigit():
            raise c.ProcedureRefused(f"device={self.device!r} is not a device id (a number such as 0 or 400)")
        c.choice("change", self.change, tuple(LINES))
        c.choice("init", self.init, c.INIT_SYSTEMS)
        c.path("backup_dir", self.backup_dir)
        c.path("edited_dir", self.edited_dir)
        if self.backup_dir.rstrip("/") == self.edited_dir.rstrip("/"):
            raise c.ProcedureRefused("backup_dir and edited_dir must differ: the backup is what undoes the change")
        if self.console:
            c.name("console", self.console)
        if not self.new_ip:
            return
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
    picked = c.resolve_one("server", params.server, None if config is None else list(servers), "server", "sv2")
    server = c.member("server", picked.value, servers)
    example = "192.168.10.12/25" if params.change == "netmask" else "192.168.10.12"
    new_pick = c.required_new("new_ip", params.new_ip, config, example, "the new address")
    params = replace(params, server=server, new_ip=new_pick.value)
    target = _target(params, config, server)
    others = [s for s in servers if s != server]
    if not others:
        raise c.ProcedureRefused(f"{server} is the only server; the plan needs another one to check the new address from")
    console = c.member("console", params.console, servers) if params.console else others[0]
    if params.change == "address":
        what = f"{target.what} of {server} to {params.address}"
        edit = f"in [Server Properties] of {server}, [Interconnect] or [Mirror connect] tab, set {target.what} to {params.address}"
        os_change = (
            f"On {server}, change the address {target.old + ' ' if target.old else ''}in the operating system's "
            f"network settings to {params.new_ip}; "
            "reboot it if the change needs a reboot"
        )
    else:
        iface = ipaddress.ip_interface(params.new_ip)
        what = f"the subnet mask of {target.what} of {server} to {iface.netmask}"
        edit = f"apply the change for {server} where the configuration holds it"
        os_change = (
            f"On {server}, change the subnet mask of {iface.ip} to {iface.netmask} (/{iface.network.prefixlen}) "
            "in the operating system's network settings; reboot it if the change needs a reboot"
        )
    change_steps = [Step("manual", os_change, hosts=(server,), guide=lines["change"])]
    if target.old:
        change_steps.insert(0, Step(
            "check", f"{server} still has the old address {target.old} before it is changed", hosts=(server,),
            command="ip -o addr show", expect=Expect("output_contains", {"text": f" {target.old}/"}),
            guide=lines["change"],
        ))
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
        "The guide disables 'the CLUSTERPRO daemon' as the installation guide describes; the plan switches "
        f"off and on the four services the guide lists for that ({', '.join(c.DAEMON)}, L2502-2530), so the "
        "mirror agent does not start on the old configuration either.",
        f"If the plan reaches {server} over SSH by the address being changed, map {server} to its new "
        "address before the steps after the change.",
        *servers_said,
        *(n for n in (picked.note, new_pick.note, *target.notes) if n),
    )
    return Plan(
        runbook=NAME,
        params=asdict(params),
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=lines["section"],
        notes=notes,
    )


class Target(NamedTuple):
    """What changes: the words for it, the old address (None without clp.conf) and notes."""

    what: str
    old: str | None
    notes: tuple[str, ...]


def _target(params: Params, config: Any, server: str) -> Target:
    """The device and old address that change, from clp.conf, and the subnet check against the other servers."""
    if config is None:
        return Target("the interconnect or mirror disk connect address", None, (
            "No clp.conf: the plan cannot name the device and the old address, nor check the subnet.",))
    srv = next(s for s in config.servers if s.name == server)
    by_address: dict[str, list] = {}
    for a in srv.addresses:
        if a.address:
            by_address.setdefault(a.address, []).append(a)
    listing = "; ".join(
        f"device {', '.join(a.device for a in devs)} {addr} ({', '.join(sorted({a.role for a in devs}))})"
        for addr, devs in by_address.items()) or "none"
    new = ipaddress.ip_interface(params.new_ip)
    if params.device:
        old = next((addr for addr, devs in by_address.items() if any(a.device == params.device for a in devs)), None)
        if old is None:
            raise c.ProcedureRefused(f"device={params.device} is not an interconnect or mirror-connect device of {server} "
                                     f"(clp.conf: {listing})")
    elif params.change == "netmask" and str(new.ip) in by_address:
        old = str(new.ip)
    elif len(by_address) == 1:
        old = next(iter(by_address))
    elif not by_address:
        raise c.ProcedureRefused(f"clp.conf gives {server} no interconnect or mirror-connect address to change")
    else:
        raise c.ProcedureRefused(f"{server} has several addresses in clp.conf: {listing}; choose one with -p device=ID")
    devs = by_address[old]
    ids = sorted({a.device for a in devs}, key=int)
    what = f"device {', '.join(ids)} ({' and '.join(sorted({a.role for a in devs}))}, now {old})"
    notes = [f"From clp.conf: the address that changes is {old}, device {', '.join(ids)} of {server}."]
    if params.change == "netmask" and str(new.ip) != old:
        raise c.ProcedureRefused(f"change=netmask keeps the address: new_ip={params.new_ip} should carry the old address {old} "
                                 "with the new prefix")
    if params.change == "address":
        for s in config.servers:
            for a in s.addresses:
                if a.address == str(new.ip):
                    raise c.ProcedureRefused(f"new_ip {new.ip} is already device {a.device} of {s.name} in clp.conf")
    peers = sorted({a.address for s in config.servers if s.name != server for a in s.addresses
                    if a.device in ids and a.address})
    network = new.network if "/" in params.new_ip else ipaddress.ip_interface(f"{new.ip}/24").network
    outside = [p for p in peers if ipaddress.ip_address(p) not in network]
    if "/" not in params.new_ip:
        notes.append(f"Subnet check with the prefix /24 assumed (clp.conf holds no prefix); give new_ip=ADDRESS/PREFIX "
                     "for another one.")
    if outside and params.subnet_check:
        raise c.ProcedureRefused(
            f"new_ip {new.ip} is not in {network}, the subnet of the other servers' device {', '.join(ids)} "
            f"({', '.join(outside)}): give new_ip with its prefix if the subnet is wider, or -p subnet_check=false "
            "when every server moves to the new subnet (then change each of them)"
        )
    if outside:
        notes.append(f"subnet_check=false: the other servers' device {', '.join(ids)} ({', '.join(outside)}) are outside "
                     f"{network}; they must move as well before the cluster can use the interconnect.")
    elif peers:
        notes.append(f"Subnet check: the other servers' device {', '.join(ids)} ({', '.join(peers)}) are in {network}.")
    return Target(what, old, tuple(notes))

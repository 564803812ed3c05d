"""Replace a mirror or hybrid disk (guide L2496-3084).

Three layouts: one plain disk on one server (L2496-2699), a RAID disk on one
server (L2700-2958), or the disks of both servers, which loses the mirrored
data (L2959-3084). On one server the copy from the other side runs either
while the application keeps running there (``copy=online``, the guide's
(A)) or with the group stopped until the copy ends (``copy=offline``, (B)).
What the cluster does by itself depends on two settings of the mirror
resource in clp.conf: ``fullcopy`` (initial mirror construction) and
``mkfs`` (initial mkfs); the plan adds the manual commands the guide asks
for when they are off.

>>> p = plan(Params(layout="raid", raid_method="dd", cppath="/dev/sdb1"))
>>> [s.command for s in p.steps if s.destructive and s.command]
['clpdown', 'dd if=/dev/zero of=/dev/sdb1', 'clpmdinit --create quick md1', 'reboot']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from clpkit.runbook import facts
from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "replace-mirror-disk"
GUIDE = "L2496-3084"
#: dd without a count ends when the partition is full, with exit status 1 and this
#: message; the guide says the message is expected (L2833), so it is the success test.
DD_FILLED = Expect("output_contains", {"text": "No space left on device"})
#: The services this procedure switches off and on (guide L2517-2527, L2625-2645):
#: four of the six; clusterpro_evt and clusterpro_trn stay on.
SERVICES = ("clusterpro_md", "clusterpro", "clusterpro_webmgr", "clusterpro_alertsync")
TITLE = "Replace a mirror or hybrid disk (one server, RAID, or both servers)"


@dataclass
class Params:
    disk: str = "mirror"  # mirror | hybrid
    layout: str = "single"  # single (one plain disk) | raid | both (the disks of both servers)
    copy: str = "online"  # online: copy while the group runs on the source (A); offline: group stopped (B)
    init: str = "systemd"  # systemd | initd
    suse: bool = False  # SUSE: chkconfig --del takes --force
    resource: str = ""  # mirror (md) or hybrid (hd) disk resource; empty: the cluster's only one (example md1)
    group: str = ""  # the group holding the resource; empty: from clp.conf, else failover1
    server: str = ""  # the server whose disk is replaced; empty: the only one that fits (example sv2)
    source: str = ""  # the server the data is copied from; empty: the other server of the resource (example sv1)
    raid_method: str = "mkinit"  # raid: mkinit (clpmdinit --create force) | dd (dd + --create quick)
    reuse: bool = False  # the new disk was a mirror/hybrid disk before: clear its cluster partition
    cppath: str = ""  # cluster partition device; empty: from clp.conf (diskdev/cppath)
    dppath: str = ""  # data partition device; empty: from clp.conf (diskdev/dppath)
    fs: str = ""  # filesystem for a manual mkfs (layout both, mkfs off); empty: from clp.conf, else ext4
    bundle: str = ""  # a log collection: estimate the full-copy time from its mirror statistics
    data_size: str = ""  # data partition size for the estimate, e.g. 500G


def plan(params: Params, config=None) -> Plan:
    disk = c.choice("disk", params.disk, c.DISKS)
    layout = c.choice("layout", params.layout, ("single", "raid", "both"))
    copy = c.choice("copy", params.copy, ("online", "offline"))
    init = c.choice("init", params.init, c.INIT_SYSTEMS)
    raid_method = c.choice("raid_method", params.raid_method, ("mkinit", "dd"))
    md = c.resource_type(disk)
    c.refuse_windows(config)
    picked = c.resolve_one("resource", params.resource and c.name("resource", params.resource),
                           c.mirror_candidates(config, md), f"{disk} disk resource", f"{md}1")
    res = picked.value
    resource = c.require_resource(config, md, res)
    on = None if config is None else c.group_servers(config, resource)
    given_server = params.server and c.name("server", params.server)
    given_source = params.source and c.name("source", params.source)
    if given_server and given_server == given_source:
        raise c.ProcedureRefused(f"server and source are both {given_server!r}: the copy source must be the other server")
    c.resolve_servers("", config, server=given_server, source=given_source)  # unknown names: the one refusal
    server_pick = c.resolve_one("server", given_server, on and [s for s in on if s != given_source],
                                "server", "sv2", how=f"holding {res}")
    server = server_pick.value
    source_pick = c.resolve_one("source", given_source, on and [s for s in on if s != server],
                                "server", "sv1" if server != "sv1" else "sv2", how=f"to copy {res} from")
    source = source_pick.value
    notes: list[str] = [*c.resolve_servers(f"{source},{server}", config, server=server, source=source).notes,
                        picked.note, server_pick.note, source_pick.note]
    settings = c.mirror_settings(config, res)
    fullcopy, mkfs = settings.get("fullcopy", 1), settings.get("mkfs", 0)
    if config is None:
        notes.append("No clp.conf: assumed the defaults fullcopy=1 (initial mirror construction on) and mkfs=0 (initial mkfs off).")
    else:
        notes.append(f"From clp.conf: fullcopy={fullcopy}, mkfs={mkfs} for {res}.")
    cppath = c.device("cppath", params.cppath) if params.cppath else settings.get("cppath")
    dppath = c.device("dppath", params.dppath) if params.dppath else settings.get("dppath")
    fs = c.filesystem("fs", params.fs or settings.get("fs") or "ext4")
    group = c.name("group", params.group) if params.group else (resource.group if resource is not None and resource.group else "failover1")
    pair = (source, server)

    def need(device: str | None, what: str, key: str) -> str:
        if not device:
            raise c.ProcedureRefused(f"this variant writes to the {what}: give --config clp.conf or -p {key}=/dev/…")
        return device

    steps: list[Step] = []
    add = steps.append
    mirror_state = Step("check", f"{res} status as the source sees it", hosts=(source,),
                        command=c.mirror_status_command(disk, res), expect=Expect("exit_zero"))

    if layout == "both":
        notes.append("Replacing the disks of both servers loses the mirrored data: restore it from a backup afterwards (L2960).")
        if params.copy != "online":
            notes.append("copy does not apply when both disks are replaced: there is nothing to copy from.")
        add(Step("check", "The cluster answers", hosts=(source,), command="clpstat", expect=Expect("exit_zero")))
        raw = (f" It is a raw device (fs none): back it up through the application that uses it, or copy the mirror "
               f"device {settings.get('nmppath') or '(NMP device)'} block by block on the active server with the "
               "application stopped" if c.raw_device(fs) else "")
        add(Step("manual", f"Take a backup of the data on {res}: it is lost with both disks.{raw}", destructive=False, guide="L2960"))
        steps.extend(c.disable_services(SERVICES, init, pair, "L2970", params.suse))
        add(Step("command", "Shut both servers down (cluster shutdown)", hosts=(source,), command="clpstdn", destructive=True, guide="L2966"))
        add(Step("manual", "Install the new disk in both servers", guide="L2999"))
        add(Step("manual", "Start both servers; CLUSTERPRO stays down because its services are disabled", guide="L3001"))
        add(Step("manual", c.prepare_devices_text(cppath, dppath, "both servers"),
                 hosts=pair, destructive=True, guide="L3007"))
        steps.extend(_partition_check(pair, cppath, dppath))
        if params.reuse:
            add(Step("command", "Clear the cluster partition left from the disk's earlier use", hosts=pair,
                     command=f"dd if=/dev/zero of={need(cppath, 'cluster partition', 'cppath')}", expect=DD_FILLED, destructive=True, guide="L3011"))
        if mkfs == 0 and c.raw_device(fs):
            notes.append(f"{res} holds a raw device (fs none): there is no file system to create; the application "
                         "that uses the device (an iSCSI target, a database) writes it again from its backup.")
        elif mkfs == 0:
            add(Step("command", f"Create the {fs} filesystem on the data partition of {source}, the copy source "
                     "(initial mkfs is off, so the cluster will not)", hosts=(source,),
                     command=f"mkfs -t {fs} {need(dppath, 'data partition', 'dppath')}", destructive=True, guide="L3011"))
            notes.append("Initial mkfs is off (mkfs=0): the data partition gets its filesystem by hand on the copy source before the reboot, "
                         "as the guide asks when initial mkfs is off (L4290).")
        steps.extend(c.enable_services(SERVICES, init, pair, "L3041"))
        notes.append("The guide prints the systemd enable commands of this variant in reverse (alertsync first, around L3050); "
                     "the plan enables in the dependency order used everywhere else: clusterpro_md, clusterpro, "
                     "clusterpro_webmgr, clusterpro_alertsync.")
        add(Step("command", "Reboot both servers", hosts=pair, command="reboot", destructive=True, guide="L3041"))
        add(c.wait_servers_online(source, None, pair, after_reboot=True))
        if fullcopy == 0:
            add(Step("command", f"Start the full mirror recovery from {source} by hand (initial mirror construction is off)",
                     hosts=(source,), command=f"clp{md}ctrl --force {source} {res}", destructive=True, guide="L3080"))
        add(_mirror_normal(md, res, source, "L3076"))
        add(Step("manual", f"Restore the data of {res} from the backup if needed", guide="L3082"))
        add(_mirror_normal(md, res, source, None, verify=True))
    else:
        raid = layout == "raid"
        g = _guide_lines(raid)
        add(c.check_servers_online(source, None, (source,)))
        if copy == "online":
            add(Step("check", f"The group {group} runs on {source}, so the application keeps running during the copy",
                     hosts=(source,), command="clpstat", expect=Expect("group_online", {"group": group, "server": source})))
        add(mirror_state)
        steps.extend(c.disable_services(SERVICES, init, (server,), g["disable"], params.suse))
        if disk == "hybrid":
            add(Step("manual", f"Hybrid disk: shut down every other server connected to the same disk as {server}", guide=g["disable"]))
        add(Step("command", f"Shut {server} down", hosts=(server,), command="clpdown", destructive=True, guide=g["down"]))
        add(Step("manual", f"Install the new disk in {server}", guide=g["install"]))
        if raid:
            add(Step("manual", f"Start {server} and rebuild the RAID before the OS boots", guide=g["rebuild"]))
            add(Step("manual", f"Let the OS of {server} boot; CLUSTERPRO stays down because its services are disabled. "
                     "Back up the data partition now if you need it", guide=g["boot"]))
            add(Step("manual", "If the RAID rebuild left the LUN empty: " + c.prepare_devices_text(cppath, dppath, server),
                     hosts=(server,), destructive=True, guide=g["fdisk"]))
            steps.extend(_partition_check((server,), cppath, dppath))
            if raid_method == "mkinit":
                text = "Initialise the cluster partition"
                if disk == "mirror" and mkfs == 1 and not c.raw_device(fs):
                    text += " (initial mkfs is on in clp.conf: this also runs mkfs and erases the data partition)"
                add(Step("command", text, hosts=(server,), command=f"clp{md}init --create force {res}", destructive=True, guide=g["init"]))
            else:
                add(Step("command", "Zero the cluster partition (dd may end with 'No space left on device', which is expected)",
                         hosts=(server,), command=f"dd if=/dev/zero of={need(cppath, 'cluster partition', 'cppath')}",
                         expect=DD_FILLED, destructive=True, guide=g["dd"]))
                add(Step("command", "Initialise the cluster partition quickly", hosts=(server,),
                         command=f"clp{md}init --create quick {res}", destructive=True, guide=g["dd"]))
        else:
            add(Step("manual", f"Start {server}; CLUSTERPRO stays down because its services are disabled", guide=g["boot"]))
            add(Step("manual", c.prepare_devices_text(cppath, dppath, server)
                     + (" (hybrid disk on shared storage: on one server connected to it)" if disk == "hybrid" else ""),
                     hosts=(server,), destructive=True, guide=g["fdisk"]))
            steps.extend(_partition_check((server,), cppath, dppath))
            if params.reuse:
                add(Step("command", "Clear the cluster partition left from the disk's earlier use", hosts=(server,),
                         command=f"dd if=/dev/zero of={need(cppath, 'cluster partition', 'cppath')}", expect=DD_FILLED, destructive=True, guide="L2556"))
        if copy == "offline":
            add(Step("command", f"Stop the group {group}: the copy runs with the application stopped (B)", hosts=(source,),
                     command=f"clpgrp -t {group}", destructive=True, guide=g["stop"]))
            add(Step("check", f"The group {group} is stopped", hosts=(source,), command="clpstat",
                     expect=Expect("group_offline", {"group": group})))
        steps.extend(c.enable_services(SERVICES, init, (server,), g["enable"]))
        add(Step("command", f"Reboot {server}", hosts=(server,), command="reboot", destructive=True, guide=g["enable"]))
        add(c.wait_servers_online(source, None, pair, after_reboot=True))
        if copy == "offline" or fullcopy == 0:
            why = "the group is stopped (B)" if copy == "offline" else "initial mirror construction is off in clp.conf"
            add(Step("command", f"Start the copy from {source} to {server} by hand: {why}", hosts=(source,),
                     command=f"clp{md}ctrl --force {source} {res}", destructive=True, guide=g["force"]))
        else:
            notes.append(f"fullcopy=1: the copy from {source} starts by itself when {server} rejoins (A); the plan waits for it.")
        add(_mirror_normal(md, res, source, g["force"]))
        if copy == "offline":
            add(Step("command", f"Start the group {group} on {source} now that the copy is complete", hosts=(source,),
                     command=f"clpgrp -s {group} -h {source}", guide=g["start"]))
            add(Step("check", f"The group {group} runs on {source}", hosts=(source,), command="clpstat",
                     expect=Expect("group_online", {"group": group, "server": source})))
            notes.append("If the copy is interrupted, start it again with the group still stopped (the guide's warning).")
        add(c.check_servers_online(source, None, pair))
        add(_mirror_normal(md, res, source, None, verify=True))
        notes.append(f"Shutting {server} down uses clpdown; the guide does not name a command.")
        notes.append(f"The services are switched in the order the guide gives for this procedure ({', '.join(SERVICES)}); "
                     "clusterpro_evt and clusterpro_trn stay on.")
    notes.extend(_estimate(params, settings))
    return Plan(NAME, {**asdict(params), "resource": res, "server": server, "source": source}, tuple(steps), cluster=config.name if config else None, guide_section=GUIDE,
                notes=tuple(notes))


def _guide_lines(raid: bool) -> dict[str, str]:
    if raid:
        return {"disable": "L2703", "down": "L2703", "install": "L2740", "rebuild": "L2744", "boot": "L2748", "fdisk": "L2756",
                "init": "L2776", "dd": "L2808", "stop": "L2857", "enable": "L2881", "force": "L2924", "start": "L2948"}
    return {"disable": "L2500", "down": "L2500", "install": "L2540", "boot": "L2542", "fdisk": "L2548",
            "stop": "L2589", "enable": "L2613", "force": "L2667", "start": "L2691"}


def _partition_check(hosts: tuple[str, ...], cppath: str | None, dppath: str | None) -> list[Step]:
    return c.device_checks(hosts, (cppath, dppath))


def _mirror_normal(md: str, res: str, host: str, guide: str | None, verify: bool = False) -> Step:
    disk = "mirror" if md == "md" else "hybrid"
    if verify:
        return Step("check", f"{res} is Normal", hosts=(host,), command=c.mirror_status_command(disk, res),
                    expect=Expect("mirror_status", {"mirror": res, "status": "Normal"}))
    return c.wait_mirror_normal(disk, res, host, guide, f"Wait until the copy ends and {res} is Normal")


def _estimate(params: Params, settings: dict) -> list[str]:
    if not params.bundle:
        return []
    if not params.data_size:
        return ["A bundle was given but no data_size: give -p data_size=500G (the data partition size) for a copy-time estimate."]
    from clpkit import open_bundle

    try:
        size = facts.parse_size(params.data_size)
    except ValueError as exc:
        raise c.ProcedureRefused(f"data_size={params.data_size!r}: {exc}") from None
    nmp = (settings.get("nmppath") or "").rsplit("/", 1)[-1].lower() or None
    with open_bundle(params.bundle) as bundle:
        if "mirror_stats" not in bundle.tables():
            return [f"No copy-time estimate: {params.bundle} holds no mirror statistics."]
        frame = bundle.table("mirror_stats")
    return ["Copy time: " + facts.copy_estimate(frame, size, nmp) + ". Choose copy=online to keep the application running meanwhile."]

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

import dataclasses
from dataclasses import asdict, dataclass

from clpkit.runbook import facts
from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "replace-mirror-disk"
GUIDE = "L2496-3084"
DD_FILLED = c.DD_FILLED
#: The services this procedure switches off and on (guide L2517-2527, L2625-2645):
#: four of the six; clusterpro_evt and clusterpro_trn stay on.
SERVICES = ("clusterpro_md", "clusterpro", "clusterpro_webmgr", "clusterpro_alertsync")
TITLE = "Replace a mirror or hybrid disk (one server, RAID, or both servers)"
#: The guide's notes on the copy, shown on the step that waits for it (L2595-2609, L2863-2877).
COPY_WARNINGS = {
    "online": "The copy time can grow with the space used on the disk (it depends on the file system), and the "
              "application runs during the copy, so the load can be high and the copy slower (A)",
    "offline": "The copy time can grow with the space used on the disk (it depends on the file system); the group "
               "starts only after the copy has ended (B)",
}
#: L2695-2697, L2952-2954: a copy interrupted in (B) is started again, the group still stopped.
INTERRUPTED_COPY = "If this copy is interrupted, start the initial mirror construction again without starting the group"


@dataclass
class Params:
    disk: str = "mirror"  # mirror | hybrid
    layout: str = "single"  # single (one plain disk) | raid | both (the disks of both servers)
    copy: str = "online"  # online: copy while the group runs on the source (A); offline: group stopped (B)
    init: str = "systemd"  # systemd | initd
    resource: str = ""  # mirror (md) or hybrid (hd) disk resource; empty: the cluster's only one (example md1)
    group: str = ""  # the group holding the resource; empty: from clp.conf, else failover1
    server: str = ""  # the server whose disk is replaced; empty: the only one that fits (example sv2)
    source: str = ""  # the server the data is copied from; empty: the other server of the resource (example sv1)
    raid_method: str = "mkinit"  # raid: mkinit (clpmdinit --create force) | dd (dd + --create quick)
    reuse: bool = False  # the new disk was a mirror/hybrid disk before: clear its cluster partition
    cppath: str = ""  # cluster partition device; empty: from clp.conf (diskdev/cppath)
    dppath: str = ""  # data partition device; empty: from clp.conf (diskdev/dppath)
    fs: str = ""  # filesystem for a manual mkfs (layout both, mkfs off); empty: from clp.conf, else ext4
    shared_with: str = ""  # hybrid: the other servers on the same shared disk as server; empty: from clp.conf's server groups
    bundle: str = ""  # a log collection: estimate the full-copy time from its mirror statistics; hybrid with no source: the copy source is the server its saved clpstat output shows the group online on
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
    # A server sharing the disk of ``server`` (its server group in clp.conf) holds no other copy of the data.
    same_disk = next((g for g in c.server_groups(config, on or ()) if server in g), ()) if disk == "hybrid" else ()
    if given_source and given_source in same_disk:
        raise c.ProcedureRefused(f"source={given_source!r} shares the disk of {server} (one server group in clp.conf): "
                                 "copy from a server of the other server group")
    from_bundle = ""
    if disk == "hybrid" and not given_source and params.bundle:
        # The copy comes from where the group is active, the current server of the other server group (L3787-3789).
        current, seen = c.active_server_in_bundle(params.bundle, [res])
        if not current or current == server or current in same_disk or (on is not None and current not in on):
            raise c.ProcedureRefused(f"{seen}: not a server to copy {res} from (it must be outside the server group of "
                                     f"{server}); give source=")
        given_source, from_bundle = current, f"The copy source {current}: {seen} (guide L3787-3789)."
    source_pick = c.resolve_one("source", given_source, on and [s for s in on if s != server and s not in same_disk],
                                "server", "sv1" if server != "sv1" else "sv2", how=f"to copy {res} from")
    source = source_pick.value
    cluster_servers, servers_said = c.resolve_servers(f"{source},{server}", config, server=server, source=source)
    notes: list[str] = [*servers_said, picked.note, server_pick.note, source_pick.note, *([from_bundle] if from_bundle else [])]
    if disk == "mirror" and params.shared_with:
        raise c.ProcedureRefused("shared_with= only applies to disk=hybrid: a mirror disk is never shared")
    # A hybrid disk on shared storage: every server connected to it goes down with the replaced one (L2534-2535).
    if params.shared_with:
        sharing = tuple(c.member("shared_with", h, cluster_servers) if config is not None else h
                        for h in c.server_list("shared_with", params.shared_with) if h != server)
    else:
        sharing = next((tuple(h for h in g if h != server) for g in c.server_groups(config, cluster_servers) if server in g), ())
    if source in sharing:
        raise c.ProcedureRefused(f"source={source!r} shares the disk of {server}: copy from a server of the other server group")
    if disk == "hybrid" and sharing:
        notes.append(f"{', '.join(sharing)} share the disk of {server}: they are stopped and started with it.")
    elif disk == "hybrid":
        notes.append(f"No server shares the disk of {server} (no shared_with= and no server group in clp.conf says so).")
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
    estimate_notes, copy_timeout = _estimate(params, settings)

    def need(device: str | None, what: str, key: str) -> str:
        if not device:
            raise c.ProcedureRefused(f"this variant writes to the {what}: give --config clp.conf or -p {key}=/dev/…")
        return device

    steps: list[Step] = []
    add = steps.append
    mirror_state = Step("check", f"{res} status as the source sees it", hosts=(source,),
                        command=c.mirror_status_command(disk, res), expect=Expect("exit_zero"))

    down = (server, *sharing)  # the servers that go down for the disk (layouts single and raid)
    if layout == "both":
        notes.append("Replacing the disks of both servers loses the mirrored data: restore it from a backup afterwards (L2960).")
        if params.copy != "online":
            notes.append("copy does not apply when both disks are replaced: there is nothing to copy from.")
        add(Step("check", "The cluster answers", hosts=(source,), command="clpstat", expect=Expect("exit_zero")))
        raw = (f" It is a raw device (fs none): back it up through the application that uses it, or copy the mirror "
               f"device {settings.get('nmppath') or '(NMP device)'} block by block on the active server with the "
               "application stopped" if c.raw_device(fs) else "")
        add(Step("manual", f"Take a backup of the data on {res}: it is lost with both disks.{raw}", destructive=False, guide="L2960"))
        # clpstdn stops every server of the cluster: all of them are kept down and all come back (L2966-2970, L3041).
        everyone = tuple(dict.fromkeys((*pair, *cluster_servers)))
        steps.extend(c.disable_services(SERVICES, init, everyone, "L2970"))
        add(Step("command", "Shut both servers down (cluster shutdown)", hosts=(source,), command="clpstdn", destructive=True, guide="L2966"))
        add(Step("manual", "Install the new disk in both servers", guide="L2999"))
        add(Step("manual", "Start both servers; CLUSTERPRO stays down because its services are disabled", guide="L3001"))
        add(Step("manual", c.prepare_devices_text(cppath, dppath, "both servers"),
                 hosts=pair, destructive=True, guide="L3007"))
        steps.extend(_partition_check(pair, cppath, dppath))
        if params.reuse:
            add(Step("command", "Clear the cluster partition left from the disk's earlier use", hosts=pair,
                     command=f"dd if=/dev/zero of={need(cppath, 'cluster partition', 'cppath')}", expect=DD_FILLED, destructive=True, guide="L3011"))
        if disk == "hybrid" and not c.raw_device(fs):
            # Both shared storages are new: each gets its file system, made from one server connected to it.
            add(Step("command", f"Create the {fs} filesystem on the data partition of each new shared storage, from "
                     f"{source} and from {server} only (one server connected to a shared storage makes its partitions "
                     "and its file system)", hosts=pair,
                     command=f"mkfs -t {fs} {need(dppath, 'data partition', 'dppath')}", destructive=True, guide="L3013"))
        if c.raw_device(fs):
            notes.append(f"{res} holds a raw device (fs none): there is no file system to create; the application "
                         "that uses the device (an iSCSI target, a database) writes it again from its backup.")
        steps.extend(c.enable_services(SERVICES, init, everyone, "L3041"))
        notes.append("The guide prints the systemd enable commands of this variant in reverse (alertsync first, around L3050); "
                     "the plan enables in the dependency order used everywhere else: clusterpro_md, clusterpro, "
                     "clusterpro_webmgr, clusterpro_alertsync.")
        add(Step("command", "Reboot every server", hosts=everyone, command="reboot", destructive=True, guide="L3041"))
        add(c.wait_servers_online(source, "L3041", everyone, after_reboot=True))
        if fullcopy == 0:
            add(Step("command", f"Start the full mirror recovery from {source} by hand (initial mirror construction is off)",
                     hosts=(source,), command=f"clp{md}ctrl --force {source} {res}", destructive=True, guide="L3080"))
        add(_mirror_normal(md, res, source, "L3076", timeout=copy_timeout))
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
        steps.extend(c.disable_services(SERVICES, init, down, g["disable"]))
        if disk == "hybrid" and not sharing:
            add(Step("manual", f"Hybrid disk: shut down every other server connected to the same disk as {server}, with its "
                     "services disabled like this one (give shared_with= or a clp.conf with server groups to have the "
                     "plan do it)", guide=g["disable"]))
        add(Step("command", f"Shut {', '.join(down)} down" + (f" ({', '.join(sharing)} share{'s' if len(sharing) == 1 else ''} "
                 "the disk)" if sharing else ""), hosts=down, command="clpdown", destructive=True, guide=g["down"]))
        add(Step("manual", f"Install the new disk in {server}", guide=g["install"]))
        if raid:
            add(Step("manual", f"Start {server} and rebuild the RAID before the OS boots", guide=g["rebuild"]))
            add(Step("manual", f"Let the OS of {server} boot; CLUSTERPRO stays down because its services are disabled. "
                     "Back up the data partition now if you need it", guide=g["boot"]))
            add(Step("manual", "If the RAID rebuild left the LUN empty: " + c.prepare_devices_text(cppath, dppath, server),
                     hosts=(server,), destructive=True, guide=g["fdisk"]))
            steps.extend(_partition_check((server,), cppath, dppath))
            if disk == "hybrid" and not c.raw_device(fs):
                add(Step("manual", f"If you partitioned the new LUN in the step before: create the {fs} filesystem on its "
                         f"data partition from {server} only (one server connected to the shared storage makes the "
                         f"partitions and the file system): mkfs -t {fs} {dppath or 'DATA_PARTITION'}. Skip this when "
                         "the RAID rebuild kept the partitions", hosts=(server,), destructive=True, guide="L2762"))
            if raid_method == "mkinit":
                text = "Initialise the cluster partition"
                if disk == "mirror" and mkfs == 1 and not c.raw_device(fs):
                    text += (" (initial mkfs is on in clp.conf: this also runs mkfs and erases the data partition; "
                             "on a large disk mkfs can take a long time)")
                add(Step("command", text, hosts=(server,), command=f"clp{md}init --create force {res}", destructive=True, guide=g["init"]))
            else:
                add(Step("command", "Zero the cluster partition (dd may end with 'No space left on device', which is expected)",
                         hosts=(server,), command=f"dd if=/dev/zero of={need(cppath, 'cluster partition', 'cppath')}",
                         expect=DD_FILLED, destructive=True, guide=g["dd"]))
                add(Step("command", "Initialise the cluster partition quickly", hosts=(server,),
                         command=f"clp{md}init --create quick {res}", destructive=True, guide=g["dd"]))
        else:
            add(Step("manual", f"Start {', '.join(down)}; CLUSTERPRO stays down because its services are disabled",
                     hosts=down, guide=g["boot"]))
            add(Step("manual", c.prepare_devices_text(cppath, dppath, server)
                     + (" (hybrid disk on shared storage: on one server connected to it)" if disk == "hybrid" else ""),
                     hosts=(server,), destructive=True, guide=g["fdisk"]))
            steps.extend(_partition_check((server,), cppath, dppath))
            if params.reuse:
                add(Step("command", f"Clear the cluster partition left from the disk's earlier use. {c.DD_WARNING}",
                         hosts=(server,), command=f"dd if=/dev/zero of={need(cppath, 'cluster partition', 'cppath')}",
                         expect=DD_FILLED, destructive=True, guide="L2560"))
            if disk == "hybrid" and not c.raw_device(fs):
                add(Step("command", f"Create the {fs} filesystem on the data partition of the shared storage, from {server} "
                         "only (one server connected to it makes the partitions and the file system)", hosts=(server,),
                         command=f"mkfs -t {fs} {need(dppath, 'data partition', 'dppath')}", destructive=True, guide="L2554"))
        if copy == "offline":
            add(Step("command", f"Stop the group {group}: the copy runs with the application stopped (B)", hosts=(source,),
                     command=f"clpgrp -t {group}", destructive=True, guide=g["stop"]))
            add(Step("check", f"The group {group} is stopped", hosts=(source,), command="clpstat",
                     expect=Expect("group_offline", {"group": group})))
        steps.extend(c.enable_services(SERVICES, init, down, g["enable"]))
        add(Step("command", f"Reboot {', '.join(down)}", hosts=down, command="reboot", destructive=True, guide=g["enable"]))
        add(c.wait_servers_online(source, g["enable"], (source, *down), after_reboot=True))
        if copy == "offline" or fullcopy == 0:
            why = "the group is stopped (B)" if copy == "offline" else "initial mirror construction is off in clp.conf"
            add(Step("command", f"Start the copy from {source} to {server} by hand: {why}"
                     + (f". {INTERRUPTED_COPY}" if copy == "offline" else ""), hosts=(source,),
                     command=f"clp{md}ctrl --force {source} {res}", destructive=True, guide=g["force"]))
        else:
            notes.append(f"fullcopy=1: the copy from {source} starts by itself when {server} rejoins (A); the plan waits for it.")
        wait = _mirror_normal(md, res, source, g["force"], timeout=copy_timeout)
        add(dataclasses.replace(wait, text=f"{wait.text}. {COPY_WARNINGS[copy]}"))
        if copy == "offline":
            add(Step("command", f"Start the group {group} on {source} now that the copy is complete", hosts=(source,),
                     command=f"clpgrp -s {group} -h {source}", guide=g["start"]))
            add(Step("check", f"The group {group} runs on {source}", hosts=(source,), command="clpstat",
                     expect=Expect("group_online", {"group": group, "server": source})))
        add(c.check_servers_online(source, None, pair))
        add(_mirror_normal(md, res, source, None, verify=True))
        notes.append(f"Shutting {server} down uses clpdown; the guide does not name a command.")
        notes.append(f"The services are switched in the order the guide gives for this procedure ({', '.join(SERVICES)}); "
                     "clusterpro_evt and clusterpro_trn stay on.")
    notes.extend(estimate_notes)
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


def _mirror_normal(md: str, res: str, host: str, guide: str | None, verify: bool = False,
                   timeout: float = c.MIRROR_TIMEOUT) -> Step:
    disk = "mirror" if md == "md" else "hybrid"
    if verify:
        return Step("check", f"{res} is Normal", hosts=(host,), command=c.mirror_status_command(disk, res),
                    expect=Expect("mirror_status", {"mirror": res, "status": "Normal"}))
    return c.wait_mirror_normal(disk, res, host, guide, f"Wait until the copy ends and {res} is Normal", timeout=timeout)


def _estimate(params: Params, settings: dict) -> tuple[list[str], float]:
    """The copy-time notes and the timeout of the waits for the copy: at least three times the estimate at
    the median Send rate (the copy competes with the application), never below :data:`c.MIRROR_TIMEOUT`."""
    if not params.bundle:
        return [], c.MIRROR_TIMEOUT
    if not params.data_size:
        return ["A bundle was given but no data_size: give -p data_size=500G (the data partition size) for a copy-time estimate."], c.MIRROR_TIMEOUT
    from clpkit import open_bundle

    try:
        size = facts.parse_size(params.data_size)
    except ValueError as exc:
        raise c.ProcedureRefused(f"data_size={params.data_size!r}: {exc}") from None
    nmp = (settings.get("nmppath") or "").rsplit("/", 1)[-1].lower() or None
    with open_bundle(params.bundle) as bundle:
        if "mirror_stats" not in bundle.tables():
            return [f"No copy-time estimate: {params.bundle} holds no mirror statistics."], c.MIRROR_TIMEOUT
        frame = bundle.table("mirror_stats")
    notes = ["Copy time: " + facts.copy_estimate(frame, size, nmp) + ". Choose copy=online to keep the application running meanwhile."]
    seconds = facts.copy_seconds(frame, size, nmp)
    timeout = max(c.MIRROR_TIMEOUT, 3 * seconds[1]) if seconds else c.MIRROR_TIMEOUT
    notes.append(f"The waits for the copy allow {facts.human_duration(timeout)}"
                 + (f", at least three times the estimate at the median rate ({facts.human_duration(seconds[1])})." if seconds
                    else "."))
    return notes, timeout

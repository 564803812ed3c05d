"""Change the offset or size of a mirror or hybrid disk's partitions (guide L4150-5672).

Four sections of the guide, picked by ``disk`` and ``rename``:

=====  ======  ==========  ========================================================
disk   rename  guide       differences
=====  ======  ==========  ========================================================
mirror no      L4166-4464  clpmdinit on both servers; mkfs only if initial mkfs is off
mirror yes     L4465-4764  the device names change in Cluster WebUI before clpmdinit
hybrid no      L4783-5287  fdisk, clphdinit and mkfs once per server group
hybrid yes     L5288-5662  the device names change in Cluster WebUI before clphdinit
=====  ======  ==========  ========================================================

All four back the data up, switch clusterpro and clusterpro_md off, shut the
cluster down with a reboot, re-partition, initialise the cluster partition,
switch the services on, reboot, wait for the initial mirror construction, and
restore the data. With initial mirror construction off (``fullcopy`` 0 in
clp.conf) the re-initialised mirror comes up Normal with nothing copied, as
the guide says of two new sides (L3076-3078): the plan waits for the group on
its first server and starts the full copy from there by hand. The guide warns that changing the partitions with fdisk alone
breaks the resource.

>>> p = plan(Params(disk="mirror", rename="no", init="systemd", resource="md1", initial_mkfs="on"))
>>> [s.command for s in p.steps if s.kind == "command"]  # doctest: +NORMALIZE_WHITESPACE
['systemctl disable clusterpro', 'systemctl disable clusterpro_md', 'clpstdn -r',
 'clpmdinit --create force md1', 'systemctl enable clusterpro_md', 'systemctl enable clusterpro', 'reboot']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "resize-mirror-partition"
GUIDE = "L4150-5672"
TITLE = "Change the offset or size of a mirror or hybrid disk's partitions"
#: L4158-4162, L4775-4779: the guide's warning, shown on the re-partitioning step.
FDISK_ALONE = ("Follow every step of this runbook: changing the partitions alone (fdisk and nothing else) leaves the "
               "resource unable to work")

#: The copy by hand when initial mirror construction is off: this section says only that the cluster start
#: does what it does after the cluster is built; the guide spells it out for two new sides (L3076-3078).
SAME_AS_TWO_NEW_SIDES = ("as the guide says for two new sides at L3076-3078, 「両系のミラーディスクを交換する場合」: with "
                         "initial mirror construction off they come up Normal and the full copy is started by hand")

#: (disk, rename) -> guide line of each step, in the guide's order.
LINES: dict[tuple[str, str], dict[str, str]] = {
    ("mirror", "no"): dict(
        section="L4166-4464", name="L4168", backup="L4172", disable_initd="L4211", disable_systemd="L4216",
        shutdown="L4225", fdisk="L4272", init="L4282", mkfs="L4290", enable_initd="L4353",
        enable_systemd="L4358", reboot="L4367", wait="L4377", group="L4418", restore="L4427",
    ),
    ("mirror", "yes"): dict(
        section="L4465-4764", name="L4467", backup="L4471", disable_initd="L4510", disable_systemd="L4515",
        shutdown="L4524", fdisk="L4571", config="L4577", init="L4589", mkfs="L4593", enable_initd="L4654",
        enable_systemd="L4659", reboot="L4668", wait="L4678", group="L4719", restore="L4728",
    ),
    ("hybrid", "no"): dict(
        section="L4765-5287", name="L4787", backup="L4791", disable_initd="L4860", disable_systemd="L4865",
        shutdown="L4874", fdisk="L5001", init="L5015", mkfs="L5017", enable_initd="L5122",
        enable_systemd="L5127", reboot="L5136", wait="L5146", group="L5210", restore="L5218",
    ),
    ("hybrid", "yes"): dict(
        section="L5288-5662", name="L5292", backup="L5296", disable_initd="L5371", disable_systemd="L5376",
        shutdown="L5383", fdisk="L5396", config="L5406", init="L5420", mkfs="L5452", enable_initd="L5470",
        enable_systemd="L5475", reboot="L5486", wait="L5559", group="L5563", restore="L5569",
    ),
}


@dataclass(frozen=True)
class Params:
    disk: str = "mirror"  # mirror or hybrid
    rename: str = "no"  # yes when the partitions' device names change
    init: str = "systemd"  # systemd or initd
    suse: bool = False  # SUSE: chkconfig --del takes --force
    resource: str = ""  # the mirror (md) or hybrid (hd) disk resource; empty: the cluster's only one (example md1/hd1)
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
    disk_hosts: str = ""  # hybrid: one server per server group (they share the disk); empty: every server
    group: str = ""  # the group holding the resource (clp.conf knows it)
    fs: str = ""  # the data partition's file system (clp.conf knows it)
    data_partition: str = ""  # the data partition after the change (clp.conf knows it unless renamed)
    initial_mkfs: str = "config"  # mirror: whether clpmdinit also runs mkfs: config, on or off

    def __post_init__(self) -> None:
        c.choice("disk", self.disk, c.DISKS)
        c.choice("rename", self.rename, ("no", "yes"))
        c.choice("init", self.init, c.INIT_SYSTEMS)
        c.choice("initial_mkfs", self.initial_mkfs, ("config", "on", "off"))
        if self.resource:
            c.name("resource", self.resource)
        if self.disk_hosts:
            c.server_list("disk_hosts", self.disk_hosts)
        if self.group:
            c.name("group", self.group)
        if self.fs:
            c.filesystem("fs", self.fs)
        if self.data_partition:
            c.device("data_partition", self.data_partition)
        if self.disk == "mirror" and self.disk_hosts:
            raise c.ProcedureRefused("disk_hosts= only applies to disk=hybrid: a mirror disk is prepared on every server")


def plan(params: Params, config: Any = None) -> Plan:
    """The steps of the chosen section of the guide, in its order."""
    lines = LINES[(params.disk, params.rename)]
    servers, servers_said = c.resolve_servers(params.servers, config)
    first = servers[0]
    rtype = c.resource_type(params.disk)
    picked = c.resolve_one("resource", params.resource, c.mirror_candidates(config, rtype),
                           f"{params.disk} disk resource", f"{rtype}1")
    res = picked.value
    found = c.require_resource(config, rtype, res)
    notes = [
        f"Follows guide {lines['section']} (disk={params.disk}, rename={params.rename}).",
        *servers_said,
        picked.note,
    ]

    disk_hosts = servers
    shared = c.server_groups(config, servers) if params.disk == "hybrid" else []
    if params.disk_hosts:
        disk_hosts = tuple(c.member("disk_hosts", h, servers) for h in c.server_list("disk_hosts", params.disk_hosts))
        for members in shared:
            twice = [h for h in disk_hosts if h in members]
            if len(twice) > 1:
                raise c.ProcedureRefused(f"disk_hosts={params.disk_hosts!r} names {', '.join(twice)}, which share one disk "
                                         "(one server group in clp.conf): fdisk and clphdinit run from one of them only")
            if not twice:
                raise c.ProcedureRefused(f"disk_hosts={params.disk_hosts!r} names no server of the server group "
                                         f"{', '.join(members)} (clp.conf): the disk of that group would keep its old "
                                         "partitions; name one server of every server group")
    elif shared:
        # The guide partitions and initialises a shared disk from one server of its server group (L5003-5023).
        disk_hosts = tuple(members[0] for members in shared)
        notes.append("fdisk, clphdinit and mkfs run on one server per server group of clp.conf: "
                     + "; ".join(f"{m[0]} for {', '.join(m)}" for m in shared) + ".")

    group = params.group or (getattr(found, "group", None) or "")
    settings = c.mirror_settings(config, res)
    fs = params.fs or (settings.get("fs") or "")
    raw = c.raw_device(fs)
    data = params.data_partition
    if not data and params.rename == "no":
        data = settings.get("dppath") or ""
    mkfs_cmd = f"mkfs -t {fs} {data}" if fs and data and not raw else None
    if fs:
        c.filesystem("fs", fs)
    if data:
        c.device("data_partition", data)

    # Whether an explicit mkfs step runs: always for hybrid; for mirror, when initial mkfs is off.
    mkfs_needed: bool | None = True
    if raw:
        mkfs_needed = False
        notes.append(f"{res} holds a raw device (fs none): no file system is created; the application that uses "
                     "the device writes it again from its own backup.")
    elif params.disk == "mirror":
        setting = params.initial_mkfs
        if setting == "config" and config is not None:
            # SPEC 3.7: "initial mkfs" defaults to 0 (off) when clp.conf does not set it.
            setting = "on" if settings["mkfs"] == 1 else "off"
        mkfs_needed = {"on": False, "off": True, "config": None}[setting]
    if mkfs_needed and mkfs_cmd is None:
        what = "the new data partition (data_partition=)" if params.rename == "yes" else "fs= and data_partition= or a clp.conf"
        raise c.ProcedureRefused(
            f"the plan runs mkfs on the data partition of {res} and needs {what}"
        )

    if params.disk == "hybrid" and not params.disk_hosts and not shared:
        raise c.ProcedureRefused(
            "disk=hybrid: the servers that share a disk prepare it from one of them only (guide L5003-5023), and "
            "nothing says which share one: give disk_hosts= with one server per server group, or a clp.conf "
            "with its server groups"
        )

    tool = {"mirror": "clpmdinit", "hybrid": "clphdinit"}[params.disk]
    kind = {"mirror": "mirror disk", "hybrid": "hybrid disk"}[params.disk]
    init_key = "initd" if params.init == "initd" else "systemd"

    steps: list[Step] = [
        Step(
            "check",
            f"clpstat lists the {kind} resource {res} (Cluster WebUI shows it too)",
            hosts=(first,),
            command="clpstat",
            expect=Expect("output_contains", {"text": res}),
            guide=lines["name"],
        ),
        Step(
            "manual",
            (f"On the server where the group holding {res} is active, back its data up: it is a raw device "
             f"(fs none), so through the application that uses it, or block by block from the mirror device "
             f"{settings.get('nmppath') or '(NMP device)'} with the application stopped. Skip this when the data may be lost")
            if raw else
            (f"On the server where the group holding {res} is active, back the data of its file system up "
             "with a file-level tool such as tar or cpio; tools that read the partition device are not supported. "
             "Skip this when the data may be lost"),
            guide=lines["backup"],
        ),
        *c.disable_services(c.CLUSTER_AND_MIRROR, params.init, servers, lines[f"disable_{init_key}"], params.suse),
        c.cluster_shutdown_reboot(first, lines["shutdown"]),
        c.servers_back(servers, lines["shutdown"]),
        Step(
            "manual",
            _resize_text(disk_hosts, res, settings.get("cppath"), settings.get("dppath")),
            hosts=disk_hosts,
            destructive=True,
            guide=lines["fdisk"],
        ),
    ]
    if params.rename == "yes":
        steps.append(
            c.webui(
                f"In Cluster WebUI, Config mode, open the properties of {res}, [Details] tab, set the new "
                "device names of the data partition and the cluster partition, click [OK], then click "
                "[Apply the Configuration File] (installation guide, chapter 7)",
                lines["config"],
                "clpcfctrl --push -l -x DIR with the changed configuration",
            )
        )
    steps.append(
        Step(
            "command",
            f"Initialise the cluster partition of {res}"
            + (" (this also creates the file system when initial mkfs is on)" if params.disk == "mirror" else ""),
            hosts=disk_hosts,
            command=f"{tool} --create force {res}",
            destructive=True,
            guide=lines["init"],
        )
    )
    if mkfs_needed:
        steps.append(
            Step(
                "command",
                f"Create the {fs} file system on the data partition {data}",
                hosts=disk_hosts,
                command=mkfs_cmd,
                destructive=True,
                guide=lines["mkfs"],
            )
        )
    elif mkfs_needed is None:
        steps.append(
            Step(
                "manual",
                f"Without clp.conf the plan cannot tell whether initial mkfs is on for {res}. If it is off, "
                f"create the file system on the data partition on {', '.join(disk_hosts)}: "
                + (mkfs_cmd or "mkfs -t FS DATA_PARTITION"),
                hosts=disk_hosts,
                destructive=True,
                guide=lines["mkfs"],
            )
        )
    steps += [
        *c.enable_services(c.CLUSTER_AND_MIRROR, params.init, servers, lines[f"enable_{init_key}"]),
        c.reboot(servers, lines["reboot"], "Reboot every server; they start as a cluster"),
    ]
    fullcopy = settings.get("fullcopy") if config is not None else None
    copy_tool = {"mirror": "clpmdctrl", "hybrid": "clphdctrl"}[params.disk]
    group_waited = False
    if fullcopy is not None and int(fullcopy) == 0 and group:
        # Every side was initialised: with initial mirror construction off the mirror comes up Normal
        # with nothing copied, and the full copy is started by hand (L3076-3078). It goes from the
        # server the group is active on, where the restore writes; the wait checks the group is there.
        source = c.group_servers(config, found)[0]
        notes.append(f"clp.conf turns initial mirror construction off for {res}: the plan starts the full copy "
                     f"by hand from {source}, where {group} starts (its first server), once {group} is online there.")
        steps += [
            c.wait_servers_online(first, lines["wait"], servers, after_reboot=True),
            Step(
                "wait",
                f"Wait until {group} is online on {source}: the full copy goes from there",
                hosts=(first,),
                command="clpstat",
                expect=Expect("group_online", {"group": group, "server": source}),
                timeout=c.SERVERS_TIMEOUT,
                interval=30.0,
                guide=lines["group"],
            ),
            Step(
                "command",
                f"clp.conf turns initial mirror construction off for {res}: every side was initialised, so the "
                f"mirror came up Normal with nothing copied and the sides differ. Start the full copy from "
                f"{source} by hand ({SAME_AS_TWO_NEW_SIDES})",
                hosts=(source,),
                command=f"{copy_tool} --force {source} {res}",
                destructive=True,
                guide=lines["wait"],
            ),
            c.wait_mirror_normal(params.disk, res, source, lines["wait"],
                                 f"Wait until the full copy of {res} ends and the mirror is Normal"),
        ]
        group_waited = True
    else:
        steps.append(
            c.wait_mirror_normal(
                params.disk, res, first, lines["wait"],
                f"Wait until the initial mirror construction of {res} (a full copy) ends and the mirror is Normal",
                after_reboot=True,
            )
        )
        if fullcopy is None or int(fullcopy) == 0:
            # No clp.conf (or no group to start the copy from): the operator checks the setting.
            steps += [
                c.webui(
                    f"{'Without clp.conf the plan cannot tell whether' if fullcopy is None else 'clp.conf says'} "
                    f"initial mirror construction is {'on' if fullcopy is None else 'off'} for {res}. If it is off, "
                    f"the mirror came up Normal with nothing copied: start the full copy by hand from the server "
                    f"where the group holding {res} is active (Cluster WebUI, Mirror disks, {res}, mirror recovery; "
                    f"{SAME_AS_TWO_NEW_SIDES})",
                    lines["wait"],
                    f"{copy_tool} --force SERVER {res}",
                ),
                c.wait_mirror_normal(params.disk, res, first, lines["wait"],
                                     f"Wait until the full copy of {res}, if one was started, ends and the mirror is Normal"),
            ]
    if group and not group_waited:
        steps.append(
            Step(
                "wait",
                f"Wait until {group} is online: {res} is then active",
                hosts=(first,),
                command="clpstat",
                expect=Expect("group_online", {"group": group}),
                timeout=c.SERVERS_TIMEOUT,
                interval=30.0,
                guide=lines["group"],
            )
        )
    elif not group:
        steps.append(
            Step(
                "manual",
                f"Confirm with clpstat that the group holding {res} is online (give group= or a clp.conf to "
                "have the plan check it)",
                guide=lines["group"],
            )
        )
    steps.append(
        Step(
            "manual",
            f"On the server where the group holding {res} is active, restore the data backed up before "
            + ("(through the application, or block by block onto the mirror device). " if raw else "(file-level tool again). ")
            + "Skip this when no backup was taken",
            guide=lines["restore"],
        )
    )
    return Plan(
        runbook=NAME,
        params={**asdict(params), "resource": res},
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=lines["section"],
        notes=tuple(notes),
    )


def _resize_text(hosts: tuple[str, ...], res: str, cppath: str | None, dppath: str | None) -> str:
    """The re-partitioning step, by what the partitions are (plain partitions or LVM volumes)."""
    where = ", ".join(hosts)
    if {c.device_kind(d) for d in (cppath, dppath) if d} == {"lvm"}:
        return (f"On {where}, change the size of the logical volumes of {res} (cluster partition {cppath}, data "
                f"partition {dppath}) with lvresize, or re-create them at the new size (lvremove, lvcreate). {FDISK_ALONE}")
    return (f"On {where}, change the offset or size of the cluster partition and the data partition of {res} with fdisk. "
            f"{FDISK_ALONE}")

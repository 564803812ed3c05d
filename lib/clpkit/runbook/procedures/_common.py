"""Pieces several procedures share: service lists, cluster stop/start, clpcfctrl, checks.

The guide repeats a handful of moves across its procedures: turning the
CLUSTERPRO services off and on again in a fixed order, a cluster shutdown and
reboot, a backup and a push of the configuration with ``clpcfctrl``, and
"check that every server is online". Each helper here returns plan steps, so a
procedure reads as the guide's list of steps and the orders live in one place.

Service order (SPEC 5): the services start in :data:`SERVICES` order; they are
disabled in the reverse of it and enabled in it, whatever subset a procedure
names.

>>> [s.command for s in disable_services(("clusterpro_md", "clusterpro"), "systemd", ("sv1",), "L4211")]
['systemctl disable clusterpro', 'systemctl disable clusterpro_md']
>>> [s.command for s in enable_services(("clusterpro", "clusterpro_md"), "initd", ("sv1",), "L4353")]
['chkconfig --add clusterpro_md', 'chkconfig --add clusterpro']
>>> service_command("disable", "clusterpro", "initd", suse=True)
'chkconfig --del --force clusterpro'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from clpkit.config import WINDOWS_REFUSAL
from clpkit.problems import ClpkitError
from clpkit.runbook.plan import Expect, Step
from clpkit.reference.services import START_ORDER

#: The six CLUSTERPRO services in the order they start (guide L500-510), from the one list of them.
SERVICES: tuple[str, ...] = START_ORDER
#: The two services the disk procedures switch off (guide L3524-3534, L4211-4219).
CLUSTER_AND_MIRROR: tuple[str, ...] = ("clusterpro", "clusterpro_md")
#: "The CLUSTERPRO daemon" whose start-up the address and host-name procedures
#: disable (guide L5828, pointing at the installation guide's chapter 9): the guide
#: spells its disable out as four services (L2502-2530), so the mirror agent does not
#: start on the old configuration either.
DAEMON: tuple[str, ...] = ("clusterpro_md", "clusterpro", "clusterpro_webmgr", "clusterpro_alertsync")

#: Why a runbook has no ``suse`` parameter: the guide asks for ``chkconfig --del --force`` on SUSE only
#: where clusterpro and clusterpro_md are switched off while clusterpro_webmgr and clusterpro_alertsync,
#: which need them, stay on (L3518-3520, L4205-4207, L4504-4506, L4854-4856, L5365-5367). A runbook
#: that switches the services off in reverse start order leaves none of them needed, so none is forced.
NO_SUSE_FORCE = ("this runbook switches the services off in reverse start order, so no service is removed while "
                 "another needs it and chkconfig --del needs no --force, on SUSE either; the guide asks for --force "
                 "only in resize-mirror-partition and replace-server variant=hybrid-shared-disk")

INIT_SYSTEMS: tuple[str, ...] = ("systemd", "initd")
DISKS: tuple[str, ...] = ("mirror", "hybrid")

#: How long the waits allow, in seconds. A full mirror copy of a large
#: partition takes hours; a reboot of every server takes minutes.
SERVERS_TIMEOUT = 1800.0
MIRROR_TIMEOUT = 24 * 3600.0
#: Seconds a wait that follows a reboot lets pass before its first poll. ``reboot``
#: and ``clpstdn -r`` return before the server goes down, so an immediate poll
#: would still see the old state (every server online, or the mirror Normal) and
#: pass at once; a minute covers the OS shutdown of a server, and the waits'
#: own timeouts are far longer.
REBOOT_DELAY = 60.0

#: dd without a count ends when the partition is full, with exit status 1 and this message; the
#: guide says the message is expected (L2829-2835), so it is the success test of a dd step.
DD_FILLED = Expect("output_contains", {"text": "No space left on device"})
#: The guide's warning before every dd onto a partition (L2823-2827), shown at the step.
DD_WARNING = ("dd erases the partition named by of=: check that the device name is the right one "
              "before you approve this step")

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,62}$")
_DEVICE = re.compile(r"^/dev/[A-Za-z0-9_./\-]+$")
_PATH = re.compile(r"^/[A-Za-z0-9_./\-]*$")
_FS = re.compile(r"^[a-z][a-z0-9]{1,15}$")


class ProcedureRefused(ClpkitError):
    """A runbook will not make a plan from these parameters (the message says why)."""


# --- parameter checks: every value that reaches a command line is checked here ---


def choice(field: str, value: str, allowed: Sequence[str]) -> str:
    """``value`` when it is one of ``allowed``; otherwise a refusal naming the choices.

    >>> choice("init", "upstart", INIT_SYSTEMS)
    Traceback (most recent call last):
    ...
    clpkit.runbook.procedures._common.ProcedureRefused: init='upstart' is not one of: systemd, initd
    """
    if value not in allowed:
        raise ProcedureRefused(f"{field}={value!r} is not one of: {', '.join(allowed)}")
    return value


def name(field: str, value: str) -> str:
    """A CLUSTERPRO object or host name: letters, digits, ``_ . -``; no spaces or shell characters."""
    if not _NAME.match(value or ""):
        raise ProcedureRefused(
            f"{field}={value!r} is not a valid name (letters, digits, '_', '.', '-'; 1-63 characters)"
        )
    return value


def device(field: str, value: str) -> str:
    """A block device path under /dev, e.g. ``/dev/sdb5``."""
    if not _DEVICE.match(value or "") or ".." in value:
        raise ProcedureRefused(f"{field}={value!r} is not a device path such as /dev/sdb5")
    return value


def path(field: str, value: str) -> str:
    """An absolute directory or file path without spaces or shell characters."""
    if not _PATH.match(value or "") or ".." in value:
        raise ProcedureRefused(
            f"{field}={value!r} is not an absolute path made of letters, digits, '_', '.', '-' and '/'"
        )
    return value


def filesystem(field: str, value: str) -> str:
    """A file-system type as ``mkfs -t`` takes it (ext4, xfs, …)."""
    if not _FS.match(value or ""):
        raise ProcedureRefused(f"{field}={value!r} is not a file-system type such as ext4 or xfs")
    return value


def server_list(field: str, value: str) -> tuple[str, ...]:
    """A comma-separated list of server names, at least one, no repeats.

    >>> server_list("servers", "sv1, sv2")
    ('sv1', 'sv2')
    """
    names = tuple(part.strip() for part in (value or "").split(",") if part.strip())
    if not names:
        raise ProcedureRefused(f"{field} is empty; give the server names separated by commas")
    for n in names:
        name(field, n)
    if len(set(names)) != len(names):
        raise ProcedureRefused(f"{field}={value!r} names a server twice")
    return names


def member(field: str, value: str, servers: Sequence[str]) -> str:
    """``value`` when it is one of the cluster's servers; otherwise a refusal listing them."""
    if value not in servers:
        raise ProcedureRefused(f"{field}={value!r} is not a server of the cluster ({', '.join(servers)})")
    return value


# --- what clp.conf knows ---


#: The servers a plan names when neither clp.conf nor ``servers=`` says (a plan review only).
EXAMPLE_SERVERS: tuple[str, ...] = ("sv1", "sv2")


class ClusterServers(NamedTuple):
    """The cluster's server names for a plan, and what the plan says about where they came from."""

    names: tuple[str, ...]
    notes: tuple[str, ...]


def resolve_servers(
    servers: str, config: Any = None, example: Sequence[str] = EXAMPLE_SERVERS, **named: str
) -> ClusterServers:
    """The one rule for server names, in every procedure.

    With a clp.conf the cluster's servers are the ones it lists; ``servers``
    and each ``named`` parameter (``server=``, ``source=``…; empty ones are
    skipped) must name servers it knows, else a refusal names the unknown
    server and the configured ones. Without a clp.conf the names are
    ``servers`` (else ``example``) and the notes say nobody checked them.

    >>> names, notes = resolve_servers("")
    >>> names, "not checked" in notes[0]
    (('sv1', 'sv2'), True)
    >>> resolve_servers("a1, a2, a3").names
    ('a1', 'a2', 'a3')
    """
    given = server_list("servers", servers) if (servers or "").strip() else ()
    refuse_windows(config)
    if config is not None:
        known = tuple(name("clp.conf server", s.name) for s in config.servers)
        if known:
            for field, value in (*named.items(), *(("servers", n) for n in given)):
                if value and value not in known:
                    raise ProcedureRefused(
                        f"{field}={value!r} is not a server of the cluster: clp.conf knows only {', '.join(known)}"
                    )
            return ClusterServers(known, ("Server names come from clp.conf.",))
        raise ProcedureRefused(f"the cluster has no servers in clp.conf ({config.source}), so no plan applies")
    if given:
        return ClusterServers(given, (
            f"No clp.conf: the server names {', '.join(given)} come from the parameters and were not checked "
            "against the cluster's configuration.",
        ))
    return ClusterServers(tuple(example), (
        f"No clp.conf and no servers= parameter: the plan uses the example servers {', '.join(example)}; "
        "the names were not checked against the cluster's configuration.",
    ))


def server_groups(config: Any, servers: Sequence[str]) -> list[tuple[str, ...]]:
    """The cluster's servers grouped by clp.conf's server groups (the servers that share a hybrid
    disk), in startup order; empty when clp.conf has none, so nobody can tell who shares a disk."""
    groups = list(getattr(config, "server_groups", None) or []) if config is not None else []
    out = []
    for group in groups:
        members = tuple(name(f"clp.conf server group {group.name}", s) for s in group.servers if s in servers)
        if members:
            out.append(members)
    return out


def active_server_in_bundle(bundle: str, names: list[str]) -> tuple[str | None, str]:
    """The server the saved clpstat output of ``bundle`` shows the group holding ``names`` online on, and what it shows."""
    from pathlib import Path

    import polars as pl

    from clpkit import open_bundle
    from clpkit.formats import clpstat

    if not Path(bundle).exists():
        raise ProcedureRefused(f"bundle={bundle!r}: no such file or folder")
    with open_bundle(bundle) as b:
        if "clpstat" not in b.tables():
            raise ProcedureRefused(f"{bundle}: holds no saved clpstat output, so it does not show where the group "
                                     f"of {', '.join(names)} is active; give source=")
        frame = b.table("clpstat")
    rows = frame.filter((pl.col("section") == "resource") & pl.col("name").is_in(names) & pl.col("raw").is_null())
    held_by = sorted(set(rows["parent"].drop_nulls().to_list()))
    if len(held_by) != 1:
        what = "no group" if not held_by else f"the groups {', '.join(held_by)}"
        raise ProcedureRefused(f"{bundle}: its clpstat output shows {what} holding {', '.join(names)}; give source=")
    group = held_by[0]
    current = clpstat.group_server(frame, group)
    shown = f"{bundle}'s saved clpstat output shows {group} " + (f"online on {current}" if current else "online nowhere")
    return current, shown


def refuse_windows(config: Any) -> None:
    """Every procedure follows the Linux guide: a Windows cluster is refused in one line."""
    if config is not None and getattr(config, "is_windows", False):
        _, why = config.os_evidence()
        raise ProcedureRefused(f"{WINDOWS_REFUSAL} ({config.source}: {why})")


class Resolved(NamedTuple):
    """A parameter's value and the note that says where it came from."""

    value: str
    note: str


def resolve_one(field: str, given: str, candidates: Sequence[str] | None, what: str, example: str,
                how: str = "") -> Resolved:
    """The one rule for a server, resource, group, mirror or disk a plan acts on.

    ``candidates`` are the ones the cluster's clp.conf has (None: no clp.conf).
    A ``given`` value must be one of them; without one, a unique candidate is
    taken, several are refused with the list, none is refused saying the cluster
    has none. Without a clp.conf the value (else ``example``) is used unchecked.

    >>> resolve_one("resource", "", ["md1"], "mirror disk resource", "md1").value
    'md1'
    >>> resolve_one("resource", "", ["md1", "md2"], "mirror disk resource", "md1")
    Traceback (most recent call last):
    ...
    clpkit.runbook.procedures._common.ProcedureRefused: several mirror disk resources fit resource=: md1, md2; choose one with -p resource=NAME
    >>> resolve_one("resource", "", [], "mirror disk resource", "md1")
    Traceback (most recent call last):
    ...
    clpkit.runbook.procedures._common.ProcedureRefused: the cluster has no mirror disk resource (clp.conf), so this plan does not apply
    """
    scope = f" {how}" if how else ""
    if candidates is None:
        if given:
            return Resolved(given, f"No clp.conf: {field}={given} was not checked against the cluster.")
        return Resolved(example, f"No clp.conf and no {field}=: the plan uses the example {what} {example}; "
                                 "it was not checked against the cluster.")
    if given:
        if given not in candidates:
            known = ", ".join(candidates) or "none"
            raise ProcedureRefused(f"{field}={given!r} is not a {what} of the cluster{scope} (clp.conf has: {known})")
        return Resolved(given, f"{field}={given} is a {what} of the cluster (checked against clp.conf).")
    if not candidates:
        raise ProcedureRefused(f"the cluster has no {what}{scope} (clp.conf), so this plan does not apply")
    if len(candidates) > 1:
        raise ProcedureRefused(
            f"several {what}s fit {field}={scope}: {', '.join(candidates)}; choose one with -p {field}=NAME"
        )
    return Resolved(candidates[0], f"{field}={candidates[0]}: the cluster's only {what}{scope} (from clp.conf).")


def required_new(field: str, given: str, config: Any, example: str, what: str) -> Resolved:
    """A new name or address the plan gives something: with a clp.conf it must be given (an example
    would look like a decision); without one the example stands, and the note says so."""
    if given:
        return Resolved(given, "")
    if config is not None:
        raise ProcedureRefused(f"give {field}= ({what}): with a clp.conf the plan uses no example value")
    return Resolved(example, f"No {field}= given: the plan shows the example {example} ({what}).")


def group_servers(config: Any, resource: Any) -> list[str]:
    """The servers that can run a resource's group (every server when it has no group)."""
    if resource is not None and resource.group:
        for g in config.groups:
            if g.name == resource.group:
                return list(g.servers)
    return [s.name for s in config.servers]


def mirror_candidates(config: Any, rtype: str, server: str = "") -> list[str] | None:
    """Names of the md or hd resources (on ``server``'s groups when given); None without a config."""
    if config is None:
        return None
    return [r.name for r in config.resources
            if r.type == rtype and (not server or server in group_servers(config, r))]


# --- what the resource's devices are ---

_MAPPER = re.compile(r"^/dev/mapper/(?P<name>.+)$")
_VG_LV = re.compile(r"^/dev/(?P<vg>[^/]+)/(?P<lv>[^/]+)$")
_PLAIN = re.compile(r"^/dev/(sd|vd|xvd|hd|nvme\d+n|mmcblk)[a-z0-9]*$")


def device_kind(device: str | None) -> str:
    """``partition`` (/dev/sdb1), ``lvm`` (/dev/VG/LV), ``multipath`` (/dev/mapper/mpath…),
    ``mapper`` (another device-mapper name) or ``unknown``.

    >>> [device_kind(d) for d in ("/dev/sdb2", "/dev/md1/dp", "/dev/mapper/mpatha1", "/dev/mapper/vg-lv", None)]
    ['partition', 'lvm', 'multipath', 'mapper', 'unknown']
    """
    if not device:
        return "unknown"
    if m := _MAPPER.match(device):
        return "multipath" if m["name"].startswith("mpath") else "mapper"
    if _PLAIN.match(device):
        return "partition"
    if (m := _VG_LV.match(device)) and m["vg"] not in ("disk", "block", "mapper"):
        return "lvm"
    return "unknown"


def prepare_devices_text(cppath: str | None, dppath: str | None, who: str) -> str:
    """How to re-create the cluster and data partitions on a new disk, by what they are."""
    parts = f"cluster partition {cppath or '(as before)'}, data partition {dppath or '(as before)'}"
    kinds = {device_kind(d) for d in (cppath, dppath) if d}
    if kinds == {"lvm"}:
        vgs = sorted({_VG_LV.match(d)["vg"] for d in (cppath, dppath) if d})
        return (f"Re-create the LVM layout on the new disk of {who} exactly as before: the physical volume, "
                f"the volume group {', '.join(vgs)} and its logical volumes with the old sizes "
                f"(pvcreate, vgcreate, lvcreate): {parts}")
    if "multipath" in kinds:
        return (f"Present the new LUN to {who}, let multipath map it, and partition the multipath device "
                f"exactly like the old one (parted or fdisk on the /dev/mapper device, then kpartx): {parts}")
    return f"Partition the new disk of {who} exactly like the old one (fdisk): {parts}"


def device_checks(hosts: Sequence[str], devices: Iterable[str | None]) -> list[Step]:
    """A check per device that it exists as a block device. ``lsblk`` follows the LVM and
    device-mapper links and exits non-zero for a path that is no block device, where the
    old ``fdisk -l`` listing never names LVM or multipath paths."""
    return [
        Step("check", f"The block device {d} exists (lsblk follows LVM and multipath links)", hosts=tuple(hosts),
             command=f"lsblk -no NAME,TYPE,SIZE {d}", expect=Expect("exit_zero"))
        for d in devices if d
    ]


def raw_device(fs: str | None) -> bool:
    """A mirror whose ``fs`` is ``none`` holds a raw device (no file system: no mkfs, no file backup)."""
    return (fs or "").strip().lower() == "none"


def conf(config: Any, conf_path: str) -> str | None:
    """A value of clp.conf by its ``a@x`` path (SPEC 3.7); None without a config or when unset."""
    if config is None:
        return None
    try:
        value = config.get(conf_path)
    except (KeyError, LookupError, ValueError):
        return None
    return None if value is None else str(value).strip()


def mirror_settings(config: Any, rname: str) -> dict[str, Any]:
    """fullcopy, mkfs, cppath, dppath, fs… of a mirror or hybrid resource, clp.conf defaults applied
    (``ClusterConfig.mirror``); an empty dict without a config."""
    if config is None:
        return {}
    settings = dict(config.mirror(rname))
    # Values from clp.conf reach root command lines (mkfs, dd): each is checked for its kind first.
    for key in ("cppath", "dppath"):
        if settings.get(key):
            settings[key] = device(f"clp.conf {rname} {key}", str(settings[key]))
    if settings.get("fs"):
        settings["fs"] = filesystem(f"clp.conf {rname} fs", str(settings["fs"]))
    return settings


def resource_type(disk: str) -> str:
    """The clp.conf resource type of a mirror (``md``) or hybrid (``hd``) disk."""
    return {"mirror": "md", "hybrid": "hd"}[disk]


def find_resource(config: Any, rtype: str, rname: str) -> Any | None:
    """The resource ``rtype``/``rname`` of clp.conf, or None (also when there is no config)."""
    if config is None:
        return None
    for r in config.resources:
        if r.type == rtype and r.name == rname:
            if r.group:
                name(f"clp.conf group of {rtype}@{rname}", r.group)
            return r
    return None


def require_resource(config: Any, rtype: str, rname: str) -> Any | None:
    """Like :func:`find_resource`, but a config that lacks the resource is a refusal."""
    found = find_resource(config, rtype, rname)
    if config is not None and found is None:
        known = sorted(r.name for r in config.resources if r.type == rtype)
        raise ProcedureRefused(
            f"clp.conf has no {rtype} resource {rname!r} (its {rtype} resources: {', '.join(known) or 'none'})"
        )
    return found


def resources_of_types(config: Any, types: Iterable[str]) -> list[Any]:
    """The resources of clp.conf whose type is one of ``types`` (empty without a config)."""
    if config is None:
        return []
    wanted = set(types)
    return [r for r in config.resources if r.type in wanted]


# --- services ---


def service_command(action: str, service: str, init: str, suse: bool = False) -> str:
    """The command that disables or enables one service on one init system."""
    choice("init", init, INIT_SYSTEMS)
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    if init == "systemd":
        return f"systemctl {action} {service}"
    flag = {"disable": "--del", "enable": "--add"}[action]
    force = " --force" if suse and action == "disable" else ""
    return f"chkconfig {flag}{force} {service}"


def disable_services(
    services: Iterable[str], init: str, hosts: Sequence[str], guide: str, suse: bool = False
) -> list[Step]:
    """One step per service, in reverse start order, each on every host."""
    ordered = sorted(set(services), key=SERVICES.index, reverse=True)
    return [
        Step(
            "command",
            f"Keep {svc} from starting at boot",
            hosts=tuple(hosts),
            command=service_command("disable", svc, init, suse),
            guide=guide,
        )
        for svc in ordered
    ]


def enable_services(services: Iterable[str], init: str, hosts: Sequence[str], guide: str) -> list[Step]:
    """One step per service, in start order, each on every host."""
    ordered = sorted(set(services), key=SERVICES.index)
    return [
        Step(
            "command",
            f"Let {svc} start at boot again",
            hosts=tuple(hosts),
            command=service_command("enable", svc, init),
            guide=guide,
        )
        for svc in ordered
    ]


# --- cluster-wide moves ---


def cluster_shutdown_reboot(host: str, guide: str) -> Step:
    """``clpstdn -r`` on one server: stop the cluster and reboot every server."""
    return Step(
        "command",
        "Shut the cluster down and reboot every server (Cluster WebUI equivalent: "
        "Operation mode, [Shutdown Cluster] and choose reboot)",
        hosts=(host,),
        command="clpstdn -r",
        destructive=True,
        guide=guide,
    )


def reboot(hosts: Sequence[str], guide: str, text: str = "Reboot") -> Step:
    """``reboot`` on each host."""
    return Step("command", text, hosts=tuple(hosts), command="reboot", destructive=True, guide=guide)


def servers_back(hosts: Sequence[str], guide: str) -> Step:
    """The operator confirms the servers came back up (the cluster does not start, so clpstat cannot tell)."""
    return Step(
        "manual",
        f"Wait until {', '.join(hosts)} have finished rebooting and accept logins again; "
        "the CLUSTERPRO services stay stopped for now, so clpstat cannot show it",
        hosts=tuple(hosts),
        guide=guide,
    )


def check_servers_online(host: str, guide: str, servers: Sequence[str] | None = None) -> Step:
    """A check: clpstat shows every server (or ``servers``) online."""
    args = {} if servers is None else {"servers": list(servers)}
    who = "every server" if servers is None else ", ".join(servers)
    return Step(
        "check",
        f"clpstat shows {who} online (Cluster WebUI equivalent: Operation mode, [Refresh data])",
        hosts=(host,),
        command="clpstat",
        expect=Expect("servers_online", args),
        guide=guide,
    )


def wait_servers_online(
    host: str, guide: str, servers: Sequence[str] | None = None, after_reboot: bool = False
) -> Step:
    """A wait: poll clpstat until every server (or ``servers``) is online; after a reboot, from
    :data:`REBOOT_DELAY` on."""
    args = {} if servers is None else {"servers": list(servers)}
    who = "every server" if servers is None else ", ".join(servers)
    return Step(
        "wait",
        f"Wait until clpstat shows {who} online",
        hosts=(host,),
        command="clpstat",
        expect=Expect("servers_online", args),
        timeout=SERVERS_TIMEOUT,
        interval=30.0,
        delay=REBOOT_DELAY if after_reboot else 0.0,
        guide=guide,
    )


def mirror_status_command(disk: str, resource: str) -> str:
    """``clpmdstat --mirror md1`` or ``clphdstat --mirror hd1``."""
    tool = {"mirror": "clpmdstat", "hybrid": "clphdstat"}[disk]
    return f"{tool} --mirror {resource}"


def wait_mirror_normal(disk: str, resource: str, host: str, guide: str, text: str, after_reboot: bool = False,
                       timeout: float = MIRROR_TIMEOUT) -> Step:
    """A wait: poll the mirror status until it is Normal (a full copy can take hours); after a
    reboot, from :data:`REBOOT_DELAY` on. ``timeout`` defaults to :data:`MIRROR_TIMEOUT`."""
    return Step(
        "wait",
        text,
        hosts=(host,),
        command=mirror_status_command(disk, resource),
        expect=Expect("mirror_status", {"mirror": resource, "status": "Normal"}),
        timeout=timeout,
        interval=60.0,
        delay=REBOOT_DELAY if after_reboot else 0.0,
        guide=guide,
    )


def mirror_recovery_command(disk: str, resource: str) -> str:
    """The command that starts a mirror recovery by hand (reference guide, chapter 8)."""
    tool = {"mirror": "clpmdctrl", "hybrid": "clphdctrl"}[disk]
    return f"{tool} --recovery {resource}"


# --- Cluster WebUI ---


def webui(text: str, guide: str, equivalent: str | None = None, hosts: Sequence[str] = ()) -> Step:
    """A Cluster WebUI action the operator performs and confirms, naming the command that does the same."""
    if equivalent:
        text = f"{text} (equivalent command: {equivalent})"
    return Step("manual", text, hosts=tuple(hosts), guide=guide)


def webui_stop_cluster(guide: str) -> Step:
    return webui("In Cluster WebUI, Operation mode, click [Stop Cluster] and confirm", guide, "clpcl -t -a")


def webui_start_cluster(guide: str) -> Step:
    return webui("In Cluster WebUI, Operation mode, click [Start Cluster] and confirm", guide, "clpcl -s -a")


def webui_apply(guide: str, directory: str | None = None) -> Step:
    """Upload the configuration edited in Config mode to every server."""
    equivalent = f"clpcfctrl --push -l -x {directory}" if directory else "clpcfctrl --push -l -x DIR"
    return webui(
        "In Cluster WebUI, Config mode, click [Apply the Configuration File] to upload the "
        "configuration to every server and confirm the dialogs",
        guide,
        equivalent,
    )


# --- clpcfctrl ---


def config_backup(host: str, directory: str, guide: str) -> list[Step]:
    """Save the running configuration of the cluster into ``directory`` on ``host``."""
    return [
        Step(
            "command",
            f"Create the directory that will hold the configuration backup on {host}",
            hosts=(host,),
            command=f"mkdir -p {directory}",
            guide=guide,
        ),
        Step(
            "command",
            f"Back up the cluster configuration into {directory} (clpcfctrl --pull)",
            hosts=(host,),
            command=f"clpcfctrl --pull -l -x {directory}",
            guide=guide,
        ),
    ]


def config_push(host: str, directory: str, guide: str) -> Step:
    """Distribute the configuration saved in ``directory`` on ``host`` to every server."""
    return Step(
        "command",
        f"Distribute the changed configuration in {directory} to every server (clpcfctrl --push)",
        hosts=(host,),
        command=f"clpcfctrl --push -l -x {directory}",
        guide=guide,
    )


# --- the guide's pattern for changing what the servers are known by (address, host name) ---


def offline_config_change(
    *,
    servers: Sequence[str],
    console: str,
    init: str,
    backup_dir: str,
    edited_dir: str,
    lines: dict[str, str],
    edit_text: str,
    change_steps: Sequence[Step],
    verify_steps: Sequence[Step],
    final_servers: Sequence[str],
) -> list[Step]:
    """Check, back up, edit in WebUI, daemon off, shutdown-reboot, change, verify, push, daemon on, reboot, check.

    ``lines`` gives the guide line of each of the eleven steps (keys: check, backup,
    edit, disable, shutdown, change, verify, push, enable, reboot, final).
    """
    return [
        check_servers_online(console, lines["check"]),
        *config_backup(console, backup_dir, lines["backup"]),
        webui(
            f"In Cluster WebUI, Config mode, [Import] the backup in {backup_dir} (copy it from {console} to "
            f"the WebUI machine), {edit_text}, then [Export] the result and copy it into {edited_dir} on "
            f"{console}, so that {edited_dir}/clp.conf is the changed configuration",
            lines["edit"],
        ),
        *disable_services(DAEMON, init, servers, lines["disable"]),
        cluster_shutdown_reboot(console, lines["shutdown"]),
        servers_back(servers, lines["shutdown"]),
        *change_steps,
        *verify_steps,
        config_push(console, edited_dir, lines["push"]),
        *enable_services(DAEMON, init, servers, lines["enable"]),
        reboot(servers, lines["reboot"], "Reboot every server; the cluster starts with the changed configuration"),
        wait_servers_online(console, lines["final"], final_servers, after_reboot=True),
    ]

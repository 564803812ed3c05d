"""Replace a failed server (guide L3085-4068), every variant the guide describes.

``variant`` picks the section of the guide:

=======================  ==========  ====================================================
variant                  guide       what is replaced
=======================  ==========  ====================================================
shared-disk              L3085-3104  a server of a shared-disk cluster
mirror-new-disk          L3105-3241  a mirror-disk server together with its disk
mirror-reuse-disk        L3242-3323  a mirror-disk server; its disk moves to the new one
hybrid-new-disk          L3324-3507  a hybrid-disk server and its non-shared disk
hybrid-shared-disk       L3508-3858  a hybrid-disk server and the shared disk it used
hybrid-reuse-disk        L3859-3989  a hybrid-disk server; its disk moves to the new one
hybrid-shared-server     L3990-4068  a server attached to the hybrid shared disk
=======================  ==========  ====================================================

The new server gets the failed one's IP address and host name. With a
clp.conf, the plan knows whether the mirror copies itself after the reboot
(``fullcopy``) and where the cluster partition is (``diskdev/cppath``).

>>> p = plan(Params(variant="mirror-new-disk", server="sv2", servers="sv1,sv2", resource="md1"))
>>> [s.command for s in p.steps if s.kind != "manual"]
['clpstat', 'reboot', 'clpstat', 'clpmdstat --mirror md1']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clpkit.runbook.plan import Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "replace-server"
GUIDE = "L3085-4068"
TITLE = "Replace a failed server (shared, mirror or hybrid disk)"

#: variant -> (guide lines, disk kind)
VARIANTS: dict[str, tuple[str, str]] = {
    "shared-disk": ("L3085-3104", "shared"),
    "mirror-new-disk": ("L3105-3241", "mirror"),
    "mirror-reuse-disk": ("L3242-3323", "mirror"),
    "hybrid-new-disk": ("L3324-3507", "hybrid"),
    "hybrid-shared-disk": ("L3508-3858", "hybrid"),
    "hybrid-reuse-disk": ("L3859-3989", "hybrid"),
    "hybrid-shared-server": ("L3990-4068", "hybrid"),
}


@dataclass(frozen=True)
class Params:
    variant: str = "mirror-new-disk"  # what is replaced: a shared-disk server; a mirror server with a new disk, or its disk moved over (reuse); a hybrid server with its non-shared disk, with the shared disk, or its disk moved over; a server on the hybrid shared disk
    server: str = ""  # the server being replaced; empty: the cluster's only candidate (example sv2)
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
    resource: str = ""  # the mirror (md) or hybrid (hd) disk resource; empty: every one of the server (example md1/hd1)
    partner: str = ""  # hybrid-shared-disk: the server sharing the disk with the replaced one
    disk_used_before: bool = False  # mirror-new-disk: the new disk once served as a mirror disk
    cluster_partition: str = ""  # its cluster partition (diskdev/cppath), when no clp.conf is given
    init: str = "systemd"  # hybrid-shared-disk: systemd or initd on the partner
    suse: bool = False  # the partner runs SUSE (chkconfig --del takes --force)
    source: str = ""  # hybrid: the server the full copy comes from, the current server of the other server group (active, with the latest data); empty: from the bundle's clpstat output, else the other server group's only server; with several the plan refuses until you name it
    bundle: str = ""  # hybrid: a log collection whose saved clpstat output shows where the group of the resource is active (taken as the copy source)

    def __post_init__(self) -> None:
        c.choice("variant", self.variant, tuple(VARIANTS))
        if self.server:
            c.name("server", self.server)
        c.choice("init", self.init, c.INIT_SYSTEMS)
        if VARIANTS[self.variant][1] != "shared" and self.resource:
            c.name("resource", self.resource)
        if self.variant == "hybrid-shared-disk":
            if not self.partner:
                raise c.ProcedureRefused(
                    "variant=hybrid-shared-disk needs partner=: the server that shares the disk with "
                    f"{self.server or 'the replaced server'}"
                )
            c.name("partner", self.partner)
            if self.server and self.partner == self.server:
                raise c.ProcedureRefused("partner must be another server than the one being replaced")
        elif self.partner:
            raise c.ProcedureRefused("partner= only applies to variant=hybrid-shared-disk")
        if self.disk_used_before and self.variant != "mirror-new-disk":
            raise c.ProcedureRefused("disk_used_before= only applies to variant=mirror-new-disk")
        if self.cluster_partition:
            c.device("cluster_partition", self.cluster_partition)
        hybrid = VARIANTS[self.variant][1] == "hybrid"
        if self.source:
            if not hybrid:
                raise c.ProcedureRefused("source= only applies to the hybrid-* variants (the hybrid copy source)")
            c.name("source", self.source)
        if self.bundle and not hybrid:
            raise c.ProcedureRefused("bundle= only applies to the hybrid-* variants (where the hybrid copy comes from)")


def _install(server: str, guide: str) -> Step:
    return Step(
        "manual",
        f"Install the CLUSTERPRO Server package on the new {server} (installation guide, chapter 3, "
        "server set-up) and reboot it once the installation ends",
        hosts=(server,),
        guide=guide,
    )


def _upload(server: str, guide: str) -> Step:
    return c.webui(
        "Connect Cluster WebUI through the management IP address (or a server that is not being "
        f"replaced), switch to Config mode and click [Apply the Configuration File] so that {server} "
        "receives the cluster configuration",
        guide,
        "clpcfctrl --push -l -x DIR with the configuration saved from the cluster",
    )


def _hardware(server: str, what: str, guide: str) -> Step:
    return Step(
        "manual",
        f"{what} Give the new machine the IP addresses and the host name {server} had",
        hosts=(server,),
        guide=guide,
    )


def _fdisk(server: str, guide: str, note: str = "") -> Step:
    return Step(
        "manual",
        f"Partition the new disk of {server} with fdisk{note}: the cluster partition and the data "
        "partition, the same sizes as on the other servers",
        hosts=(server,),
        destructive=True,
        guide=guide,
    )


def _recovery(disk: str, resource: str, source: str, fullcopy: str | None, full: bool, guides: tuple[str, str],
              servers: tuple[str, ...] = ()) -> list[Step]:
    """After the reboot: the mirror copies itself, or the operator starts the copy, then wait for Normal.

    A copy started by hand waits first for every server to be back online: ``clp?dctrl --force``
    right after ``reboot`` would run before the new server has rejoined (L3187-3191)."""
    start_guide, status_guide = guides
    steps: list[Step] = []
    tool = {"mirror": "clpmdctrl", "hybrid": "clphdctrl"}[disk]
    rejoined = full and fullcopy != "1" and bool(servers)
    if rejoined:
        steps.append(c.wait_servers_online(source, start_guide, servers, after_reboot=True))
    if full:
        force = f"{tool} --force {source} {resource}"
        if fullcopy == "0":
            steps.append(
                Step(
                    "command",
                    f"clp.conf turns initial mirror construction off for {resource}: start the full "
                    f"copy from {source} by hand",
                    hosts=(source,),
                    command=force,
                    destructive=True,
                    guide=start_guide,
                )
            )
        elif fullcopy is None:
            steps.append(
                c.webui(
                    f"Without clp.conf the plan cannot tell whether {resource} builds its mirror by "
                    f"itself. If initial mirror construction is off, start the full copy from {source} "
                    f"in Cluster WebUI (Mirror disks, {resource}, mirror recovery)",
                    start_guide,
                    force,
                )
            )
    else:
        steps.append(
            c.webui(
                f"If {resource} holds differences and automatic mirror recovery is off, start the mirror "
                f"recovery in Cluster WebUI (Mirror disks, {resource}, mirror recovery; reference guide, "
                "chapter 8). With no differences, or with automatic recovery on, nothing is to be done",
                start_guide,
            )
        )
    what = "full copy" if full else "mirror recovery"
    steps.append(
        c.wait_mirror_normal(
            disk, resource, source, status_guide, f"Wait until the {what} of {resource} ends and the mirror is Normal",
            after_reboot=not rejoined,
        )
    )
    return steps


def plan(params: Params, config: Any = None) -> Plan:
    """The steps of the chosen variant, in the guide's order."""
    section, disk = VARIANTS[params.variant]
    servers, servers_said = c.resolve_servers(params.servers, config, server=params.server, partner=params.partner)
    picked = c.resolve_one("server", params.server, None if config is None else list(servers), "server", "sv2")
    server = c.member("server", picked.value, servers)
    others = [s for s in servers if s != server]
    if not others:
        raise c.ProcedureRefused(f"{server} is the only server: there is no cluster to rejoin")
    notes = [
        f"Follows guide {section} ({params.variant}).",
        "The first check (the remaining servers are online) is not in the guide; it makes sure there "
        "is a running cluster to take the new server in.",
        *servers_said,
        picked.note,
    ]
    partner = ""
    if params.variant == "hybrid-shared-disk":
        partner = c.member("partner", params.partner, servers)
        if partner == server:
            raise c.ProcedureRefused("partner must be another server than the one being replaced")
    keep = [s for s in others if s != partner] or others
    observer = keep[0]  # where checks and waits run: a server that stays up (a hybrid copy source replaces it below)
    groups = c.server_groups(config, servers) if disk == "hybrid" else []
    candidates = keep
    if groups:
        # The copy comes from the other server group, never from a server sharing the replaced disk (L3787-3789).
        outside = [s for g in groups if server not in g and partner not in g for s in g]
        if not outside:
            raise c.ProcedureRefused(f"clp.conf's server groups put every server with {server}: no server group to copy from")
        candidates = outside
        observer = outside[0]
    if disk == "shared" and c.resources_of_types(config, ("md", "hd")):
        kinds = sorted({f"{r.type}@{r.name}" for r in c.resources_of_types(config, ("md", "hd"))})
        raise c.ProcedureRefused(f"variant=shared-disk, but clp.conf has mirror or hybrid disk resources ({', '.join(kinds)}): "
                                 "choose the mirror-* or hybrid-* variant")
    names: list[str] = []
    fullcopy: dict[str, str | None] = {}
    if disk != "shared":
        rtype = c.resource_type(disk)
        on_server = c.mirror_candidates(config, rtype, server)
        if params.resource or on_server is None:
            names = [c.resolve_one("resource", params.resource, on_server, f"{disk} disk resource", f"{rtype}1",
                                   how=f"on {server}").value]
        elif not on_server:
            raise c.ProcedureRefused(f"the cluster has no {disk} disk resource on {server} (clp.conf), "
                                     f"so variant={params.variant} does not apply")
        else:
            names = on_server
            if len(names) > 1:
                notes.append(f"{server} holds {len(names)} {disk} disk resources ({', '.join(names)}): "
                             "the plan initialises and waits for each of them.")
        for name in names:
            c.require_resource(config, rtype, name)
            fullcopy[name] = None if config is None else str(c.mirror_settings(config, name)["fullcopy"])
        if config is None:
            notes.append("No clp.conf given: whether the mirror copies itself after the reboot is left to the operator.")

    if disk == "hybrid":
        # The copy source is named in a step when the copy is started by hand (fullcopy off or unknown).
        named = params.variant in ("hybrid-new-disk", "hybrid-shared-disk") and any(fullcopy[r] != "1" for r in names)
        source, said = _copy_source(params, servers, server, partner, candidates, bool(groups), names, named)
        if source:
            observer = source
        notes.append(said)

    steps: list[Step] = [c.check_servers_online(observer, section.split("-")[0], others)]

    if params.variant == "shared-disk":
        steps += [
            _install(server, "L3092"),
            _upload(server, "L3100"),
            c.webui(
                f"In Cluster WebUI, Operation mode, select {server} and click [Start Server Service]",
                "L3102",
                f"clpcl -s -h {server}",
            ),
            c.wait_servers_online(observer, "L3102", servers),
        ]
        notes.append("The last wait (every server online) is a verification the guide leaves to the operator.")

    elif params.variant == "mirror-new-disk":
        steps += [
            _hardware(server, f"Replace the failed {server} and its mirror disk.", "L3116"),
            _fdisk(server, "L3160"),
            _install(server, "L3164"),
        ]
        if params.disk_used_before:
            cppaths = [c.mirror_settings(config, r).get("cppath") for r in names] if config is not None else []
            cppaths = [p for p in cppaths if p] or ([params.cluster_partition] if params.cluster_partition else [])
            if not cppaths:
                raise c.ProcedureRefused(
                    "disk_used_before=True needs the cluster partition: give cluster_partition= or a clp.conf"
                )
            for cppath in cppaths:
                c.device("cluster_partition", cppath)
                steps.append(
                    Step(
                        "command",
                        f"The new disk served as a mirror disk before: clear its cluster partition {cppath}. "
                        f"{c.DD_WARNING}; dd ends with 'No space left on device', which is expected",
                        hosts=(server,),
                        command=f"dd if=/dev/zero of={cppath}",
                        expect=c.DD_FILLED,
                        destructive=True,
                        guide="L3172",
                    )
                )
        steps += [
            _upload(server, "L3176"),
            c.reboot((server,), "L3178", f"Reboot {server}: it initialises the cluster partition and creates the file system"),
            *(st for i, r in enumerate(names) for st in _recovery("mirror", r, observer, fullcopy[r], True, ("L3187", "L3211"),
                                                                    tuple(servers) if i == 0 else ())),
        ]

    elif params.variant == "mirror-reuse-disk":
        steps += [
            _hardware(server, f"Replace the failed {server} and move its mirror disk to the new machine.", "L3248"),
            _install(server, "L3256"),
            _upload(server, "L3264"),
            c.reboot((server,), "L3266", f"Reboot {server}"),
            *(st for r in names for st in _recovery("mirror", r, observer, fullcopy[r], False, ("L3287", "L3307"))),
        ]

    elif params.variant == "hybrid-new-disk":
        steps += [
            _hardware(server, f"Replace the failed {server} and its hybrid disk (not a shared one).", "L3335"),
            _fdisk(server, "L3406"),
            _install(server, "L3412"),
            _upload(server, "L3420"),
            *(_hdinit(server, r, "L3424") for r in names),
            c.reboot((server,), "L3426", f"Reboot {server}"),
            *(st for i, r in enumerate(names) for st in _recovery("hybrid", r, observer, fullcopy[r], True, ("L3451", "L3471"),
                                                                    tuple(servers) if i == 0 else ())),
        ]

    elif params.variant == "hybrid-shared-disk":
        steps += [
            *c.disable_services(c.CLUSTER_AND_MIRROR, params.init, (partner,), "L3524" if params.init == "initd" else "L3531", params.suse),
            c.webui(
                f"To keep the business running meanwhile, move the groups of {partner} to {observer} in "
                f"Cluster WebUI (Operation mode, the group, [Move])",
                "L3542",
                f"clpgrp -m GROUP -h {observer}",
            ),
            Step(
                "command",
                f"Shut {partner} down (it shares the disk being replaced)",
                hosts=(partner,),
                command="shutdown -h now",
                destructive=True,
                guide="L3538",
            ),
            _hardware(server, f"Replace the failed {server} and the shared disk holding the hybrid disk.", "L3581"),
            _fdisk(server, "L3589", " (from the new server)"),
            _install(server, "L3674"),
            Step("manual", f"Power {partner} on again", hosts=(partner,), guide="L3682"),
            _upload(server, "L3688"),
            *(_hdinit(server, r, "L3694") for r in names),
            *c.enable_services(c.CLUSTER_AND_MIRROR, params.init, (partner,), "L3706" if params.init == "initd" else "L3711"),
            c.reboot((server, partner), "L3751", f"Reboot {server} and {partner}"),
            *(st for i, r in enumerate(names) for st in _recovery("hybrid", r, observer, fullcopy[r], True, ("L3775", "L3799"),
                                                                    tuple(servers) if i == 0 else ())),
        ]
        notes.append(
            f"The guide mentions moving the groups to another server after the shutdown step; the plan "
            f"moves them before {partner} shuts down, when a move is still possible."
        )
        notes.append(
            "The copy goes to the current server of the server group attached to the shared disk (L3787)."
        )

    elif params.variant == "hybrid-reuse-disk":
        steps += [
            _hardware(server, f"Replace the failed {server} and move its hybrid disk to the new machine.", "L3865"),
            _install(server, "L3875"),
            _upload(server, "L3885"),
            c.reboot((server,), "L3887", f"Reboot {server}"),
            *(st for r in names for st in _recovery("hybrid", r, observer, fullcopy[r], False, ("L3938", "L3958"))),
        ]

    else:  # hybrid-shared-server
        steps += [
            _hardware(server, f"Replace the failed {server}, attached to the hybrid disk's shared disk.", "L3996"),
            _install(server, "L4006"),
            _upload(server, "L4014"),
            c.reboot((server,), "L4016", f"Reboot {server}"),
            c.wait_servers_online(observer, "L4016", servers, after_reboot=True),
        ]
        notes.append(
            "Step 1 of the guide (L3996) also names the shared disk while its figure shows only the server "
            "replaced; the plan replaces the server and leaves the disk to the operator's judgement."
        )
        notes.append("The last wait (every server online) is a verification the guide leaves to the operator.")

    return Plan(
        runbook=NAME,
        params={**asdict(params), "server": server, "resource": ",".join(names)},
        steps=tuple(steps),
        cluster=getattr(config, "name", None),
        guide_section=section,
        notes=tuple(notes),
    )


def _copy_source(params: Params, servers: tuple[str, ...], server: str, partner: str, candidates: list[str],
                 groups_known: bool, names: list[str], named: bool) -> tuple[str | None, str]:
    """The hybrid copy source: the current server of the other server group, the one active with the
    latest data (L3787-3789). Given by ``source=``, read from the bundle's saved clpstat output, or the
    only candidate; never picked by list position. (None, note) when no step names it."""
    where = "the other server group" if groups_known else "the servers other than the replaced one and its partner"
    if params.source:
        source = c.member("source", params.source, servers)
        if source not in candidates:
            why = ("shares the disk of " + server + " (one server group in clp.conf)" if groups_known and source not in (server, partner)
                   else "is the server being replaced or its partner")
            raise c.ProcedureRefused(f"source={source!r} {why}: the copy comes from {where} ({', '.join(candidates)})")
        return source, (f"The copy source {source} is given (source=)"
                        + ("." if groups_known else "; without clp.conf server groups nobody checked that it is in the other server group."))
    if params.bundle:
        source, seen = c.active_server_in_bundle(params.bundle, names)
        if source not in candidates and not named:
            return None, (f"{seen}, not a server of {where}; no step names a copy source, so the checks and waits "
                          f"run on {candidates[0]}.")
        if source not in candidates:
            raise c.ProcedureRefused(f"{seen}: not on a server of {where} ({', '.join(candidates)}), so it does not say "
                                     "where the copy comes from; give source=")
        return source, f"The copy source {source}: {seen}, the current server of {where} (L3787-3789)."
    if len(candidates) == 1:
        return candidates[0], f"The copy source {candidates[0]} is the only server of {where}" + (" (clp.conf)." if groups_known else ".")
    if named:
        raise c.ProcedureRefused(
            f"the full copy of {', '.join(names)} comes from the current server of {where}, the one active with the "
            f"latest data (guide L3787-3789), and nothing says which of {', '.join(candidates)} that is: "
            "give source=NAME, or a bundle (--bundle DIR) with a saved clpstat output")
    return None, (f"The copy of {', '.join(names)} starts by itself (initial mirror construction on); the checks and "
                  f"waits run on {candidates[0]}.")


def _hdinit(server: str, resource: str, guide: str) -> Step:
    return Step(
        "command",
        f"Initialise the cluster partition of {resource} on the new disk of {server}",
        hosts=(server,),
        command=f"clphdinit --create force {resource}",
        destructive=True,
        guide=guide,
    )

"""Delete CLUSTERPRO's logs and alerts (guide L456-512).

Every service is switched off so nothing writes while the directories are
emptied, the cluster is shut down and rebooted, the log and alert-log
directories are emptied, the services are switched on again in start order,
and every server reboots into a clean cluster.

>>> p = plan(Params(servers="sv1,sv2"))
>>> [s.command for s in p.steps if s.destructive]
['clpstdn -r', 'find /opt/nec/clusterpro/log -mindepth 1 -delete', 'find /opt/nec/clusterpro/alert/log -mindepth 1 -type f -delete', 'reboot']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.procedures import _common as c

NAME = "delete-logs"
GUIDE = "L456-512"
TITLE = "Delete the logs and alerts of every server"


@dataclass
class Params:
    init: str = "systemd"  # systemd | initd
    servers: str = ""  # every server of the cluster, sv1,sv2; empty: the servers of clp.conf
    install_root: str = "/opt/nec/clusterpro"  # where CLUSTERPRO is installed
    delete_on: str = ""  # the servers whose logs and alerts are deleted; empty: every server


def plan(params: Params, config=None) -> Plan:
    init = c.choice("init", params.init, c.INIT_SYSTEMS)
    hosts, servers_said = c.resolve_servers(params.servers, config)
    if config is not None and params.servers.strip() and set(c.server_list("servers", params.servers)) != set(hosts):
        raise c.ProcedureRefused(
            f"servers={params.servers!r}: this runbook switches off and reboots every server of the cluster "
            f"({', '.join(hosts)}), because clpstdn -r reboots them all; to delete the logs of some servers only, "
            "give delete_on= instead"
        )
    delete_on = hosts
    if params.delete_on.strip():
        delete_on = tuple(c.member("delete_on", h, hosts) for h in c.server_list("delete_on", params.delete_on))
    first = hosts[0]
    root = c.path("install_root", params.install_root).rstrip("/")
    steps = [
        Step("check", f"clpstat lists exactly {', '.join(hosts)}, all online: the cluster shutdown reboots every server, "
             "so every one must have its services switched off first", hosts=(first,), command="clpstat",
             expect=Expect("servers_exactly", {"servers": list(hosts)}), guide="L460"),
        *c.disable_services(c.SERVICES, init, hosts, "L460"),
        c.cluster_shutdown_reboot(first, "L478"),
        Step("wait", "Every server is back from the reboot, with CLUSTERPRO stopped", hosts=hosts, command="clpstat",
             expect=Expect("servers_offline"), timeout=c.SERVERS_TIMEOUT, interval=30.0, delay=c.REBOOT_DELAY, guide="L478"),
        Step("command", "Delete every file and directory under the log directory", hosts=delete_on,
             command=f"find {root}/log -mindepth 1 -delete", destructive=True, guide="L486"),
        Step("command", "Delete the alert log files", hosts=delete_on,
             command=f"find {root}/alert/log -mindepth 1 -type f -delete", destructive=True, guide="L492"),
        *c.enable_services(c.SERVICES, init, hosts, "L494"),
        c.reboot(hosts, "L512", "Reboot every server"),
        c.wait_servers_online(first, "L512", hosts, after_reboot=True),
    ]
    notes = [
        "The first check and the two waits are not in the guide: they make sure every step reaches every server, "
        "and that the logs are deleted only once the servers have rebooted with CLUSTERPRO stopped.",
        "The guide empties the log directory (files and directories) but only the files of the alert-log directory; "
        "the commands follow it.",
        *servers_said,
    ]
    return Plan(NAME, asdict(params), tuple(steps), cluster=config.name if config else None, guide_section=GUIDE,
                notes=tuple(notes))

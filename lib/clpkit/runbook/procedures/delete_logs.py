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

import shlex
from dataclasses import asdict, dataclass

from clpkit.runbook import facts
from clpkit.runbook.plan import Expect, Plan, Step
from clpkit.runbook.steps import ALL, choice, disable_services, enable_services, server_list, servers_online

NAME = "delete-logs"
GUIDE = "L456-512"
TITLE = "Delete the logs and alerts of every server"


@dataclass
class Params:
    init: str = "systemd"  # systemd | initd
    servers: str = ""  # sv1,sv2; empty: the servers of clp.conf
    install_root: str = "/opt/nec/clusterpro"  # where CLUSTERPRO is installed


def plan(params: Params, config=None) -> Plan:
    init = choice("init", params.init, ("systemd", "initd"))
    hosts = server_list(params.servers, facts.server_names(config)) if params.servers or config else ("sv1", "sv2")
    first = hosts[0]
    root = params.install_root.rstrip("/")
    log_dir, alert_dir = shlex.quote(f"{root}/log"), shlex.quote(f"{root}/alert/log")
    steps = [
        servers_online(first, hosts, "Every server is online, so the shutdown reaches all of them"),
        *disable_services(init, hosts, ALL, "L460"),
        Step("command", "Shut the whole cluster down and reboot it", hosts=(first,), command="clpstdn -r", destructive=True, guide="L478"),
        Step("wait", "Every server is back from the reboot, with CLUSTERPRO stopped", hosts=hosts, command="clpstat",
             expect=Expect("servers_offline"), timeout=1800, interval=30),
        Step("command", "Delete every file and directory under the log directory", hosts=hosts,
             command=f"find {log_dir} -mindepth 1 -delete", destructive=True, guide="L486"),
        Step("command", "Delete the alert log files", hosts=hosts,
             command=f"find {alert_dir} -mindepth 1 -type f -delete", destructive=True, guide="L492"),
        *enable_services(init, hosts, ALL, "L494"),
        Step("command", "Reboot every server", hosts=hosts, command="reboot", destructive=True, guide="L512"),
        servers_online(first, hosts, "The cluster is back with every server online", timeout=1800),
    ]
    notes = [
        "The first check and the two waits are not in the guide: they make sure every step reaches every server, "
        "and that the logs are deleted only once the servers have rebooted with CLUSTERPRO stopped.",
        "The guide empties the log directory (files and directories) but only the files of the alert-log directory; the commands follow it.",
    ]
    if not (params.servers or config):
        notes.append("No clp.conf and no servers parameter: the plan uses the example servers sv1 and sv2.")
    return Plan(NAME, asdict(params), tuple(steps), cluster=facts.cluster_name(config), guide_section=GUIDE, notes=tuple(notes))

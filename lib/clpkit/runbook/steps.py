"""Step builders the procedures share: service switching, parameter checks.

>>> [s.command for s in disable_services("systemd", ("sv1",), CLUSTER_ONLY, "L2521")][:2]
['systemctl disable clusterpro_alertsync', 'systemctl disable clusterpro_webmgr']
>>> choice("copy", "online", ("online", "offline"))
'online'
"""

from __future__ import annotations

from clpkit.problems import ClpkitError
from clpkit.runbook import services
from clpkit.runbook.plan import Expect, Step
from clpkit.runbook.services import ALL, CLUSTER_ONLY  # noqa: F401  (re-exported for procedures)


def choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``; otherwise an error naming the parameter."""
    if value not in allowed:
        raise ClpkitError(f"parameter {name}={value!r}: must be one of {', '.join(allowed)}")
    return value


def server_list(text: str, config_servers: list[str]) -> tuple[str, ...]:
    """Servers from a ``sv1,sv2`` parameter, or from clp.conf when the parameter is empty."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    names = names or config_servers
    if not names:
        raise ClpkitError("no servers: give --config clp.conf or -p servers=sv1,sv2")
    return tuple(names)


def disable_services(init: str, hosts: tuple[str, ...], which: tuple[str, ...], guide: str) -> list[Step]:
    """One step per service, reverse start order, each on every host."""
    return [
        Step("command", f"Disable {cmd.split()[-1]} so it does not start at boot", hosts=hosts, command=cmd, guide=guide)
        for cmd in services.disable_commands(init, which)
    ]


def enable_services(init: str, hosts: tuple[str, ...], which: tuple[str, ...], guide: str) -> list[Step]:
    """One step per service, start order, each on every host."""
    return [
        Step("command", f"Enable {cmd.split()[-1]} again", hosts=hosts, command=cmd, guide=guide)
        for cmd in services.enable_commands(init, which)
    ]


def servers_online(host: str, servers: tuple[str, ...], text: str, timeout: float | None = None, guide: str | None = None) -> Step:
    """A check (or, with ``timeout``, a wait) that clpstat shows ``servers`` online."""
    return Step(
        "wait" if timeout else "check",
        text,
        hosts=(host,),
        command="clpstat",
        expect=Expect("servers_online", {"servers": list(servers)}),
        timeout=timeout,
        interval=30.0 if timeout else 10.0,
        guide=guide,
    )

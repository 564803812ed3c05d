"""CLUSTERPRO's system services and how to switch them off and on (SPEC §5).

The start order is a dependency order: the event and transaction services
first, then the mirror driver agent, the cluster itself, the WebUI and the
alert synchronisation. Services are disabled in reverse start order and
enabled in start order. init.d systems use ``chkconfig --del|--add``,
systemd systems ``systemctl disable|enable``. Some procedures (guide L2517,
mirror disk replacement) only touch the last four.

>>> disable_commands("systemd", ALL)[0]
'systemctl disable clusterpro_alertsync'
>>> enable_commands("initd", CLUSTER_ONLY)
['chkconfig --add clusterpro_md', 'chkconfig --add clusterpro', 'chkconfig --add clusterpro_webmgr', 'chkconfig --add clusterpro_alertsync']
"""

from __future__ import annotations

from typing import Literal

Init = Literal["systemd", "initd"]

#: Every CLUSTERPRO service in start order (guide L494-L505).
START_ORDER: tuple[str, ...] = (
    "clusterpro_evt",
    "clusterpro_trn",
    "clusterpro_md",
    "clusterpro",
    "clusterpro_webmgr",
    "clusterpro_alertsync",
)
ALL = START_ORDER
#: The services the disk replacement procedures switch (guide L2517-L2527).
CLUSTER_ONLY: tuple[str, ...] = START_ORDER[2:]

INITS = ("systemd", "initd")


def _check(init: str) -> None:
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, not {init!r}")


def disable_commands(init: str, services: tuple[str, ...] = ALL) -> list[str]:
    """The commands that disable ``services``, in reverse start order."""
    _check(init)
    ordered = [s for s in reversed(START_ORDER) if s in services]
    verb = "systemctl disable" if init == "systemd" else "chkconfig --del"
    return [f"{verb} {s}" for s in ordered]


def enable_commands(init: str, services: tuple[str, ...] = ALL) -> list[str]:
    """The commands that enable ``services``, in start order."""
    _check(init)
    ordered = [s for s in START_ORDER if s in services]
    verb = "systemctl enable" if init == "systemd" else "chkconfig --add"
    return [f"{verb} {s}" for s in ordered]

"""CLUSTERPRO's system services, in the order they start (SPEC §5, guide L494-505).

The start order is a dependency order: the event and transaction services
first, then the mirror agent, the cluster itself, the WebUI and the alert
synchronisation. This is the one list of them: the host check
(:mod:`clpkit.reference.hostcheck`) checks each is enabled, the runbooks'
step builders (:mod:`clpkit.runbook.procedures._common`) disable them in the
reverse of this order and enable them in it. The simulator
(:mod:`clpkit.simulator.clpsim`) keeps its own copy, because its commands run
under ``python -S`` without clpkit; a test keeps the two equal.

>>> START_ORDER[0], START_ORDER[-1]
('clusterpro_evt', 'clusterpro_alertsync')
"""

from __future__ import annotations

START_ORDER: tuple[str, ...] = (
    "clusterpro_evt",
    "clusterpro_trn",
    "clusterpro_md",
    "clusterpro",
    "clusterpro_webmgr",
    "clusterpro_alertsync",
)

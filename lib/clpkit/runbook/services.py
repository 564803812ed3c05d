"""CLUSTERPRO's system services, in the order they start (SPEC §5, guide L494-505).

The start order is a dependency order: the event and transaction services
first, then the mirror agent, the cluster itself, the WebUI and the alert
synchronisation. Procedures disable services in the reverse of this order and
enable them in it; the step builders live in
:mod:`clpkit.runbook.procedures._common`, and this is the one list they use.

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

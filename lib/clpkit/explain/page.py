"""What the summary page shows of the explainer: one narrative paragraph per incident, and outage figures.

>>> from datetime import datetime, timezone
>>> from clpkit.explain import Incident, Link
>>> link = Link(datetime(2026, 1, 1, 3, 12, tzinfo=timezone.utc), "sv1", "detection",
...             {"en": "genw1 failed", "ja": "genw1 が失敗"}, ["sv1/rm.log:3"], [])
>>> html = narrative_html([Incident("monitor_failover", "g", ["sv1"], [link], {"en": "g runs on sv2", "ja": "x"})], "en")
>>> "<code>sv1/rm.log:3</code>" in html and 'href="incident_timeline.html"' in html
True
"""

from __future__ import annotations

import html
from datetime import timezone

from clpkit.explain import Incident
from clpkit.explain.model import CAUSES

#: The page the narrative's evidence links to (the run's event timeline).
TIMELINE_PAGE = "incident_timeline.html"


def for_period(bundle, since: str = "", until: str = "", tz: str | None = None):
    """The incidents that began in ``[since, until)`` (bounds in the servers' zone), and the clock estimate."""
    from clpkit import zone as zones
    from clpkit.explain import explain

    zone = bundle.zone if tz is None else zones.given(tz)
    incidents, estimate = explain(bundle, tz=zone.name)
    lo, hi = zones.bound(since or None, zone, "since"), zones.bound(until or None, zone, "until")
    kept = [i for i in incidents if (lo is None or i.start >= lo) and (hi is None or i.start < hi)]
    return kept, estimate


def narrative_html(incidents: list[Incident], lang: str, zone=timezone.utc, timeline: str = TIMELINE_PAGE) -> str:
    """One <p> per incident: cause, each step in order with its first evidence, the end state; escaped.

    ``zone``: a tzinfo or the bundle's :class:`clpkit.zone.Zone` (times are shown in it).
    """
    if hasattr(zone, "basis"):
        from clpkit import zone as zones

        zone = zones.tzinfo(zone)
    if not incidents:
        none = "この期間にインシデントはありません。" if lang == "ja" else "No incident in this period."
        return f"<p>{none}</p>"
    out = []
    for inc in incidents:
        steps = []
        for link in inc.links:
            when = link.time.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
            ref = link.evidence[0] if link.evidence else ""
            cite = f' (<a href="{html.escape(timeline)}"><code>{html.escape(ref)}</code></a>)' if ref else ""
            steps.append(f"{when} {html.escape(link.text[lang])}{cite}")
        joiner, stop = ("、", "。") if lang == "ja" else ("; ", ". ")
        head = html.escape(CAUSES[inc.cause]["ja" if lang == "ja" else "en"])
        end = html.escape(inc.end_state[lang])
        label = "最終状態" if lang == "ja" else "End state"
        out.append(f'<p class="clpkit-incident"><strong>{html.escape(inc.cause)}</strong>: {head}{stop}'
                   f"{joiner.join(steps)}{stop}{label}: {end}{stop.strip()}</p>")
    return "\n".join(out)


def outage_figures(summary) -> list[tuple[str, float]]:
    """(metric, value) rows of :func:`clpkit.explain.outage.summary` for the run's key figures (the trend)."""
    rows = []
    for r in summary.iter_rows(named=True):
        for key, value in r.items():
            if key != "group" and value is not None:
                rows.append((f"{r['group']}.out_of_service {key.replace('_s', ' s').replace('_', ' ')}", float(value)))
    return rows

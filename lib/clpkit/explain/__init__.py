"""``clpkit explain``: each incident of a log collection as a causal chain, tied to the cluster's settings.

:func:`explain` reads the event table (one clock, :mod:`clpkit.clock`), the
cluster statistics and clp.conf, finds each incident's first abnormal event
and follows it to the end state with the rules of :mod:`clpkit.explain.rules`.
Every :class:`Link` cites its evidence (``file:line`` on each server) and the
clp.conf settings behind it (path and value), and where clpkit's model
predicts a time (:mod:`clpkit.explain.model`) the observed time is compared
with it. When no rule fits, the incident's cause is ``unexplained`` and it
lists what was seen; a cause is never guessed.

>>> from clpkit.explain.model import CAUSES
>>> "unexplained" in CAUSES and "monitor_failover" in CAUSES
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass
class Timing:
    """Observed seconds against what the settings predict (``low``/``high`` may be None: one-sided)."""

    observed_s: float
    low_s: float | None
    high_s: float | None
    formula: dict[str, str]  # lang -> how the prediction is made from the settings
    rule: str

    @property
    def inside(self) -> bool:
        return (self.low_s is None or self.observed_s >= self.low_s) and (self.high_s is None or self.observed_s <= self.high_s)


@dataclass
class Link:
    time: datetime
    server: str
    step: str  # detection, recovery, final_action, stop, start, heartbeat, partition, mirror, request, end
    text: dict[str, str]  # lang -> sentence
    evidence: list[str]
    settings: list[dict]  # {"path": ..., "value": ...}
    timing: Timing | None = None
    note: dict[str, str] | None = None  # lang -> remark (unpublished facts, skew)
    skew: dict | None = None
    until: datetime | None = None  # when the step ended (a group's stop or start completed)


@dataclass
class Incident:
    cause: str
    group: str | None
    servers: list[str]
    links: list[Link]
    end_state: dict[str, str]
    seen: list[dict] = field(default_factory=list)  # unexplained: what was seen

    @property
    def start(self) -> datetime:
        return self.links[0].time

    @property
    def end(self) -> datetime:
        return self.links[-1].time

    def to_dict(self) -> dict:
        out = asdict(self)
        out["start"], out["end"] = _iso(self.start), _iso(self.end)
        for link, raw in zip(self.links, out["links"]):
            raw["time"] = _iso(link.time)
            raw["until"] = _iso(link.until) if link.until else None
            if link.timing is not None:
                raw["timing"]["inside"] = link.timing.inside
                raw["timing"]["formula"], raw["timing"]["formula_ja"] = link.timing.formula["en"], link.timing.formula["ja"]
        return out


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds")


def explain(bundle, *, tz: str = "UTC", clock: str = "estimate", offsets=None):
    """The incidents of ``bundle`` in time order and the clock estimate they were built on."""
    from clpkit.explain.rules import find_incidents

    return find_incidents(bundle, tz=tz, clock=clock, offsets=offsets)


__all__ = ["Incident", "Link", "Timing", "explain"]

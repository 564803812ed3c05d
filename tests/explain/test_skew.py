"""Where a clock skew inside the offset intervals could swap two links of a chain, the later one says so."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import polars as pl

from clpkit.clock import OffsetEstimate
from clpkit.explain import Incident, Link
from clpkit.explain import render
from clpkit.explain.rules import _skew

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def estimate() -> OffsetEstimate:
    """sv1 is the reference; sv2 leads by 1.0 s, known to [0.8, 1.5] (0.5 s either way at most); sv3 shares nothing."""
    summary = pl.DataFrame({"server": ["sv1", "sv2", "sv3"], "offset_s": [0.0, 1.0, None],
                            "low_s": [0.0, 0.8, None], "high_s": [0.0, 1.5, None]})
    return OffsetEstimate("sv1", {"sv1": 0.0, "sv2": 1.0, "sv3": 0.0}, summary, pl.DataFrame())


def link(seconds: float, server: str, step: str) -> Link:
    return Link(T0 + timedelta(seconds=seconds), server, step, {"en": step, "ja": step}, [f"{server}/alertlog.alt:1"], [])


def chain() -> list[Link]:
    links = [link(0.0, "sv1", "detection"), link(0.3, "sv2", "heartbeat"), link(2.0, "sv2", "stop"),
             link(2.4, "sv1", "recovery"), link(3.5, "sv2", "start"), link(100.0, "sv3", "end")]
    _skew(SimpleNamespace(estimate=estimate()), links)
    return links


def test_only_links_closer_than_the_uncertainty_are_marked():
    detection, heartbeat, stop, recovery, start, end = chain()
    assert detection.skew is None  # the first link has no previous one
    assert heartbeat.skew == {"after": "detection", "gap_s": 0.3, "uncertainty_s": 0.5,
                              "offsets": {"sv1": [0.0, 0.0], "sv2": [0.8, 1.5]}}
    assert stop.skew is None  # same server as the link before: one clock, the order holds
    assert recovery.skew["after"] == "stop" and recovery.skew["gap_s"] == 0.4
    assert start.skew is None  # 1.1 s apart, more than the 0.5 s the two clocks may be off
    assert end.skew["uncertainty_s"] is None and end.skew["offsets"]["sv3"] is None  # unknown offset: any order


def test_the_mark_is_shown_in_text_and_json_in_both_languages():
    links = chain()
    incident = Incident("monitor_failover", "failover1", ["sv1", "sv2", "sv3"], links, {"en": "done", "ja": "完了"})
    en, ja = render.text([incident], estimate(), "en"), render.text([incident], estimate(), "ja")
    assert en.count("clock skew could reverse the order") == 3 and "(+0.300 s apart; sv1 +0.000..+0.000 s, sv2 +0.800..+1.500 s)" in en
    assert ja.count("時計のずれにより直前の手順と順序が入れ替わる可能性") == 3 and "sv3 不明" in ja
    marked = [raw["skew"] for raw in incident.to_dict()["links"]]
    assert [m is not None for m in marked] == [False, True, False, True, False, True]

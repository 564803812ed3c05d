"""Each findings detector on a few hand-written rows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from clpkit import findings as F

T0 = dt.datetime(2026, 11, 20, 3, 12, 0)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def stats(*rows):
    cols = ["server", "category", "name", "action", "result", "start", "end"]
    data = [dict(zip(cols, r)) for r in rows]
    return pl.DataFrame(
        {
            "server": [d["server"] for d in data],
            "category": [d["category"] for d in data],
            "name": [d["name"] for d in data],
            "action": [d["action"] for d in data],
            "result": [d["result"] for d in data],
            "return_code": [None] * len(data),
            "start_time": [at(d["start"]) for d in data],
            "end_time": [at(d["end"]) for d in data],
            "source": ["sv/perf/cluster/x.cur"] * len(data),
            "line": list(range(2, 2 + len(data))),
        },
        schema_overrides={"return_code": pl.String},
    )


def test_failover_has_cause_duration_and_evidence():
    f = F.group_failovers(
        stats(
            ("sv1", "monitor", "userw1", "Monitor", "Timeout", 0, 1),
            ("sv1", "group", "failover1", "Stop", "Success", 30, 40),
            ("sv2", "group", "failover1", "Move", "Success", 41, 75.5),
        )
    )
    assert f.schema == F.FINDINGS_SCHEMA
    row = f.row(0, named=True)
    assert (row["code"], row["server"], row["group"], row["severity"]) == ("failover", "sv2", "failover1", "warning")
    assert row["duration_s"] == 45.5
    assert "userw1" in row["detail"] and "sv1" in row["title"] and "sv2" in row["title"]
    assert row["evidence"] == ["sv/perf/cluster/x.cur:3", "sv/perf/cluster/x.cur:4", "sv/perf/cluster/x.cur:2"]
    assert row["time"].tzinfo is not None


def test_move_without_failure_is_a_move_and_old_failure_is_no_cause():
    f = F.group_failovers(
        stats(
            ("sv1", "monitor", "genw1", "Monitor", "Failure", 0, 1),  # 20 min before: not the cause
            ("sv1", "group", "failover1", "Stop", "Success", 1200, 1210),
            ("sv2", "group", "failover1", "Start", "Success", 1211, 1220),
        )
    )
    assert f["code"].to_list() == ["group_move"]


def test_same_server_restart_and_far_apart_start_are_not_failovers():
    f = F.group_failovers(
        stats(
            ("sv1", "group", "failover1", "Stop", "Success", 0, 5),
            ("sv1", "group", "failover1", "Start", "Success", 6, 9),
            ("sv1", "group", "failover1", "Stop", "Success", 100, 105),
            ("sv2", "group", "failover1", "Start", "Success", 100 + 3600, 100 + 3610),
        )
    )
    assert f.is_empty() and f.schema == F.FINDINGS_SCHEMA


def test_resource_failure_and_stall():
    f = F.resource_failures(
        stats(
            ("sv1", "resource", "exec1", "Start", "Failure", 0, 2),
            ("sv1", "resource", "exec1", "Stop", "Timeout", 10, 1810),
            ("sv1", "resource", "fip1", "Start", "Success", 20, 21),
        ),
        stall_action="sysrq panic",
    )
    assert f["code"].to_list() == ["resource_failure", "resource_stall"]
    assert f["resource"].to_list() == ["exec1", "exec1"]
    assert "sysrq panic" in f["detail"][1]
    assert "stop" in f["title"][1]


def test_monitor_errors_group_into_episodes():
    f = F.monitor_errors(
        stats(
            ("sv1", "monitor", "genw1", "Monitor", "Failure", 0, 1),
            ("sv1", "monitor", "genw1", "Monitor", "Timeout", 60, 61),
            ("sv1", "monitor", "genw1", "Monitor", "Success", 120, 121),
            ("sv1", "monitor", "genw1", "Monitor", "Failure", 7200, 7201),
            ("sv2", "monitor", "genw1", "Monitor", "Failure", 30, 31),
        )
    )
    assert f.select("server", "monitor").rows() == [("sv1", "genw1"), ("sv1", "genw1"), ("sv2", "genw1")]
    assert f["title"][0] == "Monitor genw1 reported 2 error(s) on sv1"
    assert "Failure, Timeout" in f["detail"][0]


def test_startup_sync_spread():
    starts = pl.DataFrame(
        {
            "time": [at(0), at(400), at(86400), at(86410)],
            "server": ["sv1", "sv2", "sv1", "sv2"],
            "source": ["a", "b", "a", "b"],
            "line": [1, 1, 9, 9],
        }
    )
    f = F.startup_sync(starts, sync_wait_s=300)
    assert f.height == 1
    assert f["server"][0] == "sv2" and f["duration_s"][0] == 400
    assert F.startup_sync(starts, sync_wait_s=500).is_empty()


def test_ack_near_timeout_uses_each_mirrors_limit():
    mirror = pl.DataFrame(
        {
            "time": [at(0), at(60), at(0)],
            "server": ["sv1", "sv1", "sv2"],
            "mirror": ["nmp1", "nmp1", "nmp1"],
            "sync_ack_time_max": [40_000.0, 82_000.0, 1_000.0],
            "source": ["nmp1.cur"] * 3,
            "line": [2, 3, 2],
        }
    )
    f = F.ack_near_timeout(mirror, {"nmp1": 100_000.0})
    assert f.select("server", "code").rows() == [("sv1", "ack_near_timeout")]
    assert "82 %" in f["title"][0]
    assert F.ack_near_timeout(mirror, {"nmp1": 200_000.0}).is_empty()


def test_japanese_texts_exist_for_every_code():
    for code, langs in F.TEXTS.items():
        assert set(langs) == {"en", "ja"}, code


def test_combine_orders_by_time_then_severity():
    a = F.resource_failures(stats(("sv1", "resource", "exec1", "Start", "Failure", 10, 12)))
    b = F.monitor_errors(stats(("sv1", "monitor", "genw1", "Monitor", "Failure", 10, 11)))
    c = F.group_failovers(
        stats(("sv1", "group", "g", "Stop", "Success", 0, 1), ("sv2", "group", "g", "Start", "Success", 2, 3))
    )
    out = F.combine([a, b, c])
    assert out["code"].to_list() == ["group_move", "resource_failure", "monitor_error"]
    assert F.combine([]).schema == F.FINDINGS_SCHEMA


def test_destination_move_row_that_began_before_the_stop():
    """The Move row on the destination spans the failover and may start a moment before the Stop row."""
    f = F.group_failovers(
        stats(
            ("sv1", "monitor", "genw1", "Monitor", "Timeout", -60, 0),
            ("sv1", "group", "failover1", "Stop", "Success", 10.31, 45.92),
            ("sv2", "group", "failover1", "Move", "Success", 10.30, 67.94),
        )
    )
    assert f["code"].to_list() == ["failover"]
    assert f["duration_s"][0] == pytest.approx(57.64)

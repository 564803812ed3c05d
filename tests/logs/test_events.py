"""The event table and the clock-offset estimate on a two-server collection.

True timeline (UTC): sv1's clock is right, sv2's runs 42.5 s ahead.
03:12:00.000 exec1 fails on sv1 (rc 32), group failover1 stops on sv1 at 03:12:05,
starts on sv2 at 03:12:08; the lankhb1 heartbeat is lost both ways at 03:20:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from clpkit.events import SCHEMA, estimate_offsets, events

UTC = timezone.utc

SV1_ALERTS = """\
1 2026/11/24 03:12:00.000 2026/11/24 03:12:00.050 sv1 rc 32 ERROR Activating exec1 resource has failed.(99 : command is timeout)
2 2026/11/24 03:12:05.000 2026/11/24 03:12:05.020 sv1 rc 21 INFO Stopping group failover1 has completed.
3 2026/11/24 03:12:50.500 2026/11/24 03:12:08.260 sv2 rc 10 INFO Activating group failover1 has started.
"""
SV2_ALERTS = """\
7 2026/11/24 03:12:00.000 2026/11/24 03:12:42.800 sv1 rc 32 ERROR Activating exec1 resource has failed.(99 : command is timeout)
8 2026/11/24 03:12:05.000 2026/11/24 03:12:47.790 sv1 rc 21 INFO Stopping group failover1 has completed.
9 2026/11/24 03:12:50.500 2026/11/24 03:12:50.520 sv2 rc 10 INFO Activating group failover1 has started.
"""
SV1_SYSLOG = """\
Nov 24 03:11:00 sv1 sshd[12]: unrelated
Nov 24 03:12:00 sv1 clusterpro[10]: <type: rc><event: 32> Activating exec1 resource has failed.(99 : command is timeout)
Nov 24 03:12:05 sv1 clusterpro[10]: <type: rc><event: 21> Stopping group failover1 has completed.
Nov 24 03:20:00 sv1 clusterpro[10]: <type: nm><event: 4> Resource lankhb1 of server sv2 has stopped.
"""
SV2_SYSLOG = """\
Nov 24 03:12:50 sv2 clusterpro[20]: <type: rc><event: 10> Activating group failover1 has started.
Nov 24 03:20:42 sv2 expresscls: <type: nm><event: 4> Resource lankhb1 of server sv1 has stopped.
"""
SV1_RC_LOG = """\
I 26/11/24 03:11:59.000[ 10] rc: activating exec1
E 26/11/24 03:12:00.000[ 10] rc: exec1 timed out (99 : command is timeout)
    stack line
"""


@pytest.fixture
def two_servers(collection):
    return collection(
        {
            "sv1": {"alert/log/alertlog.alt": SV1_ALERTS, "var/log/messages-20261125": SV1_SYSLOG, "log/rc.log.cur": SV1_RC_LOG},
            "sv2": {"alert/log/alertlog.alt": SV2_ALERTS, "var/log/messages-20261125": SV2_SYSLOG},
        }
    )


def test_offset_from_alert_replicas_with_evidence(two_servers):
    est = estimate_offsets(two_servers)
    assert est.reference == "sv1"
    assert est.offsets["sv1"] == 0.0
    assert est.offsets["sv2"] == pytest.approx(42.5, abs=0.3)
    row = est.summary.filter(pl.col("server") == "sv2").row(0, named=True)
    assert row["method"] == "alert_replica" and row["pairs"] == 3 and row["spread_s"] < 1
    replicas = est.evidence.filter(pl.col("method") == "alert_replica")
    assert replicas.height == 3
    assert set(replicas["source_a"]) | set(replicas["source_b"]) == {"sv1/alert/log/alertlog.alt", "sv2/alert/log/alertlog.alt"}
    # heartbeat and failover pairs are listed as evidence too, though the stronger method decides
    hb = est.evidence.filter(pl.col("method") == "heartbeat_loss")
    assert hb.height == 1 and hb["delta_s"][0] == pytest.approx(42.0)
    assert est.evidence.filter(pl.col("method") == "failover").height >= 1
    assert "sv2: +42.5" in est.describe()


def test_offset_from_heartbeat_loss_alone(collection):
    b = collection({"sv1": {"messages": SV1_SYSLOG}, "sv2": {"messages": SV2_SYSLOG}})
    est = estimate_offsets(b)
    row = est.summary.filter(pl.col("server") == "sv2").row(0, named=True)
    assert row["method"] == "heartbeat_loss" and row["offset_s"] == pytest.approx(42.0)


def test_failover_pairs_when_nothing_else(collection):
    b = collection(
        {
            "sv1": {"messages": "Nov 24 03:12:05 sv1 clusterpro: <type: rc><event: 21> Stopping group failover1 has completed.\n"},
            "sv2": {"messages": "Nov 24 03:12:50 sv2 clusterpro: <type: rc><event: 10> Activating group failover1 has started.\n"},
        }
    )
    est = estimate_offsets(b)
    row = est.summary.filter(pl.col("server") == "sv2").row(0, named=True)
    assert row["method"] == "failover" and row["offset_s"] == pytest.approx(45.0)


def test_no_shared_event_leaves_the_offset_unknown(collection):
    b = collection({"sv1": {"messages": SV1_SYSLOG.splitlines()[1] + "\n"}, "sv2": {"rc.log.cur": SV1_RC_LOG}})
    est = estimate_offsets(b)
    assert est.offsets == {"sv1": 0.0}
    assert "offset unknown" in est.describe()
    ev = events(b)
    assert set(ev["clock_offset_s"]) == {0.0}


def test_event_table_merged_and_corrected(two_servers):
    ev = events(two_servers)
    assert ev.schema == SCHEMA
    assert ev["time"].is_sorted()
    # each alert once (replicas dropped), syslog lines repeating an alert dropped
    alerts = ev.filter(pl.col("kind") == "alert_log")
    assert alerts.height == 3
    assert ev.filter(pl.col("kind") == "syslog")["event_id"].to_list() == [4, 4]
    # the module log's error line, not its info or continuation lines
    mod = ev.filter(pl.col("kind") == "module_log")
    assert mod["line"].to_list() == [2] and mod["level"][0] == "error"
    # sv2's group start lands after sv1's stop once corrected, at its true moment
    start = ev.filter(pl.col("event_id") == 10).row(0, named=True)
    assert start["server"] == "sv2" and start["group"] == "failover1"
    assert abs(start["time"] - datetime(2026, 11, 24, 3, 12, 8, tzinfo=UTC)) < timedelta(seconds=0.6)
    assert start["local_time"] == datetime(2026, 11, 24, 3, 12, 50, 500000)
    assert start["clock_offset_s"] == pytest.approx(42.5, abs=0.3)
    failed = ev.filter(pl.col("event_id") == 32).row(0, named=True)
    assert failed["resource"] == "exec1" and failed["level"] == "error" and failed["server"] == "sv1"
    hb = ev.filter(pl.col("event_id") == 4)
    assert (hb["time"].max() - hb["time"].min()) < timedelta(seconds=1)


def test_given_offsets_win_and_zone_is_a_parameter(two_servers):
    ev = events(two_servers, offsets={"sv2": timedelta(seconds=10)}, tz="Asia/Tokyo")
    start = ev.filter(pl.col("event_id") == 10).row(0, named=True)
    assert start["clock_offset_s"] == 10.0
    assert start["time"] == datetime(2026, 11, 23, 18, 12, 40, 500000, tzinfo=UTC)
    ev = events(two_servers, offsets={}, tz={"sv2": "Asia/Tokyo"})
    sv1 = ev.filter(pl.col("event_id") == 32).row(0, named=True)
    assert sv1["time"] == datetime(2026, 11, 24, 3, 12, tzinfo=UTC)


def test_empty_collection(collection):
    b = collection({"sv1": {"messages": "Nov 24 03:11:00 sv1 sshd[12]: unrelated\n"}})
    assert events(b).schema == SCHEMA and events(b).height == 0


def test_guessed_syslog_year_follows_the_servers_other_logs(collection):
    # The bundle hands parsers a stable name, not a path: "messages" has no date and no mtime,
    # so the parser guesses the current year; the alert log of the same server says 2023.
    b = collection(
        {
            "sv1": {
                "alert/log/alertlog.alt": "1 2023/06/01 10:00:00.000 2023/06/01 10:00:00.000 sv1 rc 10 INFO Activating group g1 has started.\n",
                "var/log/messages": "Jun  1 10:00:05 sv1 clusterpro: <type: rc><event: 11> Activating group g1 has completed.\n",
            }
        }
    )
    assert b.table("syslog")["year_from"].to_list() == ["now"]
    ev = events(b)
    done = ev.filter(pl.col("event_id") == 11).row(0, named=True)
    assert done["local_time"] == datetime(2023, 6, 1, 10, 0, 5)

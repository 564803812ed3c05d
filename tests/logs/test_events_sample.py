"""Events and clock offsets on the synthetic sample, whose INCIDENT says what really happened.

The sample servers run on Asia/Tokyo time and sv2's clock is INCIDENT.offsets["sv2"]
seconds ahead; the estimate must find it and the corrected timeline must put
the incident's events at their true moments.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from clpkit.events import SCHEMA, estimate_offsets, events
from clpkit.samples import INCIDENT

TZ = "Asia/Tokyo"
JST = timezone(timedelta(hours=9))


def true_utc(naive_jst):
    return naive_jst.replace(tzinfo=JST).astimezone(timezone.utc)


def test_offset_found_with_evidence(sample_bundle):
    est = estimate_offsets(sample_bundle, tz=TZ)
    assert est.reference == "sv1"
    assert est.offsets["sv2"] == pytest.approx(INCIDENT.offsets["sv2"] - INCIDENT.offsets["sv1"], abs=0.1)
    row = est.summary.filter(pl.col("server") == "sv2").row(0, named=True)
    assert row["method"] == "alert_replica" and row["pairs"] >= 10
    methods = set(est.evidence["method"])
    assert methods == {"alert_replica", "heartbeat_loss", "failover"}
    hb = est.evidence.filter(pl.col("method") == "heartbeat_loss").row(0, named=True)
    assert INCIDENT.heartbeat in hb["what"]
    assert abs(hb["time_a"] - true_utc(INCIDENT.heartbeat_lost)) < timedelta(seconds=2)
    # every piece of evidence names its rows on both sides
    assert est.evidence.select(pl.col("source_a", "source_b", "line_a", "line_b").null_count()).row(0) == (0, 0, 0, 0)


def test_timeline_corrected_to_true_time(sample_bundle):
    ev = events(sample_bundle, tz=TZ)
    assert ev.schema == SCHEMA and ev["time"].is_sorted()
    offsets = dict(ev.select("server", "clock_offset_s").unique().iter_rows())
    assert offsets["sv2"] == pytest.approx(4.0, abs=0.1) and offsets["sv1"] == 0.0

    def one(**where):
        rows = ev.filter(*(pl.col(k) == v for k, v in where.items()))
        assert rows.height >= 1, where
        return rows.row(0, named=True)

    cause = one(module="rm", event_id=9, monitor=INCIDENT.cause_monitor, kind="alert_log")
    assert cause["server"] == INCIDENT.from_server and cause["level"] == "error"
    assert abs(cause["time"] - true_utc(INCIDENT.monitor_error)) < timedelta(seconds=1)
    done = one(module="rc", event_id=61, kind="alert_log")
    assert done["server"] == INCIDENT.to_server and done["group"] == INCIDENT.group
    # sv2 wrote it 4 s ahead; corrected it is back at the true moment
    assert abs(done["local_time"].replace(tzinfo=JST) - true_utc(INCIDENT.failover_end)) > timedelta(seconds=3.5)
    assert abs(done["time"] - true_utc(INCIDENT.failover_end)) < timedelta(seconds=0.2)
    # the heartbeat loss seen from both sides lines up once corrected
    hb = ev.filter(pl.col("module") == "nm", pl.col("event_id") == 4, pl.col("kind") == "alert_log")
    assert set(hb["server"]) == {"sv1", "sv2"}
    assert hb["time"].max() - hb["time"].min() < timedelta(seconds=1)


def test_each_alert_once_and_sources_kept(sample_bundle):
    ev = events(sample_bundle, tz=TZ)
    alerts = sample_bundle.table("alert_log")
    originals = alerts.filter(pl.col("host") == pl.col("server")).height
    assert ev.filter(pl.col("kind") == "alert_log").height == originals
    kinds = set(ev["kind"])
    assert {"alert_log", "syslog", "cluster_stats", "module_log"} <= kinds
    # the statistics' failed resource stop is an event with its resource name
    failed = ev.filter(pl.col("kind") == "cluster_stats", pl.col("level") == "error", pl.col("resource") == "exec1")
    assert failed.height >= 1
    # no routine monitor success floods the table
    assert ev.filter(pl.col("kind") == "cluster_stats", pl.col("monitor").is_not_null(), pl.col("level") == "info").height == 0


def test_syslog_lines_fall_inside_the_sample_window(sample_bundle):
    ev = events(sample_bundle, tz=TZ)
    sys_times = ev.filter(pl.col("kind") == "syslog")["time"]
    alert_times = ev.filter(pl.col("kind") == "alert_log")["time"]
    assert sys_times.len() > 0
    assert sys_times.min() >= alert_times.min() - timedelta(hours=1)
    assert sys_times.max() <= alert_times.max() + timedelta(hours=1)


def test_cli_events_json_and_window(sample_dir):
    since = true_utc(INCIDENT.monitor_error) - timedelta(seconds=5)
    until = true_utc(INCIDENT.failover_end) + timedelta(seconds=5)
    res = subprocess.run(
        [sys.executable, "-m", "clpkit", "events", str(sample_dir), "--tz", TZ, "--json",
         "--since", since.isoformat(), "--until", until.isoformat()],
        capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["reference"] == "sv1" and out["offsets_given"] is False
    assert out["offsets_applied"]["sv2"] == pytest.approx(4.0, abs=0.1)
    assert out["evidence"] and out["estimate"]
    # Times carry the servers' offset (the zone given with --tz): compare instants, not text.
    times = [datetime.fromisoformat(e["time"]) for e in out["events"]]
    assert times == sorted(times) and times
    assert all(since <= t < until for t in times)
    assert all(e["time"].endswith("+09:00") for e in out["events"])
    assert out["zone"]["name"] == TZ and not out["zone"]["assumed"]
    assert any(e["event_id"] == 61 and e["group"] == INCIDENT.group for e in out["events"])


def test_cli_events_given_offset_and_text_output(sample_dir):
    res = subprocess.run(
        [sys.executable, "-m", "clpkit", "events", str(sample_dir), "--offset", "sv2=0", "--until", "2000-01-01"],
        capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr
    assert "clock offsets given: {'sv2': 0.0}" in res.stdout and "0 event(s)" in res.stdout
    bad = subprocess.run([sys.executable, "-m", "clpkit", "events", str(sample_dir), "--since", "yesterday"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--since" in bad.stderr and "Traceback" not in bad.stderr

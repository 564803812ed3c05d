"""The one clock: estimated once from every event, with an interval and its pairs; ``--clock raw``.

The sample's sv2 runs INCIDENT.offsets["sv2"] (4 s) ahead. Without the alert
log and syslog the estimate rests on the module logs' heartbeat reports and
the failover, and the event table must apply exactly what estimate_offsets
finds (it once estimated from the warning/error lines only and got 4.19 s
against estimate_offsets' 3.59 s).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import polars as pl
import pytest

from clpkit import clock
from clpkit.bundle import open_bundle
from clpkit.events import events
from clpkit.samples import INCIDENT

TZ = "Asia/Tokyo"
TRUE = INCIDENT.offsets["sv2"] - INCIDENT.offsets["sv1"]


@pytest.fixture(scope="module")
def without_alerts_and_syslog(sample_dir, tmp_path_factory):
    """The sample (folders) with every alert log and system log removed."""
    out = tmp_path_factory.mktemp("no_alerts")
    for archive in sample_dir.glob("*.tar.gz"):
        shutil.unpack_archive(archive, out)
    removed = [p for p in out.rglob("*") if p.is_file() and (p.name == "alertlog.alt" or p.name.startswith("messages"))]
    assert removed
    for p in removed:
        p.unlink()
    return out


def test_event_table_applies_the_same_estimate(without_alerts_and_syslog):
    with open_bundle(without_alerts_and_syslog) as b:
        est = clock.estimate_offsets(b, tz=TZ)
        ev = events(b, tz=TZ)
    applied = dict(ev.select("server", "clock_offset_s").unique().iter_rows())
    assert applied["sv2"] == est.offsets["sv2"]
    assert est.offsets["sv2"] == pytest.approx(TRUE, abs=0.7)
    low, high = est.interval("sv2")
    assert low <= est.offsets["sv2"] <= high
    assert low <= TRUE <= high
    assert est.summary.filter(pl.col("server") == "sv2")["method"].item() != "alert_replica"


def test_interval_from_alert_copies_brackets_truth(sample_bundle):
    est = clock.estimate_offsets(sample_bundle, tz=TZ)
    low, high = est.interval("sv2")
    assert low <= TRUE <= high
    # alert copies both ways pin it to well under a second
    assert high - low < 1.0
    assert est.uncertainty("sv1", "sv2") == pytest.approx(max(est.offsets["sv2"] - low, high - est.offsets["sv2"]))
    assert est.uncertainty("sv1", "sv1") == 0.0
    as_json = est.to_dict()
    assert as_json["pairs"] and {"low_s", "high_s"} <= set(as_json["summary"][0])


def test_raw_mode_applies_nothing(sample_bundle):
    ev = events(sample_bundle, tz=TZ, clock="raw")
    assert set(ev["clock_offset_s"]) == {0.0}
    with pytest.raises(Exception, match="--clock"):
        clock.resolve(sample_bundle, mode="wrong")


def test_heartbeat_pairs_are_right_to_within_a_heartbeat_interval():
    evidence = pl.DataFrame(
        {"method": ["heartbeat_loss"] * 3, "server_a": ["a"] * 3, "server_b": ["b"] * 3, "delta_s": [3.0, 4.0, 4.6]}
    )
    est = clock._solve(["a", "b"], evidence, None)
    assert est.offsets["b"] == 4.0 and est.interval("b") == (3.0 - 3.0, 4.6 + 3.0)
    # no shared event: the offset is unknown and the order of the two servers cannot be trusted
    alone = clock._solve(["a", "b"], evidence.head(0), None)
    assert alone.interval("b") is None and alone.uncertainty("a", "b") == float("inf")


def test_events_cli_raw_clock(sample_dir):
    out = subprocess.run([sys.executable, "-m", "clpkit", "events", str(sample_dir), "--tz", TZ, "--clock", "raw", "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert data["clock"] == "raw" and set(data["offsets_applied"].values()) == {0.0}
    assert any(r["low_s"] is not None for r in data["estimate"])


@pytest.mark.parametrize("which", ["whole sample", "without alert log and syslog"])
def test_events_command_applies_the_offsets_estimate_offsets_finds(which, sample_dir, without_alerts_and_syslog):
    """The command, the event table and estimate_offsets give one offset per server."""
    where = sample_dir if which == "whole sample" else without_alerts_and_syslog
    with open_bundle(where) as b:
        est = clock.estimate_offsets(b, tz=TZ)
        table = dict(events(b, tz=TZ).select("server", "clock_offset_s").unique().iter_rows())
    out = subprocess.run([sys.executable, "-m", "clpkit", "events", str(where), "--tz", TZ, "--json"],
                         capture_output=True, text=True, check=True)
    applied = json.loads(out.stdout)["offsets_applied"]
    assert applied == table == est.offsets
    assert applied["sv2"] == pytest.approx(TRUE, abs=0.7)

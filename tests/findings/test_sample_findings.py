"""`clpkit findings` on the committed sample bundle finds the injected incident.

The expectations come from ``clpkit.samples.INCIDENT`` (the story the
generator tells, in true Asia/Tokyo time), not from the findings code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from clpkit.samples import INCIDENT

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "bundle"
JST = timezone(timedelta(hours=9))


def utc(t: datetime) -> datetime:
    return t.replace(tzinfo=JST).astimezone(timezone.utc)


@pytest.fixture(scope="module")
def found() -> list[dict]:
    res = subprocess.run(
        [sys.executable, "-m", "clpkit", "findings", str(SAMPLE), "--json", "--tz", "Asia/Tokyo"],
        capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    for row in rows:
        row["time"] = datetime.fromisoformat(row["time"].replace("Z", "+00:00"))
    return rows


def of(found, code):
    return [f for f in found if f["code"] == code]


def test_the_injected_failover_with_group_servers_and_cause(found):
    failovers = of(found, "failover")
    assert len(failovers) == 1, [f["title"] for f in found]
    f = failovers[0]
    assert f["group"] == INCIDENT.group
    assert f["server"] == INCIDENT.to_server
    assert f"from {INCIDENT.from_server} to {INCIDENT.to_server}" in f["title"]
    assert INCIDENT.cause_monitor in f["detail"]
    assert abs(f["time"] - utc(INCIDENT.failover_start)) < timedelta(seconds=2)
    true_duration = (INCIDENT.failover_end - INCIDENT.failover_start).total_seconds()
    assert f["duration_s"] == pytest.approx(true_duration, abs=2)
    assert len(f["evidence"]) >= 3


def test_monitor_error_on_the_active_server(found):
    errors = [f for f in of(found, "monitor_error") if f["monitor"] == INCIDENT.cause_monitor]
    assert [f["server"] for f in errors] == [INCIDENT.from_server]
    assert abs(errors[0]["time"] - utc(INCIDENT.monitor_error)) < timedelta(seconds=60)


def test_mirror_break_and_recovery(found):
    breaks, recoveries = of(found, "mirror_break"), of(found, "mirror_recovered")
    assert breaks and recoveries
    assert {f["resource"] for f in breaks + recoveries} == {"md1"}
    assert abs(breaks[0]["time"] - utc(INCIDENT.mirror_break)) < timedelta(seconds=60)
    assert abs(recoveries[0]["time"] - utc(INCIDENT.mirror_recovery_end)) < timedelta(seconds=5)
    assert recoveries[0]["duration_s"] > 0


def test_sync_ack_time_peak_against_the_ack_timeout(found):
    peaks = of(found, "ack_near_timeout")
    assert [f["server"] for f in peaks] == [INCIDENT.from_server]
    pct = 100 * INCIDENT.sync_ack_peak_ms / (INCIDENT.ack_timeout_s * 1000)
    assert f"{pct:.0f} %" in peaks[0]["title"]


def test_exec_stop_failure_during_the_failover(found):
    failed = [f for f in of(found, "resource_failure") if f["resource"] == "exec1"]
    assert failed and failed[0]["server"] == INCIDENT.from_server
    assert abs(failed[0]["time"] - utc(INCIDENT.exec_stop_failed)) < timedelta(seconds=30)


def test_japanese_titles(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "clpkit", "findings", str(SAMPLE), "--tz", "Asia/Tokyo", "--lang", "ja"],
        capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "フェイルオーバ" in res.stdout

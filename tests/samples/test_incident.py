"""The injected incident can be found in the raw files, with each server's clock.

These tests read the files with the standard library only, so they hold
whatever the parsers do. Times: INCIDENT is true time; sv2 writes 4 s ahead.
"""

from __future__ import annotations

import csv
import io
import re
import tarfile
from datetime import datetime, timedelta

import pytest

from clpkit import catalog
from clpkit.samples import INCIDENT

I = INCIDENT
SV2 = timedelta(seconds=I.offsets["sv2"])


def _ms(t: datetime) -> str:
    return t.strftime("%Y/%m/%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_write_burst_pushes_sync_ack_time_towards_the_ack_timeout(bundle):
    rows = _rows(bundle / "sv1/perf/disk/nmp1.cur") + _rows(bundle / "sv1/perf/disk/nmp1.pre")
    peak = max(rows, key=lambda r: float(r["Sync Ack Time, Cur"]))
    assert peak["Date"] == I.burst_peak.strftime("%Y/%m/%d %H:%M:%S")
    assert float(peak["Sync Ack Time, Cur"]) == I.sync_ack_peak_ms
    conf = (bundle / "sv1/etc/clp.conf").read_bytes().decode("euc_jp")
    ack_timeout_s = int(re.search(r"<acktimeout>(\d+)</acktimeout>", conf)[1])
    assert 0.8 < float(peak["Sync Ack Time, Cur"]) / (ack_timeout_s * 1000) < 0.9
    assert int(peak["Send Queue, Cur"]) >= 0.9 * I.send_queue_peak
    before = [r for r in rows if r["Date"] < I.burst_start.strftime("%Y/%m/%d %H:%M:%S")]
    assert before and max(int(r["Send Queue, Cur"]) for r in before if r["Date"] > "2025/12/31 01") < 10
    # Sync Ack Time, Max is kept since the mirror agent started: still at the peak when the logs are collected.
    last = _rows(bundle / "sv1/perf/disk/nmp1.cur")[-1]
    assert float(last["Sync Ack Time, Max"]) == I.sync_ack_peak_ms


def test_every_mirror_field_is_double_quoted_and_truncated(bundle):
    header, first = (bundle / "sv2/perf/disk/nmp1.cur").read_text().splitlines()[:2]
    assert header.startswith('"Date","Write, Total"') and header.count('","') == 37
    fields = first[1:-1].split('","')
    assert len(fields) == 38
    assert all(re.fullmatch(r"0|[1-9]\d*(\.\d\d?)?|0\.\d\d?", f) for f in fields[1:]), fields


def test_unmount_and_fsck_times_of_the_failover(bundle):
    sv1 = _rows(bundle / "sv1/perf/disk/nmp1.cur")[-1]
    sv2 = _rows(bundle / "sv2/perf/disk/nmp1.cur")[-1]
    assert float(sv1["Unmount Time, Last"]) == I.unmount_time_s
    assert float(sv2["Fsck Time, Last"]) == I.fsck_time_s


def test_monitor_timeout_on_the_active_server(bundle):
    rows = _rows(bundle / "sv1/perf/cluster/monitor/genw.cur")
    bad = [r for r in rows if r["Result"] != "Success"]
    assert [(r["Name"], r["Result"], r["EndTime"]) for r in bad] == [("genw1", "Timeout", _ms(I.monitor_error))]


def test_failover_rows_on_both_servers(bundle):
    move = [r for r in _rows(bundle / "sv2/perf/cluster/group/group.cur") if r["Action"] == "Move"]
    assert [(r["Name"], r["Result"], r["EndTime"]) for r in move] == [("failover1", "Success", _ms(I.failover_end + SV2))]
    stop = [r for r in _rows(bundle / "sv1/perf/cluster/group/group.cur") if r["Action"] == "Stop" and r["StartTime"] > _ms(I.monitor_error)]
    assert [r["Name"] for r in stop] == ["failover1"]
    after = _ms(I.failover_start)
    for kind in ("fip", "md", "exec"):
        stops = [r for r in _rows(bundle / f"sv1/perf/cluster/group/{kind}.cur") if r["Action"] == "Stop" and r["StartTime"] > after]
        starts = [r for r in _rows(bundle / f"sv2/perf/cluster/group/{kind}.cur") if r["Action"] == "Start" and r["StartTime"] > after]
        assert stops and stops[-1]["Result"] == "Success"
        assert len(starts) == 1 and starts[0]["Result"] == "Success"
    exec_stops = [r["Result"] for r in _rows(bundle / "sv1/perf/cluster/group/exec.cur") if r["StartTime"] > after]
    assert exec_stops == ["Failure", "Success"]


def test_empty_return_code_is_left_unquoted_as_in_the_guide(bundle):
    line = (bundle / "sv2/perf/cluster/group/group.cur").read_text().splitlines()[1]
    assert ',"Success",,"' in line


def test_mirror_break_and_recovery(bundle):
    for server in ("sv1", "sv2"):
        rows = _rows(bundle / f"{server}/perf/cluster/monitor/mdw.cur") + _rows(bundle / f"{server}/perf/cluster/monitor/mdw.pre")
        failed = sorted(r["EndTime"] for r in rows if r["Result"] == "Failure")
        offset = timedelta(seconds=I.offsets[server])
        assert failed, server
        assert _ms(I.mirror_break + offset) < failed[0] < _ms(I.mirror_break + offset + timedelta(seconds=11))
        assert failed[-1] < _ms(I.mirror_recovery_end + offset)
    log = (bundle / "sv2/log/mdagent.log.cur").read_text()
    assert "Mirror recovery of md1 has started." in log and "was completed successfully" in log


def test_cluster_events_in_syslog_with_both_idents(bundle):
    sv1 = (bundle / "sv1/var/log/messages-20260101").read_text()
    assert re.search(r"^Jan  1 03:12:10 sv1 clusterpro\[\d+\]: <type: rm><event: 9> Detected an error in monitoring genw1\.", sv1, re.M)
    assert re.search(r"^Dec 31 \d\d:\d\d:\d\d sv1 systemd", sv1, re.M)  # unrelated lines, and the year turns inside the file
    sv2 = (bundle / "sv2/var/log/messages-20260101").read_text()
    assert re.search(r"^Jan  1 03:12:\d\d sv2 expresscls\[\d+\]: <type: rc><event: 60> Failover group failover1 has started\.", sv2, re.M)
    stamp = (I.failover_end + SV2).strftime("%Y-%m-%dT%H:%M:%S.") + f"{(I.failover_end + SV2).microsecond // 1000:03d}+09:00"
    assert f"<13>1 {stamp} sv2 expresscls " in sv2  # the one RFC 5424 line
    assert re.search(r"^\w{3} [ \d]\d [\d:]{8} sv1 clusterpro: <type: ", sv1, re.M)  # without a pid too


def test_alert_log_is_synchronised_with_both_clocks(bundle):
    line = next(
        l for l in (bundle / "sv1/alert/log/alertlog.alt").read_text().splitlines() if " sv2 rc 61 " in l
    )
    seq, d1, t1, d2, t2, host, module, eid, level, *msg = line.split()
    assert (host, module, eid, level) == ("sv2", "rc", "61", "Info")
    assert f"{d2} {t2}" == _ms(I.failover_end + SV2)  # origin time, sv2's clock
    received = datetime.strptime(f"{d1} {t1}", "%Y/%m/%d %H:%M:%S.%f")
    assert timedelta(0) < received - I.failover_end < timedelta(seconds=1)  # written on sv1, sv1's clock
    ids = {tuple(l.split()[6:8]) for l in (bundle / "sv2/alert/log/alertlog.alt").read_text().splitlines()}
    assert all(catalog.lookup(m, e) is not None for m, e in ids)


def test_module_logs_carry_the_incident_with_continuations(bundle):
    rc = (bundle / "sv1/log/rc.log.cur").read_bytes().decode("euc_jp")
    lines = rc.splitlines()
    k = next(i for i, l in enumerate(lines) if "Stopping exec1 resource has failed.(1 : exit code 1)" in l)
    assert lines[k].startswith("E 26/01/01 03:12:13.402[")
    assert not re.match(r"[IWE] \d\d/", lines[k + 1])  # a continuation line
    assert "アプリケーション" in lines[k + 2]
    assert re.search(r"failover requested at 2026/01/01 03:12:10\.250", rc)  # a 4-digit-year time inside the text
    sv2 = (bundle / "sv2/log/rc.log.cur").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        sv2.decode("utf-8")
    assert "アプリケーションを起動しました" in sv2.decode("shift_jis")


def test_emergency_archive_holds_the_logs_of_the_moment(bundle):
    with tarfile.open(bundle / "sv1/log/elog_rm1.tar.gz") as tar:  # generation 1: the older rm error (genw1)
        rm = tar.extractfile("log/rm.log.cur").read().decode()
    assert "Detected an error in monitoring genw1. (99 : Timeout)" in rm
    assert "Monitoring genw1 has stopped." not in rm.split("26/01/01")[-1]  # nothing from after the error
    with tarfile.open(bundle / "sv1/log/elog_rm0.tar.gz") as tar:  # generation 0: the newest (mdw1)
        assert "monitoring mdw1" in tar.extractfile("log/rm.log.cur").read().decode()
    with tarfile.open(bundle / "sv1/log/elog_rc0.tar.gz") as tar:
        rc = tar.extractfile("log/rc.log.cur").read().decode("euc_jp")
    incident_day = rc.split("\nI 26/01/01", 1)[1]
    assert "Stopping exec1 resource has failed." in incident_day and "Stopping md1 resource" not in incident_day


def test_heartbeat_timeout_seen_from_both_sides(bundle):
    sv1 = (bundle / "sv1/alert/log/alertlog.alt").read_text()
    assert re.search(r" sv1 nm 4 Info Resource lankhb2 of server sv2 has stopped\.", sv1)
    assert re.search(r" sv2 nm 4 Info Resource lankhb2 of server sv1 has stopped\.", sv1)


def test_clp_conf_is_euc_jp_with_japanese(bundle):
    raw = (bundle / "sv2/etc/clp.conf").read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="EUC-JP"?>')
    text = raw.decode("euc_jp")
    assert "<!-- " in text and "合成クラスタ" in text
    for piece in ('<resource name="md@md1"/>', "<nmppath>/dev/NMP1</nmppath>", "<dppath>", "<cppath>", "<point>/mnt/md1</point>",
                  "<fs>ext4</fs>", "<fullcopy>", "<mkfs>", "<acktimeout>", "<rsctoaction>", '<lankhb name="lankhb2">',
                  '<genw name="genw1">', "<interval>30</interval>", "<target>exec1</target>"):
        assert piece in text, piece


def test_saved_command_outputs_show_the_state_after_recovery(bundle):
    stat = (bundle / "sv2/clpstat.txt").read_text()
    assert "CLUSTER STATUS" in stat and re.search(r"^  \*sv2 \.+: Online", stat, re.M)
    assert re.search(r"current\s+: sv2", stat)
    md = (bundle / "sv1/clpmdstat_md1.txt").read_text()
    assert "Mirror Status: Normal" in md and re.search(r"Mirror Color\s+GREEN\s+GREEN", md)

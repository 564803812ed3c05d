"""Alert log and syslog parsers."""

from __future__ import annotations

import os
from datetime import datetime

import polars as pl

from clpkit.formats import alert_log, detect, syslog


def test_alert_log_happy():
    df = alert_log.parse(alert_log.SAMPLE, source="alertlog.alt", server="sv1")
    assert df.schema == alert_log.SCHEMA and df.height == 2
    assert df["time"][0] == datetime(2026, 11, 24, 3, 12, 1, 120000)
    assert df["logged"][0] == datetime(2026, 11, 24, 3, 12, 1, 150000)
    assert df["problem"].null_count() == 2


def test_alert_log_tolerates_missing_seq_and_second_time_and_keeps_bad_lines():
    data = (
        "2026/11/24 03:12:01.120 sv1 nm 2 ERROR Server sv2 has stopped.\n"
        "\n"
        "this is not an alert\n"
        "7 2026/02/30 03:12:01.120 2026/02/30 03:12:01.120 sv1 rc 32 ERROR bad date\n"
    )
    df = alert_log.parse(data.encode("euc_jp"), source="alertlog.alt")
    assert df.height == 3  # the empty line carries nothing
    assert df.row(0, named=True)["event_id"] == 2 and df["seq"][0] is None and df["logged"][0] is None
    assert df["raw"][1] == "this is not an alert" and "not an alert line" in df["problem"][1]
    assert df["line"].to_list() == [1, 3, 4]
    assert "impossible date" in df["problem"][2]


def test_alert_log_japanese_message_in_shift_jis():
    line = "3 2026/11/24 03:12:01.120 2026/11/24 03:12:01.130 sv1 rc 32 ERROR リソース exec1 の活性に失敗しました\n"
    df = alert_log.parse(line.encode("shift_jis"), source="alertlog.alt")
    assert df["message"][0] == "リソース exec1 の活性に失敗しました"


def test_alert_log_empty():
    assert alert_log.parse(b"", source="alertlog.alt").schema == alert_log.SCHEMA


SYSLOG = """\
Dec 31 23:59:58 sv1 clusterpro[2412]: <type: rc><event: 32> Activating exec1 resource has failed.(99 : command is timeout)
Dec 31 23:59:59 sv1 kernel: clusterpro: this is the kernel speaking, not the cluster
Jan  1 00:00:01 sv1 expresscls: <type: nm><event: 2> Server sv2 has stopped.
Jan  1 00:00:02 sv1 CLUSTERPRO[77]: a cluster line without type and event
Jan  1 00:00:03 sv1 sshd[999]: Accepted publickey for root

Jan  1 00:00:04 sv1 clusterprox[1]: <type: rc><event: 32> not our ident
"""


def test_syslog_classic_with_and_without_pid_and_year_boundary():
    s = syslog.scan(SYSLOG, source="messages-20260102", server="sv1")
    df = s.frame
    assert df.schema == syslog.SCHEMA
    assert df["line"].to_list() == [1, 3, 4]
    assert df["ident"].to_list() == ["clusterpro", "expresscls", "clusterpro"]
    assert df["pid"].to_list() == [2412, None, 77]
    assert df["module"].to_list() == ["rc", "nm", None]
    assert df["event_id"].to_list() == [32, 2, None]
    assert df["time"].to_list() == [
        datetime(2025, 12, 31, 23, 59, 58),
        datetime(2026, 1, 1, 0, 0, 1),
        datetime(2026, 1, 1, 0, 0, 2),
    ]
    assert df["message"][2] == "a cluster line without type and event"


def test_unrelated_lines_are_skipped_and_counted_never_events():
    s = syslog.scan(SYSLOG, source="messages-20260102")
    # kernel line mentioning clusterpro, sshd, clusterprox: 3 unrelated; the empty line is a blank skip
    assert (s.lines, s.skipped, s.frame.height) == (7, {"not a cluster line": 3, "blank line": 1}, 3)
    assert s.lines == s.frame.height + s.skipped_total, "every line is a row or a counted skip"
    assert 6 not in s.frame["line"].to_list() and 7 not in s.frame["line"].to_list()
    assert s.frame.filter(pl.col("message").str.contains("not our ident")).height == 0


def test_syslog_rfc5424_and_rfc3339_prefixes():
    data = (
        '<29>1 2026-11-24T03:14:05.250+09:00 sv1 clusterpro 2412 - [origin ip="10.0.0.1"] <type: nm><event: 2> Server sv2 has stopped.\n'
        "<29>1 2026-11-24T03:14:06Z sv1 expresscls - - - <type: rc><event: 40> Starting failover1 group.\n"
        "2026-11-24T03:14:07.123456-05:30 sv1 clusterpro[88]: <type: rm><event: 9> Monitor genw1 detected an error.\n"
    )
    df = syslog.parse(data, source="syslog")
    assert df["time"].to_list() == [
        datetime(2026, 11, 24, 3, 14, 5, 250000),
        datetime(2026, 11, 24, 3, 14, 6),
        datetime(2026, 11, 24, 3, 14, 7, 123000),
    ]
    assert df["utc_offset"].to_list() == [540, 0, -330]
    assert df["pid"].to_list() == [2412, None, 88]
    assert df["module"].to_list() == ["nm", "rc", "rm"] and df["event_id"].to_list() == [2, 40, 9]


def test_syslog_year_from_mtime(tmp_path):
    path = tmp_path / "messages.1"
    path.write_text("Dec 30 10:00:00 sv1 clusterpro: <type: rc><event: 40> x\nJan  2 10:00:00 sv1 clusterpro: <type: rc><event: 41> y\n")
    ts = datetime(2021, 1, 3).timestamp()
    os.utime(path, (ts, ts))
    df = syslog.parse(path.read_bytes(), source=str(path))
    assert [t.year for t in df["time"]] == [2020, 2021]


def test_syslog_bad_time_and_undecodable_bytes_kept_with_problem():
    data = b"Feb 30 10:00:00 sv1 clusterpro: <type: rc><event: 40> no such day\nFeb 10 10:00:00 sv1 clusterpro: <type: rc><event: 41> bad \xff byte\n"
    df = syslog.parse(data, source="messages-20240301")
    assert "impossible date" in df["problem"][0] and df["raw"][0].startswith("Feb 30")
    assert df["problem"][1] == "1 undecodable byte(s) replaced (file decoded as utf-8)"
    assert df["event_id"][1] == 41


def test_syslog_empty_and_no_cluster_lines():
    assert syslog.parse(b"", source="messages").schema == syslog.SCHEMA
    s = syslog.scan("Jan  1 00:00:03 sv1 sshd[999]: hello\n", source="messages")
    assert s.frame.height == 0 and s.skipped == {"not a cluster line": 1} and s.frame.schema == syslog.SCHEMA


def test_registry_names():
    for name in ("messages", "messages.1", "messages-20261124", "syslog", "syslog.1"):
        assert detect(name).kind == "syslog", name
    assert detect("alertlog.alt").kind == "alert_log"
    assert detect("messages.txt") is None


def test_syslog_mixing_fast_and_pattern_lines_at_scale():
    # Cluster lines read by both readers (the positional one and the full patterns), mixed with
    # lines that only mention the ident; every count must add up. (A polars panic seen on the
    # sample's messages-YYYYMMDD is covered by tests/samples/test_parsers.py.)
    lines = []
    for i in range(3000):
        lines.append(f"Dec 31 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} sv1 sshd[{i}]: noise {i}")
        if i % 50 == 0:
            lines.append(f"Dec 31 02:00:{i % 60:02d} sv1 CROND[{i}]: (root) CMD (/opt/nec/clusterpro/bin/clplogcc -t type6)")
        if i % 7 == 0:
            lines.append(f"Dec 31 03:{i // 60 % 60:02d}:{i % 60:02d} sv1 clusterpro[12]: <type: rm><event: 9> Detected an error in monitoring genw1. (99 : Timeout)")
        if i % 301 == 0:
            lines.append(f"<29>1 2025-12-31T03:00:{i % 60:02d}.5+09:00 sv1 expresscls 12 - - <type: nm><event: 2> Server sv2 has been stopped.")
    s = syslog.scan("\n".join(lines) + "\n", source="messages-20260101")
    expected_events = sum(1 for i in range(3000) if i % 7 == 0) + sum(1 for i in range(3000) if i % 301 == 0)
    assert s.frame.height == expected_events
    assert s.skipped == {"not a cluster line": len(lines) - expected_events}
    assert s.frame["problem"].null_count() == expected_events
    assert s.frame["time"].dt.year().unique().to_list() == [2025]


def test_syslog_classic_times_leap_days_padding_and_impossible_clocks():
    # The classic time is built from its parts: every impossible part is a problem row, never a
    # rolled-over time; leap years follow the Gregorian rule (2000 is one, 2100 is not).
    def times(text: str, name: str) -> list:
        df = syslog.parse(text, source=name)
        assert df["problem"].is_null().to_list() == df["time"].is_not_null().to_list()
        return df["time"].to_list()

    leap = "Feb 29 10:00:00 sv1 clusterpro: a\n"
    assert times(leap, "messages-20240301") == [datetime(2024, 2, 29, 10)]
    assert times(leap, "messages-20000301") == [datetime(2000, 2, 29, 10)]
    assert times(leap, "messages-20250301") == [None]
    assert times(leap, "messages-21000301") == [None]
    lines = [
        "Nov  4 03:12:01 sv1 clusterpro[1]: one-digit day, space padded",
        "Nov 04 03:12:01 sv1 clusterpro[1]: zero padded",
        "Nov  4 24:00:00 sv1 clusterpro[1]: hour 24",
        "Nov  4 23:60:00 sv1 clusterpro[1]: minute 60",
        "Nov  4 23:59:60 sv1 clusterpro[1]: leap second",
        "Nov 31 10:00:00 sv1 clusterpro[1]: no such day",
        "Nov  0 10:00:00 sv1 clusterpro[1]: day 0",
        "Nov  4 3:12:01 sv1 clusterpro[1]: one-digit hour (full pattern)",
        "Nov  4 03:12:01.250 sv1 clusterpro[1]: fraction (full pattern)",
        "Nov  4  03:12:01 sv1 clusterpro[1]: two spaces (full pattern)",
    ]
    got = times("\n".join(lines) + "\n", "messages-20261125")
    nov4 = datetime(2026, 11, 4, 3, 12, 1)
    assert got == [nov4, nov4, None, None, None, None, None, nov4, datetime(2026, 11, 4, 3, 12, 1, 250000), nov4]
    # a December line then January ones: the year turns over inside the file
    assert [t.year for t in times("Dec 31 23:59:59 sv1 clusterpro: a\nJan  1 00:00:01 sv1 clusterpro: b\n", "messages-20260102")] == [
        2025,
        2026,
    ]

"""Hostile input at the parser level (issue 14's parser cases).

Every line of every file is a row, a rejected row (``raw`` and ``problem``)
or a skipped line counted with its reason; impossible times are rejected,
never rolled over; numbers that are no measurement are rejected; a bare CR
is named; a rotation duplicate takes its continuation lines with it.
"""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

import clpkit
from clpkit import formats
from clpkit.formats import alert_log, cluster_stats, mirror_stats, module_log, syslog, system_stats
from clpkit.problems import ParseError

SYSTEM_HEADER = "Date,CPUCount,CPUUtilization,MemoryTotalSize"
CLUSTER_HEADER = '"Date","Name","Action","Result","ReturnCode","StartTime","EndTime","ElapsedTime(ms)"'


def system_row(minute: int, cpu: str = "12.5") -> str:
    return f"2026/11/20 09:{minute:02d}:00,4,{cpu},17179869184"


def cluster_row(stamp: str, name: str = "failover1") -> str:
    return f'"{stamp}","{name}","Start","Success",,"{stamp}","{stamp}","10"'


def accounted(parsed: formats.Parsed, header: int = 0) -> bool:
    return parsed.lines == header + parsed.frame.height + parsed.skipped_total


# --- blank and repeated header lines are counted skips --------------------------------------


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_blank_and_repeated_header_lines_are_skips_with_their_reason(ending):
    lines = ["", SYSTEM_HEADER, system_row(0), "", "   ", SYSTEM_HEADER, system_row(1), system_row(2), "", ""]
    parsed = system_stats.scan(ending.join(lines) + ending, source="system.cur")
    assert parsed.frame["line"].to_list() == [3, 7, 8] and parsed.frame["problem"].null_count() == 3
    assert parsed.skipped == {"blank line": 5, "repeated header line": 1}
    assert accounted(parsed, header=1) and parsed.lines == len(lines)


def test_trailing_blank_lines_of_a_clean_file_are_counted_on_the_fast_path():
    parsed = system_stats.scan("\n".join([SYSTEM_HEADER, system_row(0), system_row(1)]) + "\n\n\n", source="system.cur")
    assert (parsed.frame.height, parsed.skipped, parsed.lines) == (2, {"blank line": 2}, 5)


def test_bundle_reports_the_skips_per_file_and_reason(tmp_path):
    folder = tmp_path / "sv1" / "log" / "system"
    folder.mkdir(parents=True)
    (tmp_path / "sv1" / "etc").mkdir()
    (folder / "system.cur").write_text("\n".join([SYSTEM_HEADER, system_row(0), "", SYSTEM_HEADER, system_row(1)]) + "\n")
    with clpkit.open_bundle(tmp_path / "sv1") as b:
        assert b.skipped.select("lines", "skipped", "reason").sort("reason").rows() == [
            (5, 1, "blank line"),
            (5, 1, "repeated header line"),
        ]
        assert b.problems.is_empty()


# --- impossible times are rejected, never rolled over ----------------------------------------


@pytest.mark.parametrize("stamp", ["2026/12/31 23:59:60.000", "2026/02/30 10:00:00.000", "2026/06/31 10:00:00.000"])
def test_statistics_reject_impossible_times(stamp):
    good = cluster_row("2026/12/31 23:59:59.000", "other")
    df = cluster_stats.parse("\n".join([CLUSTER_HEADER, cluster_row(stamp), good]) + "\n", source="group/group.cur")
    assert df["date"].to_list() == [None, datetime(2026, 12, 31, 23, 59, 59)]
    assert df["problem"][0] == f"Date: '{stamp}' is not a timestamp" and df["raw"][0] == cluster_row(stamp)
    assert datetime(2027, 1, 1) not in df["date"].to_list(), "a leap second must not become the next day"


def test_statistics_reject_a_leap_second_in_a_whole_second_column():
    df = system_stats.parse("\n".join([SYSTEM_HEADER, system_row(0), "2026/12/31 23:59:60,4,1,1"]) + "\n", source="system.cur")
    assert df["time"][1] is None and "is not a timestamp" in df["problem"][1]


def test_module_logs_reject_impossible_times():
    data = "I 26/12/31 23:59:60.500[ 1] leap second\n  its continuation\nI 26/02/30 10:00:00.000[ 1] no such day\n"
    df = module_log.parse(data, source="rc.log.cur")
    assert df["time"].to_list() == [None, None, None]
    assert df["problem"][0].startswith("impossible date or time") and df["problem"][2].startswith("impossible date or time")
    assert df.height == 3, "every line is a row"


def test_module_log_general_layout_rejects_a_leap_second():
    df = module_log.parse("2026-12-31T23:59:60,5 rc: four-digit layout\n", source="rc.log.cur")
    assert df["time"][0] is None and df["problem"][0].startswith("impossible date or time")


@pytest.mark.parametrize(
    "line",
    [
        "Dec 31 23:59:60 sv1 clusterpro: <type: rc><event: 1> classic leap second",
        "Feb 30 10:00:00 sv1 clusterpro: <type: rc><event: 1> no such day",
        "2026-12-31T23:59:60.000+09:00 sv1 clusterpro[1]: <type: rc><event: 1> RFC 3339 leap second",
    ],
)
def test_syslog_rejects_impossible_times(line):
    df = syslog.parse(line + "\n", source="messages-20270101")
    assert df["time"].to_list() == [None]
    assert df["problem"][0] == "impossible date or time in the syslog prefix" and df["raw"][0] == line


def test_alert_log_rejects_a_leap_second():
    df = alert_log.parse("1 2026/12/31 23:59:60 2026/12/31 23:59:60 sv1 rc 32 ERROR x\n")
    assert df["time"][0] is None and df["problem"][0].startswith("impossible date or time")


# --- numbers that are no measurement ---------------------------------------------------------


@pytest.mark.parametrize("value", ["1e400", "-1e400", "NaN", "nan", "inf", "-Infinity"])
def test_non_finite_numbers_are_rejected_not_passed_on(value):
    data = "\n".join([SYSTEM_HEADER, system_row(0), system_row(1, value), system_row(2)]) + "\n"
    df = system_stats.parse(data, source="system.cur")
    assert df["cpu_utilization"].to_list() == [12.5, None, 12.5]
    assert df["problem"].to_list() == [None, f"CPUUtilization: '{value}' is not a finite number", None]
    assert df.filter(pl.col("problem").is_null())["cpu_utilization"].is_finite().all()


def test_large_finite_numbers_are_kept():
    df = system_stats.parse("\n".join([SYSTEM_HEADER, system_row(0, "1e308")]) + "\n", source="system.cur")
    assert df["cpu_utilization"].to_list() == [1e308] and df["problem"][0] is None


# --- a bare carriage return --------------------------------------------------------------------


@pytest.mark.parametrize("header", ['"Date","CPUCount"\r,"CPUUtilization"', "Date,CPU\rCount,CPUUtilization"])
def test_a_bare_cr_in_the_header_is_a_parse_error_naming_file_line_and_reason(header):
    with pytest.raises(ParseError) as err:
        system_stats.parse(f"\n{header}\n{system_row(0)}\n", source="sv1/log/system/system.cur")
    assert (err.value.line, err.value.file) == (2, "sv1/log/system/system.cur")
    assert "carriage return (CR) without a line feed inside the header line" in err.value.reason


def test_a_bare_cr_in_the_header_is_one_line_on_stderr_and_the_rest_loads(tmp_path):
    folder = tmp_path / "sv1" / "log" / "system"
    folder.mkdir(parents=True)
    (tmp_path / "sv1" / "etc").mkdir()
    bad = folder / "system.cur"
    bad.write_bytes(b"Date,CPU\rCount\n2026/11/20 09:00:00,4\n")
    (folder / "system.pre").write_text(SYSTEM_HEADER + "\n" + system_row(0) + "\n")
    res = subprocess.run([sys.executable, "-m", "clpkit", "parse", str(bad)], capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().count("\n") == 0 and "system.cur:1" in res.stderr and "carriage return" in res.stderr
    with clpkit.open_bundle(tmp_path / "sv1") as b:
        assert b.table("system_stats").height == 1
        assert b.problems.select("file", "line").rows() == [("sv1/log/system/system.cur", 1)]


def test_a_bare_cr_in_a_data_line_rejects_that_line_only():
    data = "\n".join([SYSTEM_HEADER, system_row(0), system_row(1).replace(",4,", ",4\r,"), system_row(2)]) + "\n"
    df = system_stats.parse(data, source="system.cur")
    assert df["line"].to_list() == [2, 3, 4]
    assert df["problem"].to_list() == [None, "carriage return (CR) without a line feed inside the line", None]


# --- rotation duplicates take their continuation lines with them ------------------------------

PRE = (
    "I 26/11/20 09:00:00.000[   1] rc: start\n"
    "E 26/11/20 09:00:05.000[   1] rc: activating exec1 has failed\n"
    "    detail: return code 99\n"
    "    detail: see the script's output\n"
)
CUR = (
    "E 26/11/20 09:00:05.000[   1] rc: activating exec1 has failed\n"  # the same entry, at line 1 now
    "    detail: return code 99\n"
    "    detail: see the script's output\n"
    "W 26/11/20 09:00:09.000[   1] rc: a new entry\n"
    "    detail: return code 99\n"  # the same text, but the continuation of a new entry
)


def test_rotation_duplicates_drop_their_continuation_lines_and_only_theirs(tmp_path):
    log = tmp_path / "sv1" / "log"
    log.mkdir(parents=True)
    (tmp_path / "sv1" / "etc").mkdir()
    (log / "rc.log.pre").write_text(PRE)
    (log / "rc.log.cur").write_text(CUR)
    with clpkit.open_bundle(tmp_path / "sv1") as b:
        table = b.table("module_log").filter(pl.col("archive").is_null())
    cur = table.filter(pl.col("source").str.ends_with(".cur"))
    assert cur.select("line", "continues", "text").rows() == [
        (4, None, "rc: a new entry"),
        (5, 4, "    detail: return code 99"),
    ]
    # every continuation points at an entry kept in the same file
    kept = set(zip(table["source"], table["line"]))
    assert all((s, c) in kept for s, c in zip(table["source"], table["continues"]) if c is not None)


# --- every line is accounted for, whatever the damage ------------------------------------------

_ENTRIES = [
    "I 26/11/24 03:12:00.100[   2412] rc: activating resource exec1",
    "E 26/13/24 03:12:00.100[ 1] month 13",
    "W 26/12/31 23:59:60.000[ 5:6] leap",
    "2026-11-24T03:12:00,5 general layout",
    "    continuation",
    "",
    "\t",
    "リソース exec1 の活性に失敗しました",
]
_SYSLOG = [
    "Nov 24 03:12:01 sv1 clusterpro[2412]: <type: rc><event: 32> failed",
    "Nov 24 03:12:01 sv1 kernel: clusterpro mentioned",
    "Dec 31 23:59:60 sv1 expresscls: leap",
    "<29>1 2026-11-24T03:14:05.250+09:00 sv1 clusterpro 2412 - - <type: nm><event: 2> x",
    "Nov 24 03:12:01 sv1 sshd[1]: unrelated",
    "",
    "   ",
]


_NOISE = ["", ":", "6", "\x00", "é", '"', ",", "\r"]


def _mutate(line: str, rng: random.Random, noise: list[str] = _NOISE) -> str:
    if not line or rng.random() > 0.3:
        return line
    i = rng.randrange(len(line))
    return line[:i] + rng.choice(noise) + line[i + 1 :]


@pytest.mark.parametrize("seed", range(8))
def test_every_line_of_a_damaged_file_is_a_row_a_rejection_or_a_counted_skip(seed):
    rng = random.Random(seed)
    log = "\n".join(_mutate(rng.choice(_ENTRIES), rng) for _ in range(200)) + "\n"
    parsed = module_log.scan(log.encode(), source="rc.log.cur")
    assert accounted(parsed) and parsed.lines == log.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    messages = "\n".join(_mutate(rng.choice(_SYSLOG), rng) for _ in range(200)) + "\n"
    parsed = syslog.scan(messages.encode(), source="messages-20261125")
    assert accounted(parsed)
    rows = [system_row(m % 60, rng.choice(["1", "2.5", "NaN", "1e400", "x", ""])) for m in range(200)]
    rows = [_mutate(r, rng, _NOISE[:3] + _NOISE[4:]) for r in rows]  # a NUL makes a CSV binary: a ParseError
    rows = [rng.choice(["", SYSTEM_HEADER, r]) if rng.random() < 0.1 else r for r in rows]
    stats = "\n".join([SYSTEM_HEADER, *rows]) + "\n"
    parsed = system_stats.scan(stats.encode(), source="system.cur")
    assert accounted(parsed, header=1)
    good = parsed.frame.filter(pl.col("problem").is_null())
    assert good["cpu_utilization"].drop_nulls().is_finite().all() and good["time"].null_count() == 0


def test_the_sample_bundle_accounts_for_every_line():
    bundle = Path(__file__).resolve().parents[2] / "data" / "samples" / "bundle"
    with clpkit.open_bundle(bundle) as b:
        checked = 0
        for f in b.entries():
            rows = b.load(f)
            if rows.lines is None or rows.frame is None:
                continue
            header = 1 if f.kind in ("mirror_stats", "system_stats", "cluster_stats") and rows.lines else 0
            assert rows.lines == header + rows.frame.height + sum(rows.skipped.values()), f.source
            checked += 1
    assert checked > 20

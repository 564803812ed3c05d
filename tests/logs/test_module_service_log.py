"""Module logs and service logs: line rules, encodings, years, failure policy."""

from __future__ import annotations

import os
from datetime import datetime

import polars as pl
import pytest

from clpkit.formats import detect, module_log, service_log
from clpkit.problems import ParseError

GOOD = """\
I 26/11/24 03:12:00.100[   2412] rc: activating resource exec1 of group failover1
E 26/11/24 03:12:01.120[   2412:2413] rc: activating exec1 has failed
    detail line one
    detail line two
W 26/11/24 03:12:05.000[   2412] rc: group failover1 will fail over
"""


def test_happy_path_one_row_per_line():
    df = module_log.parse(GOOD, source="/x/log/rc.log.cur", server="sv1")
    assert df.schema == module_log.SCHEMA
    assert df.height == 5 and df["line"].to_list() == [1, 2, 3, 4, 5]
    assert df["level"].to_list() == ["I", "E", "E", "E", "W"]
    assert df["pid"].to_list() == [2412] * 5 and df["tid"].to_list() == [None, 2413, 2413, 2413, None]
    assert df["time"][0] == datetime(2026, 11, 24, 3, 12, 0, 100000)
    assert df["module"].unique().to_list() == ["rc"] and df["stream"][0] == "log"
    assert df["server"][0] == "sv1" and df["source"][0] == "/x/log/rc.log.cur"
    assert df["raw"].null_count() == 5 and df["problem"].null_count() == 5
    assert df["text"][1] == "rc: activating exec1 has failed"


def test_continuation_lines_join_their_entry_and_stay_visible():
    df = module_log.parse(GOOD, source="rc.log.cur")
    cont = df.filter(pl.col("continues").is_not_null())
    assert cont["line"].to_list() == [3, 4]
    assert cont["continues"].to_list() == [2, 2]
    assert cont["text"].to_list() == ["    detail line one", "    detail line two"]
    # they carry their entry's time, so a time filter keeps the message together
    assert cont["time"].to_list() == [df["time"][1]] * 2


def test_err_file_and_generation_names():
    df = module_log.parse(GOOD, source="nm.err.pre")
    assert df["module"][0] == "nm" and df["stream"][0] == "err"
    assert detect("apisv.log.pre1").kind == "module_log"
    assert detect("init_main.stop.pre").kind == "service_log"


def test_invalid_lines_are_kept_raw_with_a_reason():
    data = "orphan line before any entry\nI 26/13/45 03:12:00.100[   1] month 13\nI 26/11/24 03:12:00.100[   1] ok\n"
    df = module_log.parse(data, source="rc.log.cur")
    assert df.height == 3
    assert df["raw"].to_list()[:2] == ["orphan line before any entry", "I 26/13/45 03:12:00.100[   1] month 13"]
    assert "no log entry before" in df["problem"][0]
    assert "impossible date" in df["problem"][1] and df["time"][1] is None
    assert df["problem"][2] is None and df["time"][2] == datetime(2026, 11, 24, 3, 12, 0, 100000)


def test_empty_and_blank_files_return_the_schema():
    for data in (b"", "", "\n"):
        df = module_log.parse(data, source="rc.log.cur")
        assert df.height == 0 and df.schema == module_log.SCHEMA


def test_binary_file_is_a_parse_error_naming_the_file():
    with pytest.raises(ParseError, match="rc.log.cur"):
        module_log.parse(b"\x00" * 5000, source="rc.log.cur")


@pytest.mark.parametrize("encoding", ["euc_jp", "shift_jis"])
def test_japanese_encodings(encoding):
    text = "I 26/11/24 03:12:00.100[   1] リソース exec1 の活性に失敗しました\n"
    df = module_log.parse(text.encode(encoding), source="rc.log.cur")
    assert df["text"][0] == "リソース exec1 の活性に失敗しました"
    assert df["problem"][0] is None


def test_undecodable_bytes_are_counted_on_their_line():
    data = b"I 26/11/24 03:12:00.100[   1] ok\nI 26/11/24 03:12:01.100[   1] bad \xff\xff end\n"
    df = module_log.parse(data, source="rc.log.cur")
    assert df["problem"][0] is None
    assert df["problem"][1] == "2 undecodable byte(s) replaced (file decoded as utf-8)"
    assert df["text"][1] == "bad \ufffd\ufffd end" and df["time"][1] is not None
    assert df["raw"][1] is not None


def test_tolerant_variants_four_digit_year_no_level_no_pid_crlf():
    data = (
        "I 2026/11/24 03:12:00.100[ 7] four-digit year\r\n"
        "2026-11-24 03:12:01,250 no level, comma before millis\r\n"
        "W 26/11/24 03:12:02 no pid, no millis\r\n"
    )
    df = module_log.parse(data.encode(), source="rc.log.cur")
    assert df["problem"].null_count() == 3 and df["continues"].null_count() == 3
    assert df["time"].to_list() == [
        datetime(2026, 11, 24, 3, 12, 0, 100000),
        datetime(2026, 11, 24, 3, 12, 1, 250000),
        datetime(2026, 11, 24, 3, 12, 2),
    ]
    assert df["level"].to_list() == ["I", None, "W"] and df["pid"].to_list() == [7, None, None]


def test_embedded_four_digit_date_sets_the_century():
    data = (
        "I 99/12/31 23:59:59.000[ 1] shutdown requested at 1999/12/31 23:59:58\n"
        "I 00/01/01 00:00:01.000[ 1] started\n"
    )
    df = module_log.parse(data, source="rc.log.cur")
    assert [t.year for t in df["time"]] == [1999, 2000]


def test_mtime_is_the_last_resort_reference(tmp_path):
    path = tmp_path / "rc.log.cur"
    path.write_text("I 45/06/01 10:00:00.000[ 1] old\n")
    old = datetime(1945, 6, 2).timestamp()
    os.utime(path, (old, old))
    df = module_log.parse(path.read_bytes(), source=str(path))
    assert df["time"][0] == datetime(1945, 6, 1, 10)
    # without a reference, the %y rule (00-68 is 20xx) applies
    assert module_log.parse(path.read_bytes(), source="nowhere/rc.log.cur")["time"][0].year == 2045


def test_service_log_columns_from_the_file_name():
    df = service_log.parse(GOOD, source="init_main.start.pre", server="sv2")
    assert df.schema == service_log.SCHEMA
    assert df.select("service", "svc", "phase").unique().rows() == [("clusterpro", "main", "start")]
    df = service_log.parse(GOOD, source="init_alert.stop.cur")
    assert df["service"][0] == "clusterpro_alertsync" and df["phase"][0] == "stop"


def test_service_log_without_timestamps_keeps_every_line():
    df = service_log.parse("Starting clusterpro_md: [ OK ]\nanother\n", source="init_md.start.cur")
    assert df.height == 2 and df["raw"].to_list() == ["Starting clusterpro_md: [ OK ]", "another"]


def test_service_log_empty():
    assert service_log.parse(b"", source="init_md.start.cur").schema == service_log.SCHEMA

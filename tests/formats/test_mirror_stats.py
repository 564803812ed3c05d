"""Mirror statistics nmpN.cur specifics: header spellings, the mirror column, units as read."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from clpkit.formats import detect, mirror_stats
from clpkit.formats.mirror_stats import FIELDS, SAMPLE, SCHEMA, parse

HEADER, *ROWS = SAMPLE.splitlines()


def with_header(header: str) -> str:
    return "\n".join([header, *ROWS]) + "\n"


def test_sample_values_land_in_the_right_columns():
    df = parse(SAMPLE, source="perf/disk/nmp1.cur", server="sv1")
    first = df.row(0, named=True)
    assert first["time"] == dt.datetime(2024, 5, 1, 10, 0)
    assert first["write_total"] == 1048576.0 and first["write_avg"] == 17476.26
    assert first["compress_ratio"] == 100.0
    assert first["sync_ack_time_max"] == 1.25 and first["sync_ack_time_cur"] == 0.5
    assert first["sync_diff_max"] == 4096.0
    assert first["fsck_time_last"] == 1.5
    assert df["send_queue_cur"].to_list() == [0.0, 2.0]


@pytest.mark.parametrize(
    "source, mirror",
    [("perf/disk/nmp1.cur", "nmp1"), ("x/nmp12.pre", "nmp12"), ("NMP3.pre4", "nmp3"), ("<sample>", None)],
)
def test_mirror_comes_from_the_file_name(source, mirror):
    assert parse(SAMPLE, source=source)["mirror"].to_list() == [mirror, mirror]


@pytest.mark.parametrize("name", ["nmp1.cur", "nmp1.pre", "nmp2.pre1", "nmp10.pre12"])
def test_registry_sends_every_generation_here(name):
    assert detect(name).kind == mirror_stats.KIND


@pytest.mark.parametrize(
    "old, new",
    [
        ('"Sync Diff, Max","Sync Diff, Cur"', '"SyncDiff, Max","SyncDiff,Cur"'),
        ("Watiting", "Waiting"),
        ('"Sync Ack Time, Max"', '"SYNC_ACK_TIME_MAX"'),
        ('"Date"', '"Time"'),
        ('"Date"', '""'),
        ('"Date"', '"Timestamp"'),
        ('"MDC HB Time, Max2"', '"mdc hb time  max2"'),
    ],
    ids=["syncdiff", "waiting-spelled-right", "snake-upper", "time", "unnamed-time", "timestamp", "spacing"],
)
def test_header_spellings_are_aliases(old, new):
    assert old in HEADER
    assert parse(with_header(HEADER.replace(old, new))).equals(parse(SAMPLE))


def test_unknown_time_column_name_found_by_its_values():
    df = parse(with_header(HEADER.replace('"Date"', '"採取日時"')))
    assert df.equals(parse(SAMPLE))


def test_iso_dates_and_milliseconds_are_read():
    text = SAMPLE.replace("2024/05/01 10:00:00", "2024-05-01 10:00:00.250").replace(
        "2024/05/01 10:01:00", "2024-05-01T10:01:00"
    )
    assert parse(text)["time"].to_list() == [dt.datetime(2024, 5, 1, 10, 0, 0, 250000), dt.datetime(2024, 5, 1, 10, 1)]


def test_problem_quotes_the_header_and_the_value():
    values = ROWS[0].split(",")
    i = [f.headers[0] for f in FIELDS].index("Sync Ack Time, Max")
    values[i] = '"abc"'
    df = parse("\n".join([HEADER, ",".join(values)]) + "\n", source="perf/disk/nmp1.cur")
    assert df["problem"].to_list() == ["Sync Ack Time, Max: 'abc' is not a number"]
    assert df["mirror"].to_list() == ["nmp1"]  # the file's own column survives


def test_empty_values_are_null_not_problems():
    values = ROWS[0].split(",")
    values[5] = ""
    values[6] = '""'
    df = parse("\n".join([HEADER, ",".join(values)]) + "\n")
    assert df["problem"].to_list() == [None]
    assert df["local_disk_write_total"].to_list() == [None] and df["local_disk_write_avg"].to_list() == [None]


def test_schema_units_are_floats_and_a_datetime():
    assert SCHEMA["time"] == pl.Datetime("ms")
    assert all(SCHEMA[f.name] == pl.Float64 for f in FIELDS[1:])
    assert len(FIELDS) == 38


def test_non_ascii_unknown_header_is_kept_under_its_own_name():
    text = "\n".join([HEADER + ',"備考"', *(r + ',"メモ"' for r in ROWS)]) + "\n"
    assert parse(text)["備考"].to_list() == ["メモ", "メモ"]

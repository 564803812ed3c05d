"""The shared reader's speed paths must give the same answers as the careful path."""

from __future__ import annotations

import datetime as dt

import polars as pl

from clpkit.formats import cluster_stats, mirror_stats

ROWS_IN_A_BIG_FILE = 4000  # about 1 MB: several polars chunks

HEADER, ROW1, ROW2 = mirror_stats.SAMPLE.splitlines()


def big_mirror_file(rows: int, middle: str | None = None) -> str:
    """``rows`` copies of the sample's rows; ``middle`` replaces the one in the middle."""
    body = [ROW1 if i % 2 else ROW2 for i in range(rows)]
    if middle is not None:
        body[rows // 2] = middle
    return "\n".join([HEADER, *body]) + "\n"


def test_a_decimal_in_the_middle_of_a_column_of_integers():
    rows = ROWS_IN_A_BIG_FILE
    # "Send Queue, Cur" (column 23) holds integers everywhere but here.
    values = ROW1.split(",")
    values[23] = '"0.25"'
    df = mirror_stats.parse(big_mirror_file(rows, ",".join(values)))
    assert df["problem"].null_count() == rows
    assert df["send_queue_cur"][rows // 2] == 0.25
    assert df.schema == mirror_stats.SCHEMA
    assert set(df["send_queue_cur"].to_list()) == {0.0, 2.0, 0.25}


def test_a_bad_value_in_a_big_file_is_still_one_rejected_row():
    rows = ROWS_IN_A_BIG_FILE
    values = ROW1.split(",")
    values[23] = '"lots"'
    df = mirror_stats.parse(big_mirror_file(rows, ",".join(values)))
    assert df.filter(pl.col("problem").is_not_null())["line"].to_list() == [rows // 2 + 2]
    assert df["problem"].drop_nulls().to_list() == ["Send Queue, Cur: 'lots' is not a number"]


def test_mixed_timestamp_layouts_in_one_file():
    header, r1, r2 = cluster_stats.SAMPLE.splitlines()
    r2 = r2.replace("2018/12/19 10:02:31.410", "2018-12-19T10:02:31.4", 1)
    r3 = r1.replace("2018/12/19 09:44:16.925", "2018/12/19 09:44:17", 1)
    df = cluster_stats.parse("\n".join([header, r1, r2, r3]) + "\n")
    assert df["date"].to_list() == [
        dt.datetime(2018, 12, 19, 9, 44, 16, 925000),
        dt.datetime(2018, 12, 19, 10, 2, 31, 400000),
        dt.datetime(2018, 12, 19, 9, 44, 17),
    ]
    assert df["problem"].null_count() == 3


def test_timestamps_not_zero_padded_are_read():
    text = mirror_stats.SAMPLE.replace("2024/05/01 10:01:00", "2024/5/1 9:01:00")
    assert mirror_stats.parse(text)["time"].to_list() == [dt.datetime(2024, 5, 1, 10, 0), dt.datetime(2024, 5, 1, 9, 1)]

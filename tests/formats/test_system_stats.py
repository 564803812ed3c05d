"""System resource statistics specifics: the layout is unpublished, so names and values decide."""

from __future__ import annotations

import datetime as dt

import pytest

from clpkit.formats import detect
from clpkit.formats.system_stats import KIND, SAMPLE, SCHEMA, parse

HEADER, *ROWS = SAMPLE.splitlines()


def test_sample_values():
    df = parse(SAMPLE, source="log/system/system.cur", server="sv1")
    row = df.row(1, named=True)
    assert row["time"] == dt.datetime(2024, 5, 1, 10, 1)
    assert row["cpu_count"] == 4 and row["cpu_utilization"] == 40.0
    assert row["cpu_io_wait"] == 50 and row["cpu_soft_intr"] == 4
    assert row["memory_active_file"] == 1073741824 and row["memory_inactive_file"] == 536870912
    assert row["file_limit_inode"] == 524288 and row["process_current_count"] == 191


@pytest.mark.parametrize("name", ["system.cur", "system.pre"])
def test_registry_sends_these_files_here(name):
    assert detect(name).kind == KIND


@pytest.mark.parametrize(
    "old, new",
    [
        ('"CPUUtilization"', '"CPU Utilization"'),
        ('"MemoryActive(file)"', '"memory_active_file"'),
        ('"Date"', '"DateTime"'),
        ('"Date"', '"Sample Time"'),
        ('"Date"', '""'),
    ],
)
def test_header_spellings_are_aliases(old, new):
    text = "\n".join([HEADER.replace(old, new), *ROWS]) + "\n"
    assert parse(text).equals(parse(SAMPLE))


def test_time_column_with_an_unknown_name_is_found_by_its_values():
    text = "\n".join([HEADER.replace('"Date"', '"when"'), *ROWS]) + "\n"
    df = parse(text)
    assert df.equals(parse(SAMPLE)) and "when" not in df.columns


def test_time_column_anywhere_in_the_line():
    header = HEADER.replace('"Date",', "") + ',"Date"'
    rows = [r.split(",", 1)[1] + "," + r.split(",", 1)[0] for r in ROWS]
    assert parse("\n".join([header, *rows]) + "\n").equals(parse(SAMPLE))


def test_without_any_time_column_the_rest_still_loads():
    header = HEADER.replace('"Date",', "")
    rows = [r.split(",", 1)[1] for r in ROWS]
    df = parse("\n".join([header, *rows]) + "\n")
    assert df.schema == SCHEMA
    assert df["time"].null_count() == 2 and df["cpu_utilization"].to_list() == [12.5, 40.0]
    assert df["problem"].null_count() == 2


def test_integer_and_decimal_numbers_both_load():
    text = SAMPLE.replace('"2400"', '"2400.00"', 1)
    assert parse(text)["cpu_total"].to_list() == [2400.0, 2400.0]

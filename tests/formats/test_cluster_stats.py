"""Cluster statistics specifics: the guide's verbatim header, category and type from the path."""

from __future__ import annotations

import datetime as dt

import pytest

from clpkit.formats import detect
from clpkit.formats.cluster_stats import KIND, SAMPLE, parse

HEADER, *ROWS = SAMPLE.splitlines()


def test_guide_example_row():
    df = parse(SAMPLE, source="perf/cluster/group/group.cur", server="sv2")
    row = df.row(0, named=True)
    assert row["date"] == dt.datetime(2018, 12, 19, 9, 44, 16, 925000)
    assert (row["name"], row["action"], row["result"]) == ("failoverA", "Start", "Success")
    assert row["return_code"] is None and row["problem"] is None  # empty ReturnCode is normal
    assert row["start_time"] == dt.datetime(2018, 12, 19, 9, 44, 9, 785000)
    assert row["end_time"] == dt.datetime(2018, 12, 19, 9, 44, 16, 925000)
    assert row["elapsed_time_ms"] == 7140
    assert df["return_code"].to_list() == [None, 1]


@pytest.mark.parametrize(
    "source, category, type_",
    [
        ("perf/cluster/group/group.cur", "group", "group"),
        ("perf/cluster/group/exec.cur", "resource", "exec"),
        ("perf/cluster/group/md.pre", "resource", "md"),
        ("perf/cluster/monitor/genw.cur", "monitor", "genw"),
        ("sv1\\perf\\cluster\\monitor\\mdw.pre1", "monitor", "mdw"),
        ("userw.cur", "monitor", "userw"),
        ("fip.cur", "resource", "fip"),
        ("group.pre", "group", "group"),
        ("<sample>", None, None),
    ],
)
def test_category_and_type_from_the_path(source, category, type_):
    df = parse(SAMPLE, source=source)
    assert df["category"].to_list() == [category] * 2
    assert df["type"].to_list() == [type_] * 2


@pytest.mark.parametrize("name", ["group.cur", "exec.pre", "genw.cur", "fip.pre1"])
def test_registry_sends_these_files_here(name):
    assert detect(name).kind == KIND


@pytest.mark.parametrize(
    "old, new",
    [
        ('"ElapsedTime(ms)"', '"Elapsed Time"'),
        ('"ReturnCode"', '"Return Code"'),
        ('"StartTime","EndTime"', '"start_time","end_time"'),
        ('"Date"', '"DATE"'),
    ],
)
def test_header_spellings_are_aliases(old, new):
    text = "\n".join([HEADER.replace(old, new), *ROWS]) + "\n"
    assert parse(text).equals(parse(SAMPLE))


def test_bad_return_code_is_not_an_integer():
    bad = ROWS[1].replace('"1"', '"E1"')
    df = parse("\n".join([HEADER, bad]) + "\n", source="perf/cluster/group/group.cur")
    assert df["problem"].to_list() == ["ReturnCode: 'E1' is not an integer"]
    assert df["raw"].to_list() == [bad]
    assert df["name"].to_list() == [None]


def test_quoted_comma_inside_a_name_stays_one_field():
    row = ROWS[0].replace('"failoverA"', '"grp, with comma"')
    df = parse("\n".join([HEADER, row]) + "\n")
    assert df["name"].to_list() == ["grp, with comma"] and df["problem"].to_list() == [None]


@pytest.mark.parametrize(
    "name, value",
    [('"fail""overA"', 'fail"overA'), ('"fail"x', "failx"), ('fa"il"x', 'fa"il"x')],
    ids=["doubled-quote", "text-after-quote", "quotes-inside-bare"],
)
def test_odd_quoting_in_one_line_does_not_lose_the_others(name, value):
    odd = ROWS[0].replace('"failoverA"', name)
    df = parse("\n".join([HEADER, odd, ROWS[1]]) + "\n")
    assert df["name"].to_list() == [value, "failoverA"]
    assert df["line"].to_list() == [2, 3] and df["problem"].to_list() == [None, None]

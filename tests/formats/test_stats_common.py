"""What every statistics parser must do with real-world file damage (issue 2 §2).

Each test runs over the three statistics formats, starting from the module's
own SAMPLE (header + good rows) and damaging it the way files get damaged:
CRLF line ends, a BOM, a last line cut by a copy made mid-write, bad rows.
"""

from __future__ import annotations

import csv

import polars as pl
import pytest

from clpkit.formats import META_SCHEMA, cluster_stats, mirror_stats, system_stats
from clpkit.problems import ParseError

MODULES = [mirror_stats, system_stats, cluster_stats]
SOURCES = {
    mirror_stats: "perf/disk/nmp1.cur",
    system_stats: "log/system/system.cur",
    cluster_stats: "perf/cluster/group/group.cur",
}


@pytest.fixture(params=MODULES, ids=lambda m: m.KIND)
def fmt(request):
    return request.param


def parse(fmt, data, server="sv1"):
    return fmt.parse(data, source=SOURCES[fmt], server=server)


def split(sample: str) -> tuple[str, list[str]]:
    header, *rows = sample.splitlines()
    return header, rows


def fields(line: str) -> list[str]:
    return next(csv.reader([line]))


def join(values: list[str]) -> str:
    """A CSV line as the cluster writes it: every value quoted, an empty one bare."""
    return ",".join(f'"{v}"' if v else "" for v in values)


def width(fmt) -> int:
    return len(fields(split(fmt.SAMPLE)[0]))


def data_columns(fmt) -> list[str]:
    """The typed columns read from the file (not meta, not the ones from the file name)."""
    return [c for c in fmt.SCHEMA.names() if c not in META_SCHEMA and c not in ("mirror", "category", "type")]


def time_column(fmt) -> str:
    return next(iter(fmt.SCHEMA))


def good(frame: pl.DataFrame) -> pl.DataFrame:
    """The data columns of the good rows (meta columns dropped)."""
    return frame.filter(pl.col("problem").is_null()).drop(META_SCHEMA.names())


def test_sample_is_the_happy_path(fmt):
    df = parse(fmt, fmt.SAMPLE)
    header, rows = split(fmt.SAMPLE)
    assert df.schema == fmt.SCHEMA
    assert df.height == len(rows) == 2
    assert df["line"].to_list() == [2, 3]
    assert df["raw"].null_count() == df["problem"].null_count() == df.height
    assert df["server"].to_list() == ["sv1", "sv1"]
    assert df["source"].to_list() == [SOURCES[fmt]] * 2
    assert df[time_column(fmt)].null_count() == 0
    # every known column of the sample converted: no null in any data column
    known = [n for n in fmt.SCHEMA.names() if n not in META_SCHEMA and n not in ("return_code",)]
    assert df.select(pl.col(known).null_count()).row(0) == (0,) * len(known)


def test_str_and_bytes_give_the_same_frame(fmt):
    assert parse(fmt, fmt.SAMPLE).equals(parse(fmt, fmt.SAMPLE.encode()))


@pytest.mark.parametrize("data", ["", b"", "\n", "\r\n\r\n", "   \n"], ids=repr)
def test_empty_file_is_the_empty_schema(fmt, data):
    df = parse(fmt, data)
    assert df.schema == fmt.SCHEMA and df.height == 0


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"], ids=repr)
def test_header_only_is_the_empty_schema(fmt, ending):
    header, _ = split(fmt.SAMPLE)
    df = parse(fmt, header + ending)
    assert df.schema == fmt.SCHEMA and df.height == 0


def test_crlf_parses_like_lf(fmt):
    crlf = fmt.SAMPLE.replace("\n", "\r\n")
    assert parse(fmt, crlf).equals(parse(fmt, fmt.SAMPLE))


def test_utf8_bom_is_ignored(fmt):
    assert parse(fmt, b"\xef\xbb\xbf" + fmt.SAMPLE.encode()).equals(parse(fmt, fmt.SAMPLE))


def test_missing_final_line_end_is_still_a_good_row(fmt):
    df = parse(fmt, fmt.SAMPLE.rstrip("\n"))
    assert df.equals(parse(fmt, fmt.SAMPLE))


def test_truncated_last_line_is_kept_as_a_rejected_row(fmt):
    header, rows = split(fmt.SAMPLE)
    cut = rows[-1][: len(rows[-1]) // 2]  # the copy stopped in the middle of a line
    df = parse(fmt, "\n".join([header, *rows[:-1], cut]))
    assert df.height == len(rows)
    last = df.row(-1, named=True)
    assert last["raw"] == cut and last["line"] == len(rows) + 1
    assert last["problem"].endswith("(truncated last line)")
    assert all(last[c] is None for c in data_columns(fmt))
    assert good(df).equals(good(parse(fmt, "\n".join([header, *rows[:-1]]) + "\n")))


def test_trailing_blank_lines_are_not_rows(fmt):
    df = parse(fmt, fmt.SAMPLE + "\n\r\n\n")
    assert df.equals(parse(fmt, fmt.SAMPLE))


def _with_bad_line(fmt, bad: str) -> tuple[pl.DataFrame, int]:
    header, rows = split(fmt.SAMPLE)
    text = "\n".join([header, rows[0], bad, rows[1]]) + "\n"
    return parse(fmt, text), 3


def _assert_kept(fmt, df: pl.DataFrame, line: int, raw: str, problem: str) -> None:
    assert df.height == 3
    bad = df.filter(pl.col("line") == line).row(0, named=True)
    assert bad["raw"] == raw
    assert bad["problem"] == problem
    assert all(bad[c] is None for c in data_columns(fmt)), "typed fields of a rejected row must be null"
    # The good rows around it are untouched and keep their line numbers.
    assert df.filter(pl.col("problem").is_null())["line"].to_list() == [2, 4]
    assert good(df).equals(good(parse(fmt, fmt.SAMPLE)))


def test_short_row_is_rejected_with_field_count(fmt):
    bad = '"2024/05/01 10:00:30","1","2"'
    df, line = _with_bad_line(fmt, bad)
    _assert_kept(fmt, df, line, bad, f"3 fields, expected {width(fmt)}")


def test_long_row_is_rejected_with_field_count(fmt):
    header, rows = split(fmt.SAMPLE)
    bad = rows[0] + ',"surplus"'
    df, line = _with_bad_line(fmt, bad)
    _assert_kept(fmt, df, line, bad, f"{width(fmt) + 1} fields, expected {width(fmt)}")


def test_unbalanced_quote_is_rejected(fmt):
    header, rows = split(fmt.SAMPLE)
    bad = rows[0][:-1]  # the closing quote of the last field is missing
    df, line = _with_bad_line(fmt, bad)
    _assert_kept(fmt, df, line, bad, "unbalanced quote")


def test_bad_timestamp_is_rejected_naming_the_column(fmt):
    header, rows = split(fmt.SAMPLE)
    values = fields(rows[0])
    values[0] = "2024/13/45 99:00:00"
    bad = join(values)
    df, line = _with_bad_line(fmt, bad)
    _assert_kept(fmt, df, line, bad, f"{fields(header)[0]}: '2024/13/45 99:00:00' is not a timestamp")


def test_value_that_is_not_a_number_is_rejected_naming_the_column(fmt):
    header, rows = split(fmt.SAMPLE)
    values = fields(rows[0])
    values[-1] = "abc"  # the last column is numeric in all three formats
    bad = join(values)
    df, line = _with_bad_line(fmt, bad)
    what = "an integer" if fmt is cluster_stats else "a number"
    _assert_kept(fmt, df, line, bad, f"{fields(header)[-1]}: 'abc' is not {what}")


def test_rejected_rows_become_problems(fmt):
    from clpkit.problems import rejected_rows

    df, line = _with_bad_line(fmt, '"x"')
    assert rejected_rows(df).rows() == [("sv1", SOURCES[fmt], 3, f"1 fields, expected {width(fmt)}")]


def test_blank_lines_and_a_repeated_header_inside_are_skipped(fmt):
    header, rows = split(fmt.SAMPLE)
    df = parse(fmt, "\n".join([header, rows[0], "", header, rows[1]]) + "\n")
    assert df["line"].to_list() == [2, 5]
    assert df["problem"].null_count() == 2
    assert good(df).equals(good(parse(fmt, fmt.SAMPLE)))


def test_quoted_line_end_inside_a_value_is_rejected_not_merged(fmt):
    header, rows = split(fmt.SAMPLE)
    values = fields(rows[0])
    values[1] = values[1][:1] + "\n" + values[1][1:]
    broken = join(values).split("\n")
    df = parse(fmt, "\n".join([header, *broken, rows[1]]) + "\n")
    assert df["line"].to_list() == [2, 3, 4]
    assert df["raw"].to_list()[:2] == broken
    assert df["problem"].to_list() == ["unbalanced quote", "unbalanced quote", None]


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x00\x01\x02\x03PK\x03\x04" * 50, "binary data, not a CSV text file"),
        (b"\xff\xfe\xfa" * 100 + b"\n1,2\n", "header line is not text (not UTF-8)"),
        (b"hello,world\n1,2\n", "no recognisable header"),
    ],
    ids=["nul-bytes", "not-utf8", "foreign-csv"],
)
def test_unreadable_file_raises_naming_file_line_and_reason(fmt, data, reason):
    with pytest.raises(ParseError) as info:
        parse(fmt, data)
    err = info.value
    assert err.file == SOURCES[fmt] and err.line == 1
    assert reason in err.reason
    assert str(err).startswith(f"{SOURCES[fmt]}:1: ")


def test_headerless_file_is_an_error_at_its_first_line(fmt):
    header, rows = split(fmt.SAMPLE)
    with pytest.raises(ParseError, match=r":1: no recognisable header"):
        parse(fmt, "\n".join(rows) + "\n")


def test_header_after_blank_lines_is_found_and_lines_count_from_the_file_start(fmt):
    df = parse(fmt, "\n\n" + fmt.SAMPLE)
    assert df["line"].to_list() == [4, 5]
    assert good(df).equals(good(parse(fmt, fmt.SAMPLE)))


def test_unknown_extra_column_is_kept_as_string_before_meta(fmt):
    header, rows = split(fmt.SAMPLE)
    text = "\n".join([header + ',"Vendor Extra(%)"', rows[0] + ',"7.5"', rows[1] + ',"n/a"']) + "\n"
    df = parse(fmt, text)
    own = [n for n in fmt.SCHEMA.names() if n not in META_SCHEMA]
    assert df.columns == own + ["vendor_extra"] + META_SCHEMA.names()
    assert df.schema["vendor_extra"] == pl.String
    assert df["vendor_extra"].to_list() == ["7.5", "n/a"]
    assert df.drop("vendor_extra").equals(parse(fmt, fmt.SAMPLE))


def test_columns_in_another_order_are_found_by_name(fmt):
    header, rows = split(fmt.SAMPLE)
    table = [fields(line) for line in [header, *rows]]
    text = "\n".join(join(list(reversed(r))) for r in table) + "\n"
    assert parse(fmt, text).equals(parse(fmt, fmt.SAMPLE))


def test_missing_known_column_is_null_not_an_error(fmt):
    header, rows = split(fmt.SAMPLE)
    table = [fields(line) for line in [header, *rows]]
    drop = len(table[0]) // 2  # some column in the middle
    text = "\n".join(join(r[:drop] + r[drop + 1 :]) for r in table) + "\n"
    df = parse(fmt, text)
    full = parse(fmt, fmt.SAMPLE)
    gone = [c for c in df.columns if not df[c].equals(full[c])]
    assert df.schema == fmt.SCHEMA and df["problem"].null_count() == 2
    assert len(gone) == 1 and df[gone[0]].null_count() == 2


def test_fast_and_careful_paths_agree(fmt):
    """A file with one bad row goes the careful way; its good rows must match the fast read."""
    header, rows = split(fmt.SAMPLE)
    many = [header] + rows * 500
    fast = parse(fmt, "\n".join(many) + "\n")
    careful = parse(fmt, "\n".join(many + ['"broken"'] + rows) + "\n")
    assert fast["problem"].null_count() == fast.height == 1000
    assert careful.filter(pl.col("problem").is_not_null())["line"].to_list() == [1002]
    assert good(careful).head(1000).equals(good(fast))
    assert careful["line"].to_list() == list(range(2, 1005))


def test_crlf_file_with_bad_rows_keeps_raw_without_the_line_end(fmt):
    header, rows = split(fmt.SAMPLE)
    text = "\r\n".join([header, rows[0], '"bad"', rows[1], rows[1][:10]])
    df = parse(fmt, text)
    assert df["raw"].to_list() == [None, '"bad"', None, rows[1][:10]]
    assert df["problem"][1] == f"1 fields, expected {width(fmt)}"
    assert df["problem"][3].endswith("(truncated last line)")
    assert good(df).equals(good(parse(fmt, fmt.SAMPLE)))

"""Decoding per file and the one two-digit-year helper (clpkit.text)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from clpkit.text import decode, lines_frame, resolve_years

JAPANESE = "リソース exec1 の活性に失敗しました ①"


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("euc_jp", "euc_jp"), ("cp932", "cp932"), ("shift_jis", "cp932")])
def test_each_encoding_is_detected_and_decoded_without_loss(encoding, expected):
    text = JAPANESE if encoding not in ("euc_jp", "shift_jis") else JAPANESE.replace(" ①", "")
    d = decode((text + "\n").encode(encoding))
    assert (d.encoding, d.text, d.replaced) == (expected, text + "\n", 0)


def test_euc_jp_is_not_mistaken_for_shift_jis_on_kana_only_text():
    # Kana-only EUC-JP bytes also decode as Shift_JIS (half-width katakana): the scorer must pick EUC-JP.
    d = decode("サーバダウン\n".encode("euc_jp"))
    assert d.encoding == "euc_jp" and d.text == "サーバダウン\n"


def test_undecodable_bytes_are_replaced_and_counted_never_fatal():
    data = "正常\n".encode("utf-8") + b"bad \xff\xfe\xfd here\n" + "続き\n".encode("utf-8")
    d = decode(data)
    assert d.encoding == "utf-8"
    assert d.replaced == 3
    assert d.text.count("\ufffd") == 3
    assert "正常" in d.text and "続き" in d.text


def test_genuine_replacement_character_is_not_counted():
    d = decode("a \ufffd b \xff".encode("utf-8") + b"\xff")
    assert d.replaced == 1


def test_bom_and_crlf():
    d = decode(b"\xef\xbb\xbfline1\r\nline2\rline3\n")
    assert d.text == "line1\nline2\nline3\n" and d.encoding == "utf-8"


def test_lines_frame_keeps_empty_lines_and_numbers_from_one():
    df = lines_frame("a\n\n\nb")
    assert df.rows() == [(1, "a"), (2, ""), (3, ""), (4, "b")]
    assert lines_frame("\n").rows() == [(1, "")]
    # the unit separator (used internally for the fast split) inside a line
    assert lines_frame("x\x1fy\nz\n").rows() == [(1, "x\x1fy"), (2, "z")]


def test_two_digit_years_take_the_century_closest_to_the_reference():
    yy = pl.Series([99, 0, 1, 21])
    months = pl.Series([12, 1, 1, 7])
    assert resolve_years(months, yy, reference=2000).to_list() == [1999, 2000, 2001, 2021]
    assert resolve_years(months, yy, reference=datetime(1960, 5, 1)).to_list() == [1999, 2000, 2001, 1921]


def test_year_boundary_inside_a_file_without_years():
    months = pl.Series([11, 12, 12, 1, 1, 2])
    # reference = file mtime in February 2024: the last line is February 2024
    assert resolve_years(months, reference=datetime(2024, 2, 3)).to_list() == [2023, 2023, 2023, 2024, 2024, 2024]
    # reference = a full date known on row 1 (December 2030)
    assert resolve_years(months, reference=2030, reference_row=1).to_list() == [2030, 2030, 2030, 2031, 2031, 2031]


def test_file_ending_in_december_with_a_january_mtime_is_last_year():
    assert resolve_years(pl.Series([12, 12]), reference=datetime(2025, 1, 2)).to_list() == [2024, 2024]


def test_rows_without_a_month_stay_null_but_do_not_break_the_rollover():
    got = resolve_years(pl.Series([12, None, 1]), reference=datetime(2025, 1, 9)).to_list()
    assert got == [2024, None, 2025]


def test_clean_utf8_keeps_its_bytes():
    """A clean UTF-8 file keeps its own bytes (no re-encoding); a damaged one is encoded from the text."""
    data = "I 26/11/24 03:12:00.100[ 7] リソース exec1 の活性に失敗\n".encode() * 3
    decoded = decode(data)
    assert (decoded.encoding, decoded.replaced, decoded.text) == ("utf-8", 0, data.decode())
    assert decoded.as_utf8() == data
    bad = decode(data + b"\xff")
    assert bad.replaced == 1 and bad.as_utf8() == bad.text.encode()

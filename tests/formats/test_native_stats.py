"""The compiled statistics reader must give exactly the frames of the polars path.

``clpkit._native`` reads plain statistics files and parses their timestamps
(see ``lib/native/stats.c``). It is optional, so every check here compares
it with the polars path on the same bytes (``CLPKIT_NATIVE=0``): the sample
bundle's files, the formats' examples and a seeded fuzzer that damages
lines in the ways real files get damaged.
"""

from __future__ import annotations

import random
import tarfile
from pathlib import Path

import polars as pl
import pytest

from clpkit import native
from clpkit.formats import cluster_stats, mirror_stats, system_stats

REPO = Path(__file__).resolve().parents[2]
SAMPLE_ARCHIVES = sorted((REPO / "data" / "samples" / "bundle").glob("*.tar.gz"))
PARSERS = {"perf/disk/": mirror_stats, "log/system/": system_stats, "perf/cluster/": cluster_stats}

needs_native = pytest.mark.skipif(not native.available(), reason="clpkit._native is not built")


def sample_statistics() -> dict[str, tuple[object, bytes]]:
    """Every statistics file of the committed sample bundle: member name -> (parser, bytes)."""
    files = {}
    for archive in SAMPLE_ARCHIVES:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                parser = next((p for key, p in PARSERS.items() if key in member.name), None)
                if parser is not None and member.isfile():
                    files[member.name] = (parser, tar.extractfile(member).read())
    return files


def both_ways(parser, data: bytes | str, source: str, monkeypatch) -> tuple[pl.DataFrame, pl.DataFrame]:
    monkeypatch.setenv("CLPKIT_NATIVE", "1")
    fast = parser.parse(data, source=source, server="sv1")
    monkeypatch.setenv("CLPKIT_NATIVE", "0")
    slow = parser.parse(data, source=source, server="sv1")
    monkeypatch.setenv("CLPKIT_NATIVE", "1")
    return fast, slow


def assert_same(fast: pl.DataFrame, slow: pl.DataFrame, what: str) -> None:
    assert fast.schema == slow.schema, what
    assert fast.equals(slow), f"{what}: the native and polars frames differ"


class Spy:
    """Counts the files the compiled reader took (a None answer hands a file to polars)."""

    def __init__(self, monkeypatch):
        self.read = self.declined = 0
        original = native.read_csv

        def spy(*args):
            result = original(*args)
            if result is None:
                self.declined += 1
            else:
                self.read += 1
            return result

        monkeypatch.setattr(native, "read_csv", spy)


@needs_native
def test_the_sample_bundle_reads_the_same_and_natively(monkeypatch):
    files = sample_statistics()
    assert len(files) >= 20
    spy = Spy(monkeypatch)
    for name, (parser, data) in files.items():
        assert_same(*both_ways(parser, data, name, monkeypatch), name)
    # every sample file is plain: the compiled reader took each one (the spy sees native runs only)
    assert spy.read >= len(files) and spy.declined == 0


@needs_native
@pytest.mark.parametrize("parser", [cluster_stats, mirror_stats, system_stats], ids=lambda p: p.KIND)
def test_the_examples_read_the_same(parser, monkeypatch):
    assert_same(*both_ways(parser, parser.SAMPLE, f"<{parser.KIND}>", monkeypatch), parser.KIND)


# --- a fuzzer: lines damaged as files get damaged ------------------------------------------

DAMAGE = [
    lambda v, r: v.replace('"', "", 1),  # an unbalanced quote
    lambda v, r: v + ',"x"',  # an extra field
    lambda v, r: v.rsplit(",", 1)[0],  # a missing field
    lambda v, r: "",  # a blank line
    lambda v, r: v + "\r",  # a CRLF line end
    lambda v, r: v.replace("/", "-", 2),  # the other date layout
    lambda v, r: v.replace(":", "", 1),  # a broken time
    lambda v, r: v.replace('"2', '" 2', 1),  # a space before a value
    lambda v, r: v.replace(',"', ',"+', 1),  # a sign polars accepts
    lambda v, r: v.replace(',"', ',"1e', 1),  # an exponent
    lambda v, r: v.replace(',"', ',"12345678901234567890', 1),  # digits past Int64 / 2^53
    lambda v, r: v.replace(',"', ',"0.12345678901234567', 1),  # a float past 15 digits
    lambda v, r: v.replace(',"', ',"', 1).replace('","', '","\u00e9', 1),  # non-ASCII text
    lambda v, r: v.replace('","', '",,"', 1),  # an empty field in the middle
    lambda v, r: v.replace('","', '","","', 1),  # a quoted empty field
    lambda v, r: v.replace('","', '","a""b","', 1),  # an escaped quote
    lambda v, r: v.replace(".", ".9", 1),  # four fraction digits
    lambda v, r: v.replace(" ", "T", 1),  # ISO "T"
    lambda v, r: v.replace(":00", ":60", 1),  # a leap second
    lambda v, r: v.replace("/01 ", "/31 ", 1).replace("/02/", "/02/", 1),  # maybe an impossible day
    lambda v, r: v[: r.randrange(len(v) + 1)],  # cut anywhere
    lambda v, r: v.replace(",", ",-", 1),  # a minus sign
    lambda v, r: v.replace('""', "", 1),
    lambda v, r: v.replace('"', "", 4),  # bare fields
]


def damaged(data: bytes, rng: random.Random, lines: int = 60) -> str:
    text = data.decode("utf-8")
    header, *rows = text.splitlines()[: lines + 1]
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(rows))
        rows[i] = rng.choice(DAMAGE)(rows[i], rng)
    ending = "" if rng.random() < 0.2 else "\n"
    return "\n".join([header, *rows]) + ending


@needs_native
def test_damaged_files_read_the_same(monkeypatch):
    rng = random.Random(20261129)
    files = list(sample_statistics().items())
    spy = Spy(monkeypatch)
    for round_ in range(400):
        name, (parser, data) = rng.choice(files)
        text = damaged(data, rng)
        assert_same(*both_ways(parser, text, name, monkeypatch), f"round {round_}, {name}:\n{text[:400]}")
    # the fuzzer reaches both outcomes: files the compiled reader takes and files it hands back
    assert spy.read > 50 and spy.declined > 50


# --- the timestamp parser and the line counter on their own --------------------------------


@needs_native
def test_timestamps_equal_polars_wherever_they_are_read():
    rng = random.Random(7)
    values = ["2025/12/17 00:00:10.323", "2024-02-29 23:59:59", "2025-01-02T03:04:05.6", "0001/01/01 00:00:00"]
    for _ in range(20_000):
        y, mo, d = rng.randrange(1, 10_000), rng.randrange(0, 14), rng.randrange(0, 33)
        h, mi, s = rng.randrange(0, 26), rng.randrange(0, 62), rng.randrange(0, 62)
        sep, mid = rng.choice([("/", " "), ("-", " "), ("-", "T"), ("/", "T")])
        frac = rng.choice(["", "." + str(rng.randrange(10**9)).zfill(rng.randrange(1, 10))[:9]])
        values.append(f"{y:04d}{sep}{mo:02d}{sep}{d:02d}{mid}{h:02d}:{mi:02d}:{s:02d}{frac}")
    series = pl.Series(values)
    ours = native.parse_times(series)
    layouts = ("%Y/%m/%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f")
    theirs = pl.select(pl.coalesce(*(pl.lit(series).str.strptime(pl.Datetime("ms"), f, strict=False) for f in layouts)))
    theirs = theirs.to_series()
    read = ours.is_not_null()
    assert (ours.filter(read) == theirs.filter(read)).all()
    assert ours.filter(read).len() > 5_000  # valid stamps are read, not left to polars
    assert ours[:4].null_count() == 0


@needs_native
def test_line_counts_equal_bytes_count():
    rng = random.Random(3)
    for n in [0, 1, 15, 16, 17, 255 * 16, 255 * 16 + 1, 100_000]:
        data = bytes(rng.choice(b"ab\n") for _ in range(n))
        assert native.count_lines(data) == data.count(b"\n")
        assert native.count_lines(memoryview(data)[3:]) == data[3:].count(b"\n")

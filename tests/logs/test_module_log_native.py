"""The C scanner of module logs gives the frames of the polars path, line for line.

Every input is parsed twice, with ``CLPKIT_NATIVE=1`` and ``=0``, and the
frames must be equal (values, dtypes, row order): the sample texts, every
string in the existing module/service/elog tests, the committed sample
bundle's module logs and elog archives, a seeded generator of mutated lines,
and every two-digit date of a century.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import polars as pl
import pytest

from clpkit import native
from clpkit.bundle import open_bundle
from clpkit.formats import _logline, elog, module_log, service_log

HERE = Path(__file__).parent
BUNDLE = HERE.parents[1] / "data" / "samples" / "bundle"

needs_native = pytest.mark.skipif(native._native is None, reason="clpkit._native is not built")


def both(parse, monkeypatch) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``parse()`` with the C scanner, then with the polars path."""
    monkeypatch.setenv("CLPKIT_NATIVE", "1")
    assert native.available()
    fast = parse()
    monkeypatch.setenv("CLPKIT_NATIVE", "0")
    slow = parse()
    monkeypatch.delenv("CLPKIT_NATIVE")
    return fast, slow


def assert_same(fast: pl.DataFrame, slow: pl.DataFrame, what: str) -> None:
    assert fast.schema == slow.schema, what
    assert fast.height == slow.height, what
    if not fast.equals(slow, null_equal=True):
        diff = fast.with_row_index("row").join(slow.with_row_index("row"), on="row", suffix="_polars")
        bad = [
            r
            for r in diff.iter_rows(named=True)
            if any(r[c] != r[f"{c}_polars"] for c in slow.columns if c != "row")
        ]
        pytest.fail(f"{what}: {len(bad)} rows differ, first: {bad[0]}")


def check(data: bytes | str, monkeypatch, source: str = "rc.log.cur") -> pl.DataFrame:
    fast, slow = both(lambda: module_log.parse(data, source=source, server="sv1"), monkeypatch)
    assert_same(fast, slow, f"{source}: {data[:80]!r}")
    fast, slow = both(lambda: _logline.parse_lines(data, source=source), monkeypatch)
    assert_same(fast, slow, f"{source} (parse_lines): {data[:80]!r}")
    return fast


@needs_native
def test_scanner_contract():
    data = (
        "I 26/11/24 03:12:00.100[   2412] rc: ok\n"
        "    detail\n"
        "E 26/13/24 03:12:00.100[ 1] month 13\n"
        "W 69/01/01 00:00:59.999[ 5 : 6 ] é\n"
        "X 70/12/31 23:59:59.000[] empty ids"
    ).encode()
    df = pl.DataFrame([native.series(k, v) for k, v in native._native.scan_module_log(data).items()])
    assert df.schema == pl.Schema(
        {
            "canonical": pl.Boolean,
            "level": pl.String,
            "time": pl.Datetime("ms"),
            "pid": pl.Int64,
            "tid": pl.Int64,
            "text": pl.String,
        }
    )
    assert df["canonical"].to_list() == [True, False, True, True, True]
    assert df["level"].to_list() == ["I", None, None, "W", "X"]
    assert [t and t.year for t in df["time"]] == [2026, None, None, 2069, 1970]
    assert df["pid"].to_list() == [2412, None, None, 5, None]
    assert df["tid"].to_list() == [None, None, None, 6, None]
    # the body of a settled entry, the whole line of anything else
    assert df["text"].to_list() == ["rc: ok", "    detail", "E 26/13/24 03:12:00.100[ 1] month 13", "é", "empty ids"]
    assert native._native.scan_module_log(b"")["text"] is not None


@needs_native
@pytest.mark.parametrize("text", [module_log.SAMPLE, service_log.SAMPLE])
def test_samples(text, monkeypatch):
    check(text, monkeypatch)
    check(text.encode(), monkeypatch)


ENTRY = "I 26/11/24 03:12:00.100[ 1] x"


@needs_native
@pytest.mark.parametrize(
    "data",
    [
        "",
        "\n",
        "\n\n",
        " \n",
        "\u3000\n",
        "\r\n",
        "\ufeff",
        "x",
        ENTRY,
        ENTRY + "\n\n\n",
        "\n\n" + ENTRY + "\n",
        " \n" + ENTRY,
        ENTRY + "\x1f\n  more\x1f\n",
        ENTRY.replace("[ 1]", "[" + " " * 40 + "1]"),
        ENTRY + "\nI 26/11/24 03:12:00.100[ 22] y\n",  # the pid width changes
        ENTRY + "\nI 26/11/24 03:12:00.100[ 1:2] y\nI 26/11/24 03:12:00.100[:] z\n",
        "I 26/02/29 03:12:00.100[ 1] not a leap year\n  and its continuation\n" + ENTRY,
        "I 26/12/31 23:59:60.500[ 1] leap second\n",
        "I 26/11/24 03:12:00.100[ 99999999999999999999] huge pid\n",
        "I 26/11/24 03:12:00.100[ 1] \n",  # an empty body
        "I 26/11/24 03:12:00.100[ 1]\n",  # no space after the ids: not canonical
        "i 26/11/24 03:12:00.100[ 1] lower-case level\n",
        "É 26/11/24 03:12:00.100[ 1] non-ASCII level\n",
        "I 26/11/24 03:12:00.100[ １] full-width pid\n",
    ],
)
def test_edge_cases(data, monkeypatch):
    check(data, monkeypatch)
    check(data.encode(), monkeypatch)


def _string_constants(path: Path) -> list[str | bytes]:
    """Every string and bytes literal of a test module (its inputs among them)."""
    tree = ast.parse(path.read_text())
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes))]


@needs_native
@pytest.mark.parametrize("name", ["test_module_service_log.py", "test_elog.py"])
def test_inputs_of_the_existing_tests(name, monkeypatch):
    inputs = [v for v in _string_constants(HERE / name) if len(v) > 1]
    assert len(inputs) > 10
    for data in inputs:
        check(data, monkeypatch)
    for encoding in ("euc_jp", "shift_jis"):
        check("I 26/11/24 03:12:00.100[   1] リソース exec1 の活性に失敗しました\n".encode(encoding), monkeypatch)


@needs_native
def test_sample_bundle_module_logs_and_elog_members(monkeypatch):
    checked = 0
    with open_bundle(BUNDLE) as bundle:
        for kind in ("module_log", "service_log"):
            for f in bundle.entries(kind):
                data = f.path.read_bytes()
                check(data, monkeypatch, source=f.source)
                checked += 1
        for f in bundle.entries("elog"):
            data = f.path.read_bytes()
            fast, slow = both(lambda: elog.parse_logs(data, source=f.source), monkeypatch)
            assert_same(fast, slow, f.source)
            assert fast.height > 0
            checked += 1
    assert checked >= 10


# ---- the seeded generator ------------------------------------------------------------

_BODIES = [
    "rc: activating resource exec1 of group failover1",
    "shutdown requested at 1999/12/31 23:59:58",
    "started 2031-02-03 by clpcl",
    "リソース exec1 の活性に失敗しました",
    "café ]] [x] 12:34",
    "",
    " ",
    "tab\there",
]
_CONTINUATIONS = ["    detail: return code 99", "", "  (99 : command is timeout)", "\tat Foo.bar", "ＩＤ 26/11/24", "]"]
_IDS = [
    "{:>7}",
    "{}",
    " {} : {} ",
    "{}:{}",
    "",
    " ",
    ":",
    " : ",
    "{}:",
    ":{}",
    "0000000000000000000000{}",
    "9223372036854775807",
    "9223372036854775808",
    "123456789012345678",
    "1234567890123456789",
    "1 2",
]
_NOISE = "0123456789 :/.[]-TE,\t\r\u3000é\x1f\x00"


def _stamp(rng: random.Random) -> str:
    yy, mm, dd = rng.choice([rng.randrange(100), 26, 99, 0, 69, 70]), rng.randrange(1, 13), rng.randrange(1, 29)
    if rng.random() < 0.1:  # impossible or edge dates and times
        mm, dd = rng.choice([(13, 1), (0, 5), (2, 29), (2, 30), (4, 31), (12, 31), (1, 0), (2, 28)])
    hh, mi, ss = rng.randrange(24), rng.randrange(60), rng.randrange(60)
    if rng.random() < 0.1:
        hh, mi, ss = rng.choice([(24, 0, 0), (23, 60, 0), (23, 59, 60), (23, 59, 61), (0, 0, 60), (99, 99, 99)])
    return f"{yy:02d}/{mm:02d}/{dd:02d} {hh:02d}:{mi:02d}:{ss:02d}.{rng.randrange(1000):03d}"


def _entry(rng: random.Random) -> str:
    level = rng.choice("IIIWEDZ")
    ids = rng.choice(_IDS).format(rng.randrange(1, 99999), rng.randrange(1, 99999))
    body = rng.choice(_BODIES)
    shape = rng.random()
    if shape < 0.75:
        return f"{level} {_stamp(rng)}[{ids}] {body}"
    if shape < 0.85:  # a four-digit year
        return f"{level} {rng.choice(['19', '20'])}{_stamp(rng)}[{ids}] {body}"
    if shape < 0.9:  # no pid, no millis, odd spacing
        return f"{level}  {_stamp(rng)[:17]}  {body}"
    if shape < 0.95:
        return f"20{_stamp(rng).replace('/', '-').replace(' ', 'T').replace('.', ',')} {body}"
    return f"{level} {_stamp(rng)}[{ids}]{body}"  # no space after the ids


def _mutate(line: str, rng: random.Random) -> str:
    if not line or rng.random() > 0.15:
        return line
    i = rng.randrange(len(line))
    op = rng.randrange(3)
    if op == 0:
        return line[:i] + line[i + 1 :]
    if op == 1:
        return line[:i] + line[i] + line[i:]
    return line[:i] + rng.choice(_NOISE) + line[i + 1 :]


def _file(rng: random.Random, lines: int) -> bytes | str:
    out = [rng.choice(_CONTINUATIONS) for _ in range(rng.choice([0, 0, 0, 1, 2]))]  # orphans first
    width = rng.random() < 0.5  # half the files keep a fixed pid width
    while len(out) < lines:
        if rng.random() < 0.25:
            out.append(rng.choice(_CONTINUATIONS))
        else:
            line = _entry(rng)
            if width:
                line = line.replace("[", "[  ", 1)
            out.append(_mutate(line, rng))
    text = ("\r\n" if rng.random() < 0.15 else "\n").join(out)
    if rng.random() < 0.8:
        text += "\n"
    if rng.random() < 0.2:
        return text
    return ("\ufeff" if rng.random() < 0.05 else "").encode() + text.encode("utf-8")


@needs_native
def test_mutated_lines(monkeypatch):
    rng = random.Random(20251217)
    total = 0
    for _ in range(120):
        data = _file(rng, rng.choice([1, 2, 5, 30, 60]))
        check(data, monkeypatch, source=rng.choice(["rc.log.cur", "init_md.start.cur"]))
        total += len(data)
    # one large file: a varying pid width, entries and continuations mixed
    big = "\n".join(
        _mutate(_entry(rng), rng) if rng.random() < 0.9 else rng.choice(_CONTINUATIONS) for _ in range(3000)
    )
    frame = check(big + "\n", monkeypatch)
    assert total > 50_000 and frame.height == (big + "\n").replace("\r\n", "\n").replace("\r", "\n").count("\n")


@needs_native
def test_every_two_digit_date(monkeypatch):
    """Each year 00-99 with months 00-13 and days 00-32, and the clock's edges, in one file."""
    lines = [
        f"I {yy:02d}/{mm:02d}/{dd:02d} 12:00:00.000[ 1] x"
        for yy in range(100)
        for mm in range(14)
        for dd in range(33)
    ]
    clock = [(h, m, s) for h in (0, 23, 24) for m in (0, 59, 60) for s in (0, 59, 60, 61)]
    lines += [f"W 24/12/31 {h:02d}:{m:02d}:{s:02d}.999[ 2] y" for h, m, s in clock]
    frame = check("\n".join(lines) + "\n", monkeypatch)
    assert frame["time"].null_count() > 0 and frame["problem"].null_count() < frame.height


@needs_native
def test_two_digit_years_as_polars_reads_them():
    """%y: 00-69 are 20yy, 70-99 are 19yy, in the scanner and in polars."""
    stamps = [f"{yy:02d}/03/04 05:06:07.089" for yy in range(100)]
    data = "".join(f"I {s}[ 1] x\n" for s in stamps).encode()
    ours = native.series("time", native._native.scan_module_log(data)["time"])
    theirs = pl.Series(stamps).str.strptime(pl.Datetime("ms"), "%y/%m/%d %H:%M:%S.%3f")
    assert ours.to_list() == theirs.to_list()
    assert [t.year for t in ours] == [2000 + y if y < 70 else 1900 + y for y in range(100)]

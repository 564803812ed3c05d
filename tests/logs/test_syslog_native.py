"""The compiled syslog scanner (``lib/native/syslog.c``) gives the frames of the polars path.

Every input is parsed twice, with ``CLPKIT_NATIVE=1`` and ``=0``, and the
frames, line counts and skipped counts must be identical: the sample, the
inputs of the other syslog tests, the committed sample bundle's
``messages`` files and a seeded generator that mutates valid lines.
"""

from __future__ import annotations

import random
import tarfile
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from clpkit import native
from clpkit.formats import syslog
from tests.logs.test_alert_syslog import SYSLOG

BUNDLES = sorted((Path(__file__).parents[2] / "data" / "samples" / "bundle").glob("*.tar.gz"))
built = pytest.mark.skipif(native._native is None, reason="clpkit._native is not built (no C compiler)")


def both(monkeypatch, data: bytes | str, source: str = "messages-20261125", **kwargs) -> syslog.Scan:
    """Scans ``data`` on both paths, asserts they agree, and returns the native path's result."""
    monkeypatch.setenv("CLPKIT_NATIVE", "1")
    fast = syslog.scan(data, source=source, server="sv1", **kwargs)
    monkeypatch.setenv("CLPKIT_NATIVE", "0")
    slow = syslog.scan(data, source=source, server="sv1", **kwargs)
    assert fast.frame.schema == slow.frame.schema == syslog.SCHEMA
    assert (fast.lines, fast.skipped) == (slow.lines, slow.skipped)
    if not fast.frame.equals(slow.frame):
        diff = fast.frame.with_row_index().join(slow.frame.with_row_index(), on="index", how="full", nulls_equal=True)
        pytest.fail(f"frames differ:\n{_first_difference(fast.frame, slow.frame)}\n{diff.height} rows")
    return fast


def _first_difference(a: pl.DataFrame, b: pl.DataFrame) -> str:
    if a.height != b.height:
        only = set(a["line"].to_list()) ^ set(b["line"].to_list())
        return f"heights {a.height} != {b.height}; lines in one only: {sorted(only)[:10]}"
    for name in a.columns:
        for i, (x, y) in enumerate(zip(a[name].to_list(), b[name].to_list())):
            if x != y:
                return f"row {i} (line {a['line'][i]}) column {name}: native {x!r} != polars {y!r}"
    return "same values, different dtypes or chunks"


@built
def test_native_scanner_reads_the_usual_lines_and_hands_back_the_rest():
    data = (
        "Nov 24 03:12:01 sv1 CLUSTERPRO[0042]: <type: RC ><event:32>  two spaces kept but one\n"
        "Nov  4 03:12:01 sv1 expresscls: no head\n"
        "Nov 24 03:12:01 sv1 kernel: clusterpro mentioned\n"
        " \t\n"
        "Feb 29 03:12:01 sv1 clusterpro: leap day needs the year\n"
        "Nov 24 03:12:01 sv1 sshd[1]: unrelated\n"
        "Nov 24 03:12:01 sv1 clusterpro: <type: ＲＣ><event: 1> wide module\n"
        "Nov 24 03:12:01 sv1 clusterpro[99999999999999999999]: <event: 1> other layout\n"
        "\u3000"
    )
    found = native._native.scan_syslog(data.encode())
    assert (found["lines"], found["blank"]) == (9, 1)
    columns = {k: native.series(k, v) for k, v in found.items() if not isinstance(v, int)}
    dtypes = {k: s.dtype for k, s in columns.items()}
    assert dtypes == {
        "line": pl.Int64, "month": pl.Int64, "year_ms": pl.Int64, "host": pl.String,
        "ident": pl.String, "pid": pl.Int64, "module": pl.String, "event_id": pl.Int64, "message": pl.String,
        "candidate_line": pl.Int64, "candidate_text": pl.String,
    }  # fmt: skip
    assert columns["line"].to_list() == [1, 2]
    assert columns["ident"].to_list() == ["clusterpro", "expresscls"]
    assert columns["pid"].to_list() == [42, None]
    assert columns["module"].to_list() == ["rc", None]
    assert columns["event_id"].to_list() == [32, None]
    assert columns["message"].to_list() == [" two spaces kept but one", "no head"]
    # 4 November 03:12:01 in a common year: 307 days after 1 January
    assert (columns["month"][1], columns["year_ms"][1]) == (11, ((307 * 24 + 3) * 3600 + 12 * 60 + 1) * 1000)
    assert columns["candidate_line"].to_list() == [3, 5, 7, 8, 9]
    assert columns["candidate_text"][-1] == "\u3000"


@built
def test_native_utf8_check_agrees_with_python():
    # utf8_valid lets text.decode skip building a str: it must be exactly bytes.decode's verdict
    rng = random.Random(5)
    pieces = [b"a", b" ", b"\n", "é".encode(), "日".encode(), "😀".encode(), b"\xc0\x80", b"\xc1\xbf", b"\xc2",
              b"\xe0\x80\x80", b"\xe0\xa0\x80", b"\xed\xa0\x80", b"\xed\x9f\xbf", b"\xef\xbf\xbd", b"\xf0\x8f\xbf\xbf",
              b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\x80",
              b"\xbf", b"\xe6\x97", b"\xf0\x9f\x98", b"x" * 20]  # fmt: skip  (the last two: cut sequences)
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.5:  # cut anywhere, often inside a sequence
            data = data[: rng.randint(0, len(data))]
        try:
            data.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        assert native.utf8_valid(data) is valid, data


@built
def test_native_branch_is_taken(monkeypatch):
    calls = []
    real = native._native.scan_syslog
    monkeypatch.setattr(native._native, "scan_syslog", lambda data: calls.append(len(data)) or real(data))
    monkeypatch.setenv("CLPKIT_NATIVE", "1")
    assert syslog.scan(syslog.SAMPLE, source="messages-20261125").frame.height == 3
    assert calls == [len(syslog.SAMPLE.encode())]


@built
@pytest.mark.parametrize(
    "data",
    [
        syslog.SAMPLE,
        SYSLOG,
        "",
        "\n",
        "\n\n\n",
        "Nov 24 03:12:01 sv1 clusterpro: x",  # no final newline
        "Nov 24 03:12:01 sv1 clusterpro: <type: rc><event: 1>\n",  # empty message
        "Nov 24 03:12:01 sv1 clusterpro: <type: rc><event: 1> x\x1fy\n",  # the CSV separator: split in Python
        b"Nov 24 03:12:01 sv1 clusterpro: <type: rc><event: 1> \xef\xbb\xbfbom\r\nNov 24 03:12:02 sv1 clusterpro: crlf\r\n",
        b"\xef\xbb\xbfNov 24 03:12:01 sv1 clusterpro: <type: rc><event: 1> after a BOM\n",
        b"Nov 24 03:12:01 sv1 clusterpro: a lone CR\rNov 24 03:12:02 sv1 clusterpro: makes two lines\n",
        "Nov 24 03:12:01 sv1 clusterpro: a str with\r\nNov 24 03:12:02 sv1 clusterpro: CRLF\r\n",
        "Nov 24 03:12:01 sv1 clusterpro: <type: rc><event: 1> UTF-8 kept as it is: é\n".encode(),
        # a CR or a non-ASCII byte only in the last, partial 64-byte block the scanner reads
        b"Nov 24 03:12:01 sv1 kernel: " + b"x" * 36 + b"\nNov 24 03:12:01 sv1 clusterpro: tail\r\n",
        b"Nov 24 03:12:01 sv1 kernel: " + b"x" * 36 + b"\nNov 24 03:12:01 sv1 clusterpro: tail \xff\n",
        "Nov 24 03:12:01 sv1 clusterpro: <type: rc><event: 1> x\nFeb 30 10:00:00 sv1 clusterpro: no such day\n",
        "Nov 24 03:12:01 sv1 クラスタ clusterpro: <type: rc><event: 1> 日本語のメッセージ\n",
        "Nov 24 03:12:01 sv1 clusterpro: <type: rc><event: 1> リソース exec1 の活性に失敗しました\n".encode("euc_jp"),
        b"Feb 10 10:00:00 sv1 clusterpro: <type: rc><event: 41> bad \xff byte\n",
        (
            '<29>1 2026-11-24T03:14:05.250+09:00 sv1 clusterpro 2412 - [origin ip="10.0.0.1"] <type: nm><event: 2> a\n'
            "Dec 31 23:59:59 sv1 clusterpro: <type: rc><event: 3> before the full date\n"
            "2026-11-24T03:14:07.123456-05:30 sv1 clusterpro[88]: <type: rm><event: 9> b\n"
            "Nov 24 03:12:01.5 sv1 clusterpro: fraction\n"
        ),
    ],
)
def test_same_frames_on_known_inputs(monkeypatch, data):
    both(monkeypatch, data)
    both(monkeypatch, data, source="messages")


@built
def test_same_frames_with_the_year_from_the_mtime(monkeypatch, tmp_path):
    path = tmp_path / "messages.1"
    path.write_text("Dec 30 10:00:00 sv1 clusterpro: <type: rc><event: 40> x\nJan  2 10:00:00 sv1 clusterpro: y\n")
    assert both(monkeypatch, path.read_bytes(), source=str(path), mtime=datetime(2021, 1, 3)).frame["time"].dt.year().to_list() == [2020, 2021]


@built
@pytest.mark.parametrize("source", ["messages-20240401", "messages-20250401", "messages-21000401", "messages-09991231"])
def test_same_frames_around_leap_days_and_odd_years(monkeypatch, source):
    data = "".join(
        f"{day} 23:59:59 sv1 clusterpro: <type: rc><event: 1> x\n" for day in ("Jan 31", "Feb 28", "Feb 29", "Mar  1", "Dec 31")
    )
    scan = both(monkeypatch, data, source=source)
    assert scan.frame.height == 5


def test_year_start_matches_the_calendar():
    years = [1000, 1600, 1700, 1899, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 2400, 9999]
    frame = pl.DataFrame({"year": years * 2, "month": [2] * len(years) + [3] * len(years)})
    got = frame.select(syslog._year_start_ms(pl.col("year"), pl.col("month")))[:, 0].to_list()
    epoch = datetime(1970, 1, 1)
    # after February the start is one day later in a leap year (the scanner counts a common year)
    want = [(datetime(y, 1, 1) - epoch).days * 86_400_000 for y in years]
    want += [w + (86_400_000 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 0) for y, w in zip(years, want)]
    assert got == want


@built
@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name)
def test_same_frames_on_the_sample_bundle(monkeypatch, bundle):
    with tarfile.open(bundle) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and "/var/log/messages" in m.name]
        assert members
        for member in members:
            data = tar.extractfile(member).read()
            scan = both(monkeypatch, data, source=member.name.rsplit("/", 1)[-1])
            assert scan.frame.height > 0


# ---- the mutation fuzzer ----------------------------------------------------------------

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_HEADS = [
    "<type: rc><event: 32> ",
    "<type:rc><event:32>",
    "<type:  rm\t><event: 9>  ",
    "<type: rc ><event: 7 >",
    "<type: ><event: 1>",
    "<type: apisv><event: 00012> ",
    "<type: rc><event: 99999999999999999999> ",
    "<type: rc><event: 9223372036854775807> ",
    "<type: Rc><event: 9223372036854775808> ",
    "<type: r<c><event: 1> ",
    "<type: rc><event: x> ",
    " <type: rc><event: 1> ",
    "<type: rc> <event: 1> ",
    "<type: ｒｃ><event: 1> ",
    "<type: rc\u3000><event: 1> ",
    "<type: rc\x1c><event: 1> ",
    "x <event: 5> y ",
    "",
]
_MESSAGES = [
    "Activating exec1 resource has failed.(99 : command is timeout)",
    "Server sv2 has stopped.",
    "リソース exec1 の活性に失敗しました",
    "a > b < c",
    "",
    " ",
    "tail with <type: x><event: 1> inside",
]


def _cluster_line(rng: random.Random) -> str:
    """A classic cluster line, each field of the usual shape or (sometimes) an odd one."""

    def pick(usual, *odd):
        return rng.choice(odd) if rng.random() < 0.05 else usual

    month = pick(rng.choice(_MONTHS), "Foo", "jan", "JAN", "Ja")
    day = pick(rng.randint(1, 28), 29, 30, 31, 0, 32, 99)
    day_text = pick(f"{day:2d}", f"{day:02d}", str(day), f"{day:3d}")
    clock = f"{pick(rng.randint(0, 23), 23, 24, 99):02d}:{pick(rng.randint(0, 59), 59, 60):02d}:{pick(rng.randint(0, 59), 59, 60, 61):02d}"
    clock = pick(clock, clock + ".123", clock[:-1], "3" + clock[2:])
    host = pick(rng.choice(["sv1", "server-02.example.com", "h"]), "sv\t1", "ホスト", "a:b", "", "a  b", "sv1\u3000")
    ident = pick(rng.choice(["clusterpro", "expresscls", "ClusterPro", "EXPRESSCLS"]), "clusterprox", "cluſterpro", "xclusterpro", "clusterpr")
    pid = pick(rng.choice(["", f"[{rng.randint(0, 99999)}]"]), "[0042]", "[99999999999999999999]", "[9223372036854775807]", "[9223372036854775808]", "[]", "[12a]", "[-1]")
    sep = pick(": ", ":", " ", ":  ", ":\t")
    head = pick(rng.choice(_HEADS[:3]), *_HEADS)
    return f"{month} {day_text} {clock} {host} {ident}{pid}{sep}{head}{rng.choice(_MESSAGES)}"


def _other_line(rng: random.Random) -> str:
    return rng.choice(
        [
            "Nov 24 03:12:01 sv1 kernel: e1000: eth0 NIC Link is Up",
            "Nov 24 03:12:01 sv1 kernel: clusterpro: the kernel speaking",
            "Nov 24 03:12:01 sv1 CROND[7]: (root) CMD (/opt/nec/clusterpro/bin/clplogcc -t type6)",
            "Nov 24 03:12:01 sv1 sshd[999]: Accepted publickey for root from 10.0.0.1 port 22 ssh2",
            "Nov 24 03:12:01 sv1 systemd[1]: Started Session 7 of user root. EXPRESSCLS",
            "<29>1 2026-11-24T03:14:05.250+09:00 sv1 clusterpro 2412 - - <type: nm><event: 2> Server sv2 has stopped.",
            "<29>1 2026-11-24T03:14:06Z sv1 expresscls - - [a b=\"c\"] <type: rc><event: 40> Starting failover1 group.",
            "2025-12-31T23:59:59.5+09:00 sv1 clusterpro[88]: <type: rm><event: 9> Monitor genw1 detected an error.",
            "2026-13-01T00:00:00 sv1 clusterpro: impossible month",
            "Nov 24 03:12:01 sv1 kernel: ディスクが見つかりません",
            "",
            " \t ",
            "\x0b\x0c",
            "\x1c",
            "\u3000",
            "\u00a0 ",
            "\u3000" * 8,  # blank for polars, and long enough for the scanner's 16-byte blocks
            "\u2003\t" + " " * 20,
        ]
    )


_NOISE = list("aZ09 :[]<>\t.-_") + ["é", "\u3000", "ſ", "\x1c", "\x00", "\r", "\x85"]


def _mutate(line: str, rng: random.Random) -> str:
    chars = list(line)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(chars) + 1)
        op = rng.random()
        if op < 0.3 and i < len(chars):
            del chars[i]
        elif op < 0.5 and i < len(chars):
            chars.insert(i, chars[i])
        elif op < 0.8 and i < len(chars):
            chars[i] = rng.choice(_NOISE)
        else:
            chars.insert(i, rng.choice(_NOISE))
    return "".join(chars)


def _fuzz_file(seed: int) -> bytes:
    rng = random.Random(seed)
    lines = []
    for _ in range(rng.randint(1, 400)):
        line = _cluster_line(rng) if rng.random() < 0.6 else _other_line(rng)
        if rng.random() < 0.3:
            line = _mutate(line, rng)
        lines.append(line)
    newline = "\r\n" if rng.random() < 0.1 else "\n"
    text = newline.join(lines) + (newline if rng.random() < 0.8 else "")
    encoding = "euc_jp" if rng.random() < 0.05 else "utf-8"
    return text.encode(encoding, errors="replace")


@built
def test_same_frames_on_mutated_lines(monkeypatch):
    rows = 0
    for seed in range(40):
        data = _fuzz_file(seed)
        for source in ("messages-20260102", "messages"):
            rows += both(monkeypatch, data, source=source).frame.height
    assert rows > 1000  # the generator does produce cluster rows

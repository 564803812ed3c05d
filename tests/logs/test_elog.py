"""Emergency log archives: listing, safety, the logs inside."""

from __future__ import annotations

import io
import tarfile

import pytest

from clpkit.formats import detect, elog, module_log
from clpkit.archive import Limits
from clpkit.problems import ParseError

RC_LOG = b"I 26/11/24 03:12:00.100[ 5] rc: start exec1\nE 26/11/24 03:12:01.100[ 5] rc: exec1 failed\n  (99 : command is timeout)\n"


def make_tar(members, mode="w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, kind, body in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1795490000
            if kind == "file":
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
            else:
                info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "chardev": tarfile.CHRTYPE}[kind]
                if kind == "symlink":
                    info.linkname = "/etc/shadow"
                tar.addfile(info)
    return buf.getvalue()


def test_listing_tags_module_and_generation():
    data = make_tar([("log", "dir", b""), ("log/rc.log.cur", "file", RC_LOG), ("log/ps.txt", "file", b"ps\n")])
    df = elog.parse(data, source="/c/sv1/log/elog_rm7.tar.gz", server="sv1")
    assert df.schema == elog.SCHEMA
    assert df.select("archive", "archive_module", "archive_generation").unique().rows() == [("elog_rm7.tar.gz", "rm", 7)]
    assert df["member"].to_list() == ["log", "log/rc.log.cur", "log/ps.txt"]
    assert df["type"].to_list() == ["dir", "file", "file"]
    assert df["size"].to_list() == [0, len(RC_LOG), 3]
    assert df["line"].to_list() == [1, 2, 3] and df["problem"].null_count() == 3


def test_unsafe_members_are_listed_with_a_problem_and_never_read():
    data = make_tar(
        [
            ("/etc/passwd", "file", b"root\n"),
            ("a/../../escape.log.cur", "file", RC_LOG),
            ("link.log.cur", "symlink", b""),
            ("dev", "chardev", b""),
            ("ok/rc.log.cur", "file", RC_LOG),
        ]
    )
    df = elog.parse(data, source="elog_rc0.tar.gz")
    problems = df["problem"].to_list()
    # the collection archives' policy (clpkit.archive.safe_parts), the same words
    assert "refused: absolute member name" in problems[0]
    assert "refused: '..' in the member name" in problems[1]
    assert "symlink" in problems[2] and "chardev" in problems[3]
    assert problems[4] is None
    assert df["raw"].to_list()[:4] == ["/etc/passwd", "a/../../escape.log.cur", "link.log.cur", "dev"]
    logs = elog.parse_logs(data, source="elog_rc0.tar.gz")
    assert logs["source"].unique().to_list() == ["elog_rc0.tar.gz!ok/rc.log.cur"]


def test_size_and_count_caps(monkeypatch):
    data = make_tar([(f"f{i}.txt", "file", b"x" * 100) for i in range(5)])
    monkeypatch.setattr(elog, "MAX_MEMBER_BYTES", 50)
    df = elog.parse(data, source="elog_pm1.tar.gz")
    assert all("over the 50-byte cap" in p for p in df["problem"])
    monkeypatch.setattr(elog, "MAX_MEMBER_BYTES", 10**6)
    monkeypatch.setattr(elog, "LIMITS", Limits(max_members=3))
    df = elog.parse(data, source="elog_pm1.tar.gz")
    assert df.height == 4 and "member-count cap of 3" in df["problem"][3]
    monkeypatch.setattr(elog, "LIMITS", Limits(max_total_bytes=250))
    df = elog.parse(data, source="elog_pm1.tar.gz")
    assert df.height == 3 and "uncompressed-size cap of 250 bytes" in df["problem"][2]


def test_the_caps_are_the_collection_archives_caps():
    """One archive-safety policy: elog's caps are clpkit.archive's defaults."""
    assert elog.LIMITS == Limits()


def test_truncated_archive_keeps_what_was_read():
    data = make_tar([("a.txt", "file", b"a" * 2000), ("rc.log.cur", "file", RC_LOG * 400)], mode="w:gz")
    cut = data[: len(data) - 200]
    df = elog.parse(cut, source="elog_rc1.tar.gz")
    assert df["member"][0] == "a.txt"
    assert "cut short" in df["problem"][-1]


def test_not_an_archive_is_a_parse_error():
    with pytest.raises(ParseError, match="elog_rc0.tar.gz.*gzip"):
        elog.parse(b"plain text", source="elog_rc0.tar.gz")
    with pytest.raises(ParseError, match="not a readable tar.gz"):
        import gzip

        elog.parse(gzip.compress(b"not a tar" * 100), source="elog_rc0.tar.gz")


def test_empty():
    assert elog.parse(b"", source="elog_rc0.tar.gz").schema == elog.SCHEMA
    assert elog.parse_logs(b"", source="elog_rc0.tar.gz").schema == elog.LOGS_SCHEMA


def test_parse_logs_is_module_log_tagged_with_the_archive():
    data = make_tar([("log/rc.log.cur", "file", RC_LOG), ("log/nm.err.pre", "file", RC_LOG), ("log/ps.txt", "file", b"ps\n")])
    logs = elog.parse_logs(data, source="elog_rc3.tar.gz", server="sv2")
    assert logs.schema == elog.LOGS_SCHEMA
    assert set(module_log.SCHEMA.names()) <= set(logs.columns)
    assert logs.height == 6
    assert logs.select("module", "stream").unique(maintain_order=True).rows() == [("rc", "log"), ("nm", "err")]
    assert logs.select("archive_module", "archive_generation", "server").unique().rows() == [("rc", 3, "sv2")]
    assert logs["continues"].to_list() == [None, None, 2, None, None, 2]


def test_registry():
    assert detect("elog_rm9.tar.gz").kind == "elog"
    assert detect("elog_pm0.tar.gz").kind == "elog"


def test_a_checksum_that_does_not_match_is_said():
    """tarfile's own gzip reader ignores the CRC: damaged bytes would pass as log lines."""
    data = bytearray(make_tar([("log/rc.log.cur", "file", RC_LOG * 40)], mode="w:gz"))
    data[-8] ^= 0xFF  # the CRC32 of the trailer
    df = elog.parse(bytes(data), source="elog_rc0.tar.gz")
    assert df["member"][0] == "log/rc.log.cur"
    assert df["problem"][-1].startswith("damaged archive: its checksum does not match (CRC check failed")
    assert "1 member(s) read may hold damaged bytes" in df["problem"][-1]

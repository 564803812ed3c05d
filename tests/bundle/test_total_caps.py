"""Caps are totals over the whole input, not per archive (issue 14).

Three small emergency archives can each inflate to gigabytes, and an archive
of server archives can hold many that are each under the cap: the bundle
gives every collection archive of its inputs one budget
(``Limits.max_total_bytes``) and every emergency archive inside them one more
(``Limits.max_nested_bytes``), and says where a budget ran out.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import polars as pl

import clpkit
from clpkit.archive import Limits
from bundle_fixtures import add_member, mirror_csv, write_server

LINE = b"I 26/11/24 03:00:01.100[   1201] rc: a line of the emergency log, repeated to fill it\n"


def elog(member_bytes: int) -> bytes:
    """An emergency archive holding one module log of ``member_bytes`` (it compresses to a few KB)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        add_member(tar, "log/rc.log.cur", (LINE * (member_bytes // len(LINE) + 1))[:member_bytes])
    return gzip.compress(buf.getvalue(), mtime=0)


def test_emergency_archives_share_one_budget(tmp_path):
    sv1 = write_server(tmp_path / "sv1", pre=None)
    for g in range(3):
        (sv1 / "log" / f"elog_rc{g}.tar.gz").write_bytes(elog(400_000))
    assert sum(p.stat().st_size for p in (sv1 / "log").glob("elog_*")) < 20_000
    limits = Limits(max_nested_bytes=1_000_000)
    with clpkit.open_bundle(sv1, limits=limits) as b:
        logs = b.table("module_log").filter(pl.col("archive").is_not_null())
        assert sorted(logs["archive"].unique()) == ["elog_rc0.tar.gz", "elog_rc1.tar.gz"]
        problems = b.problems.filter(pl.col("reason").str.contains("emergency archives"))
        assert problems.select("file", "reason").rows() == [
            ("sv1/log/elog_rc2.tar.gz",
             "member 'log/rc.log.cur': the cap of 1000000 bytes for all the emergency archives of the collection "
             "together was reached: the member and the rest of the archive were not read"),
        ]
        # each archive on its own is well under the cap: only the total stopped the third
        assert 400_000 < limits.max_nested_bytes
        # reading a file again spends its share once, so nothing more is refused
        for f in b.entries("elog"):
            b.load(f)
        again = [b.load(f).tables["module_log"].height for f in b.entries("elog")]
        assert again[0] > 0 and again[1] > 0 and again[2] == 0


def test_each_emergency_archive_alone_is_not_capped_by_the_total_of_one(tmp_path):
    sv1 = write_server(tmp_path / "sv1", pre=None)
    (sv1 / "log" / "elog_rc0.tar.gz").write_bytes(elog(400_000))
    with clpkit.open_bundle(sv1, limits=Limits(max_nested_bytes=1_000_000)) as b:
        assert b.table("module_log").filter(pl.col("archive").is_not_null()).height > 0
        assert b.problems.is_empty()


def server_archive(path: Path, name: str, fill: int) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        add_member(tar, f"{name}/perf/disk/nmp1.cur", mirror_csv(0, 3).encode())
        add_member(tar, f"{name}/fill.bin", b"\0" * fill)
    return path


def test_an_archive_of_server_archives_has_one_total(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    for name in ("sv1", "sv2", "sv3"):
        server_archive(inner / f"{name}.tar.gz", name, 3 << 20)
    outer = tmp_path / "collection.tar"
    with tarfile.open(outer, "w") as tar:
        for p in sorted(inner.iterdir()):
            tar.add(p, p.name)
    with clpkit.open_bundle(outer, limits=Limits(max_total_bytes=8 << 20)) as b:
        capped = b.problems.filter(pl.col("reason").str.contains("cap of"))
        assert capped["file"].to_list() == ["collection.tar/sv3.tar.gz"]
        (reason,) = capped["reason"].to_list()
        assert reason.startswith(f"member 'sv3/fill.bin': uncompressed-size cap of {8 << 20} bytes reached "
                                 "(a total for the whole input: ")
        # sv1 and sv2 were read whole; sv3's statistics came before its filler
        assert sorted(b.table("mirror_stats")["server"].unique()) == ["sv1", "sv2", "sv3"]


def test_several_inputs_share_the_total(tmp_path):
    a = server_archive(tmp_path / "sv1.tar.gz", "sv1", 3 << 20)
    c = server_archive(tmp_path / "sv2.tar.gz", "sv2", 3 << 20)
    with clpkit.open_bundle([a, c], limits=Limits(max_total_bytes=5 << 20)) as b:
        capped = b.problems.filter(pl.col("reason").str.contains("cap of"))
        assert capped["file"].to_list() == ["sv2.tar.gz"]
    with clpkit.open_bundle([a], limits=Limits(max_total_bytes=5 << 20)) as b:
        assert b.problems.is_empty()

"""clpkit ingest: hive layout, readers, incremental runs, summary and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

import clpkit
from clpkit.ingest import MANIFEST, ingest, read_table
from bundle_fixtures import mirror_csv, pack, two_servers, write_server  # noqa: F401  (fixture)


def clpkit_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


def parts(out: Path, table: str) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in (out / table).glob("cluster=*/server=*/*.parquet"))


def bump(path: Path, text: str) -> None:
    """Append to a file and move its mtime on, as a cluster writing to it would."""
    with open(path, "a") as fh:
        fh.write(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


def test_hive_layout_and_summary(two_servers, tmp_path):
    out = tmp_path / "ds"
    summary = ingest(two_servers, out, progress=False)
    assert summary == {
        "out": str(out),
        "servers": ["sv1", "sv2"],
        "tables": {"mirror_stats": {"rows": 20, "files": 3}, "cluster_stats": {"rows": 4, "files": 2}},
        "files": {"parsed": 5, "reused": 0, "removed": 0},
        "problems": summary["problems"],
        "skipped": 0,
        "clusters": [{"cluster": None, "servers": ["sv1", "sv2"], "tables": {"mirror_stats": 20, "cluster_stats": 4},
                      "problems": summary["problems"], "findings": None}],
    }
    none = "cluster=__HIVE_DEFAULT_PARTITION__"  # no clp.conf names the cluster
    assert [p.split("/part-")[0] for p in parts(out, "mirror_stats")] == [
        f"mirror_stats/{none}/server=sv1",
        f"mirror_stats/{none}/server=sv1",
        f"mirror_stats/{none}/server=sv2",
    ]
    assert (out / MANIFEST).is_file()
    # the server lives in the folder name only
    one = pl.read_parquet(out / parts(out, "mirror_stats")[0])
    assert "server" not in one.columns and "source" in one.columns


def test_dataset_equals_the_bundle_tables(two_servers, tmp_path):
    out = tmp_path / "ds"
    ingest(two_servers, out, progress=False)
    with clpkit.open_bundle(two_servers) as b:
        for kind in b.tables():
            expected = b.table(kind)
            got = read_table(out, kind).collect().select(expected.columns).sort("source", "line")
            assert got.equals(expected.sort("source", "line")), kind


def test_polars_and_duckdb_read_it_as_is(two_servers, tmp_path):
    bump(two_servers / "sv2" / "perf" / "disk" / "nmp1.cur", '"2026/11/20 10:00:00","cut short"\n')
    out = tmp_path / "ds"
    ingest(two_servers, out, progress=False)
    lf = pl.scan_parquet(out / "mirror_stats", hive_partitioning=True)
    assert lf.group_by("server").len().sort("server").collect().rows() == [("sv1", 15), ("sv2", 6)]
    rows = duckdb.sql(
        f"select server, count(*) from read_parquet('{out}/mirror_stats/**/*.parquet', hive_partitioning=true) "
        "group by server order by server"
    ).fetchall()
    assert rows == [("sv1", 15), ("sv2", 6)], "the bad row is kept, with its raw text"
    probs = duckdb.sql(
        f"select count(*) from read_parquet('{out}/problems/**/*.parquet', hive_partitioning=true)"
    ).fetchall()[0][0]
    assert probs >= 1
    assert probs == pl.scan_parquet(out / "problems", hive_partitioning=True).collect().height


def test_problems_table_exists_when_there_is_none(two_servers, tmp_path):
    out = tmp_path / "ds"
    summary = ingest(two_servers, out, progress=False)
    sql = f"select count(*) from read_parquet('{out}/problems/**/*.parquet', hive_partitioning=true)"
    assert duckdb.sql(sql).fetchall() == [(summary["problems"],)]
    assert read_table(out, "problems").collect().height == summary["problems"]


def test_rerun_parses_only_the_changed_file(two_servers, tmp_path):
    out = tmp_path / "ds"
    ingest(two_servers, out, progress=False)
    before = {p: (out / p).stat().st_mtime_ns for p in parts(out, "mirror_stats")}
    again = ingest(two_servers, out, progress=False)
    assert again["files"] == {"parsed": 0, "reused": 5, "removed": 0}
    assert {p: (out / p).stat().st_mtime_ns for p in parts(out, "mirror_stats")} == before

    cur = two_servers / "sv1" / "perf" / "disk" / "nmp1.cur"
    bump(cur, "\n".join(mirror_csv(15, 3).splitlines()[1:]) + "\n")
    grown = ingest(two_servers, out, progress=False)
    assert grown["files"] == {"parsed": 1, "reused": 4, "removed": 0}
    assert grown["tables"]["mirror_stats"]["rows"] == 23
    changed = [p for p in parts(out, "mirror_stats") if (out / p).stat().st_mtime_ns != before[p]]
    assert len(changed) == 1
    values = read_table(out, "mirror_stats").filter(pl.col("server") == "sv1").collect()
    # the boundary row (minute 10 in both .pre and .cur) is still stored once
    assert sorted(values["write_total"].cast(pl.Int64).to_list()) == list(range(18))


def test_rotation_and_removal(two_servers, tmp_path):
    out = tmp_path / "ds"
    ingest(two_servers, out, progress=False)
    disk = two_servers / "sv1" / "perf" / "disk"
    (disk / "nmp1.cur").replace(disk / "nmp1.pre")  # rotation: .cur becomes .pre
    (disk / "nmp1.cur").write_text(mirror_csv(14, 4))  # minute 14 repeated across the boundary
    (two_servers / "sv2" / "perf" / "cluster" / "group" / "group.cur").unlink()
    summary = ingest(two_servers, out, progress=False)
    assert summary["files"] == {"parsed": 2, "reused": 2, "removed": 1}
    assert parts(out, "cluster_stats") == [p for p in parts(out, "cluster_stats") if "/server=sv1/" in p]
    sv1 = read_table(out, "mirror_stats").filter(pl.col("server") == "sv1").collect()
    assert sorted(sv1["write_total"].cast(pl.Int64).to_list()) == list(range(10, 18))


def test_unknown_columns_are_aligned_across_parts(two_servers, tmp_path):
    out = tmp_path / "ds"
    ingest(two_servers, out, progress=False)
    nmp = two_servers / "sv2" / "perf" / "disk" / "nmp1.cur"
    lines = nmp.read_text().splitlines()
    nmp.write_text("\n".join([lines[0] + ',"Vendor Extra"'] + [line + ',"x"' for line in lines[1:]]) + "\n")
    ingest(two_servers, out, progress=False)
    schemas = {tuple(pl.read_parquet_schema(out / p)) for p in parts(out, "mirror_stats")}
    assert len(schemas) == 1
    df = pl.scan_parquet(out / "mirror_stats", hive_partitioning=True).collect()
    extra = [c for c in df.columns if "vendor" in c]
    assert len(extra) == 1
    assert df.group_by("server").agg(pl.col(extra[0]).is_not_null().sum()).sort("server").rows() == [
        ("sv1", 0),
        ("sv2", 5),
    ]
    n = duckdb.sql(f"select count(*) from read_parquet('{out}/mirror_stats/**/*.parquet', hive_partitioning=true)")
    assert n.fetchall() == [(20,)]


def test_archive_refusals_land_in_the_problems_table(tmp_path):
    import tarfile

    from bundle_fixtures import add_member

    archive = pack(write_server(tmp_path / "src"), tmp_path / "sv1.tar.gz")
    with tarfile.open(tmp_path / "sv2.tar.gz", "w:gz") as tar:
        add_member(tar, "perf/disk/nmp1.cur", mirror_csv(0, 2).encode())
        add_member(tar, "../escape", b"x")
    out = tmp_path / "ds"
    summary = ingest([archive, tmp_path / "sv2.tar.gz"], out, progress=False)
    probs = read_table(out, "problems").collect()
    assert probs.filter(pl.col("file") == "sv2.tar.gz").select("server", "reason").rows() == [
        ("sv2", "member '../escape': refused: '..' in the member name")
    ]
    assert summary["problems"] == probs.height
    # re-running on the same archives (extracted again elsewhere) reuses every part
    assert ingest([archive, tmp_path / "sv2.tar.gz"], out, progress=False)["files"]["parsed"] == 0


def test_cli_summary_and_exit_codes(two_servers, tmp_path):
    out = tmp_path / "ds"
    res = clpkit_cli("ingest", str(two_servers), "--out", str(out), "--server", "sv1=node-a")
    assert res.returncode == 0, res.stderr
    assert res.stderr == "", "no progress bar when stderr is not a terminal"
    summary = json.loads(res.stdout)
    assert set(summary) == {"out", "servers", "tables", "files", "problems", "skipped", "clusters"}
    assert summary["servers"] == ["node-a", "sv2"]
    assert (out / "mirror_stats" / "cluster=__HIVE_DEFAULT_PARTITION__" / "server=node-a").is_dir()

    res = clpkit_cli("ingest", str(two_servers), "--out", str(out), "--server", "sv1=node-a", "--progress")
    assert res.returncode == 0 and "ingest" in res.stderr
    assert json.loads(res.stdout)["files"]["reused"] == 5


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: tmp / "missing", "no such file or folder"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no CLUSTERPRO file found"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path, make, message):
    res = clpkit_cli("ingest", str(make(tmp_path)), "--out", str(tmp_path / "ds"))
    assert res.returncode == 2
    assert message in res.stderr and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_cli_bad_server_option(two_servers, tmp_path):
    res = clpkit_cli("ingest", str(two_servers), "--out", str(tmp_path / "ds"), "--server", "sv1")
    assert res.returncode == 2 and "expected FOUND=NAME" in res.stderr

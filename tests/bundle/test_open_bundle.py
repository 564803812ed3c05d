"""open_bundle: every accepted input shape, server names and overrides, generations."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import polars as pl
import pytest

import clpkit
from clpkit.problems import ClpkitError

from bundle_fixtures import mirror_csv, pack, two_servers, write_server  # noqa: F401  (fixture)


def kinds_by_server(bundle) -> dict[str, list[str]]:
    files = bundle.files.sort("server", "source")
    return {s: files.filter(server=s)["source"].to_list() for s in files["server"].unique(maintain_order=True)}


def test_folder_of_server_folders(two_servers):
    with clpkit.open_bundle(two_servers) as b:
        assert b.servers == ["sv1", "sv2"]
        assert kinds_by_server(b) == {
            "sv1": [
                "sv1/perf/cluster/group/group.cur",
                "sv1/perf/disk/nmp1.cur",
                "sv1/perf/disk/nmp1.pre",
            ],
            "sv2": ["sv2/perf/cluster/group/group.cur", "sv2/perf/disk/nmp1.cur"],
        }
        files = b.files
        assert files.columns == ["server", "kind", "series", "age", "path", "size", "source"]
        row = files.filter(source="sv1/perf/disk/nmp1.pre").row(0, named=True)
        assert (row["kind"], row["series"], row["age"]) == ("mirror_stats", "nmp1", 1)
        assert row["size"] == Path(row["path"]).stat().st_size
        assert b.tables() == ["mirror_stats", "cluster_stats"]


def test_one_server_folder(two_servers):
    with clpkit.open_bundle(two_servers / "sv1") as b:
        assert b.servers == ["sv1"]
        assert len(b.files) == 3


def test_flat_folder_of_files_is_one_server(tmp_path):
    flat = tmp_path / "nodeA"
    flat.mkdir()
    (flat / "nmp1.cur").write_text(mirror_csv(0, 3))
    with clpkit.open_bundle(flat) as b:
        assert b.servers == ["nodeA"] and b.files["source"].to_list() == ["nodeA/nmp1.cur"]


@pytest.mark.parametrize("suffix", [".tar.gz", ".tgz", ".tar", ".zip"])
def test_one_archive_named_by_its_file(tmp_path, suffix):
    src = write_server(tmp_path / "src")
    archive = pack(src, tmp_path / f"sv1{suffix}", prefix="host-a/")
    with clpkit.open_bundle(archive) as b:
        assert b.servers == ["sv1"]
        assert f"sv1{suffix}/host-a/perf/disk/nmp1.cur" in b.files["source"].to_list()
        extracted = Path(b.files["path"][0])
        assert extracted.is_file() and not extracted.is_relative_to(tmp_path)
    assert not extracted.exists(), "closing the bundle removes the extraction folder"


def test_several_archives(tmp_path):
    a = pack(write_server(tmp_path / "a"), tmp_path / "sv1.tar.gz")
    b_ = pack(write_server(tmp_path / "b", pre=None), tmp_path / "sv2.zip")
    with clpkit.open_bundle([a, b_]) as b:
        assert b.servers == ["sv1", "sv2"]
        assert b.files.group_by("server").len().sort("server")["len"].to_list() == [3, 2]


def test_folder_of_archives_with_an_elog_inside(tmp_path):
    coll = tmp_path / "coll"
    coll.mkdir()
    src = write_server(tmp_path / "a")
    (src / "log" / "elog_rc0.tar.gz").write_bytes(b"nested archive, parsed by its own format")
    pack(src, coll / "sv1.tar.gz")
    pack(write_server(tmp_path / "b"), coll / "sv2.tgz")
    with clpkit.open_bundle(coll) as b:
        assert b.servers == ["sv1", "sv2"]
        # the nested elog archive stays a file of sv1, it is neither extracted nor a server
        assert not any("elog_rc0/" in s for s in b.files["source"])


def test_install_root_is_named_after_the_host(tmp_path):
    root = tmp_path / "opt" / "nec" / "clusterpro"
    write_server(root)
    (root / "alert" / "log").mkdir(parents=True)
    host = socket.gethostname().split(".")[0]
    with clpkit.open_bundle(root) as b:
        assert b.servers == [host]
        assert "clusterpro/perf/disk/nmp1.cur" in b.files["source"].to_list()
    with clpkit.open_bundle(root, servers={str(root): "sv1"}) as b:
        assert b.servers == ["sv1"]


def test_a_collection_folder_with_the_install_layout_keeps_its_name(tmp_path):
    write_server(tmp_path / "sv7")
    with clpkit.open_bundle(tmp_path / "sv7") as b:
        assert b.servers == ["sv7"]


def test_server_names_can_be_overridden(two_servers):
    with clpkit.open_bundle(two_servers, servers={"sv1": "node-a"}) as b:
        assert b.servers == ["node-a", "sv2"]
        assert set(b.files["server"]) == {"node-a", "sv2"}
        assert set(b.table("mirror_stats")["server"]) == {"node-a", "sv2"}
    with clpkit.open_bundle(two_servers, servers=["x", "y"]) as b:
        assert b.servers == ["x", "y"]


@pytest.mark.parametrize(
    "servers, message",
    [
        ({"sv9": "x"}, "no server or input named sv9"),
        (["only-one"], "1 names given for 2 servers"),
        (["same", "same"], "two inputs give server 'same'"),
    ],
)
def test_bad_overrides_are_clear_errors(two_servers, servers, message):
    with pytest.raises(ClpkitError, match=message):
        clpkit.open_bundle(two_servers, servers=servers)


def test_missing_input_and_wrong_file_type(tmp_path):
    with pytest.raises(ClpkitError, match="no such file or folder"):
        clpkit.open_bundle(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ClpkitError, match="neither a folder nor"):
        clpkit.open_bundle(tmp_path / "notes.txt")


def test_generic_cur_names_count_only_in_cluster_folders(two_servers):
    (two_servers / "sv1" / "log" / "fip.cur").write_text("stray file\n")
    (two_servers / "sv1" / "perf" / "cluster" / "monitor").mkdir()
    (two_servers / "sv1" / "perf" / "cluster" / "monitor" / "genw.cur").write_text("")
    with clpkit.open_bundle(two_servers / "sv1") as b:
        sources = b.files["source"].to_list()
        assert "sv1/perf/cluster/monitor/genw.cur" in sources
        assert not any(s.endswith("log/fip.cur") for s in sources)


def test_folder_without_cluster_files_is_reported(two_servers):
    (two_servers / "docs").mkdir()
    (two_servers / "docs" / "notes.txt").write_text("x")
    with clpkit.open_bundle(two_servers) as b:
        assert b.servers == ["sv1", "sv2"]
        assert b.problems.filter(file="docs")["reason"].to_list() == [
            "no CLUSTERPRO file found; folder skipped"
        ]


def test_generations_joined_oldest_first_without_boundary_duplicates(tmp_path):
    root = write_server(tmp_path / "sv1", cur=(20, 5), pre=(10, 11))
    (root / "perf" / "disk" / "nmp1.pre1").write_text(mirror_csv(0, 10))
    with clpkit.open_bundle(root) as b:
        t = b.table("mirror_stats")
    # minutes 0-9 in .pre1, 10-20 in .pre, 20-24 in .cur: minute 20 is in both .pre and .cur
    assert t["write_total"].cast(pl.Int64).to_list() == list(range(25))
    assert t["source"].str.extract(r"(nmp1\.\w+)$").unique(maintain_order=True).to_list() == [
        "nmp1.pre1",
        "nmp1.pre",
        "nmp1.cur",
    ]
    assert t.filter(pl.col("source").str.ends_with("nmp1.cur"))["line"].to_list() == [3, 4, 5, 6]


def test_tables_concatenate_servers_and_are_cached(two_servers):
    with clpkit.open_bundle(two_servers) as b:
        t = b.table("mirror_stats")
        assert t is b.table("mirror_stats")
        assert t.group_by("server", maintain_order=True).len().rows() == [("sv1", 15), ("sv2", 5)]
        assert t.columns[-5:] == ["server", "source", "line", "raw", "problem"]
        assert b.table("system_stats").is_empty()


def test_bad_rows_and_bad_files_are_problems_and_the_rest_loads(two_servers):
    nmp = two_servers / "sv1" / "perf" / "disk" / "nmp1.cur"
    nmp.write_text(mirror_csv(10, 5, extra=['"2026/11/20 10:00:00","broken"']))
    junk = two_servers / "sv2" / "perf" / "disk" / "nmp2.cur"
    junk.write_bytes(b"\x00\xff\xfe garbage \x00" * 50)
    with clpkit.open_bundle(two_servers) as b:
        problems = b.problems
        assert problems.columns == ["server", "file", "line", "reason"]
        bad_row = problems.filter(file="sv1/perf/disk/nmp1.cur")
        assert bad_row["line"].to_list() == [7] and bad_row["server"].to_list() == ["sv1"]
        assert problems.filter(file="sv2/perf/disk/nmp2.cur").height >= 1
        t = b.table("mirror_stats")
        assert t.filter(pl.col("raw").is_null()).group_by("server", maintain_order=True).len().rows() == [
            ("sv1", 15),
            ("sv2", 5),
        ]
        assert b.table("cluster_stats").height == 4


def test_no_config_gives_none(two_servers):
    with clpkit.open_bundle(two_servers) as b:
        assert b.config is None


def test_bundle_copied_elsewhere_keeps_its_sources(two_servers, tmp_path):
    copy = tmp_path / "elsewhere" / "collection"
    shutil.copytree(two_servers, copy)
    with clpkit.open_bundle(two_servers) as a, clpkit.open_bundle(copy) as b:
        assert a.files["source"].to_list() == b.files["source"].to_list()

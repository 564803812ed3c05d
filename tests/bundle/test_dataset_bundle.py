"""A collection read from its Parquet dataset gives the tables and problems of the parsed collection."""

from __future__ import annotations

import polars as pl
import pytest

import clpkit
from clpkit.ingest import ingest
from clpkit.problems import ClpkitError
from bundle_fixtures import mirror_csv, two_servers, write_server  # noqa: F401  (fixture)


@pytest.fixture
def damaged(two_servers):
    """two_servers with a rejected line in sv2's nmp1.cur and an unreadable group.cur on sv1."""
    (two_servers / "sv2" / "perf" / "disk" / "nmp1.cur").write_text(mirror_csv(10, 5, ['"2026/13/45 99:00:00","x"']))
    (two_servers / "sv1" / "perf" / "cluster" / "group" / "group.cur").write_bytes(b"\x00\x01 not a csv\n")
    return two_servers


def test_tables_and_problems_equal_the_parsed_collection(damaged, tmp_path):
    ds = tmp_path / "ds"
    ingest(damaged, ds, progress=False)
    with clpkit.open_bundle(damaged) as parsed, clpkit.open_bundle(damaged, dataset=ds) as stored:
        assert type(stored).__name__ == "DatasetBundle"
        assert stored.tables() == parsed.tables()
        for kind in parsed.tables():
            assert stored.table(kind).equals(parsed.table(kind)), kind  # same rows, order, columns, types
        expected = parsed.problems
        assert expected.height >= 2  # the rejected line and the unreadable file
        assert stored.problems.sort(pl.all()).equals(expected.sort(pl.all()))


def test_only_this_collections_servers_are_read(two_servers, tmp_path):
    ds = tmp_path / "ds"
    other = tmp_path / "other"
    write_server(other / "sv3")
    ingest(other, ds, progress=False)
    ingest(two_servers, ds, progress=False)  # sv3 is kept in the dataset (no --prune)
    with clpkit.open_bundle(two_servers, dataset=ds) as stored:
        assert sorted(stored.table("mirror_stats")["server"].unique()) == ["sv1", "sv2"]
        assert sorted(stored.scan("cluster_stats").select("server").unique().collect()["server"]) == ["sv1", "sv2"]


def test_scan_is_lazy_and_filtered(two_servers, tmp_path):
    ds = tmp_path / "ds"
    ingest(two_servers, ds, progress=False)
    with clpkit.open_bundle(two_servers, dataset=ds) as stored, clpkit.open_bundle(two_servers) as parsed:
        lazy = stored.scan("mirror_stats")
        assert isinstance(lazy, pl.LazyFrame)
        got = lazy.filter(pl.col("server") == "sv2").collect()
        assert got.height == 5
        assert got.equals(parsed.table("mirror_stats").filter(pl.col("server") == "sv2"))
        assert stored.scan("syslog").collect().is_empty()  # a table the collection lacks: its empty frame


def test_a_folder_that_is_not_a_dataset_is_one_clear_error(two_servers, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ClpkitError, match="not a clpkit dataset"):
        clpkit.open_bundle(two_servers, dataset=tmp_path / "empty")

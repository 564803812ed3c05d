"""A fleet: two sample clusters ingested into one dataset, read by DuckDB, shown on the fleet page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

import clpkit
from clpkit import fleet
from clpkit.dataset_schema import tables as documented
from clpkit.findings import SEVERITY_ORDER
from clpkit.samples import generate

CLUSTERS = {"alpha": 2, "beta": 3}  # cluster name -> servers; both clusters have sv1 and sv2


def clpkit_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def fleet_dataset(tmp_path_factory) -> tuple[Path, dict, dict[str, Path]]:
    """(dataset, the ingest summary clpkit printed, cluster -> its collection)."""
    root = tmp_path_factory.mktemp("fleet")
    inputs = {}
    for seed, (name, servers) in enumerate(CLUSTERS.items()):
        inputs[name] = generate(root / name, servers=servers, days=1, seed=seed, rotate_mb=0.1, full_size=False,
                                cluster=name)
    out = root / "dataset"
    done = clpkit_cli("ingest", *map(str, inputs.values()), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out, json.loads(done.stdout), inputs


def duck_counts(out: Path, table: str) -> dict:
    sql = f"select cluster, count(*) from read_parquet('{out}/{table}/**/*.parquet', hive_partitioning=true) group by all"
    return dict(duckdb.sql(sql).fetchall())


def test_duckdb_reads_the_row_counts_clpkit_reports(fleet_dataset):
    out, summary, _ = fleet_dataset
    per_cluster = {c["cluster"]: c for c in summary["clusters"]}
    assert {c: len(v["servers"]) for c, v in per_cluster.items()} == CLUSTERS
    assert len(summary["tables"]) == 11, "the samples fill every table"
    for table, reported in summary["tables"].items():
        counted = duck_counts(out, table)
        assert sum(counted.values()) == reported["rows"], table
        assert counted == {c: v["tables"][table] for c, v in per_cluster.items() if table in v["tables"]}, table
        assert pl.scan_parquet(out / table, hive_partitioning=True).select(pl.len()).collect().item() == reported["rows"]
    assert sum(duck_counts(out, "problems").values()) == summary["problems"]
    assert duck_counts(out, "findings") == {c: v["findings"] for c, v in per_cluster.items()}
    assert all(v["findings"] > 0 for v in per_cluster.values()), "the sample incident gives findings"
    # the fleet page's own view of the dataset counts the same rows
    views = fleet.row_counts(fleet.connect(out))
    for table, reported in summary["tables"].items():
        assert views.filter(pl.col("table") == table)["rows"].sum() == reported["rows"], table


def test_the_written_schema_is_the_documented_one(fleet_dataset):
    out = fleet_dataset[0]
    written = {p.name for p in out.iterdir() if p.is_dir()}
    assert written == set(documented()), "every documented table is written by the samples, and no other"
    for table, columns in documented().items():
        described = duckdb.sql(f"describe select * from read_parquet('{out}/{table}/**/*.parquet', "
                               "hive_partitioning=true)").fetchall()
        assert [(r[0], r[1]) for r in described] == [(c.name, c.sql) for c in columns], table
        polars_schema = pl.scan_parquet(out / table, hive_partitioning=True).collect_schema()
        assert list(polars_schema.items()) == [(c.name, c.dtype) for c in columns], table


def test_each_cluster_reads_back_as_its_own_collection(fleet_dataset):
    out, _, inputs = fleet_dataset
    for name, collection in inputs.items():
        with clpkit.open_bundle(collection) as parsed, clpkit.open_bundle(collection, dataset=out) as stored:
            assert stored.cluster == name
            for kind in parsed.tables():
                assert stored.table(kind).equals(parsed.table(kind)), (name, kind)


def test_fleet_queries_cover_both_clusters(fleet_dataset):
    out = fleet_dataset[0]
    con = fleet.connect(out)
    overview = fleet.clusters(con)
    assert overview.select("cluster", "servers").rows() == list(CLUSTERS.items())
    counts = fleet.findings_by_severity(con, overview["cluster"].to_list())
    stored = pl.scan_parquet(out / "findings", hive_partitioning=True).group_by("cluster", "severity").len().collect()
    for r in stored.iter_rows(named=True):
        got = counts.filter((pl.col("cluster") == r["cluster"]) & (pl.col("severity") == r["severity"]))["count"]
        assert got.to_list() == [r["len"]], r
    assert counts["count"].sum() == stored["len"].sum() and set(counts["severity"]) == set(SEVERITY_ORDER)
    room = fleet.headroom(con)
    assert set(room["cluster"]) == set(CLUSTERS)
    system = pl.scan_parquet(out / "system_stats", hive_partitioning=True).filter(pl.col("raw").is_null())
    cpu = system.group_by("cluster", "server").agg(pl.col("cpu_utilization").max()).collect()
    for r in cpu.iter_rows(named=True):
        shown = room.filter((pl.col("cluster") == r["cluster"]) & (pl.col("server") == r["server"])
                            & (pl.col("resource") == "cpu_pct"))
        assert shown["headroom_pct"].to_list() == [round(100.0 - r["cpu_utilization"], 1)], r
    monitors = room.filter(pl.col("resource").str.starts_with("monitor:"))
    assert set(monitors["cluster"]) == set(CLUSTERS), "monitor runs are joined with clp.conf's timeouts"
    assert fleet.tightest(room).group_by("cluster", "resource").len()["len"].max() == 1
    moves = fleet.failovers(con)
    assert sorted(moves["cluster"]) == sorted(CLUSTERS), "the sample incident fails over once per cluster"
    assert fleet.failovers(con, since="2100-01-01").is_empty()


def test_the_fleet_page_renders_both_clusters(fleet_dataset, tmp_path, offline_browser):
    out = fleet_dataset[0]
    done = clpkit_cli("fleet", str(out), "--out", str(tmp_path / "page"), "--lang", "ja")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", "no kernel warnings for cron to mail"
    page = Path(done.stdout.strip())
    assert page == tmp_path / "page" / "fleet.html"
    seen = offline_browser.load(page)
    assert seen["attempted"] == [] and seen["errors"] == [] and seen["chart_errors"] == []
    assert seen["charts"] == 2 and all(n > 0 for n in seen["marks"])
    assert seen["lang"] == "ja" and "フリート概要" in seen["text"]
    for name in CLUSTERS:
        assert name in seen["text"]


def test_fleet_refuses_a_folder_that_is_not_a_dataset_and_a_bad_bound_in_one_line(fleet_dataset, tmp_path):
    done = clpkit_cli("fleet", str(tmp_path), "--out", str(tmp_path / "page"))
    assert done.returncode == 2 and "not a clpkit dataset" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    bad = clpkit_cli("fleet", str(fleet_dataset[0]), "--out", str(tmp_path / "page"), "--since", "yesterday")
    assert bad.returncode == 2 and "not an ISO date/time" in bad.stderr and bad.stderr.count("\n") == 1
    assert not (tmp_path / "page").exists()

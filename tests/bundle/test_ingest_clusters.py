"""clpkit ingest of several clusters: one dataset partitioned by cluster (clp.conf) and server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

import clpkit
from clpkit.ingest import ingest, read_table
from bundle_fixtures import pack, write_server


def conf(cluster: str, *servers: str) -> str:
    body = "".join(f'<server name="{s}"><priority>{i}</priority></server>' for i, s in enumerate(servers))
    return f'<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>{cluster}</name></cluster>{body}</root>\n'


def cluster_folder(root: Path, cluster: str, servers=("sv1", "sv2")) -> Path:
    for i, s in enumerate(servers):
        write_server(root / s, conf=conf(cluster, *servers), cur=(10 + i, 5))
    return root


def clpkit_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


def rows_by(out: Path, table: str) -> list[tuple]:
    sql = (f"select cluster, server, count(*) from read_parquet('{out}/{table}/**/*.parquet', hive_partitioning=true) "
           "group by all order by all")
    return duckdb.sql(sql).fetchall()


def test_two_clusters_with_the_same_server_names_are_two_partitions(tmp_path):
    a = cluster_folder(tmp_path / "a", "alpha")
    b = cluster_folder(tmp_path / "b", "beta", ("sv1", "sv2", "sv3"))
    out = tmp_path / "ds"
    summary = ingest([a, b], out, progress=False)
    assert [(c["cluster"], c["servers"]) for c in summary["clusters"]] == [
        ("alpha", ["sv1", "sv2"]), ("beta", ["sv1", "sv2", "sv3"])]
    assert (out / "mirror_stats" / "cluster=alpha" / "server=sv1").is_dir()
    assert (out / "mirror_stats" / "cluster=beta" / "server=sv3").is_dir()
    # sv1 of alpha and sv1 of beta are distinct rows: 11 of nmp1.pre + 5 of .cur, the shared boundary row once
    got = rows_by(out, "mirror_stats")
    assert [r[:2] for r in got] == [("alpha", "sv1"), ("alpha", "sv2"), ("beta", "sv1"), ("beta", "sv2"), ("beta", "sv3")]
    by_cluster = {c["cluster"]: c["tables"]["mirror_stats"] for c in summary["clusters"]}
    assert by_cluster == {"alpha": sum(n for c, _, n in got if c == "alpha"),
                          "beta": sum(n for c, _, n in got if c == "beta")}
    assert summary["tables"]["mirror_stats"]["rows"] == sum(n for *_, n in got)


def test_each_cluster_reads_back_as_its_own_bundle(tmp_path):
    a = cluster_folder(tmp_path / "a", "alpha")
    b = cluster_folder(tmp_path / "b", "beta")
    (b / "sv2" / "perf" / "disk" / "nmp1.pre").unlink()  # beta's sv2 has fewer rows than alpha's
    out = tmp_path / "ds"
    ingest([a, b], out, progress=False)
    for folder in (a, b):
        with clpkit.open_bundle(folder) as parsed, clpkit.open_bundle(folder, dataset=out) as stored:
            assert stored.table("mirror_stats").equals(parsed.table("mirror_stats")), folder.name


def test_archives_of_one_cluster_merge_by_server(tmp_path):
    servers = ("sv1", "sv2")
    sv1 = pack(write_server(tmp_path / "src" / "sv1", conf=conf("alpha", *servers)), tmp_path / "sv1.tar.gz", "sv1/")
    sv2 = pack(write_server(tmp_path / "src" / "sv2", conf=conf("alpha", *servers)), tmp_path / "sv2.tar.gz", "sv2/")
    out = tmp_path / "ds"
    summary = ingest([sv1, sv2], out, progress=False)
    assert [(c["cluster"], c["servers"]) for c in summary["clusters"]] == [("alpha", ["sv1", "sv2"])]


def test_the_same_server_of_one_cluster_twice_is_refused(tmp_path):
    a = cluster_folder(tmp_path / "a", "alpha")
    again = cluster_folder(tmp_path / "copy", "alpha", ("sv2", "sv3"))
    res = clpkit_cli("ingest", str(a), str(again), "--out", str(tmp_path / "ds"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "both hold server 'sv2' of cluster 'alpha'" in res.stderr and res.stderr.count("\n") == 1
    assert not (tmp_path / "ds").exists(), "nothing written"
    b = cluster_folder(tmp_path / "b", "beta")
    typo = clpkit_cli("ingest", str(a), str(b), "--out", str(tmp_path / "ds"), "--server", "sv2=x", "--server", "nosuch=y")
    assert typo.returncode == 2 and "no server or input named nosuch (" in typo.stderr, "a rename no input uses is refused"


def test_a_cluster_ingested_later_joins_and_replaces_only_its_partition(tmp_path):
    a = cluster_folder(tmp_path / "a", "alpha")
    b = cluster_folder(tmp_path / "b", "beta")
    out = tmp_path / "ds"
    ingest(a, out, progress=False)
    ingest(b, out, progress=False)
    assert {c for c, *_ in rows_by(out, "mirror_stats")} == {"alpha", "beta"}, "the second cluster must not delete the first"
    before = rows_by(out, "mirror_stats")
    (b / "sv2" / "perf" / "disk" / "nmp1.pre").unlink()  # beta changes: only its rows change
    summary = ingest(b, out, progress=False)
    assert summary["files"]["removed"] == 1
    after = rows_by(out, "mirror_stats")
    assert [r for r in after if r[0] == "alpha"] == [r for r in before if r[0] == "alpha"]
    assert dict(((c, s), n) for c, s, n in after)[("beta", "sv2")] == 5
    assert [c["cluster"] for c in summary["clusters"]] == ["beta", "alpha"]
    pruned = ingest(b, out, progress=False, prune=True)
    assert [c["cluster"] for c in pruned["clusters"]] == ["beta"]
    assert {c for c, *_ in rows_by(out, "mirror_stats")} == {"beta"}
    assert not (out / "mirror_stats" / "cluster=alpha").exists()


def test_an_input_without_clp_conf_joins_the_named_cluster(tmp_path):
    named = pack(write_server(tmp_path / "src" / "sv1", conf=conf("alpha", "sv1", "sv2")), tmp_path / "sv1.tar.gz", "sv1/")
    bare = pack(write_server(tmp_path / "src" / "sv2"), tmp_path / "sv2.tar.gz", "sv2/")
    summary = ingest([named, bare], tmp_path / "ds", progress=False)
    assert [(c["cluster"], c["servers"]) for c in summary["clusters"]] == [("alpha", ["sv1", "sv2"])]


def test_a_version_4_dataset_is_rewritten_in_the_new_layout(tmp_path):
    a = cluster_folder(tmp_path / "a", "alpha")
    out = tmp_path / "ds"
    legacy = out / "mirror_stats" / "server=sv1"
    legacy.mkdir(parents=True)
    pl.DataFrame({"x": [1]}).write_parquet(legacy / "part-0.parquet")
    (out / "_clpkit_manifest.json").write_text(json.dumps({"version": 4, "files": []}))
    ingest(a, out, progress=False)
    assert not legacy.exists()
    assert read_table(out, "mirror_stats").select("cluster").unique().collect()["cluster"].to_list() == ["alpha"]


@pytest.mark.parametrize("findings", [True, False])
def test_cli_findings_table_per_cluster(tmp_path, findings):
    a = cluster_folder(tmp_path / "a", "alpha")
    b = cluster_folder(tmp_path / "b", "beta")
    out = tmp_path / "ds"
    res = clpkit_cli("ingest", str(a), str(b), "--out", str(out), *([] if findings else ["--no-findings"]))
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    if not findings:
        assert not (out / "findings").exists() and {c["findings"] for c in summary["clusters"]} == {None}
        return
    stored = duckdb.sql(f"select cluster, count(*) from read_parquet('{out}/findings/**/*.parquet', "
                        "hive_partitioning=true) group by all order by all").fetchall()
    counted = {c["cluster"]: c["findings"] for c in summary["clusters"]}
    assert set(counted) == {"alpha", "beta"} and all(isinstance(n, int) for n in counted.values())
    assert {c: n for c, n in stored} == {c: n for c, n in counted.items() if n}
    assert (out / "findings" / "cluster=alpha" / "findings.parquet").is_file()
